/**
 * Opens an SQLite file (better-sqlite3) as a Database: WAL so readers never block the writer, migrations at
 * open, and two start-up checks that turn a bad file into a clear exit instead of a crash after the bot has
 * started: the file (and its directory, where SQLite keeps the -wal and -shm files) must be writable, proven
 * by a write that is rolled back. Opening is synchronous: better-sqlite3 is.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3, { type Database as SqliteHandle, type Statement } from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import type { Database, DatabaseHealth } from './database.js';
import { DatabaseConfigError } from './errors.js';
import { FileGuard } from './file-guard.js';
import { migrateSqlite, type Migration } from './migrate.js';
import type { Tables } from './schema.js';

/** Another process (the one-shot CLI) may write at the same time: wait this long for its lock instead of failing. */
const BUSY_TIMEOUT_MS = 5000;
/** Prepared statements kept per connection: the stores' query texts are a few dozen, lists of ids add some. */
const STATEMENT_CACHE_SIZE = 500;

export interface SqliteOptions {
  migrations: readonly Migration[];
  /** How often a running bot checks that the file is still there (FileGuard). */
  fileCheckIntervalMs?: number;
}

export interface SqliteDatabase extends Database {
  readonly kind: 'sqlite';
  readonly path: string;
  /** The better-sqlite3 handle, for this package's tests and diagnostics only. */
  readonly handle: SqliteHandle;
}

const READ_ONLY_CODES = new Set(['SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_AUTH', 'EACCES', 'EPERM', 'EROFS']);

function readOnlyError(path: string, detail: string, cause?: unknown): DatabaseConfigError {
  return new DatabaseConfigError(
    'read_only',
    `The database file ${resolve(path)} cannot be written (${detail}). The bot keeps its schedules there, so it does not start. ` +
      `Fix: make the file and its directory writable by the user running the bot (e.g. chown/chmod, or remount read-write), ` +
      `or set DATABASE_URL to a writable location.`,
    { cause },
  );
}

/** Fails with a message naming the file and the fix when the file or its directory cannot be written. */
function assertWritablePath(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw readOnlyError(path, `its directory ${resolve(dir)} cannot be created: ${(error as NodeJS.ErrnoException).code ?? error}`, error);
  }
  for (const [target, what] of [
    [dir, 'its directory'],
    [path, 'the file'],
  ] as const) {
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && target === path) continue; // created on open
      throw readOnlyError(path, `${target === dir ? `its directory ${resolve(dir)}` : what} is not writable: ${code ?? error}`, error);
    }
  }
}

/** better-sqlite3 prepares a statement per call through Kysely: keep them, as the hand-written store did. */
function withStatementCache(db: SqliteHandle): KyselySqliteDatabase {
  const cache = new Map<string, Statement>();
  const prepare = (sql: string): Statement => {
    let stmt = cache.get(sql);
    if (!stmt) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  return { prepare, close: () => db.close() };
}

interface Connection {
  handle: SqliteHandle;
  kysely: Kysely<Tables>;
  guard?: FileGuard;
  migrationVersion: number;
  users: number;
}

/**
 * One connection per file per process. Kysely runs a transaction across awaits; a second better-sqlite3
 * connection to the same file in the same process would wait for that transaction's lock synchronously
 * (busy_timeout), blocking the very event loop that has to finish it — a deadlock. Stores opened twice on one
 * file (a test playing the CLI beside the bot) therefore share the connection and its Kysely queue.
 */
const connections = new Map<string, Connection>();

function connect(path: string, options: SqliteOptions): Connection {
  const memory = path === ':memory:';
  if (!memory) assertWritablePath(path);
  let handle: SqliteHandle;
  let migrationVersion: number;
  try {
    handle = new BetterSqlite3(path);
  } catch (error) {
    throw classify(path, error);
  }
  try {
    handle.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode (only an OS crash can lose the last commit).
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrationVersion = migrateSqlite(handle, options.migrations, memory ? '(in memory)' : resolve(path)).version;
    if (!memory) probeWrite(handle);
  } catch (error) {
    handle.close();
    throw classify(path, error);
  }
  const guard = memory ? undefined : new FileGuard(path, options.fileCheckIntervalMs);
  const kysely = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(handle) }) });
  return { handle, kysely, guard, migrationVersion, users: 0 };
}

export function openSqlite(path: string, options: SqliteOptions): SqliteDatabase {
  const memory = path === ':memory:';
  const location = memory ? ':memory:' : resolve(path);
  let connection = memory ? undefined : connections.get(location);
  // A file deleted under an open connection is another file now: open the new one.
  if (!connection || connection.guard?.check()) {
    connection = connect(path, options);
    if (!memory) connections.set(location, connection);
  }
  connection.users++;
  const { handle, kysely, guard, migrationVersion } = connection;
  const shared = connection;
  let closed = false;
  return {
    kind: 'sqlite',
    path,
    handle,
    kysely,
    migrationVersion,
    location,
    assertWritable() {
      const lost = guard?.check();
      if (lost) throw lost;
    },
    health(): DatabaseHealth {
      const lost = guard?.check();
      return { kind: 'sqlite', migrationVersion, location, ok: !lost, ...(lost ? { problem: lost.message } : {}) };
    },
    onProblem(listener) {
      guard?.onLost(listener);
    },
    async close() {
      // Idempotent: the runtime and a service may both close on shutdown.
      if (closed) return;
      closed = true;
      if (--shared.users > 0) return;
      if (connections.get(location) === shared) connections.delete(location);
      guard?.stop();
      await kysely.destroy(); // closes the handle
    },
  };
}

/** A write that is rolled back: SQLite opens a file it cannot write read-only without complaint. */
function probeWrite(handle: SqliteHandle): void {
  handle.exec('BEGIN IMMEDIATE');
  try {
    handle.exec('CREATE TABLE capex_write_probe (x INTEGER)');
  } finally {
    handle.exec('ROLLBACK');
  }
}

function classify(path: string, error: unknown): unknown {
  if (error instanceof DatabaseConfigError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (READ_ONLY_CODES.has(code)) return readOnlyError(path, `${code}: ${(error as Error).message}`, error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new DatabaseConfigError(
      'open_failed',
      `The database file ${resolve(path)} is not a usable SQLite database (${code}). Restore it from a backup, or set DATABASE_URL to another file.`,
      { cause: error },
    );
  }
  return error;
}
