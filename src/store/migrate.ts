/**
 * Applies the migration registry (migrations.ts) to a database at open. Each dialect keeps its version where
 * an operator expects it and where the previous release put it:
 * - SQLite: `PRAGMA user_version` (release 0.1 files are at 4 and simply continue from there). Pending
 *   migrations run in one IMMEDIATE transaction, so a second process opening the same file waits instead of
 *   applying them twice.
 * - PostgreSQL: a `capex_schema_migrations` row per applied version, written in the same transaction as the
 *   migration under a transaction-scoped advisory lock, so replicas starting together migrate once.
 * A database newer than the code is refused (SchemaTooNewError) before anything reads it.
 */
import type { Database as SqliteHandle } from 'better-sqlite3';
import type { Pool } from 'pg';
import { SchemaTooNewError } from './errors.js';

export interface Migration {
  /** What it creates, for logs and the migrations table. */
  name: string;
  sqlite: string;
  postgres: string;
}

export interface MigrationResult {
  /** The schema version the database is at now. */
  version: number;
  /** Versions applied by this open (empty when the database was current). */
  applied: number[];
}

export function migrateSqlite(db: SqliteHandle, migrations: readonly Migration[], where: string): MigrationResult {
  const run = db.transaction((): MigrationResult => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > migrations.length) throw new SchemaTooNewError(current, migrations.length, where);
    const applied: number[] = [];
    for (let version = current + 1; version <= migrations.length; version++) {
      db.exec(migrations[version - 1]!.sqlite);
      applied.push(version);
    }
    if (applied.length > 0) db.pragma(`user_version = ${migrations.length}`);
    return { version: migrations.length, applied };
  });
  return run.immediate();
}

/** Any fixed 64-bit number, the same in every replica: the key of the migration advisory lock. */
const MIGRATION_LOCK_KEY = '7308471029384756'; // "capex-bot migrations"

export async function migratePostgres(pool: Pool, migrations: readonly Migration[], where: string): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS capex_schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT    NOT NULL,
      applied_at BIGINT  NOT NULL
    )`);
    const { rows } = await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM capex_schema_migrations');
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) throw new SchemaTooNewError(current, migrations.length, where);
    const applied: number[] = [];
    for (let version = current + 1; version <= migrations.length; version++) {
      const migration = migrations[version - 1]!;
      await client.query(migration.postgres);
      await client.query('INSERT INTO capex_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [version, migration.name, Date.now()]);
      applied.push(version);
    }
    await client.query('COMMIT');
    return { version: migrations.length, applied };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
