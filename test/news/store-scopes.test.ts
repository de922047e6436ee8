/**
 * Workspace-scoped news feeds in the store (migration 9, news_feed_scopes) on an SQLite file and a real PostgreSQL
 * database: a workspace sees, removes and reads headlines of its own feeds only; a URL two workspaces add is one
 * feed; the one-workspace scopes (one-token Slack, Discord, console) keep sharing every feed; feeds written by the
 * previous release get their adder's scope, and the one-token → OAuth upgrade moves `slack:` feeds into the team.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { newsFeedScopes } from '../../src/store/migrations/009-news-feed-scopes.js';
import { openSqlite } from '../../src/store/sqlite-database.js';
import { openPostgres } from '../../src/store/postgres-database.js';
import { SlackInstallationStore } from '../../src/store/installations.js';
import { TokenCipher } from '../../src/store/token-cipher.js';
import type { Database } from '../../src/store/database.js';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, postgresServerUrl } from '../helpers/postgres.js';

const PREVIOUS = MIGRATIONS.slice(0, MIGRATIONS.indexOf(newsFeedScopes));
const T0 = Date.UTC(2030, 0, 6, 9);
const T1 = 'slack:T1:';
const T2 = 'slack:T2:';

interface Backend {
  name: string;
  /** A fresh database: its URL, how to open it at the previous release's schema, and how to drop it. */
  make(): Promise<{ url: string; previous(): Promise<Database>; drop(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite file',
    async make() {
      const dir = mkdtempSync(join(tmpdir(), 'capex-feed-scopes-'));
      const url = join(dir, 'bot.sqlite');
      return { url, previous: async () => openSqlite(url, { migrations: PREVIOUS }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    async make() {
      const db = await createTestDatabase('feedscopes');
      return { url: db.url, previous: () => openPostgres(db.url, { migrations: PREVIOUS }), drop: () => db.drop() };
    },
  },
];

beforeAll(() => postgresServerUrl(), 120_000);

const item = (feedId: number, n: number) => ({
  feedId,
  guidKey: `g-${feedId}-${n}`,
  linkKey: `https://news.example/${feedId}/${n}`,
  title: `Headline ${feedId}.${n}`,
  link: `https://news.example/${feedId}/${n}`,
  source: 'news.example',
  published: T0 - n * 60_000,
  companies: ['microsoft'],
  firstSeen: T0,
});

describe.each(BACKENDS)('workspace-scoped news feeds on $name', (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  }, 30_000);
  async function fresh(): Promise<{ store: Store; place: Awaited<ReturnType<Backend['make']>> }> {
    const place = await backend.make();
    cleanups.push(place.drop);
    const store = await openStore({ DATABASE_URL: place.url });
    cleanups.push(() => store.close());
    return { store, place };
  }

  it('GIVEN feeds added in T1 and T2 THEN each workspace lists, removes and reads only its own', async () => {
    const { store } = await fresh();
    const news = store.news;
    const a = (await news.addFeed({ url: 'https://a.example/feed', addedBy: 'slack:T1:U1', addedByName: 'ada' }, T0))!;
    const b = (await news.addFeed({ url: 'https://b.example/feed', addedBy: 'slack:T2:U2' }, T0))!;
    await news.insertItems([item(a.id, 1), item(b.id, 2)]);
    expect((await news.listFeeds(T1)).map((f) => f.url)).toEqual(['https://a.example/feed']);
    expect((await news.listFeeds(T2)).map((f) => f.url)).toEqual(['https://b.example/feed']);
    expect(await news.getFeed(a.id, T2)).toBeUndefined();
    expect(await news.findFeedByUrl('https://a.example/feed', T2)).toBeUndefined();
    expect(await news.removeFeed(a.id, T0, { actor: 'slack:T2:U2' }, T2)).toBeUndefined();
    expect((await news.latestItems({ limit: 10, scope: T1 })).map((i) => i.title)).toEqual(['Headline 1.1']);
    expect((await news.latestItems({ limit: 10, scope: T2, companyId: 'microsoft' })).map((i) => i.title)).toEqual(['Headline 2.2']);
    const window = { channelId: 'slack:T1:C1', seenAfter: T0 - 1, notBefore: 0, limit: 10 };
    expect((await news.headlinesFor({ ...window, scope: T1 })).map((i) => i.title)).toEqual(['Headline 1.1']);
    // Unscoped reads (polling, /healthz) still see every feed.
    expect(await news.listFeeds()).toHaveLength(2);
    expect(await news.listFeeds(T1)).toEqual([expect.objectContaining({ id: a.id, addedBy: 'slack:T1:U1', addedByName: 'ada' })]);
  });

  it('GIVEN one URL added in T1 and T2 THEN it is one feed listed in both; removing it in T2 keeps it (and its headlines) for T1; removing it in T1 deletes it', async () => {
    const { store } = await fresh();
    const news = store.news;
    const first = (await news.addFeed({ url: 'https://same.example/feed', addedBy: 'slack:T1:U1' }, T0))!;
    expect(first.shared).toBeUndefined();
    const second = (await news.addFeed({ url: 'https://same.example/feed', addedBy: 'slack:T2:U2', addedByName: 'bo' }, T0 + 1))!;
    expect(second).toMatchObject({ id: first.id, shared: true, addedBy: 'slack:T2:U2' });
    expect(await news.addFeed({ url: 'https://same.example/feed', addedBy: 'slack:T2:U3' }, T0 + 2)).toBeUndefined();
    expect(await news.countFeeds()).toBe(1);
    expect((await news.listFeeds(T2))[0]).toMatchObject({ id: first.id, addedByName: 'bo' });
    await news.insertItems([item(first.id, 1)]);
    expect(await news.latestItems({ limit: 10, scope: T2 })).toHaveLength(1);
    expect(await news.removeFeed(first.id, T0 + 3, { actor: 'slack:T2:U2' }, T2)).toMatchObject({ id: first.id });
    expect(await news.listFeeds(T2)).toEqual([]);
    expect(await news.latestItems({ limit: 10, scope: T2 })).toEqual([]);
    expect(await news.latestItems({ limit: 10, scope: T1 })).toHaveLength(1);
    expect(await news.removeFeed(first.id, T0 + 4, { actor: 'slack:T1:U1' }, T1)).toMatchObject({ id: first.id });
    expect(await news.listFeeds()).toEqual([]);
    expect(await news.countItems()).toBe(0);
  });

  it('GIVEN one-token Slack, Discord and console THEN they share every feed as before, and see none of an OAuth workspace’s', async () => {
    const { store } = await fresh();
    const news = store.news;
    const slackFeed = (await news.addFeed({ url: 'https://s.example/feed', addedBy: 'slack:U1' }, T0))!;
    (await news.addFeed({ url: 'https://t1.example/feed', addedBy: 'slack:T1:U1' }, T0))!;
    expect((await news.listFeeds('discord:')).map((f) => f.url)).toEqual(['https://s.example/feed']);
    expect((await news.listFeeds('console:')).map((f) => f.url)).toEqual(['https://s.example/feed']);
    // Already shared with Discord: adding it there again is "exists", not a second entry.
    expect(await news.addFeed({ url: 'https://s.example/feed', addedBy: 'discord:42' }, T0)).toBeUndefined();
    expect(await news.removeFeed(slackFeed.id, T0, { actor: 'discord:42' }, 'discord:')).toMatchObject({ id: slackFeed.id });
    expect(await news.listFeeds()).toHaveLength(1);
  });

  it('GIVEN feeds written by the previous release THEN migration 9 gives each its adder’s workspace, and the OAuth upgrade moves one-token Slack feeds into the team', async () => {
    const place = await backend.make();
    cleanups.push(place.drop);
    const old = await place.previous();
    for (const [url, by] of [
      ['https://s.example/feed', 'slack:U1'],
      ['https://d.example/feed', 'discord:42'],
      ['https://t1.example/feed', 'slack:T1:U9'],
    ] as const) {
      await old.kysely.insertInto('news_feeds').values({ url, added_by: by, added_by_name: null, added_at: T0, next_fetch_at: T0 }).execute();
    }
    await old.close();
    const store = await openStore({ DATABASE_URL: place.url });
    cleanups.push(() => store.close());
    expect((await store.news.listFeeds('discord:')).map((f) => f.url)).toEqual(['https://s.example/feed', 'https://d.example/feed']);
    expect((await store.news.listFeeds(T1)).map((f) => f.url)).toEqual(['https://t1.example/feed']);
    expect(await store.news.listFeeds(T2)).toEqual([]);
    await new SlackInstallationStore(store.database, new TokenCipher(randomBytes(32))).scopeSingleWorkspaceRows('T1');
    expect((await store.news.listFeeds(T1)).map((f) => [f.url, f.addedBy])).toEqual([
      ['https://s.example/feed', 'slack:T1:U1'],
      ['https://t1.example/feed', 'slack:T1:U9'],
    ]);
    expect((await store.news.listFeeds('discord:')).map((f) => f.url)).toEqual(['https://d.example/feed']);
  });
});
