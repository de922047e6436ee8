/**
 * Starts the Discord adapter from configuration:
 * - DISCORD_PUBLIC_KEY: HTTP interactions on the shared server at POST /discord/interactions;
 * - DISCORD_TOKEN: a gateway client answering interactions over the WebSocket, plus the outbound channel the
 *   scheduler posts through.
 * Both may be set; Discord delivers each interaction one way only (HTTP when an endpoint URL is configured).
 */
import type { Config } from '../../config.js';
import type { Adapter, AdapterDeps } from '../../core/adapter.js';
import { retryingAdapter, type Failure, type RetryTiming } from '../lifecycle.js';
import { discordSyntax } from './syntax.js';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/log.js';
import type { OutboundChannel } from '../../core/outbound.js';
import type { HttpServer } from '../../http/server.js';
import { buildDiscordCommands } from './commands.js';
import { attachGatewayHandler, createGatewayClient, watchGatewayToken } from './gateway.js';
import { TokenState } from '../token-state.js';
import { createInteractionsHandler, INTERACTIONS_PATH } from './interactions.js';
import { createDiscordOutbound } from './outbound.js';
import { createDiscordRest } from './rest.js';
import { createChartRest } from './charts.js';

export { buildDiscordCommands } from './commands.js';
export { createDiscordOutbound } from './outbound.js';
export { createDiscordRest } from './rest.js';
export { registerCommands } from './register.js';
export { INTERACTIONS_PATH } from './interactions.js';

export interface StartDiscordOptions {
  core: Core;
  config: Pick<Config, 'DISCORD_TOKEN' | 'DISCORD_PUBLIC_KEY' | 'DISCORD_API_URL'>;
  /** The shared HTTP server; needed only with DISCORD_PUBLIC_KEY. */
  http?: HttpServer;
  logger: Logger;
  /** Add chart images to answers (default true). */
  charts?: boolean;
}

export interface DiscordAdapter {
  /** Present when DISCORD_TOKEN is set: the bot can post on its own. */
  outbound?: OutboundChannel;
  /** Degraded, with the reason, once Discord refused the token (401 or gateway close 4004). */
  health(): { status: 'ok' | 'degraded'; reason?: string };
  stop(): Promise<void>;
}

export async function startDiscord({ core, config, http, logger, charts = true }: StartDiscordOptions): Promise<DiscordAdapter> {
  const log = logger.child({ adapter: 'discord' });
  const commands = buildDiscordCommands(core.commands);
  // Replies to Discord callers name commands and channels the Discord way (`/digest list`, `<#123>`).
  core.useSyntax(discordSyntax);

  if (config.DISCORD_PUBLIC_KEY) {
    if (!http) throw new Error('DISCORD_PUBLIC_KEY is set, so Discord HTTP interactions need the shared HTTP server');
    const chartRest = charts ? createChartRest(config.DISCORD_API_URL) : undefined;
    // Unsigned requests are turned away on their headers, before a byte of their body is read.
    const signed = { requireHeaders: { 'x-signature-ed25519': /^[0-9a-f]{128}$/i, 'x-signature-timestamp': /^\d{1,12}$/ } };
    http.route('POST', INTERACTIONS_PATH, createInteractionsHandler({ core, commands, publicKey: config.DISCORD_PUBLIC_KEY, logger: log, charts: chartRest, apiUrl: config.DISCORD_API_URL }), signed);
    log.info({ path: INTERACTIONS_PATH }, 'discord HTTP interactions enabled');
  }
  if (!config.DISCORD_TOKEN) return { stop: async () => {}, health: () => ({ status: 'ok' }) };

  // One view of the token for the outbound channel, the gateway and health (a 401 or close 4004 flips it).
  const tokenState = new TokenState('discord', log);
  const outbound = createDiscordOutbound(createDiscordRest({ token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL }), { tokenState, ...(charts ? { charts: { logger: log } } : {}) });
  const client = createGatewayClient(config.DISCORD_API_URL);
  attachGatewayHandler(client, { core, commands, logger: log, charts });
  watchGatewayToken(client, tokenState);
  client.once('clientReady', (ready) => log.info({ user: ready.user.tag, guilds: ready.guilds.cache.size }, 'discord gateway connected'));
  try {
    await client.login(config.DISCORD_TOKEN);
  } catch (error) {
    await client.destroy();
    throw new Error(`Discord login failed: ${error instanceof Error ? error.message : String(error)}. Check DISCORD_TOKEN (Bot → Reset Token in the developer portal).`, { cause: error });
  }
  return {
    outbound,
    health: () => (tokenState.revoked ? { status: 'degraded', reason: tokenState.reason } : { status: 'ok' }),
    stop: async () => {
      await client.destroy();
    },
  };
}

function describeDiscordFailure(error: unknown): Failure {
  const cause = (error as { cause?: { code?: string | number; status?: number } }).cause;
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 240);
  // discord.js: TokenInvalid (a malformed or refused token), or a 401 from GET /gateway/bot.
  if (cause?.code === 'TokenInvalid' || cause?.status === 401 || /token/i.test(String(cause?.code ?? ''))) {
    return { reason: `Discord did not accept DISCORD_TOKEN (${message})`, rejected: true };
  }
  return { reason: `Discord is unreachable or failing (${message})` };
}

/**
 * Discord behind the Adapter contract (src/core/adapter.ts): `startDiscord` inside `retryingAdapter`. HTTP
 * interactions are mounted before the gateway logs in, so they answer even while the Discord API is down;
 * a failed login leaves Discord degraded and retrying in the background, never the process down.
 */
export function createDiscordAdapter(deps: AdapterDeps, timing: RetryTiming = {}): Adapter {
  const { core, config, http, logger } = deps;
  return retryingAdapter({
    ...timing,
    name: 'discord',
    syntax: core.useSyntax(discordSyntax),
    endpoints: [
      ...(config.DISCORD_PUBLIC_KEY ? [{ kind: 'http' as const, method: 'POST' as const, path: INTERACTIONS_PATH }] : []),
      ...(config.DISCORD_TOKEN ? [{ kind: 'socket' as const, name: 'Discord gateway' }] : []),
    ],
    // Only a bot token can post; HTTP interactions alone answer but never post on their own.
    posts: Boolean(config.DISCORD_TOKEN),
    logger,
    check: () => {
      if (config.DISCORD_PUBLIC_KEY && !http) throw new Error('DISCORD_PUBLIC_KEY is set, so Discord HTTP interactions need the shared HTTP server');
    },
    connect: () => startDiscord({ core, config, http, logger }),
    describe: describeDiscordFailure,
  });
}
