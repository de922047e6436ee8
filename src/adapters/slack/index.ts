/**
 * Starts the Slack adapter: a Bolt App that routes the registry's slash commands to the core, receiving
 * either over HTTP (POST /slack/events on the shared server, signed with SLACK_SIGNING_SECRET) or, when
 * SLACK_APP_TOKEN is set, over Socket Mode (no public URL needed). Also returns the outbound channel the
 * scheduler posts digests through.
 */
import { App, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/log.js';
import type { OutboundChannel } from '../../core/outbound.js';
import type { HttpServer } from '../../http/server.js';
import { boltLogger } from './bolt-logger.js';
import { SlackChartUploader } from './charts.js';
import { createOutboundWebClient, createSlackOutbound } from './outbound.js';
import { SharedHttpReceiver } from './receiver.js';
import { registerSlashCommands } from './slash-commands.js';
import { SlackUserDirectory } from './users.js';

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

  const app = new App({
    token,
    receiver,
    logger: log,
    // Interactive calls (auth.test, users.info) fail fast instead of retrying past Slack's 3-second window.
    clientOptions: { slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 5_000 },
    // We handle slash commands only: no conversation state, and no bot-message events to filter out.
    convoStore: false,
    ignoreSelf: false,
    // init() runs auth.test now, so a wrong token stops start-up with a clear message instead of failing every command.
    deferInitialization: true,
  });
  try {
    await app.init();
  } catch (error) {
    const reason = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
    throw new SlackStartError(`Slack did not accept SLACK_BOT_TOKEN (auth.test: ${reason})`, { cause: error });
  }
  app.error(async (error) => {
    logger.error({ err: error }, 'Slack request failed inside Bolt');
  });

  const users = new SlackUserDirectory(app.client);
  // Uploads get their own client: a longer timeout than interactive calls, still no retry loop of its own.
  const charts = withCharts ? new SlackChartUploader(createOutboundWebClient({ token, slackApiUrl, logger, timeoutMs: 20_000 }), logger) : undefined;
  const commands = registerSlashCommands(app, { core, users, adminUserIds: config.SLACK_ADMIN_USER_IDS, logger, ackBudgetMs, charts });
  await app.start();
  logger.info({ mode, commands }, 'Slack adapter started');

  const outbound = createSlackOutbound(createOutboundWebClient({ token, slackApiUrl, logger }), { charts });
  return {
    mode,
    commands,
    outbound,
    idle: async () => httpReceiver?.idle(),
    stop: async () => {
      await app.stop();
    },
  };
}
