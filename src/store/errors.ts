/**
 * Why the database cannot be used, each with a message that names the database and says how to fix it.
 * `DatabaseConfigError` is a ConfigError: the CLI turns it into exit code 2 with the message, before the
 * HTTP server or the scheduler start.
 */
import { ConfigError } from '../config.js';

export type DatabaseProblem = 'schema_too_new' | 'read_only' | 'unreachable' | 'unsupported_url' | 'open_failed';

export class DatabaseConfigError extends ConfigError {
  constructor(
    readonly problem: DatabaseProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message);
    this.name = 'DatabaseConfigError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export class SchemaTooNewError extends DatabaseConfigError {
  constructor(
    readonly found: number,
    readonly known: number,
    where: string,
  ) {
    super(
      'schema_too_new',
      `The database ${where} is at schema version ${found}, newer than this bot knows (${known}): it was written by a newer release. ` +
        `Upgrade the bot, or point DATABASE_URL at another database.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/**
 * The SQLite file was deleted or replaced while the bot ran. Writes still land in the open (now nameless)
 * file and would vanish at the next restart, so every write after that is refused with this error.
 */
export class DatabaseFileGoneError extends Error {
  readonly code = 'DATABASE_FILE_GONE';
  constructor(readonly path: string, how: 'deleted' | 'replaced') {
    super(
      `The database file ${path} was ${how} while the bot was running: changes can no longer be saved. ` +
        `Restore the file from a backup (or let the bot create a new one) and restart the bot.`,
    );
    this.name = 'DatabaseFileGoneError';
  }
}
