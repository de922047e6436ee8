/** Builds the command core with the real command registry and a data source. */
import { Core } from './core/core.js';
import type { Services } from './core/command.js';
import type { Logger } from './core/log.js';
import { commands } from './commands/index.js';
import type { DataSet } from './data/dataset.js';

export interface CreateCoreOptions {
  data: DataSet | (() => DataSet);
  services?: Services;
  logger?: Logger;
  now?: () => Date;
}

export function createCore(options: CreateCoreOptions): Core {
  const { data } = options;
  return new Core({
    commands,
    data: typeof data === 'function' ? data : () => data,
    services: options.services,
    logger: options.logger,
    now: options.now,
  });
}
