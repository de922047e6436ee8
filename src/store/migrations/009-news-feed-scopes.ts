/**
 * 9: news feeds belong to workspaces (issue 15 item 4). A feed URL is still fetched once (news_feeds, UNIQUE url,
 * its headlines kept once); which workspaces read it is a row per (feed, scope) here, so the same URL added in
 * two Slack workspaces is one fetch but two list entries, and removing it in one leaves the other's.
 *
 * `scope` is the adder's workspace as src/core/workspace.ts writes it: `slack:T1:` under OAuth, `slack:`,
 * `discord:` or `console:` otherwise. Existing feeds get the scope of the admin who added them (so a one-token or
 * Discord bot keeps sharing every feed, and rows already upgraded to `slack:T1:U1` land in T1).
 */
import type { Migration } from '../migrate.js';

/** workspaceOf(added_by) in SQL: `slack:T1:U1` → `slack:T1:`, `discord:42` → `discord:`. */
const sqliteScope = `CASE WHEN added_by LIKE '%:%:%'
    THEN substr(added_by, 1, instr(added_by, ':') + instr(substr(added_by, instr(added_by, ':') + 1), ':'))
    ELSE substr(added_by, 1, instr(added_by, ':')) END`;
const postgresScope = `split_part(added_by, ':', 1) || ':' || CASE WHEN added_by LIKE '%:%:%' THEN split_part(added_by, ':', 2) || ':' ELSE '' END`;

export const newsFeedScopes: Migration = {
  name: 'news feeds scoped to the workspaces that added them',
  sqlite: `
  CREATE TABLE news_feed_scopes (
    feed_id       INTEGER NOT NULL REFERENCES news_feeds (id) ON DELETE CASCADE,
    scope         TEXT    NOT NULL,
    added_by      TEXT    NOT NULL,
    added_by_name TEXT,
    added_at      INTEGER NOT NULL,
    PRIMARY KEY (feed_id, scope)
  );
  CREATE INDEX news_feed_scopes_scope ON news_feed_scopes (scope, feed_id);
  INSERT INTO news_feed_scopes (feed_id, scope, added_by, added_by_name, added_at)
  SELECT id, ${sqliteScope}, added_by, added_by_name, added_at FROM news_feeds ORDER BY id;
  `,
  postgres: `
  CREATE TABLE news_feed_scopes (
    feed_id       BIGINT  NOT NULL REFERENCES news_feeds (id) ON DELETE CASCADE,
    scope         TEXT    NOT NULL,
    added_by      TEXT    NOT NULL,
    added_by_name TEXT,
    added_at      BIGINT  NOT NULL,
    PRIMARY KEY (feed_id, scope)
  );
  CREATE INDEX news_feed_scopes_scope ON news_feed_scopes (scope, feed_id);
  INSERT INTO news_feed_scopes (feed_id, scope, added_by, added_by_name, added_at)
  SELECT id, ${postgresScope}, added_by, added_by_name, added_at FROM news_feeds ORDER BY id;
  `,
};
