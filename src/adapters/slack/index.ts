/**
 * Starts the Slack adapter: a Bolt App that routes the registry's slash commands to the core, receiving
 * either over HTTP (POST /slack/events on the shared server, signed with SLACK_SIGNING_SECRET) or, when
 * SLACK_APP_TOKEN is set, over Socket Mode (no public URL needed). Also returns the outbound channel the
 * scheduler posts digests through.
 */
import { SocketModeReceiver, webApi, type Receiver } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Adapter, AdapterDeps } from '../../core/adapter.js';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/log.js';
import type { OutboundChannel } from '../../core/outbound.js';
import type { HttpServer } from '../../http/server.js';
import { boltLogger } from './bolt-logger.js';
import { SlackChartUploader } from './charts.js';
import { createOutboundWebClient, createSlackOutbound } from './outbound.js';
import { SharedHttpReceiver } from './receiver.js';
import { registerSlashCommands } from './slash-commands.js';
import { registerInteractivity } from './interactivity.js';
import { DigestModal, registerDigestModal } from './modal.js';
import { AppHome, refreshHomesAfter, registerAppHome } from './home.js';
import { createBoltApps, onBoltError } from './bolt-apps.js';
import { SlackUserDirectory } from './users.js';
import { SlackChannelCheck } from './channel-check.js';
import { registerLifecycleEvents } from './events.js';
import { TokenState } from '../token-state.js';
import { retryingAdapter, type Failure, type RetryTiming } from '../lifecycle.js';
import { SLACK_EVENTS_PATH } from './receiver.js';
import { slackSyntax } from './syntax.js';
import { slackOAuthEnabled } from '../../config.js';
import { startMultiWorkspaceSlack } from './multi-workspace.js';
import { INSTALL_PATH, REDIRECT_PATH } from './oauth.js';

export { buildSlackManifest } from './manifest.js';
export { createSlackOutbound, createOutboundWebClient } from './outbound.js';
export { renderMessage, renderSlashResponse } from './render.js';

export type SlackMode = 'http' | 'socket';

export interface StartSlackOptions {
  core: Core;
  config: Config;
  /** The shared HTTP server; required in HTTP mode, unused in Socket Mode. */
  http?: HttpServer;
  logger: Logger;
  /** How long a command may take before it is acked and answered through response_url instead. */
  ackBudgetMs?: number;
  /** Upload chart images under answers (default true; needs the files:write scope). */
  charts?: boolean;
}

export interface SlackAdapter {
  mode: SlackMode;
  /** Slash commands routed, e.g. ['capex', 'compare']. */
  commands: string[];
  outbound: OutboundChannel;
  /** Degraded, with the reason, once Slack refused the token (token_revoked, app_uninstalled, tokens_revoked…). */
  health(): { status: 'ok' | 'degraded'; reason?: string };
  /** Resolves when no Slack request is still being processed (HTTP mode; Socket Mode resolves at once). */
  idle(): Promise<void>;
  /** Stops taking requests and waits briefly for those in progress. */
  stop(): Promise<void>;
}

export class SlackStartError extends Error {
  readonly code = 'SLACK_START_FAILED';
}

/** The WebClient appends method names to the base URL, so it must end with a slash. */
function apiBaseUrl(url: string | undefined): string | undefined {
  return url === undefined ? undefined : url.endsWith('/') ? url : `${url}/`;
}

