/**
 * `npm run bench:store`: what the storage layer costs per operation, on an SQLite file and on PostgreSQL (a
 * throwaway local cluster, or BENCH_DATABASE_URL), and what Kysely adds over a hand-prepared better-sqlite3
 * statement for the same SQL. The ledger measured is the delivery engine's (src/store/ledger.ts, table
 * delivery_ledger), the one every digest, alert and notice goes through: recording a slot's rows, claiming them
 * with a lease, and a post's two writes (sending, delivered). Medians of REPEATS runs; one process, one run each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { NewLedgerRow } from '../src/delivery/ledger.js';
import { openStore, type Store } from '../src/store/index.js';
import { KyselyLedger } from '../src/store/ledger.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { startPostgresCluster } from '../test/helpers/postgres.js';

const SLOTS = 1_000;
/** Rows one replica claims at a time (the engine's DEFAULT_MAX_HELD). */
const CLAIM = 64;
const REPEATS = 5;
const T0 = Date.UTC(2030, 0, 1);
const LEASE_MS = 30_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

interface Row {
  backend: string;
  batchInsertMs: number;
  singleInsertUs: number;
  claimMs: number;
  sendDeliverUs: number;
  listUs: number;
}

/** One digest post owed: schedule `subject`, one channel, one slot (the engine's key). */
const rowOf = (subject: string, slot: string, i: number): NewLedgerRow => ({ kind: 'digest', subject, target: `slack:C${i}`, slot, dueAt: T0, payload: { scheduleId: Number(subject) } });

async function measure(backend: string, open: () => Promise<Store>): Promise<Row> {
  const store = await open();
  const ledger = new KyselyLedger(store.database);
  const owner = 'bench-replica';
  const batch: number[] = [];
  const single: number[] = [];
  const claims: number[] = [];
  const lifecycle: number[] = [];
  const list: number[] = [];
  for (let i = 0; i < 100; i++) {
    await store.createSchedule({ channelId: `slack:C${i}`, kind: 'time', time: '09:00', days: 'daily', zone: 'UTC', createdBy: 'slack:U1' }, T0);
  }
  for (let r = 0; r < REPEATS; r++) {
    // A slot's fan-out recorded unleased in one call (what a tick does), then claimed CLAIM rows at a time.
    const slot = `2030-01-0${r + 1}T09:00`;
    batch.push(await time(() => ledger.insert(Array.from({ length: SLOTS }, (_, i) => rowOf('1', slot, i)), T0)));
    const now = T0 + r * 10 * LEASE_MS;
    const claimed: number[] = [];
    claims.push(
      (await time(async () => {
        for (;;) {
          const rows = await ledger.claim({ owner, now, leaseMs: LEASE_MS, limit: CLAIM, kinds: ['digest'], targetPrefixes: ['slack:'] });
          if (rows.length === 0) break;
          claimed.push(...rows.map((row) => row.id));
        }
      })) /
        (SLOTS / CLAIM),
    );
    if (claimed.length !== SLOTS) throw new Error(`${backend}: claimed ${claimed.length} of ${SLOTS} rows`);
    // One row at a time, leased on insert (what `/capex-digest send` does).
    single.push(
      (await time(async () => {
        // Admin notices (another kind), so the next repeat's digest claims do not take these over once their leases run out.
        for (let i = 0; i < SLOTS; i++) await ledger.insert([{ ...rowOf('2', `single-${r}`, i), kind: 'notice' }], now, { owner, until: now + LEASE_MS });
      })) / SLOTS,
    );
    lifecycle.push(
      (await time(async () => {
        for (const id of claimed) {
          if (!(await ledger.markSending(id, owner))) throw new Error(`${backend}: lost the lease on ${id}`);
          await ledger.complete(id, owner, { now: now + 1, messageRef: `${id}.000100`, result: { figureIds: ['a', 'b'] } });
        }
      })) / claimed.length,
    );
    list.push((await time(async () => {
      for (let i = 0; i < 100; i++) await store.listSchedules('slack:');
    })) / 100);
  }
  await store.close();
  return { backend, batchInsertMs: median(batch), singleInsertUs: median(single) * 1000, claimMs: median(claims), sendDeliverUs: median(lifecycle) * 1000, listUs: median(list) * 1000 };
}

/** The same single leased insert as one hand-prepared statement: INSERT … ON CONFLICT DO NOTHING RETURNING *. */
async function rawSqliteInsertUs(file: string): Promise<number> {
  const store = new SqliteStore(file);
  const stmt = store.db.prepare(
    `INSERT INTO delivery_ledger (kind, subject, target, slot, status, due_at, not_before, created_at, lease_owner, lease_until, error, payload)
     VALUES ('notice', '2', @target, @slot, 'pending', @now, @now, @now, 'bench-replica', @until, NULL, '{"scheduleId":2}')
     ON CONFLICT (kind, subject, target, slot) DO NOTHING RETURNING *`,
  );
  const runs: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    runs.push(
      (await time(async () => {
        for (let i = 0; i < SLOTS; i++) await Promise.resolve(stmt.get({ target: `slack:C${i}`, slot: `raw-${r}`, now: T0, until: T0 + LEASE_MS }));
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
  const raw = await rawSqliteInsertUs(join(dir, 'raw.sqlite'));
  console.log(`| backend | insert(${SLOTS} rows) ms | insert(1 row) µs/op | claim(${CLAIM}) ms | markSending+complete µs/row | listSchedules(100 rows) µs |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.backend} | ${r.batchInsertMs.toFixed(1)} | ${r.singleInsertUs.toFixed(0)} | ${r.claimMs.toFixed(2)} | ${r.sendDeliverUs.toFixed(0)} | ${r.listUs.toFixed(0)} |`);
  console.log(`\nThe same single insert through a hand-prepared better-sqlite3 statement: ${raw.toFixed(0)} µs/op → Kysely (in a transaction, with the deleted-file check) costs ${(rows[0]!.singleInsertUs / raw).toFixed(1)}× that.`);
} finally {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}
