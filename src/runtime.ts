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
import { BUNDLED_DATA_FILE, loadDataFile } from './data/loader.js';
import type { DataSet } from './data/dataset.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  core: Core;
  data: () => DataSet;
  dataFile: string;
  services: Services;
  /** Closes what the runtime opened (database, timers), in reverse order. */
  close(): Promise<void>;
  /** Things to close on shutdown, registered by features as they start. */
  onClose(fn: () => void | Promise<void>): void;
}

export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const dataFile = config.DATA_FILE ?? BUNDLED_DATA_FILE;
  // Throws DataFileError naming file, row and field: the bot does not start on bad data.
  const dataSet = loadDataFile(dataFile);
  const services: Services = {};
  const closers: (() => void | Promise<void>)[] = [];
  const core = createCore({ data: () => dataSet, services, logger });
  return {
    config,
    logger,
    core,
    data: () => dataSet,
    dataFile,
    services,
    onClose: (fn) => closers.push(fn),
    close: async () => {
      for (const fn of closers.reverse()) await fn();
    },
  };
}
