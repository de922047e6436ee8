/**
 * Opens a PostgreSQL database (node-postgres Pool) as a Database. BIGINT and COUNT(*) come back as JS
 * numbers (epoch milliseconds and row counts are far below 2^53), so rows look the same as SQLite's.
 * The connection is tried once at open, so a wrong URL or a server that is down stops start-up with a
 * message naming the server (never its password).
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database, DatabaseHealth } from './database.js';
import { DatabaseConfigError } from './errors.js';
import { migratePostgres, type Migration } from './migrate.js';
import type { Tables } from './schema.js';
import { redactUrl } from './url.js';

const INT8_OID = 20;
/** Connections per replica: the delivery engine keeps a few posts in flight; commands need one each briefly. */
const POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 10_000;

export interface PostgresOptions {
  migrations: readonly Migration[];
  poolSize?: number;
}

export interface PostgresDatabase extends Database {
  readonly kind: 'postgres';
  /** The node-postgres pool, for this package's tests and the delivery engine's advisory locks. */
  readonly pool: pg.Pool;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export async function openPostgres(url: string, options: PostgresOptions): Promise<PostgresDatabase> {
  const location = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types });
  // An idle client losing its server emits 'error' on the pool; without a listener that would crash the process.
  let lastError: Error | undefined;
  pool.on('error', (error) => {
    lastError = error;
  });
  let migrationVersion: number;
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new DatabaseConfigError(
      'unreachable',
      `The PostgreSQL database ${location} cannot be reached (${(error as Error).message}). Check DATABASE_URL (host, port, user, password, database) and that the server is running.`,
      { cause: error },
    );
  }
  try {
    migrationVersion = (await migratePostgres(pool, options.migrations, location)).version;
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const kysely = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    pool,
    kysely,
    migrationVersion,
    location,
    assertWritable() {},
    health(): DatabaseHealth {
      // A dropped idle connection is replaced on the next query; it is reported, not fatal.
      return { kind: 'postgres', migrationVersion, location, ok: true, ...(lastError ? { problem: `last connection error: ${lastError.message}` } : {}) };
    },
    onProblem() {
      // Nothing to watch: a server that goes away fails the next query, and that caller reports it.
    },
    async close() {
      // Idempotent: the runtime and a service may both close on shutdown (pg refuses a second end()).
      closing ??= kysely.destroy(); // ends the pool
      await closing;
    },
  };
}
