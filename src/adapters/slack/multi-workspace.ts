/**
 * Slack installed in many workspaces (SLACK_CLIENT_ID + SLACK_CLIENT_SECRET + SLACK_STATE_SECRET): the same
 * Bolt app and slash commands as one-token mode (src/adapters/slack/index.ts), but
 * - tokens come from the installation store, per request (Bolt `authorize`) and per post (the workspace in the
 *   channel id: `slack:T1:C2`), see workspaces.ts;
 * - the "Add to Slack" pages are mounted on the shared HTTP server (oauth.ts);
 * - `app_uninstalled` / `tokens_revoked` (or Slack refusing a workspace's token) delete that installation and
 *   pause its digests and alerts (marked, resumed on re-install); the other workspaces are not affected, so
 *   the adapter stays healthy;
 * - upgrading from one-token mode: when SLACK_BOT_TOKEN is still set, its workspace (auth.test) becomes an
 *   installation and the `slack:C1` ids written before are rewritten to `slack:T…:C1`, so nothing is lost.
 */
import { webApi, type Receiver } from '@slack/bolt';
import type { Logger } from '../../core/log.js';
import type { InstallationStore } from '../../core/installations.js';
import { createBoltApps, onBoltError } from './bolt-apps.js';
import { boltLogger } from './bolt-logger.js';
import type { SlackAdapter, StartSlackOptions } from './index.js';
import { BOT_SCOPES } from './manifest.js';
import { mountSlackOAuth } from './oauth.js';
import { slackErrorCode, TOKEN_ERRORS } from './outbound.js';
import { SharedHttpReceiver } from './receiver.js';
import { registerSlashCommands } from './slash-commands.js';
import { slackSyntax } from './syntax.js';
import { registerWorkspaceSurfaces, WorkspaceSurfaces } from './workspace-surfaces.js';
import { SlackWorkspaces, workspaceKey } from './workspaces.js';

export interface StartMultiWorkspaceOptions extends StartSlackOptions {
  /** Where each workspace's installation (and encrypted token) is kept: the bot's database. */
  installations: InstallationStore;
}

/** Why start-up cannot go on (a configuration that can never work). */
export class SlackOAuthConfigError extends Error {
  readonly code = 'SLACK_OAUTH_CONFIG';
}

