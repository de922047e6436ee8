/**
 * The storage contract: one suite, run against an SQLite file, a real PostgreSQL database and the in-memory
 * SQLite store used by fast unit tests. What the services rely on — exactly-once claims, audit rows written
 * with the change, final rows that late writers cannot undo, de-duplicated headlines — must hold on each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryStore, openStore, type Store } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { createTestDatabase, postgresServerUrl } from '../helpers/postgres.js';

interface Backend {
  name: string;
  kind: 'sqlite' | 'postgres';
  /** Where a test's stores live: every `open()` of one test reaches the same database (except in memory). */
  prepare(): Promise<{ open(): Promise<Store>; cleanup(): Promise<void> }>;
  /** A second `open()` sees what the first wrote. */
  persistent: boolean;
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite file',
    kind: 'sqlite',
    persistent: true,
    async prepare() {
      const dir = mkdtempSync(join(tmpdir(), 'capex-contract-'));
      return { open: () => openStore({ DATABASE_URL: join(dir, 'bot.sqlite') }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    kind: 'postgres',
    persistent: true,
    async prepare() {
      const db = await createTestDatabase('contract');
      return { open: () => openStore({ DATABASE_URL: db.url }), cleanup: () => db.drop() };
    },
  },
  {
    name: 'SQLite :memory:',
    kind: 'sqlite',
    persistent: false,
    async prepare() {
      return { open: async () => openMemoryStore(), cleanup: async () => undefined };
    },
  },
];

// The run's PostgreSQL cluster may have to be started first (initdb): not inside a test's 5-second budget.
beforeAll(() => postgresServerUrl(), 120_000);

// Epoch milliseconds beyond 32 bits (2030): PostgreSQL keeps them in BIGINT and they must come back as numbers.
const T0 = Date.UTC(2030, 0, 6, 9);
const MIN = 60_000;
const admin = { createdBy: 'slack:UADMIN', createdByName: 'alice' };
const who = { actor: 'slack:UADMIN', actorName: 'alice' };

/** Registers cleanup and returns `fresh()` (a new database, a store on it) and `openAgain()` (another store on it). */
function useBackend(backend: Backend) {
  const opened: Store[] = [];
  let cleanup: (() => Promise<void>) | undefined;
  let openAgain: () => Promise<Store>;

  async function fresh(): Promise<Store> {
    const place = await backend.prepare();
    cleanup = place.cleanup;
    openAgain = async () => {
      const store = await place.open();
      opened.push(store);
      return store;
    };
    return openAgain();
  }

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await cleanup?.();
    cleanup = undefined;
  }, 30_000);
  return { fresh, openAgain: () => openAgain() };
}

