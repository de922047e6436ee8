/** The SQLite file guard on a real file: a deleted or replaced file is noticed by the timer alone, and writes stop. */
import { copyFileSync, mkdtempSync, rmSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DatabaseFileGoneError } from '../../src/store/errors.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(intervalMs: number): { store: SqliteStore; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'capex-guard-'));
  dirs.push(dir);
  const file = join(dir, 'bot.sqlite');
  const store = new SqliteStore(file, { fileCheckIntervalMs: intervalMs });
  stores.push(store);
  return { store, file };
}

const schedule = { channelId: 'slack:C1', kind: 'time' as const, time: '09:00', days: 'daily', zone: 'UTC', createdBy: 'slack:U1' };

it('GIVEN the file is deleted THEN the periodic check reports it once, with no query needed, and every write is refused after', async () => {
  const { store, file } = open(50);
  const before = await store.createSchedule(schedule, 1);
  const problems: Error[] = [];
  store.database.onProblem((p) => problems.push(p));
  rmSync(file);
  const started = Date.now();
  while (problems.length === 0 && Date.now() - started < 2_000) await new Promise((r) => setTimeout(r, 10));
  expect(problems).toHaveLength(1);
  expect(problems[0]).toBeInstanceOf(DatabaseFileGoneError);
  expect(problems[0]!.message).toBe(
    `The database file ${file} was deleted while the bot was running: changes can no longer be saved. Restore the file from a backup (or let the bot create a new one) and restart the bot.`,
  );
  await new Promise((r) => setTimeout(r, 200));
  expect(problems).toHaveLength(1);
  await expect(store.createSchedule(schedule, 2)).rejects.toBeInstanceOf(DatabaseFileGoneError);
  await expect(store.alerts.setState('k', 'v')).rejects.toBeInstanceOf(DatabaseFileGoneError);
  await expect(store.news.addFeed({ url: 'https://e.example/f', addedBy: 'slack:U1' }, 3)).rejects.toBeInstanceOf(DatabaseFileGoneError);
  // Reads still answer from the open handle (so admins can be found and told).
  expect((await store.listSchedules()).map((s) => s.id)).toEqual([before.id]);
  expect(store.health()).toMatchObject({ kind: 'sqlite', ok: false, problem: expect.stringContaining('was deleted') });
});

it('GIVEN the file is replaced by another one (a restore under a running bot) THEN that is reported too', async () => {
  const { store, file } = open(60_000);
  await store.createSchedule(schedule, 1);
  copyFileSync(file, `${file}.copy`);
  renameSync(`${file}.copy`, file);
  await expect(store.createSchedule(schedule, 2)).rejects.toThrow(/was replaced while the bot was running/);
  expect(store.health().ok).toBe(false);
});

it('GIVEN nothing happened to the file THEN writes go through and health is ok', async () => {
  const { store } = open(50);
  await store.createSchedule(schedule, 1);
  await new Promise((r) => setTimeout(r, 150));
  await store.createSchedule(schedule, 2);
  expect(store.health()).toMatchObject({ ok: true });
  expect(store.health().problem).toBeUndefined();
});
