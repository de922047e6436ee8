/**
 * Small facts that must survive a restart (table `data_state`): the data version last seen, the refused
 * version admins were last told about. One key, one value.
 */
import type { Database, Executor } from './database.js';
import { writeOnce } from './write.js';

export class DataState {
  constructor(private readonly database: Database) {}

  /** Inside a caller's transaction (recordArrivals writes the version with the arrivals). */
  static async set(db: Executor, key: string, value: string): Promise<void> {
    await db
      .insertInto('data_state')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute();
  }

  async get(key: string): Promise<string | undefined> {
    const row = await this.database.kysely.selectFrom('data_state').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  set(key: string, value: string): Promise<void> {
    return writeOnce(this.database, (db) => DataState.set(db, key, value));
  }
}