describe.each(BACKENDS)('Store contract on $name', (backend) => {
  const { fresh, openAgain } = useBackend(backend);

  it('reports its kind and the latest migration version', async () => {
    const store = await fresh();
    expect(store.health()).toMatchObject({ kind: backend.kind, migrationVersion: MIGRATIONS.length, ok: true });
  });

  describe('schedules and the audit log', () => {
    it('a new schedule is stored with its audit row; lists are per platform, oldest first, removed ones hidden', async () => {
      const store = await fresh();
      const a = await store.createSchedule({ channelId: 'slack:C1', kind: 'time', time: '09:00', days: 'weekdays', zone: 'Europe/Berlin', ...admin }, T0);
      const b = await store.createSchedule({ channelId: 'discord:42', kind: 'cron', cron: '0 8 * * 1', zone: 'UTC', createdBy: 'discord:7' }, T0 + 1);
      const c = await store.createSchedule({ channelId: 'slack:C2', kind: 'time', time: '18:00', days: 'daily', zone: 'UTC', ...admin }, T0 + 2);
      expect(a).toMatchObject({ channelId: 'slack:C1', kind: 'time', time: '09:00', days: 'weekdays', cron: null, status: 'active', createdAt: T0, armedFrom: T0, chart: false });
      expect(b).toMatchObject({ kind: 'cron', cron: '0 8 * * 1', createdByName: null });
      expect((await store.listSchedules('slack:')).map((s) => s.id)).toEqual([a.id, c.id]);
      expect((await store.listSchedules()).map((s) => s.id)).toEqual([a.id, b.id, c.id]);
      await store.setScheduleStatus(c.id, 'removed', { now: T0 + 3 });
      expect((await store.listSchedules('slack:')).map((s) => s.id)).toEqual([a.id]);
      expect((await store.activeSchedules()).map((s) => s.id)).toEqual([a.id, b.id]);
      const log = await store.auditLog();
      expect(log.map((e) => [e.action, e.scheduleId, e.actor])).toEqual([
        ['add', c.id, 'slack:UADMIN'],
        ['add', b.id, 'discord:7'],
        ['add', a.id, 'slack:UADMIN'],
      ]);
      expect(log[2]!.details).toMatchObject({ channelId: 'slack:C1', kind: 'time', time: '09:00', zone: 'Europe/Berlin' });
      expect(log[2]!.at).toBe(T0);
    });

    it('pause and resume change the status with their audit rows; resume re-arms; a removed schedule stays removed', async () => {
      const store = await fresh();
      const s = await store.createSchedule({ channelId: 'slack:C1', kind: 'time', time: '09:00', days: 'daily', zone: 'UTC', ...admin }, T0);
      const paused = await store.setScheduleStatus(s.id, 'paused', { now: T0 + MIN, audit: { at: T0 + MIN, ...who, action: 'pause', scheduleId: s.id } });
      expect(paused).toMatchObject({ status: 'paused', armedFrom: T0, updatedAt: T0 + MIN });
      const resumed = await store.setScheduleStatus(s.id, 'active', { now: T0 + 5 * MIN, rearm: true, audit: { at: T0 + 5 * MIN, ...who, action: 'resume', scheduleId: s.id } });
      expect(resumed).toMatchObject({ status: 'active', armedFrom: T0 + 5 * MIN });
      const failing = await store.setScheduleStatus(s.id, 'failing', { now: T0 + 6 * MIN, reason: 'channel not found' });
      expect(failing).toMatchObject({ status: 'failing', statusReason: 'channel not found' });
      expect(await store.setScheduleChart(s.id, true, { now: T0 + 7 * MIN })).toMatchObject({ chart: true });
      await store.setScheduleStatus(s.id, 'removed', { now: T0 + 8 * MIN });
      expect(await store.setScheduleStatus(s.id, 'active', { now: T0 + 9 * MIN, rearm: true })).toBeUndefined();
      expect(await store.setScheduleChart(s.id, false, { now: T0 + 9 * MIN })).toBeUndefined();
      expect(await store.getSchedule(s.id)).toMatchObject({ status: 'removed', chart: true });
      expect(await store.getSchedule(s.id + 1000)).toBeUndefined();
      expect((await store.auditLog(10)).map((e) => e.action)).toEqual(['resume', 'pause', 'add']);
      await store.audit({ at: T0 + 10 * MIN, actor: 'slack:U2', action: 'send', scheduleId: s.id, details: { note: 'manual' } });
      expect((await store.auditLog(1))[0]).toMatchObject({ action: 'send', actorName: null, details: { note: 'manual' } });
    });
  });

  describe('revision alerts and data state', () => {
    it('a subscription is replaced by a second "on", removed by "off", each audited; lists are per platform', async () => {
      const store = await fresh();
      const first = await store.alerts.subscribe({ channelId: 'slack:C1', companies: ['meta'], ...who }, T0);
      expect(first.before).toBeUndefined();
      const second = await store.alerts.subscribe({ channelId: 'slack:C1', companies: [], actor: 'slack:U2' }, T0 + 1);
      expect(second.subscription).toMatchObject({ id: first.subscription.id, companies: [], createdBy: 'slack:U2', createdByName: null, updatedAt: T0 + 1 });
      expect(second.before).toMatchObject({ companies: ['meta'] });
      await store.alerts.subscribe({ channelId: 'discord:9', companies: ['alibaba'], ...who }, T0 + 2);
      expect((await store.alerts.listSubscriptions('discord:')).map((s) => s.channelId)).toEqual(['discord:9']);
      expect(await store.alerts.markFailing(first.subscription.id, 'channel_not_found', T0 + 3)).toMatchObject({ status: 'failing', statusReason: 'channel_not_found' });
      expect(await store.alerts.markFailing(first.subscription.id, 'again', T0 + 4)).toBeUndefined();
      expect((await store.alerts.activeSubscriptions()).map((s) => s.channelId)).toEqual(['discord:9']);
      expect(await store.alerts.unsubscribe('slack:C1', who, T0 + 5)).toMatchObject({ channelId: 'slack:C1' });
      expect(await store.alerts.unsubscribe('slack:C1', who, T0 + 6)).toBeUndefined();
      expect(await store.alerts.getSubscription('slack:C1')).toBeUndefined();
      expect((await store.auditLog()).map((e) => e.action)).toEqual(['alerts-off', 'alerts-failing', 'alerts-on', 'alerts-on', 'alerts-on']);
    });

    it('announcements are claimed once per (channel, figure); arrivals after the baseline are dated; the data version is kept', async () => {
      const store = await fresh();
      const { subscription } = await store.alerts.subscribe({ channelId: 'slack:C1', companies: [], ...who }, T0);
      expect((await store.alerts.seenFigures()).empty).toBe(true);
      await store.alerts.recordArrivals({ figureIds: ['a', 'b'], dataVersion: 'v1', baseline: true, claims: [] }, T0);
      const claim = { channelId: 'slack:C1', figureId: 'c', subscriptionId: subscription.id, kind: 'revised' as const, previousId: 'a' };
      const [row] = await store.alerts.recordArrivals({ figureIds: ['c'], dataVersion: 'v2', baseline: false, claims: [claim] }, T0 + MIN);
      expect(row).toMatchObject({ figureId: 'c', kind: 'revised', previousId: 'a', dataVersion: 'v2', status: 'claimed', claimedAt: T0 + MIN });
      expect(await store.alerts.recordArrivals({ figureIds: ['c'], dataVersion: 'v2', baseline: false, claims: [claim] }, T0 + 2 * MIN)).toEqual([]);
      expect([...(await store.alerts.seenFigures()).ids].sort()).toEqual(['a', 'b', 'c']);
      expect(await store.alerts.arrivedSince(T0)).toEqual(['c']);
      expect(await store.alerts.getState('last_data_version')).toBe('v2');
      await store.alerts.setState('refusal', 'sha:1');
      await store.alerts.setState('refusal', 'sha:2');
      expect(await store.alerts.getState('refusal')).toBe('sha:2');
      expect(await store.alerts.getState('nothing')).toBeUndefined();
    });

    it('pending announcements move through sending to delivered, released, skipped; recovery retries once', async () => {
      const store = await fresh();
      const { subscription } = await store.alerts.subscribe({ channelId: 'slack:C1', companies: [], ...who }, T0);
      const claims = ['f1', 'f2', 'f3', 'f4'].map((figureId) => ({ channelId: 'slack:C1', figureId, subscriptionId: subscription.id, kind: 'added' as const }));
      const rows = await store.alerts.recordArrivals({ figureIds: ['f1', 'f2', 'f3', 'f4'], dataVersion: 'v2', baseline: false, claims }, T0);
      const [r1, r2, r3, r4] = rows.map((r) => r.id) as [number, number, number, number];
      expect(await store.alerts.channelsWithPending(T0)).toEqual(['slack:C1']);
      await store.alerts.markSending([r1, r2]);
      await store.alerts.markDelivered([r1], T0 + 1);
      await store.alerts.release([r3], T0 + MIN, '429');
      await store.alerts.markSkipped([r4], 'alerts are off');
      await store.alerts.markFailed([r1], 'late writer');
      expect((await store.alerts.pendingFor('slack:C1', T0)).map((r) => r.id)).toEqual([]);
      expect((await store.alerts.pendingFor('slack:C1', T0 + MIN)).map((r) => r.id)).toEqual([r3]);
      expect(await store.alerts.recoverInFlight(T0 + 2 * MIN)).toEqual({ requeued: 1, failed: 0 });
      await store.alerts.markSending([r2]);
      expect(await store.alerts.recoverInFlight(T0 + 3 * MIN)).toEqual({ requeued: 0, failed: 1 });
      const byId = new Map((await store.alerts.deliveriesTo('slack:C1')).map((d) => [d.id, d]));
      expect([r1, r2, r3, r4].map((id) => byId.get(id)!.status)).toEqual(['delivered', 'failed', 'claimed', 'skipped']);
      expect(byId.get(r1)).toMatchObject({ attempts: 1, deliveredAt: T0 + 1, error: null });
      expect(byId.get(r2)).toMatchObject({ attempts: 2, recoveries: 1 });
      expect(await store.alerts.countDeliveries('delivered')).toBe(1);
      expect(await store.alerts.countDeliveries('failed')).toBe(1);
    });
  });

  describe('news', () => {
    const item = (feedId: number, n: number, extra: Partial<{ guidKey: string | null; linkKey: string; companies: string[]; published: number | null; firstSeen: number }> = {}) => ({
      feedId,
      guidKey: `g${n}`,
      linkKey: `example.com/${n}`,
      title: `Headline ${n}`,
      link: `https://example.com/${n}`,
      source: 'Example',
      published: T0 - n * MIN,
      companies: ['meta'],
      firstSeen: T0,
      ...extra,
    });

    it('a feed URL is added once with its audit row; fetch results and failures are counted', async () => {
      const store = await fresh();
      const feed = (await store.news.addFeed({ url: 'https://example.com/a.xml', addedBy: 'slack:U1', addedByName: 'ada' }, T0))!;
      expect(feed).toMatchObject({ health: 'pending', itemCount: 0, nextFetchAt: T0, notified: false, etag: null });
      expect(await store.news.addFeed({ url: 'https://example.com/a.xml', addedBy: 'slack:U2' }, T0 + 1)).toBeUndefined();
      expect(await store.news.countFeeds()).toBe(1);
      expect((await store.news.dueFeeds(T0, 10)).map((f) => f.id)).toEqual([feed.id]);
      await store.news.recordSuccess(feed.id, { now: T0 + 1, nextFetchAt: T0 + 60 * MIN, title: 'A', etag: '"e1"', lastModified: 'Mon', added: 3, notModified: false });
      const kept = await store.news.recordSuccess(feed.id, { now: T0 + 2, nextFetchAt: T0 + 120 * MIN, title: null, added: 0, notModified: true });
      expect(kept).toMatchObject({ title: 'A', etag: '"e1"', lastModified: 'Mon', itemCount: 3, health: 'ok', lastOkAt: T0 + 2 });
      expect(await store.news.dueFeeds(T0 + 60 * MIN, 10)).toEqual([]);
      await store.news.recordFailure(feed.id, { now: T0 + 3, reason: 'HTTP 500', nextFetchAt: T0 + 5 * MIN });
      const failing = await store.news.recordFailure(feed.id, { now: T0 + 4, reason: 'HTTP 502', nextFetchAt: T0 + 10 * MIN });
      expect(failing).toMatchObject({ health: 'failing', failures: 2, reason: 'HTTP 502', itemCount: 3 });
      await store.news.markNotified(feed.id);
      expect(await store.news.findFeedByUrl('https://example.com/a.xml')).toMatchObject({ notified: true });
      expect((await store.auditLog()).map((e) => [e.action, e.actor])).toEqual([['feed-add', 'slack:U1']]);
    });

    it('the same story is kept once by guid or by link, across feeds; company filters match whole ids only', async () => {
      const store = await fresh();
      const a = (await store.news.addFeed({ url: 'https://a.example/feed', addedBy: 'slack:U1' }, T0))!;
      const b = (await store.news.addFeed({ url: 'https://b.example/feed', addedBy: 'slack:U1' }, T0))!;
      const first = await store.news.insertItems([item(a.id, 1), item(a.id, 2, { guidKey: null, companies: ['a_b'] }), item(a.id, 3, { companies: ['meta', 'microsoft'] })]);
      expect(first.map((i) => i.title)).toEqual(['Headline 1', 'Headline 2', 'Headline 3']);
      expect(first[1]).toMatchObject({ sortAt: T0 - 2 * MIN, companies: ['a_b'] });
      const again = await store.news.insertItems([item(b.id, 1, { linkKey: 'other/1' }), item(b.id, 2, { guidKey: 'new-guid' }), item(b.id, 4, { published: T0 + 99 * MIN })]);
      expect(again.map((i) => i.title)).toEqual(['Headline 4']);
      expect(again[0]!.sortAt).toBe(T0); // a feed cannot date an item after we first saw it
      expect(await store.news.countItems()).toBe(4);
      expect((await store.news.latestItems({ limit: 10 })).map((i) => i.title)).toEqual(['Headline 4', 'Headline 1', 'Headline 2', 'Headline 3']);
      expect((await store.news.latestItems({ limit: 10, companyId: 'microsoft' })).map((i) => i.title)).toEqual(['Headline 3']);
      // `_` and `%` are LIKE wildcards: 'a_b' must not match 'axb', and 'a%' must match nothing.
      await store.news.insertItems([item(b.id, 5, { companies: ['axb'] })]);
      expect((await store.news.latestItems({ limit: 10, companyId: 'a_b' })).map((i) => i.title)).toEqual(['Headline 2']);
      expect(await store.news.latestItems({ limit: 10, companyId: 'a%' })).toEqual([]);
      expect((await store.news.latestItems({ limit: 2, companyId: 'meta' })).map((i) => i.title)).toEqual(['Headline 4', 'Headline 1']);
    });

    it('a channel is shown a headline once; removing a feed takes its headlines and their records with it', async () => {
      const store = await fresh();
      const feed = (await store.news.addFeed({ url: 'https://a.example/feed', addedBy: 'slack:U1' }, T0))!;
      const items = await store.news.insertItems([item(feed.id, 1, { firstSeen: T0 + 1 }), item(feed.id, 2, { firstSeen: T0 + 1 }), item(feed.id, 3, { firstSeen: T0 - MIN })]);
      const window = { channelId: 'slack:C1', seenAfter: T0, notBefore: T0 - 60 * MIN, limit: 10 };
      expect((await store.news.headlinesFor(window)).map((i) => i.title)).toEqual(['Headline 1', 'Headline 2']);
      await store.news.recordShown('slack:C1', [items[0]!.id, items[0]!.id, 987_654], 12, T0 + 2);
      expect((await store.news.headlinesFor(window)).map((i) => i.title)).toEqual(['Headline 2']);
      expect((await store.news.headlinesFor({ ...window, channelId: 'slack:C2' })).map((i) => i.title)).toEqual(['Headline 1', 'Headline 2']);
      expect(await store.news.shownIn('slack:C1')).toEqual([items[0]!.id]);
      expect(await store.news.removeFeed(feed.id, T0 + 3, { actor: 'slack:U1' })).toMatchObject({ id: feed.id });
      expect(await store.news.removeFeed(feed.id, T0 + 4, { actor: 'slack:U1' })).toBeUndefined();
      expect(await store.news.countItems()).toBe(0);
      expect(await store.news.shownIn('slack:C1')).toEqual([]);
      await store.news.recordShown('slack:C1', [items[1]!.id], null, T0 + 5);
      expect(await store.news.shownIn('slack:C1')).toEqual([]);
      expect((await store.auditLog()).map((e) => e.action)).toEqual(['feed-remove', 'feed-add']);
    });
  });
});

describe.each(BACKENDS.filter((b) => b.persistent))('Store persistence on $name', (backend) => {
  const { fresh, openAgain } = useBackend(backend);

  it('what one store wrote, the next one opened on the same database reads', async () => {
    const store = await fresh();
    const s = await store.createSchedule({ channelId: 'slack:C1', kind: 'time', time: '09:00', days: 'daily', zone: 'UTC', ...admin }, T0);
    await store.alerts.setState('last_data_version', 'v9');
    await store.close();
    const next = await openAgain();
    expect(await next.getSchedule(s.id)).toMatchObject({ channelId: 'slack:C1', createdAt: T0 });
    expect(await next.alerts.getState('last_data_version')).toBe('v9');
    expect(next.health().migrationVersion).toBe(MIGRATIONS.length);
  });
});