export async function startSlack({ core, config, http, logger, ackBudgetMs, charts: withCharts = true }: StartSlackOptions): Promise<SlackAdapter> {
  const token = config.SLACK_BOT_TOKEN;
  if (!token) throw new SlackStartError('SLACK_BOT_TOKEN is not set');
  // Replies to Slack callers name commands and channels the Slack way (`/capex help`, `<#C123>`).
  core.useSyntax(slackSyntax);
  const mode: SlackMode = config.SLACK_APP_TOKEN ? 'socket' : 'http';
  const log = boltLogger(logger);
  const slackApiUrl = apiBaseUrl(config.SLACK_API_URL);

  let receiver: Receiver;
  let httpReceiver: SharedHttpReceiver | undefined;
  if (mode === 'socket') {
    // SocketModeReceiver opens its connection with apps.connections.open through these client options.
    receiver = new SocketModeReceiver({ appToken: config.SLACK_APP_TOKEN!, logger: log, installerOptions: { clientOptions: { slackApiUrl } } });
  } else {
    if (!http) throw new SlackStartError('HTTP mode needs the shared HTTP server');
    if (!config.SLACK_SIGNING_SECRET) throw new SlackStartError('set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)');
    receiver = httpReceiver = new SharedHttpReceiver({ http, signingSecret: config.SLACK_SIGNING_SECRET, logger });
  }

  // Interactive calls (auth.test, users.info) fail fast instead of retrying past Slack's 3-second window.
  const clientOptions = { slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 5_000, logger: log };
  // auth.test now, once for both Apps, so a wrong token stops start-up with a clear message instead of failing every command.
  let identity: webApi.AuthTestResponse;
  try {
    identity = await new webApi.WebClient(token, clientOptions).auth.test();
  } catch (error) {
    // An error code means Slack answered and refused; without one Slack did not answer (down, timed out).
    const code = (error as { data?: { error?: string } }).data?.error;
    const message = code ? `Slack did not accept SLACK_BOT_TOKEN (auth.test: ${code})` : `Slack did not answer auth.test (${(error as Error).message})`;
    throw new SlackStartError(message, { cause: error });
  }
  // Slash commands on an App of their own over HTTP (bolt-apps.ts says why).
  const apps = createBoltApps(
    {
      token,
      botId: identity.bot_id,
      botUserId: identity.user_id,
      logger: log,
      clientOptions,
      // We handle slash commands only: no conversation state, and no bot-message events to filter out.
      convoStore: false,
      ignoreSelf: false,
    },
    receiver,
  );
  const { app } = apps;
  onBoltError(apps, async (error) => {
    logger.error({ err: error }, 'Slack request failed inside Bolt');
  });

  const users = new SlackUserDirectory(app.client);
  // Uploads get their own client: a longer timeout than interactive calls, still no retry loop of its own.
  const charts = withCharts ? new SlackChartUploader(createOutboundWebClient({ token, slackApiUrl, logger, timeoutMs: 20_000 }), logger) : undefined;
  const channels = new SlackChannelCheck(app.client, logger);
  // The App Home (app_home_opened → views.publish), the digest form (bare /capex-digest add → views.open;
  // view_submission) and buttons on answers (block_actions), on the same signed endpoint: home.ts, modal.ts, interactivity.ts.
  const home = new AppHome({ core, client: app.client, users, adminUserIds: config.SLACK_ADMIN_USER_IDS, logger });
  registerAppHome(app, home);
  const digestForm = new DigestModal({ core, client: app.client, users, adminUserIds: config.SLACK_ADMIN_USER_IDS, channels, logger, onChange: () => void home.refreshAll(false) });
  registerDigestModal(app, digestForm);
  const commands = registerSlashCommands(apps.commands, { core, users, adminUserIds: config.SLACK_ADMIN_USER_IDS, logger, ackBudgetMs, charts, channels, digestForm, afterCommand: refreshHomesAfter(home) });
  registerInteractivity(app, { core, users, adminUserIds: config.SLACK_ADMIN_USER_IDS, logger, charts, digestForm, home });
  // One view of the token for the outbound channel, the lifecycle events and health.
  const tokenState = new TokenState('slack', logger);
  registerLifecycleEvents(app, { tokenState });
  await app.start();
  logger.info({ mode, commands }, 'Slack adapter started');

  const outbound = createSlackOutbound(createOutboundWebClient({ token, slackApiUrl, logger }), { charts, tokenState });
  return {
    mode,
    commands,
    outbound,
    health: () => (tokenState.revoked ? { status: 'degraded', reason: tokenState.reason } : { status: 'ok' }),
    idle: async () => httpReceiver?.idle(),
    stop: async () => {
      home.stop();
      await app.stop();
    },
  };
}

/** Slack's answers that mean "these credentials will not work until someone changes them". */
const REJECTED = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type', 'invalid_token']);

function describeSlackFailure(error: unknown): Failure {
  const code = (error as { cause?: { data?: { error?: string } }; data?: { error?: string } }).cause?.data?.error ?? (error as { data?: { error?: string } }).data?.error;
  const message = error instanceof Error ? error.message : String(error);
  if (code && REJECTED.has(code)) return { reason: `Slack did not accept the token (${code}): check SLACK_BOT_TOKEN / SLACK_APP_TOKEN`, rejected: true };
  return { reason: `Slack is unreachable or failing (${message.slice(0, 200)})` };
}

/**
 * Slack behind the Adapter contract (src/core/adapter.ts): `startSlack` inside `retryingAdapter`, so Slack being
 * unreachable or refusing the token at start-up leaves Slack degraded and retrying, never the process down.
 */
export function createSlackAdapter(deps: AdapterDeps, timing: RetryTiming = {}): Adapter {
  const { core, config, http, logger, installations } = deps;
  // Installed in many workspaces through OAuth (src/adapters/slack/multi-workspace.ts): HTTP only, tokens from the store.
  const oauth = slackOAuthEnabled(config);
  const socket = Boolean(config.SLACK_APP_TOKEN) && !oauth;
  return retryingAdapter({
    ...timing,
    name: 'slack',
    label: socket ? 'slack (socket mode)' : 'slack',
    syntax: core.useSyntax(slackSyntax),
    endpoints: socket
      ? [{ kind: 'socket', name: 'Slack Socket Mode' }]
      : [{ kind: 'http', method: 'POST', path: SLACK_EVENTS_PATH }, ...(oauth ? [{ kind: 'http', method: 'GET', path: INSTALL_PATH } as const, { kind: 'http', method: 'GET', path: REDIRECT_PATH } as const] : [])],
    posts: true,
    logger,
    check: () => {
      if (!config.SLACK_BOT_TOKEN && !oauth) throw new SlackStartError('SLACK_BOT_TOKEN is not set');
      if (!socket && !http) throw new SlackStartError('HTTP mode needs the shared HTTP server');
      if (oauth && !installations) throw new SlackStartError('installing to many workspaces needs the database (installations are stored there)');
    },
    connect: () => (oauth && installations ? startMultiWorkspaceSlack({ core, config, http, logger, installations }) : startSlack({ core, config, http, logger })),
    describe: describeSlackFailure,
  });
}
