/**
 * Every write goes through one of these two, so none is confirmed that the database cannot keep: the SQLite
 * file is checked before (fail fast) and after (never report success for a write that landed in a file
 * deleted meanwhile). `transaction` for several statements that must land together, `writeOnce` for one.
 */
import type { Transaction } from 'kysely';
import type { Database } from './database.js';
import type { Tables } from './schema.js';

export async function transaction<T>(database: Database, fn: (trx: Transaction<Tables>) => Promise<T>): Promise<T> {
  database.assertWritable();
  const result = await database.kysely.transaction().execute(fn);
  database.assertWritable();
  return result;
}

export async function writeOnce<T>(database: Database, fn: (db: Database['kysely']) => Promise<T>): Promise<T> {
  database.assertWritable();
  const result = await fn(database.kysely);
  database.assertWritable();
  return result;
}

/**
 * Errors (and failure reasons) are stored for `list`; a platform's error text is capped so a hostile or huge one
 * cannot bloat the row. Shared by every store (digests, alerts, news feeds).
 */
export const capError = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

/** Lists of ids go into `IN (…)` in slices, far below SQLite's and PostgreSQL's bound-parameter limits. */
export const ID_CHUNK = 500;

export function chunks<T>(items: readonly T[], size = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
