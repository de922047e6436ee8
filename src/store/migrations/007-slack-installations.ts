/**
 * 7: Slack installations (issue 15, src/store/installations.ts): one row per workspace (or per Enterprise Grid
 * organization for an org-wide install) that added capex-bot through the OAuth flow. `bot_token` holds the token
 * encrypted (src/store/token-cipher.ts), never in clear.
 */
import type { Migration } from '../migrate.js';

export const slackInstallations: Migration = {
  name: 'slack installations',
  sqlite: `
  CREATE TABLE slack_installations (
    id                    TEXT    PRIMARY KEY,
    team_id               TEXT,
    team_name             TEXT,
    enterprise_id         TEXT,
    enterprise_name       TEXT,
    is_enterprise_install INTEGER NOT NULL DEFAULT 0,
    app_id                TEXT,
    bot_id                TEXT,
    bot_user_id           TEXT    NOT NULL,
    bot_scopes            TEXT    NOT NULL DEFAULT '[]',
    bot_token             TEXT    NOT NULL,
    installer_user_id     TEXT,
    installed_at          INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
  );`,
  postgres: `
  CREATE TABLE slack_installations (
    id                    TEXT    PRIMARY KEY,
    team_id               TEXT,
    team_name             TEXT,
    enterprise_id         TEXT,
    enterprise_name       TEXT,
    is_enterprise_install INTEGER NOT NULL DEFAULT 0,
    app_id                TEXT,
    bot_id                TEXT,
    bot_user_id           TEXT    NOT NULL,
    bot_scopes            TEXT    NOT NULL DEFAULT '[]',
    bot_token             TEXT    NOT NULL,
    installer_user_id     TEXT,
    installed_at          BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL
  );`,
};
