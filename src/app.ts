/**
 * Builds the command core with the real command registry, a data source, and the syntax of every registered
 * platform (so a reply is written for the platform that shows it, whichever adapters run in this process).
 */
import { Core } from './core/core.js';
import { PLATFORMS } from './adapters/registry.js';
import { consoleSyntax } from './adapters/console/syntax.js';
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
    syntaxes: [consoleSyntax, ...PLATFORMS.map((p) => p.syntax)],
  });
}
