/**
 * The proposal store on a real SQLite file and a real PostgreSQL database (STORE's harness): the unique keys
 * that make "once" hold, decisions that happen once, expiry, channels, posts, sources read and feed state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/index.js';
import { ProposalDbStore, type NewProposal } from '../../src/store/proposals.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-07-30T12:00:00Z');

const proposal = (key: string, amount = 140): NewProposal => ({
  dedupeKey: key,
  figure: {
    company: 'meta',
    metric: 'guidance',
    label: 'capex guidance (raised)',
    low: 135,
    high: amount + 10,
    currency: 'USD',
    period: { label: 'CY2026', start: '2026-01', end: '2026-12' },
    sentence: 'We anticipate … $135-150 billion …',
  },
  source: { kind: 'filing', title: 'Meta 8-K, exhibit 99.1', url: 'https://www.sec.gov/Archives/edgar/data/1326801/x.htm', date: '2026-07-29' },
});

function contract(name: string, open: () => Promise<Database>) {
  describe(name, () => {
    it('GIVEN the same figure twice THEN it is stored once; a decision happens once; the audit keeps who and when', async () => {
      const db = await open();
      try {
        const store = new ProposalDbStore(db);
        const first = await store.add(proposal('meta|guidance|2026'), T0);
        expect(first).toMatchObject({ id: expect.any(Number), status: 'pending', createdAt: T0, figure: { low: 135, high: 150 } });
        expect(await store.add(proposal('meta|guidance|2026'), T0 + 1)).toBeUndefined();
        expect(await store.list('pending')).toHaveLength(1);

        const approved = await store.decide(first!.id, { status: 'approved', by: { id: 'slack:UADMIN', name: 'alice' }, at: T0 + 5, figureId: 'meta-x', dataVersion: '2026-07-30.1' });
        expect(approved).toMatchObject({ status: 'approved', decidedBy: 'slack:UADMIN', decidedByName: 'alice', decidedAt: T0 + 5, figureId: 'meta-x' });
        expect(await store.decide(first!.id, { status: 'rejected', by: { id: 'slack:U2' }, at: T0 + 6 })).toBeUndefined();
        await store.audit({ at: T0 + 5, actor: 'slack:UADMIN', actorName: 'alice', action: 'approve', proposalId: first!.id, details: { figureId: 'meta-x' } });
        expect(await store.auditOf(first!.id)).toEqual([{ at: T0 + 5, actor: 'slack:UADMIN', actorName: 'alice', action: 'approve', proposalId: first!.id, details: { figureId: 'meta-x' } }]);
      } finally {
        await db.close();
      }
    });

    it('GIVEN a pending proposal older than the cut-off THEN expire() marks it expired and it can no longer be decided', async () => {
      const db = await open();
      try {
        const store = new ProposalDbStore(db);
        const old = await store.add(proposal('old', 100), T0 - 31 * DAY);
        const fresh = await store.add(proposal('fresh', 110), T0);
        const expired = await store.expire(T0 - 30 * DAY, T0);
        expect(expired.map((p) => p.id)).toEqual([old!.id]);
        expect((await store.get(old!.id))?.status).toBe('expired');
        expect(await store.decide(old!.id, { status: 'approved', by: { id: 'x' }, at: T0 })).toBeUndefined();
        expect((await store.get(fresh!.id))?.status).toBe('pending');
      } finally {
        await db.close();
      }
    });

    it('GIVEN channels, posts, read sources and feed state THEN each is kept once and updated in place', async () => {
      const db = await open();
      try {
        const store = new ProposalDbStore(db);
        expect((await store.subscribe('slack:C1', { id: 'slack:U1', name: 'alice' }, T0)).created).toBe(true);
        expect((await store.subscribe('slack:C1', { id: 'slack:U2' }, T0 + 1)).created).toBe(false);
        await store.subscribe('discord:9', { id: 'discord:1' }, T0 + 2);
        expect((await store.channels()).map((c) => c.channelId)).toEqual(['slack:C1', 'discord:9']);

        const p = await store.add(proposal('posts'), T0);
        await store.claimPosts(p!.id, ['slack:C1', 'discord:9'], T0);
        await store.claimPosts(p!.id, ['slack:C1'], T0);
        expect(await store.duePosts(T0, 10)).toHaveLength(2);
        // Two replicas see the same due post: exactly one claims it.
        expect(await Promise.all([store.claimPost(p!.id, 'slack:C1', T0, 60_000), store.claimPost(p!.id, 'slack:C1', T0, 60_000)])).toEqual([true, false]);
        expect((await store.duePosts(T0, 10)).map((d) => d.channelId)).toEqual(['discord:9']);
        await store.markPosted(p!.id, 'slack:C1', T0 + 1);
        await store.markPostFailed(p!.id, 'discord:9', 'HTTP 500', T0 + 60_000);
        expect(await store.duePosts(T0 + 1, 10)).toEqual([]);
        expect(await store.duePosts(T0 + 60_000, 10)).toEqual([{ proposalId: p!.id, channelId: 'discord:9', attempts: 1 }]);
        await store.markPostFailed(p!.id, 'discord:9', 'gone', undefined);
        expect(await store.duePosts(T0 + DAY, 10)).toEqual([]);

        expect(await store.markRead('sec:0001326801-26-000077', 1, T0)).toBe(true);
        expect(await store.markRead('sec:0001326801-26-000077', 1, T0 + 1)).toBe(false);
        expect(await store.wasRead('sec:0001326801-26-000077')).toBe(true);

        await store.saveFeedState('sec:meta', { etag: '"a"', lastModified: null, lastFetchAt: T0, nextFetchAt: T0 + 1000, failures: 0, reason: null });
        await store.saveFeedState('sec:meta', { etag: '"b"', lastModified: 'x', lastFetchAt: T0 + 1, nextFetchAt: T0 + 2000, failures: 1, reason: 'HTTP 503' });
        expect(await store.feedState('sec:meta')).toEqual({ etag: '"b"', lastModified: 'x', lastFetchAt: T0 + 1, nextFetchAt: T0 + 2000, failures: 1, reason: 'HTTP 503' });
        expect(await store.unsubscribe('slack:C1')).toBe(true);
        expect(await store.unsubscribe('slack:C1')).toBe(false);
      } finally {
        await db.close();
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'capex-proposals-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
contract('ProposalDbStore on SQLite', () => openDatabase(join(dir, `p${++n}.sqlite`)));

// A fresh PostgreSQL database per test, like the fresh SQLite file per test above.
const pgDatabases: TestDatabase[] = [];
afterAll(async () => {
  for (const t of pgDatabases) await t.drop();
});
contract('ProposalDbStore on PostgreSQL', async () => {
  const t = await createTestDatabase('proposals');
  pgDatabases.push(t);
  return openDatabase(t.url);
});
