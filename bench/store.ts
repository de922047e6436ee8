/**
 * `npm run bench:store`: what the storage layer costs per operation, on an SQLite file and on PostgreSQL (a
 * throwaway local cluster, or BENCH_DATABASE_URL), and what Kysely adds over hand-prepared better-sqlite3
 * statements for the same SQL (the release-0.1 store). Medians of REPEATS runs; one process, one run each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openStore, type Store } from '../src/store/index.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { startPostgresCluster } from '../test/helpers/postgres.js';

const SLOTS = 1_000;
const REPEATS = 5;
const T0 = Date.UTC(2030, 0, 1);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

interface Row {
  backend: string;
  batchClaimMs: number;
  singleClaimUs: number;
  sendDeliverUs: number;
  listUs: number;
}

async function measure(backend: string, open: () => Promise<Store>): Promise<Row> {
  const store = await open();
  const schedules = [];
  for (let i = 0; i < 100; i++) {
    schedules.push(await store.createSchedule({ channelId: `slack:C${i}`, kind: 'time', time: '09:00', days: 'daily', zone: 'UTC', createdBy: 'slack:U1' }, T0));
  }
  const claim = (scheduleId: number, slot: string) => ({ scheduleId, slot, kind: 'scheduled' as const, dueAt: T0, channelId: 'slack:C0', late: false, now: T0 });
  const batch: number[] = [];
  const single: number[] = [];
  const lifecycle: number[] = [];
  const list: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const s = schedules[r]!;
    batch.push(await time(() => store.claimSlots(Array.from({ length: SLOTS }, (_, i) => claim(s.id, `batch-${r}-${i}`)))));
    const ids: number[] = [];
    single.push(
      (await time(async () => {
        for (let i = 0; i < SLOTS; i++) ids.push((await store.claimSlot(claim(s.id, `single-${r}-${i}`)))!.id);
      })) / SLOTS,
    );
    lifecycle.push(
      (await time(async () => {
        for (const id of ids) {
          await store.markSending(id, T0);
          await store.markDelivered(id, T0, ['a', 'b']);
        }
      })) / ids.length,
    );
    list.push((await time(async () => {
      for (let i = 0; i < 100; i++) await store.listSchedules('slack:');
    })) / 100);
  }
  await store.close();
  return { backend, batchClaimMs: median(batch), singleClaimUs: median(single) * 1000, sendDeliverUs: median(lifecycle) * 1000, listUs: median(list) * 1000 };
}

/** The same single claim as release 0.1 ran it: one prepared INSERT … ON CONFLICT DO NOTHING RETURNING *. */
async function rawSqliteClaimUs(file: string): Promise<number> {
  const store = new SqliteStore(file);
  const s = await store.createSchedule({ channelId: 'slack:C0', kind: 'time', time: '09:00', days: 'daily', zone: 'UTC', createdBy: 'slack:U1' }, T0);
  const stmt = store.db.prepare(
    `INSERT INTO deliveries (schedule_id, slot, kind, due_at, channel_id, status, late, claimed_at, next_attempt_at)
     VALUES (@scheduleId, @slot, 'scheduled', @dueAt, @channelId, 'claimed', 0, @now, @now)
     ON CONFLICT (schedule_id, slot) DO NOTHING RETURNING *`,
  );
  const runs: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    runs.push(
      (await time(async () => {
        for (let i = 0; i < SLOTS; i++) await Promise.resolve(stmt.get({ scheduleId: s.id, slot: `raw-${r}-${i}`, dueAt: T0, channelId: 'slack:C0', now: T0 }));
      })) / SLOTS,
    );
  }
  await store.close();
  return median(runs) * 1000;
}

const dir = mkdtempSync(join(tmpdir(), 'capex-bench-store-'));
const cluster = process.env.BENCH_DATABASE_URL ? undefined : await startPostgresCluster();
try {
  const rows: Row[] = [];
  rows.push(await measure('SQLite file (Kysely)', () => openStore({ DATABASE_URL: join(dir, 'kysely.sqlite') })));
  let pgUrl = process.env.BENCH_DATABASE_URL;
  if (!pgUrl) {
    const admin = new pg.Client({ connectionString: cluster!.url });
    await admin.connect();
    await admin.query('CREATE DATABASE bench_store');
    await admin.end();
    const url = new URL(cluster!.url);
    url.pathname = '/bench_store';
    pgUrl = url.toString();
  }
  rows.push(await measure('PostgreSQL 127.0.0.1 (Kysely)', () => openStore({ DATABASE_URL: pgUrl })));
  const raw = await rawSqliteClaimUs(join(dir, 'raw.sqlite'));
  console.log(`| backend | claimSlots(${SLOTS}) ms | claimSlot µs/op | markSending+markDelivered µs/row | listSchedules(100 rows) µs |`);
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.backend} | ${r.batchClaimMs.toFixed(1)} | ${r.singleClaimUs.toFixed(0)} | ${r.sendDeliverUs.toFixed(0)} | ${r.listUs.toFixed(0)} |`);
  console.log(`\nSame single claim through a hand-prepared better-sqlite3 statement (release 0.1): ${raw.toFixed(0)} µs/op → Kysely costs ${(rows[0]!.singleClaimUs / raw).toFixed(1)}× that.`);
} finally {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}
