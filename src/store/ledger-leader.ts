/**
 * The leader lock on PostgreSQL (src/delivery/leader.ts): a session-level `pg_try_advisory_lock` held on a
 * connection of its own (not one of the pool's, which are shared and recycled). PostgreSQL releases the lock the
 * moment that session ends — a replica killed with SIGKILL has its socket closed by the kernel, its backend exits,
 * and the next replica's try succeeds. A leader whose connection broke learns it on its next check.
 */
import type pg from 'pg';
import type { LeaderLock } from '../delivery/leader.js';
import type { Database } from './database.js';

/** Any fixed 64-bit number, the same in every replica ("capex-bot leader"); distinct from the migration lock. */
const LEADER_LOCK_KEY = '7308471029384757';
/** A check that does not answer within this is a lost connection. */
const CHECK_TIMEOUT_MS = 5_000;

export class PostgresLeaderLock implements LeaderLock {
  readonly kind = 'postgres-advisory';
  private client: pg.Client | undefined;
  private held = false;

  constructor(private readonly connectionString: string) {}

  async tryAcquire(): Promise<boolean> {
    if (this.held && this.client) return true;
    if (!this.client) {
      // pg loads only when PostgreSQL is used: an SQLite bot never pays its start-up time or memory.
      const { default: pgModule } = await import('pg');
      const client = new pgModule.Client({ connectionString: this.connectionString, connectionTimeoutMillis: CHECK_TIMEOUT_MS });
      // A broken connection surfaces here; the next check notices the lock is gone.
      client.on('error', () => this.drop());
      await client.connect();
      this.client = client;
    }
    const { rows } = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [LEADER_LOCK_KEY]);
    this.held = rows[0]?.ok === true;
    return this.held;
  }

  async stillHeld(): Promise<boolean> {
    const client = this.client;
    if (!client || !this.held) return false;
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('leader connection check timed out')), CHECK_TIMEOUT_MS);
      });
      await Promise.race([client.query('SELECT 1'), timeout]).finally(() => clearTimeout(timer));
      return true;
    } catch {
      this.drop();
      return false;
    }
  }

  private drop(): void {
    this.held = false;
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    if (!client) return;
    // Ending the session releases the lock; no unlock round trip needed.
    await client.end().catch(() => undefined);
  }
}

/** The lock for a database: PostgreSQL's advisory lock, or none (undefined) for SQLite's single process. */
export function leaderLockFor(database: Database): LeaderLock | undefined {
  if (database.kind !== 'postgres') return undefined;
  // The pool's own settings: the lock's connection goes to the same server and database.
  const url = (database as Database & { pool?: pg.Pool }).pool?.options.connectionString;
  if (!url) throw new Error('a PostgreSQL leader lock needs the connection string of the database');
  return new PostgresLeaderLock(url);
}
