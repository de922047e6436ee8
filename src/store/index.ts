/**
 * Opens the configured store. DATABASE_URL names an SQLite file (the default, created with its directory on
 * first start) or a PostgreSQL server (postgres://…); `openDatabase` runs the migrations for that dialect.
 */
import type { Config } from '../config.js';
import type { Database } from './database.js';
import { MIGRATIONS } from './migrations.js';
import { openPostgres } from './postgres-database.js';
import { openSqlite } from './sqlite-database.js';
import { SqliteStore, sqlitePathOf } from './sqlite.js';
import type { Store } from './types.js';
import { parseDatabaseUrl } from './url.js';

export type * from './types.js';
export type { Database, DatabaseHealth, DatabaseKind } from './database.js';
export { DatabaseConfigError, DatabaseFileGoneError, SchemaTooNewError } from './errors.js';
export { SqliteStore } from './sqlite.js';

/** Opens (and migrates) the database DATABASE_URL names: an awaited start-up step. */
export async function openDatabase(databaseUrl: string): Promise<Database> {
  const target = parseDatabaseUrl(databaseUrl);
  return target.kind === 'postgres' ? openPostgres(target.url, { migrations: MIGRATIONS }) : openSqlite(target.path, { migrations: MIGRATIONS });
}

export function openStore(config: Pick<Config, 'DATABASE_URL'>): Store {
  return new SqliteStore(sqlitePathOf(config.DATABASE_URL));
}
