/**
 * Opens the configured store. DATABASE_URL names an SQLite file (the default, created with its directory on
 * first start) or a PostgreSQL server (postgres://…). Opening runs the migrations for that dialect and is an
 * awaited start-up step: a read-only file, an unreachable server or a database newer than the code stops the
 * bot before anything else starts (DatabaseConfigError, a ConfigError: exit code 2).
 */
import type { Config } from '../config.js';
import type { Database } from './database.js';
import { MIGRATIONS } from './migrations.js';
import { openSqlite } from './sqlite-database.js';
import { SqliteStore } from './sqlite.js';
import { KyselyStore } from './store.js';
import type { Store } from './types.js';
import { parseDatabaseUrl } from './url.js';

export type * from './types.js';
export type * from './alerts.js';
export type * from './news.js';
export type { Database, DatabaseHealth, DatabaseKind } from './database.js';
export { DatabaseConfigError, DatabaseFileGoneError, SchemaTooNewError } from './errors.js';
export { SqliteStore, openMemoryStore } from './sqlite.js';
export { KyselyStore } from './store.js';

/** Opens (and migrates) the database DATABASE_URL names. */
export async function openDatabase(databaseUrl: string): Promise<Database> {
  const target = parseDatabaseUrl(databaseUrl);
  return target.kind === 'postgres' ? (await loadPostgres()).openPostgres(target.url, { migrations: MIGRATIONS }) : openSqlite(target.path, { migrations: MIGRATIONS });
}

/** The PostgreSQL side (and the pg driver) loads only when DATABASE_URL names a server: ~40 ms and ~14 MiB an SQLite bot does not pay. */
const loadPostgres = () => import('./postgres-database.js');

/** The store on the database DATABASE_URL names. */
export async function openStore(config: Pick<Config, 'DATABASE_URL'>): Promise<Store> {
  const target = parseDatabaseUrl(config.DATABASE_URL);
  if (target.kind === 'sqlite') return new SqliteStore(target.path);
  return new KyselyStore(await (await loadPostgres()).openPostgres(target.url, { migrations: MIGRATIONS }));
}
