/**
 * Everything the bot needs before any chat platform is connected: configuration, the validated data set,
 * the command core and its services. `npm start` and the one-shot `capex-bot ask` both build it here, so a
 * command behaves the same in the console, the CLI, Slack and Discord.
 */
import type { Config } from './config.js';
import type { Services } from './core/command.js';
import type { Core } from './core/core.js';
import type { Logger } from './core/log.js';
import { createCore } from './app.js';
import { BUNDLED_DATA_FILE } from './data/loader.js';
import type { DataSet } from './data/dataset.js';
import { lastGoodPathFor, LiveData, loadStartupData } from './data/live.js';
import { installDigestService } from './schedule/wire.js';
import { installNewsService, newsHeadlines } from './news/wire.js';
import { figureArrivals, installAlertService } from './alerts/wire.js';
import { installProposalService } from './proposals/wire.js';
import { openStore, type Store } from './store/index.js';
import { logDatabaseProblems } from './store/alarm.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  core: Core;
  data: () => DataSet;
  /** The data source: reloads on change, keeps the last good version when a new one is refused. */
  live: LiveData;
  services: Services;
  /** The open store (schedules, alerts, news…), when this run opened the database. */
  store?: Store;
  /** Closes what the runtime opened (database, timers), in reverse order. */
  close(): Promise<void>;
  /** Things to close on shutdown, registered by features as they start. */
  onClose(fn: () => void | Promise<void>): void;
}

export interface RuntimeOptions {
  /** Watch the data file / poll the data URL for new versions (the running bot); off for one-shot commands. */
  watchData?: boolean;
  /**
   * Open the database (default): the running bot and one-shot commands that read or change schedules, alerts or
   * feeds. Off for plain questions, so they never create an SQLite file.
   */
  database?: boolean;
}

export async function createRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const dataFile = config.DATA_FILE ?? BUNDLED_DATA_FILE;
  // An operator's DATA_FILE keeps a last-good copy beside it: a file refused at start-up falls back to it.
  const lastGoodFile = config.DATA_FILE ? lastGoodPathFor(config.DATA_FILE) : undefined;
  // Throws DataFileError naming file, row and field (and the missing copy): the bot does not start on bad data.
  const startup = loadStartupData(dataFile, { maxBytes: config.DATA_MAX_BYTES, lastGoodFile, logger });
  const live = new LiveData({
    source: config.DATA_URL ? { url: config.DATA_URL } : { file: dataFile },
    initial: startup.data,
    initialText: startup.text,
    startupRefusal: startup.refusal,
    maxBytes: config.DATA_MAX_BYTES,
    lastGoodFile,
    refreshMinutes: config.DATA_REFRESH_MINUTES,
    logger,
  });
  // With a URL, the file is only the fallback until the first fetch answers.
  if (config.DATA_URL) await live.check();
  const services: Services = { live };
  const closers: (() => void | Promise<void>)[] = [];
  // Opened (and migrated) before anything starts: a read-only file, an unreachable server or a database newer
  // than the code stops start-up here with a DatabaseConfigError (exit 2). Closed last on shutdown.
  const store = options.database === false ? undefined : await openStore(config);
  if (store) {
    closers.push(() => store.close());
    // A deleted or replaced SQLite file is logged the moment it is noticed (and /healthz says so).
    logDatabaseProblems(store, logger);
  }
  if (options.watchData) {
    live.start();
    closers.push(() => live.stop());
  }
  const data = () => live.current();
  // `services.digest`: schedules over the store (absent when the database is not opened).
  installDigestService({ config, data, logger, services, headlines: newsHeadlines(services), arrivals: figureArrivals(services), store, onClose: (fn) => closers.push(fn) });
  // `services.news`: feeds and headlines in the same database; installed after digests so it stops before the store closes.
  installNewsService({ config, data, logger, services, onClose: (fn) => closers.push(fn) });
  // `services.alerts`: revision alerts in the same database; installed last so it stops first.
  installAlertService({ config, data, logger, services, onClose: (fn) => closers.push(fn) });
  // `services.proposals`: proposed figures from filings and headlines, same database; stops before alerts.
  installProposalService({ config, data, logger, services, onClose: (fn) => closers.push(fn) });
  const core = createCore({ data, services, logger });
  return {
    config,
    logger,
    core,
    data,
    live,
    services,
    ...(store ? { store } : {}),
    onClose: (fn) => closers.push(fn),
    close: async () => {
      for (const fn of closers.reverse()) await fn();
    },
  };
}
