/** The SQLite store on a real file: created with its directory, WAL, migrations, the ledger's UNIQUE claim. */
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SqliteStore, sqlitePathOf } from '../../src/store/sqlite.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'capex-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const newSchedule = { channelId: 'slack:C1', kind: 'time' as const, time: '09:00', days: 'weekdays', zone: 'Europe/Berlin', createdBy: 'slack:UADMIN', createdByName: 'alice' };

describe('SqliteStore', () => {
  it('creates the file and its directory on first start, in WAL mode, at the latest schema version', async () => {
    const file = join(dir, 'nested', 'data', 'bot.sqlite');
    const store = (await openStore({ DATABASE_URL: file })) as SqliteStore;
    expect(existsSync(file)).toBe(true);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    await store.close();
  });

  it('keeps schedules and the audit log across close and reopen', async () => {
    const file = join(dir, 'bot.sqlite');
    const first = new SqliteStore(file);
    const created = await first.createSchedule(newSchedule, 1_000);
    await first.close();
    const second = new SqliteStore(file);
    expect(await second.listSchedules('slack:')).toEqual([created]);
    expect(await second.listSchedules('discord:')).toEqual([]);
    const [entry] = await second.auditLog();
    expect(entry).toMatchObject({ actor: 'slack:UADMIN', actorName: 'alice', action: 'add', scheduleId: created.id, at: 1_000 });
    expect(entry!.details).toMatchObject({ channelId: 'slack:C1', time: '09:00', zone: 'Europe/Berlin' });
    await second.close();
  });

  it('refuses a database written by a newer bot instead of guessing', async () => {
    const file = join(dir, 'bot.sqlite');
    const raw = new BetterSqlite3(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => new SqliteStore(file)).toThrow(/newer than this bot knows/);
  });

  it('reads DATABASE_URL spellings and refuses server URLs clearly', () => {
    expect(sqlitePathOf('./data/capex-bot.sqlite')).toBe('./data/capex-bot.sqlite');
    expect(sqlitePathOf('file:./x.sqlite')).toBe('./x.sqlite');
    expect(sqlitePathOf('sqlite:///tmp/x.sqlite')).toBe('/tmp/x.sqlite');
    expect(() => sqlitePathOf('postgres://u@h/db')).toThrow(/names PostgreSQL/);
    expect(() => sqlitePathOf('mysql://u@h/db')).toThrow(/'mysql:\/\/…' is not supported/);
  });
});
