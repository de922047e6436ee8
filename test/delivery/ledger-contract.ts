/**
 * The delivery ledger's contract, run against every implementation (memory, SQLite file, PostgreSQL): unique
 * keys, leases that only their owner can use, takeover of expired leases, and the reads the scheduler needs.
 */
import { describe, expect, it } from 'vitest';
import type { Ledger, NewLedgerRow } from '../../src/delivery/ledger.js';

export interface LedgerFixture {
  ledger: Ledger;
  /** A second connection to the same database (another replica's), where the implementation has one. */
  other?: () => Promise<Ledger>;
  close(): Promise<void>;
}

const T0 = Date.parse('2025-06-02T09:00:00Z');
const digest = (subject: string, target: string, slot: string, extra: Partial<NewLedgerRow> = {}): NewLedgerRow => ({
  kind: 'digest',
  subject,
  target,
  slot,
  dueAt: T0,
  payload: { late: false },
  ...extra,
});

export function ledgerContract(name: string, open: () => Promise<LedgerFixture>): void {
  describe(`delivery ledger contract: ${name}`, () => {
    const withLedger = (fn: (ledger: Ledger, other: Ledger) => Promise<void>) => async () => {
      const f = await open();
      try {
        await fn(f.ledger, f.other ? await f.other() : f.ledger);
      } finally {
        await f.close();
      }
    };

    it(
      'GIVEN many due rows THEN a claim leases at most `limit` of them (the rest stay for other replicas)',
      withLedger(async (ledger) => {
        await ledger.insert(Array.from({ length: 300 }, (_, i) => digest('9', `slack:C${i}`, 's')), T0);
        expect(await ledger.claim({ owner: 'a', now: T0, leaseMs: 30_000, limit: 64 })).toHaveLength(64);
        expect(await ledger.claim({ owner: 'b', now: T0, leaseMs: 30_000, limit: 64 })).toHaveLength(64);
        expect((await ledger.rows({ kind: 'digest' })).filter((r) => r.leaseOwner === null)).toHaveLength(172);
      }),
    );

    it(
      'GIVEN two connections (replicas) inserting and claiming the same posts at once THEN one row per key, leased to one of them',
      withLedger(async (ledger, other) => {
        const rows = Array.from({ length: 300 }, (_, i) => digest('7', `slack:C${i}`, '2025-06-02T09:00'));
        const lease = (owner: string) => ({ owner, until: T0 + 30_000 });
        const inserted = await Promise.all([ledger.insert(rows, T0, lease('a')), other.insert(rows, T0, lease('b')), ledger.insert(rows.slice(0, 1), T0, lease('a'))]);
        // Every key inserted by exactly one of the three calls.
        for (let i = 0; i < rows.length; i++) expect([inserted[0][i], inserted[1][i], i === 0 ? inserted[2][0] : undefined].filter(Boolean)).toHaveLength(1);
        expect(await other.rows({ kind: 'digest', subject: '7' })).toHaveLength(300);
        // Leased on insert: nobody else claims them until the lease runs out; then each goes to one claimer.
        expect(await other.claim({ owner: 'c', now: T0 + 1_000, leaseMs: 30_000, limit: 500 })).toEqual([]);
        const later = T0 + 31_000;
        const claims = await Promise.all([ledger.claim({ owner: 'c', now: later, leaseMs: 30_000, limit: 200 }), other.claim({ owner: 'd', now: later, leaseMs: 30_000, limit: 200 })]);
        const ids = claims.flat().map((r) => r.id);
        expect(new Set(ids).size).toBe(300);
        expect(ids).toHaveLength(300);
      }),
    );

    it(
      'GIVEN the same (kind, subject, target, slot) twice THEN only the first insert makes a row',
      withLedger(async (ledger) => {
        const first = await ledger.insert([digest('1', 'slack:C1', 's1'), digest('1', 'slack:C2', 's1')], T0);
        expect(first.map((r) => r?.status)).toEqual(['pending', 'pending']);
        const again = await ledger.insert([digest('1', 'slack:C1', 's1'), digest('2', 'slack:C1', 's1'), digest('1', 'slack:C1', 's1')], T0);
        expect(again.map((r) => r === undefined)).toEqual([true, false, true]);
        expect(await ledger.rows({ kind: 'digest' })).toHaveLength(3);
        expect(first[0]!.payload).toEqual({ late: false });
      }),
    );

    it(
      'GIVEN two replicas claiming at once THEN each row is leased to exactly one of them',
      withLedger(async (ledger) => {
        await ledger.insert(Array.from({ length: 50 }, (_, i) => digest(String(i), `slack:C${i}`, 's')), T0);
        const claims = await Promise.all(['a', 'b', 'c'].map((owner) => ledger.claim({ owner, now: T0, leaseMs: 30_000, limit: 20 })));
        expect(claims.map((c) => c.length <= 20)).toEqual([true, true, true]);
        const ids = claims.flat().map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toHaveLength(50);
        expect(await ledger.claim({ owner: 'd', now: T0 + 1_000, leaseMs: 30_000, limit: 100 })).toEqual([]);
      }),
    );

    it(
      'GIVEN a lease THEN only its owner can mark, complete or release the row, until it expires and another takes it over',
      withLedger(async (ledger) => {
        await ledger.insert([digest('1', 'slack:C1', 's1')], T0);
        const [row] = await ledger.claim({ owner: 'a', now: T0, leaseMs: 30_000, limit: 10 });
        expect(row).toMatchObject({ leaseOwner: 'a', leaseUntil: T0 + 30_000, takeovers: 0 });
        expect(await ledger.markSending(row!.id, 'b')).toBe(false);
        expect(await ledger.markSending(row!.id, 'a')).toBe(true);
        expect(await ledger.renew('a', [row!.id], T0 + 40_000)).toEqual([row!.id]);
        expect(await ledger.claim({ owner: 'b', now: T0 + 35_000, leaseMs: 30_000, limit: 10 })).toEqual([]);

        // a dies: after the lease runs out, b takes the row over — still `sending`, one takeover counted.
        const [taken] = await ledger.claim({ owner: 'b', now: T0 + 41_000, leaseMs: 30_000, limit: 10 });
        expect(taken).toMatchObject({ id: row!.id, status: 'sending', leaseOwner: 'b', takeovers: 1, attempts: 1 });
        expect(await ledger.complete(row!.id, 'a', { now: T0 + 42_000 })).toBe(false);
        expect(await ledger.renew('a', [row!.id], T0 + 90_000)).toEqual([]);
        expect(await ledger.complete(row!.id, 'b', { now: T0 + 42_000, messageRef: 'M1', result: { seenFigureIds: ['x'] } })).toBe(true);
        expect(await ledger.get(row!.id)).toMatchObject({ status: 'delivered', deliveredAt: T0 + 42_000, messageRef: 'M1', result: { seenFigureIds: ['x'] }, leaseOwner: null });
        expect(await ledger.release(row!.id, 'b', { notBefore: T0 })).toBe(false);
      }),
    );

    it(
      'GIVEN a released row THEN it is claimable again only from notBefore, and keeps its ambiguity',
      withLedger(async (ledger) => {
        await ledger.insert([digest('1', 'slack:C1', 's1')], T0);
        const [row] = await ledger.claim({ owner: 'a', now: T0, leaseMs: 30_000, limit: 10 });
        expect(await ledger.release(row!.id, 'a', { notBefore: T0 + 300_000, error: 'HTTP 503', ambiguous: true })).toBe(true);
        expect(await ledger.claim({ owner: 'a', now: T0 + 1_000, leaseMs: 30_000, limit: 10 })).toEqual([]);
        const [again] = await ledger.claim({ owner: 'b', now: T0 + 300_000, leaseMs: 30_000, limit: 10 });
        expect(again).toMatchObject({ status: 'pending', error: 'HTTP 503', ambiguous: true, takeovers: 0 });
        expect(await ledger.finish(again!.id, 'b', 'failed', 'x'.repeat(400))).toBe(true);
        expect((await ledger.get(again!.id))!.error!.length).toBeLessThanOrEqual(301);
      }),
    );

    it(
      'GIVEN an insert with a lease THEN the inserter holds it; missed rows are final at once',
      withLedger(async (ledger) => {
        const [mine, missed] = await ledger.insert(
          [digest('1', 'slack:C1', 's1'), digest('1', 'slack:C1', 's0', { status: 'missed', error: 'down' })],
          T0,
          { owner: 'a', until: T0 + 30_000 },
        );
        expect(mine).toMatchObject({ leaseOwner: 'a', status: 'pending' });
        expect(missed).toMatchObject({ leaseOwner: null, status: 'missed', error: 'down' });
        expect(await ledger.claim({ owner: 'b', now: T0 + 1, leaseMs: 30_000, limit: 10 })).toEqual([]);
        expect(await ledger.countUnfinished('digest')).toBe(1);
        expect(await ledger.oldestDue(T0 + 5)).toBe(T0);
      }),
    );

    it(
      'GIVEN filters THEN a claim takes only the kinds and platforms asked for, oldest due first',
      withLedger(async (ledger) => {
        await ledger.insert(
          [
            digest('1', 'discord:9', 'b', { dueAt: T0 + 2 }),
            digest('1', 'slack:C1', 'a', { dueAt: T0 + 1 }),
            { kind: 'notice', subject: 'n', target: 'slack:U1', slot: '', dueAt: T0, payload: { reply: { title: 'x' } } },
            digest('2', 'slack:C2', 'a', { dueAt: T0 + 3, notBefore: T0 + 60_000 }),
          ],
          T0,
        );
        const rows = await ledger.claim({ owner: 'a', now: T0 + 10, leaseMs: 1_000, limit: 10, kinds: ['digest'], targetPrefixes: ['slack:'] });
        expect(rows.map((r) => r.target)).toEqual(['slack:C1']);
        const rest = await ledger.claim({ owner: 'a', now: T0 + 10, leaseMs: 1_000, limit: 10 });
        expect(rest.map((r) => r.target)).toEqual(['slack:U1', 'discord:9']);
        expect(rest[0]!.payload).toEqual({ reply: { title: 'x' } });
      }),
    );

    it(
      'GIVEN delivered and missed digests THEN the scheduler reads where to resume, the previous digest and the summaries',
      withLedger(async (ledger) => {
        const [a, b, , m] = await ledger.insert(
          [
            digest('1', 'slack:C1', '2025-06-01T09:00', { dueAt: T0 - 86_400_000 }),
            digest('1', 'slack:C1', '2025-06-02T09:00', { dueAt: T0 }),
            digest('1', 'slack:C1', 'manual:x', { dueAt: T0 + 5_000 }),
            digest('2', 'slack:C2', '2025-06-02T09:00', { dueAt: T0, status: 'missed' }),
          ],
          T0,
          { owner: 'a', until: T0 + 30_000 },
        );
        await ledger.complete(a!.id, 'a', { now: T0 - 86_000_000, result: { seenFigureIds: ['f1'] } });
        await ledger.complete(b!.id, 'a', { now: T0 + 1_000, result: { seenFigureIds: ['f2'] } });
        expect(await ledger.lastDueAt('digest', ['1', '2', '3'], 'manual:')).toEqual(new Map([['1', T0], ['2', T0]]));
        expect((await ledger.lastDelivered('digest', 'slack:C1', T0 + 1_000))?.result).toEqual({ seenFigureIds: ['f1'] });
        expect((await ledger.lastDelivered('digest', 'slack:C1', T0 + 1_001))?.result).toEqual({ seenFigureIds: ['f2'] });
        const summaries = await ledger.summaries('digest', ['1', '2']);
        expect(summaries.get('1')).toMatchObject({ missed: 0, last: { slot: 'manual:x' } });
        expect(summaries.get('2')).toMatchObject({ missed: 1, last: { id: m!.id } });
      }),
    );

    it(
      'GIVEN progress of a multi-message post THEN the lease holder records it with the first message id',
      withLedger(async (ledger) => {
        const [row] = await ledger.insert([digest('1', 'slack:C1', 's')], T0, { owner: 'a', until: T0 + 30_000 });
        expect(await ledger.saveProgress(row!.id, 'a', { replies: 2 }, '1700000000.0001')).toBe(true);
        expect(await ledger.saveProgress(row!.id, 'b', { replies: 3 })).toBe(false);
        expect(await ledger.get(row!.id)).toMatchObject({ progress: { replies: 2 }, messageRef: '1700000000.0001' });
      }),
    );
  });
}
