/**
 * Start-up wiring: configuration → data → core → adapters. With no Slack or Discord variables the bot
 * runs the console adapter, so it works with no tokens at all.
 */
import { loadConfig, slackEnabled, discordEnabled, type Config } from './config.js';
import { createLogger } from './core/log.js';
import { HttpServer } from './http/server.js';
import { createRuntime, type Runtime } from './runtime.js';
import { runConsole, createConsoleOutbound } from './adapters/console/console.js';
import type { OutboundChannel } from './core/outbound.js';
import { startDigests } from './schedule/wire.js';
import { startNews } from './news/wire.js';
import { startAlerts } from './alerts/wire.js';

export interface RunningBot {
  runtime: Runtime;
  http?: HttpServer;
  outbound: OutboundChannel[];
  adapters: string[];
  stop(): Promise<void>;
}

/** Starts the chat adapters the configuration asks for; without any, the console. */
export async function startBot(config: Config = loadConfig()): Promise<RunningBot> {
  const logger = createLogger(config.LOG_LEVEL);
  const runtime = await createRuntime(config, logger, { watchData: true });
  const adapters: string[] = [];
  const outbound: OutboundChannel[] = [];
  const needsHttp = (slackEnabled(config) && !config.SLACK_APP_TOKEN) || Boolean(config.DISCORD_PUBLIC_KEY);
  const http = needsHttp ? new HttpServer(() => ({ adapters, ...runtime.live.status() })) : undefined;

  // Platform adapters are wired here as they land (Slack, Discord); each pushes to `adapters` and `outbound`.

  if (discordEnabled(config)) {
    // Loaded only when configured: discord.js is large and Slack-only or console bots never need it.
    const { startDiscord } = await import('./adapters/discord/index.js');
    const discord = await startDiscord({ core: runtime.core, config, http, logger });
    adapters.push('discord');
    if (discord.outbound) outbound.push(discord.outbound);
    runtime.onClose(() => discord.stop());
  }

  if (slackEnabled(config)) {
    // Loaded only when configured, like Discord. HTTP mode mounts POST /slack/events on `http`; Socket Mode ignores it.
    const { startSlack } = await import('./adapters/slack/index.js');
    const slack = await startSlack({ core: runtime.core, config, http, logger });
    adapters.push(slack.mode === 'socket' ? 'slack (socket mode)' : 'slack');
    outbound.push(slack.outbound);
    runtime.onClose(() => slack.stop());
  }

  if (http) {
    const address = await http.listen(config.PORT, config.HOST);
    logger.info({ port: address.port, host: address.address, adapters }, 'HTTP server listening');
    runtime.onClose(() => http.close());
  }
  // After the adapters, so every platform's outbound channel is connected; on SIGTERM it stops first.
  await startDigests(runtime, outbound);
  startNews(runtime, outbound);
  // Announces what changed while the bot was down, then every new data version; `/capex-digest status` lists the adapters.
  runtime.services.adapters = adapters;
  await startAlerts(runtime, outbound);
  return { runtime, http, outbound, adapters, stop: () => runtime.close() };
}

export async function main(): Promise<void> {
  const config = loadConfig();
  if (!slackEnabled(config) && !discordEnabled(config)) {
    const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
    const runtime = await createRuntime(config, logger, { watchData: true });
    runtime.services.consoleOutbound = createConsoleOutbound(process.stdout);
    // Interactive console: scheduled digests print here; piped input stays a plain question/answer stream.
    if (process.stdin.isTTY) await startDigests(runtime, [runtime.services.consoleOutbound as OutboundChannel]);
    if (process.stdin.isTTY) startNews(runtime, [runtime.services.consoleOutbound as OutboundChannel]);
    if (process.stdin.isTTY) await startAlerts(runtime, [runtime.services.consoleOutbound as OutboundChannel]);
    await runConsole({ core: runtime.core, input: process.stdin, output: process.stdout, interactive: Boolean(process.stdin.isTTY) });
    await runtime.close();
    return;
  }
  const bot = await startBot(config);
  const shutdown = async (signal: string) => {
    bot.runtime.logger.info({ signal }, 'shutting down');
    await bot.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
