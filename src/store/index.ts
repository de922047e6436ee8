/** Opens the configured store: the SQLite file named by DATABASE_URL (created with its directory on first start). */
import type { Config } from '../config.js';
import { SqliteStore, sqlitePathOf } from './sqlite.js';
import type { Store } from './types.js';

export type * from './types.js';
export { SqliteStore } from './sqlite.js';

export function openStore(config: Pick<Config, 'DATABASE_URL'>): Store {
  return new SqliteStore(sqlitePathOf(config.DATABASE_URL));
}
