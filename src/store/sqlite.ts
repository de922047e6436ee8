/**
 * The Store on an SQLite file (or `:memory:` for fast unit tests), opened synchronously: better-sqlite3 is
 * synchronous, so tests and the CLI can construct it in one line. The running bot opens through
 * `openStore()` (index.ts), which also takes PostgreSQL URLs.
 */
import type { Database as SqliteHandle } from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { openSqlite, type SqliteDatabase } from './sqlite-database.js';
import { KyselyStore } from './store.js';
import { parseDatabaseUrl } from './url.js';

/** The SQLite file DATABASE_URL names ("./data/x.sqlite", "sqlite:x.sqlite", ":memory:" …). */
export function sqlitePathOf(databaseUrl: string): string {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind !== 'sqlite') throw new Error('DATABASE_URL names PostgreSQL: open it with openStore()');
  return target.path;
}

export class SqliteStore extends KyselyStore {
  declare readonly database: SqliteDatabase;
  /** The better-sqlite3 handle, for tests and diagnostics; stores query through Kysely. */
  readonly db: SqliteHandle;

  constructor(
    readonly path: string,
    options: { fileCheckIntervalMs?: number } = {},
  ) {
    const database = openSqlite(path, { migrations: MIGRATIONS, ...options });
    super(database);
    this.db = database.handle;
  }
}

/** A store in memory: the real schema and queries, nothing on disk — for fast unit tests of the engine. */
export function openMemoryStore(): SqliteStore {
  return new SqliteStore(':memory:');
}
