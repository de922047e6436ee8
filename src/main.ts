/**
 * Start-up wiring: configuration → data → core → adapters. The chat platforms come from the adapter registry
 * (src/adapters/registry.ts: one line per platform); those the configuration turns on are started, each
 * degraded-and-retrying rather than fatal when its platform is down. With none, the bot runs the console, so
 * it works with no tokens at all.
 */
import { loadConfig, slackOAuthEnabled, webEnabled, type Config } from './config.js';
import { createLogger } from './core/log.js';
import { HttpServer } from './http/server.js';
import { createRuntime, type Runtime } from './runtime.js';
import { runConsole, createConsoleOutbound } from './adapters/console/console.js';
import { AdapterRegistry } from './adapters/registry.js';
import type { OutboundChannel } from './core/outbound.js';
import { deliveryStatus, startDigests } from './schedule/wire.js';
import { startNews } from './news/wire.js';
import { startAlerts } from './alerts/wire.js';
import { tellAdminsOfDatabaseProblems, withDatabaseHealth } from './store/alarm.js';
import { openSlackInstallations } from './store/installations.js';
import { startProposals } from './proposals/wire.js';
import type * as Web from './web/index.js';

/** The web pages (Hono, page templates, exports) load only when they are served: WEB=off never loads them. */
const loadWeb = (): Promise<typeof Web> => import('./web/index.js');

export interface RunningBot {
  runtime: Runtime;
  http?: HttpServer;
  registry: AdapterRegistry;
  outbound: OutboundChannel[];
  /** Labels of the adapters started, e.g. ['discord', 'slack (socket mode)']. */
  adapters: string[];
  stop(): Promise<void>;
}

/** Starts the chat adapters the configuration asks for (see `AdapterRegistry`); without any, the console. */
export async function startBot(config: Config = loadConfig()): Promise<RunningBot> {
  const logger = createLogger(config.LOG_LEVEL);
  // Loaded while the data file is read and the database opened rather than after (mounted below).
  const web = webEnabled(config) ? loadWeb() : undefined;
  web?.catch(() => undefined);
  const runtime = await createRuntime(config, logger, { watchData: true });
  const registry = AdapterRegistry.fromConfig(config);
  const needsHttp = registry.needsHttp(config) || webEnabled(config);
  // /healthz: `status` is "degraded" with each reason while a platform is down or refuses the token; still 200,
  // because the process serves the other platforms (a restart would not fix a platform outage or a bad token).
  // `database`: kind, migration version, location; a lost database makes the whole body degraded.
  // Delivery: whether this replica leads the background loops, and the lag of the oldest due post (docs/scaling.md).
  const http = needsHttp ? new HttpServer(() => withDatabaseHealth({ ...registry.healthz(), ...runtime.live.status(), ...deliveryStatus(runtime.services) }, runtime.store)) : undefined;

  // Every adapter's first attempt is over when this resolves; those that failed keep trying in the background.
  // Slack installed in many workspaces keeps each workspace's (encrypted) token in the database.
  const installations = slackOAuthEnabled(config) && runtime.store ? openSlackInstallations(runtime.store, config) : undefined;
  await registry.start({ core: runtime.core, config, http, logger, ...(installations ? { installations } : {}) });
  runtime.onClose(() => registry.stop());
  const adapters = registry.reports().map((r) => r.label);
  const outbound = registry.outbounds();

  // The web pages take every path the adapters' exact routes do not (src/web); WEB=off leaves them out.
  if (http && web) (await web).mountWeb(http, runtime);
  if (http) {
    try {
      const address = await http.listen(config.PORT, config.HOST);
      logger.info({ port: address.port, host: address.address, adapters }, 'HTTP server listening');
      runtime.onClose(() => http.close());
    } catch (error) {
      // When only the web pages want the port (Socket Mode, Discord gateway), a taken port costs the pages, not the bot.
      if (registry.needsHttp(config)) throw error;
      logger.warn({ err: error, port: config.PORT }, 'web pages not started: the port could not be opened (set PORT, or WEB=off)');
    }
  }
  // `/capex-digest status` lists the adapters with their health.
  runtime.services.adapters = () => registry.reports();
  // After the adapters, so every platform's outbound channel exists; on SIGTERM it stops first.
  await startDigests(runtime, outbound);
  startNews(runtime, outbound);
  // Announces what changed while the bot was down, then every new data version.
  await startAlerts(runtime, outbound);
  // Proposed figures from SEC filings and headlines (posts to admin channels; publishing needs an approval).
  startProposals(runtime, outbound);
  // A database file deleted while running: every admin is told by DM (the log and /healthz say it too).
  if (runtime.store) tellAdminsOfDatabaseProblems(runtime.store, outbound, logger);
  return { runtime, http, registry, outbound, adapters, stop: () => runtime.close() };
}

export async function main(): Promise<void> {
  const config = loadConfig();
  if (AdapterRegistry.fromConfig(config).isEmpty) {
    const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
    const runtime = await createRuntime(config, logger, { watchData: true });
    const consoleOutbound = createConsoleOutbound(process.stdout);
    // The web pages run beside an interactive console, on PORT; piped input stays a plain question/answer stream.
    const web = process.stdin.isTTY && webEnabled(config) ? await (await loadWeb()).startWebBesideConsole(runtime) : undefined;
    if (web) process.stdout.write(`Web pages: ${web}\n`);
    // Interactive console: scheduled digests print here; piped input stays a plain question/answer stream.
    if (process.stdin.isTTY) await startDigests(runtime, [consoleOutbound]);
    if (process.stdin.isTTY) startNews(runtime, [consoleOutbound]);
    if (process.stdin.isTTY) await startAlerts(runtime, [consoleOutbound]);
    if (process.stdin.isTTY) startProposals(runtime, [consoleOutbound]);
    await runConsole({ core: runtime.core, input: process.stdin, output: process.stdout, interactive: Boolean(process.stdin.isTTY) });
    await runtime.close();
    return;
  }
  const bot = await startBot(config);
  // A platform SDK rejecting a promise nobody awaits (a reconnect that fails inside discord.js or Bolt) must not
  // take Slack, Discord and the HTTP endpoint down with it: it is logged, and the adapters' health says the rest.
  process.on('unhandledRejection', (reason) => bot.runtime.logger.error({ err: reason }, 'unhandled rejection (kept running)'));
  const shutdown = async (signal: string) => {
    bot.runtime.logger.info({ signal }, 'shutting down');
    await bot.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