export async function startMultiWorkspaceSlack(options: StartMultiWorkspaceOptions): Promise<SlackAdapter> {
  const { core, config, http, logger, installations, ackBudgetMs, charts: withCharts = true } = options;
  if (!http || !config.SLACK_SIGNING_SECRET) throw new SlackOAuthConfigError('installing to many workspaces needs the HTTP endpoint and SLACK_SIGNING_SECRET');
  core.useSyntax(slackSyntax);
  const slackApiUrl = config.SLACK_API_URL === undefined ? undefined : config.SLACK_API_URL.endsWith('/') ? config.SLACK_API_URL : `${config.SLACK_API_URL}/`;
  const rotated = await installations.reencryptStale();
  if (rotated.reencrypted > 0) logger.info({ installations: rotated.reencrypted }, 'Slack tokens re-encrypted with the current TOKEN_ENCRYPTION_KEY; the previous key can be removed once every replica runs with it');
  if (rotated.unreadable.length > 0) {
    logger.error({ installations: rotated.unreadable }, 'Slack tokens no configured key opens (set the old key in TOKEN_ENCRYPTION_KEY_PREVIOUS): these workspaces are not served until then, or until they reinstall');
  }

  /** `key`: the team, or the organization of an org-wide install (see workspaceKey). */
  const uninstall = async (key: string, why: string): Promise<void> => {
    workspaces.forget(key);
    surfaces.forget(key);
    const removed = await installations.delete(key.startsWith('E') ? { enterpriseId: key, isEnterpriseInstall: true } : { teamId: key });
    const paused = await installations.suspendWorkspace(`slack:${key}:`, why);
    logger.warn({ workspace: key, why, removed, paused }, 'capex-bot was removed from a Slack workspace: its digests and alerts are paused until it is installed again');
  };
  /** Which installation an event is about: the organization for an org-wide install, else the team. */
  const eventKey = (body: { team_id?: string; enterprise_id?: string; is_enterprise_install?: boolean }): string =>
    String(body.is_enterprise_install && body.enterprise_id ? body.enterprise_id : body.team_id);
  const workspaces: SlackWorkspaces = new SlackWorkspaces({
    store: installations,
    slackApiUrl,
    logger,
    charts: withCharts,
    onTokenRefused: (key, reason) => uninstall(key, `Slack refused the token: ${reason.slice(0, 120)}`).catch((error) => logger.error({ err: error, workspace: key }, 'could not record that a workspace removed the app')),
  });

  if (config.SLACK_BOT_TOKEN) await adoptSingleWorkspace(config.SLACK_BOT_TOKEN, installations, slackApiUrl, logger);

  const receiver: Receiver & SharedHttpReceiver = new SharedHttpReceiver({ http, signingSecret: config.SLACK_SIGNING_SECRET, logger });
  // Slash commands on an App of their own (bolt-apps.ts says why), with the same authorize.
  const apps = createBoltApps(
    {
      authorize: workspaces.authorize,
      logger: boltLogger(logger),
      clientOptions: { slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 5_000 },
      convoStore: false,
      ignoreSelf: false,
    },
    receiver,
  );
  const { app } = apps;
  onBoltError(apps, async (error) => {
    logger.error({ err: error }, 'Slack request failed inside Bolt');
  });
  // Buttons, the digest form and the App Home (issue 14), each workspace's on its own token and scoped ids.
  const surfaces = new WorkspaceSurfaces({ core, adminUserIds: config.SLACK_ADMIN_USER_IDS, logger, tools: (teamId, enterpriseId) => workspaces.forTeam(teamId, enterpriseId) });
  registerWorkspaceSurfaces(app, surfaces);
  const commands = registerSlashCommands(apps.commands, {
    core,
    adminUserIds: config.SLACK_ADMIN_USER_IDS,
    logger,
    ackBudgetMs,
    workspace: (teamId, enterpriseId) => workspaces.forTeam(teamId, enterpriseId),
    digestForm: surfaces.digestForm,
    afterCommand: surfaces.afterCommand,
  });
  // Both events carry the team; Bolt lets them through even when the installation is already gone.
  app.event('app_uninstalled', async ({ body }) => uninstall(eventKey(body), 'app_uninstalled'));
  app.event('tokens_revoked', async ({ event, body }) => {
    // The app holds bot tokens only: a revoked user token changes nothing.
    if ((event.tokens.bot ?? []).length > 0) await uninstall(eventKey(body), 'tokens_revoked');
  });

  mountSlackOAuth({
    http,
    clientId: config.SLACK_CLIENT_ID!,
    clientSecret: config.SLACK_CLIENT_SECRET!,
    stateSecret: config.SLACK_STATE_SECRET!,
    publicUrl: config.PUBLIC_URL,
    slackApiUrl,
    store: installations,
    scopes: BOT_SCOPES,
    logger,
    onInstalled: async (installation) => {
      const key = workspaceKey(installation);
      workspaces.forget(key);
      const resumed = await installations.resumeWorkspace(`slack:${key}:`);
      if (resumed.schedules + resumed.alerts > 0) logger.info({ workspace: key, ...resumed }, 'digests and alerts paused by an earlier uninstall run again');
    },
  });
  await app.start();
  logger.info({ mode: 'http', commands, workspaces: (await installations.list()).length }, 'Slack adapter started for many workspaces (OAuth)');
  return {
    mode: 'http',
    commands,
    outbound: workspaces.outbound(),
    // One workspace removing the app is not the adapter being unwell: the others are served.
    health: () => ({ status: 'ok' }),
    idle: () => receiver.idle(),
    stop: async () => {
      surfaces.stop();
      await app.stop();
    },
  };
}

/**
 * Upgrade from one-token mode: the workspace of SLACK_BOT_TOKEN (auth.test) is stored as an installation if it
 * has none, and ids written without a workspace become that workspace's. Safe to run at every start.
 */
async function adoptSingleWorkspace(token: string, installations: InstallationStore, slackApiUrl: string | undefined, logger: Logger): Promise<void> {
  const client = new webApi.WebClient(token, { slackApiUrl, logger: boltLogger(logger), retryConfig: { retries: 2 } });
  let auth: webApi.AuthTestResponse;
  try {
    auth = await client.auth.test();
  } catch (error) {
    // Refused: that workspace must install through /slack/install. Unreachable: start-up is retried (the adapter
    // stays degraded meanwhile) rather than running with ids no workspace can be found for.
    const code = slackErrorCode(error);
    if (!code || !TOKEN_ERRORS.has(code)) throw error;
    logger.warn({ error: code }, 'SLACK_BOT_TOKEN was not accepted (auth.test): its workspace is not adopted; install the app there through /slack/install');
    return;
  }
  const teamId = auth.team_id;
  if (!teamId || !auth.user_id) return;
  if (!(await installations.find({ teamId, enterpriseId: auth.enterprise_id }))) {
    await installations.save({ teamId, ...(auth.team ? { teamName: auth.team } : {}), isEnterpriseInstall: false, ...(auth.bot_id ? { botId: auth.bot_id } : {}), botUserId: auth.user_id, botScopes: [], botToken: token, installedAt: Date.now() });
  }
  const changed = await installations.scopeSingleWorkspaceRows(teamId);
  if (changed > 0) logger.info({ team: teamId, rows: changed }, 'one-workspace Slack ids rewritten with their workspace (slack:C… → slack:T…:C…)');
}
