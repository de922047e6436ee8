/**
 * An open database, whichever the dialect: the Kysely instance every store area writes its queries with
 * (once, for both dialects), what it is (for /healthz and logs), and its health.
 *
 * Why Kysely: a typed query builder, not an ORM — the SQL stays visible and reviewable (claims are still
 * `INSERT … ON CONFLICT DO NOTHING RETURNING`), one query text compiles for SQLite (over better-sqlite3, kept
 * as the embedded default) and PostgreSQL (over node-postgres' Pool), column names and types are checked by
 * tsc against schema.ts, and transactions work the same on both. 0.28 is the last line that runs on Node 20.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Tables } from './schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/** A Kysely instance or an open transaction: store helpers take either. */
export type Executor = Kysely<Tables> | Transaction<Tables>;

export interface DatabaseHealth {
  kind: DatabaseKind;
  /** The schema version the database is at (the number of migrations applied). */
  migrationVersion: number;
  /** The file path, or the server URL without its password. */
  location: string;
  ok: boolean;
  /** What is wrong, when not ok (e.g. the file was deleted). */
  problem?: string;
}

export interface Database {
  readonly kind: DatabaseKind;
  readonly kysely: Kysely<Tables>;
  readonly migrationVersion: number;
  readonly location: string;
  /**
   * Throws when the database can no longer keep a write (the SQLite file was deleted or replaced). Stores
   * call it after every committed write, so nothing is confirmed that a restart would lose.
   */
  assertWritable(): void;
  health(): DatabaseHealth;
  /** Called once when the database becomes unusable while running (see watch.ts for who listens). */
  onProblem(listener: (problem: Error) => void): void;
  close(): Promise<void>;
}
