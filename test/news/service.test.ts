/**
 * The news service against real feeds on 127.0.0.1 and a real SQLite file: de-duplication across feeds and
 * restarts, conditional GETs on a schedule, failing feeds (404, bad XML, too big, too slow) marked with the
 * reason and retried with exponential backoff while the other feeds go on, the adder told once by DM, and
 * the headlines a channel's digests get (at most five, never repeated).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NewsServiceOptions } from '../../src/news/service.js';
import { RecordingOutbound } from '../helpers/recording-outbound.js';
import { FeedServer, fixture } from './feed-server.js';
import { MINUTE, NewsHarness, newsAdmin } from './harness.js';

let server: FeedServer;
let h: NewsHarness | undefined;

beforeAll(async () => {
  server = await FeedServer.start();
});
afterAll(() => server.close());
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

function setup(service: Partial<NewsServiceOptions> = {}) {
  const outbound = new RecordingOutbound('console');
  h = new NewsHarness({ start: '2026-05-15T08:00:00Z', outbounds: [outbound], service });
  return { h, outbound };
}

/** A fresh path per test so ETags and routes never leak between tests. */
let n = 0;
const path = (name: string) => `/${++n}/${name}`;

describe('reading feeds', () => {
  it('keeps each AI-investment story once, across two feeds and a restart', async () => {
    const { h } = setup();
    const rss = path('wire.rss');
    const atom = path('infra.atom');
    server.serve(rss, fixture('ai-capex.rss'));
    server.serve(atom, fixture('ai-capex.atom'), 'application/atom+xml');

    const wire = await h.add(server.url(rss));
    expect(wire.first).toMatchObject({ ok: true, read: 5, kept: 3, added: 3 });
    expect(wire.feed).toMatchObject({ title: 'Example Tech Wire', health: 'ok', itemCount: 3, failures: 0 });
    const infra = await h.add(server.url(atom));
    // Four entries, three about AI investment, one of them the Microsoft story the wire already had.
    expect(infra.first).toMatchObject({ ok: true, read: 4, kept: 3, added: 2 });

    const latest = await h.news.latest();
    expect(latest.map((i) => [i.title, i.source, i.companies])).toEqual([
      ['Microsoft to spend $80 billion on AI data centers this fiscal year', 'Example Tech Wire', ['microsoft']],
      ['Oracle and OpenAI add 1.2 gigawatts to Stargate site in Texas', 'Example Infrastructure Journal', ['oracle', 'openai', 'stargate']],
      ['Meta raises 2026 capex guidance as AI build-out accelerates', 'Example Tech Wire', ['meta']],
      ['Alphabet expands TPU capacity at its Iowa campus', 'Example Tech Wire', ['alphabet']],
      ['Alibaba Cloud lifts AI infrastructure spending & hiring', 'Example Infrastructure Journal', ['alibaba']],
    ]);
    expect((await h.news.latest({ companyId: 'microsoft' })).map((i) => i.link)).toEqual([
      'https://wire.example/2026/05/14/microsoft-80-billion-ai-data-centers',
    ]);

    // A new version of the wire (new ETag) after a restart: only the story not seen before is added.
    await h.restart();
    server.serve(rss, fixture('update.rss'));
    const pass = await h.tickAfter(30 * MINUTE);
    expect(pass).toEqual({ fetched: 2, failed: 0, added: 1 });
    expect(await h.news.store.countItems()).toBe(6);
    expect((await h.feed(wire.feed.id)).itemCount).toBe(4);
    expect((await h.news.latest({ limit: 1 }))[0]!.title).toBe('Amazon commits $20 billion to AWS data centers in Pennsylvania');
  });

  it('polls on schedule with a conditional GET: an unchanged feed costs a 304 and changes nothing', async () => {
    const { h } = setup();
    const rss = path('wire.rss');
    server.serve(rss, fixture('ai-capex.rss'));
    const { feed } = await h.add(server.url(rss));
    const stored = await h.feed(feed.id);
    expect(stored.etag).toMatch(/^"/);
    expect(stored.nextFetchAt).toBe(h.clock.now() + 30 * MINUTE);

    expect(await h.tickAfter(29 * MINUTE)).toEqual({ fetched: 0, failed: 0, added: 0 });
    expect(server.requestsTo(rss)).toHaveLength(1);

    expect(await h.tickAfter(1 * MINUTE)).toEqual({ fetched: 1, failed: 0, added: 0 });
    const second = server.requestsTo(rss)[1]!;
    expect(second.headers['if-none-match']).toBe(stored.etag);
    expect(second.status).toBe(304);
    const after = await h.feed(feed.id);
    expect(after).toMatchObject({ etag: stored.etag, itemCount: 3, health: 'ok', lastFetchAt: h.clock.now(), lastOkAt: h.clock.now() });
  });
});

describe('failing feeds', () => {
  it('a feed that starts failing is marked with the reason, backs off exponentially, and its adder is told once', async () => {
    const { h, outbound } = setup();
    const flaky = path('flaky.rss');
    const steady = path('steady.atom');
    server.serve(flaky, fixture('ai-capex.rss'));
    server.serve(steady, fixture('ai-capex.atom'), 'application/atom+xml');
    const { feed } = await h.add(server.url(flaky));
    const other = await h.add(server.url(steady));

    server.route(flaky, (_req, res) => void res.writeHead(404, 'Not Found').end());
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = await h.feed(feed.id);
      await h.tickAfter(before.nextFetchAt - h.clock.now());
      const after = await h.feed(feed.id);
      expect(after).toMatchObject({ health: 'failing', reason: 'HTTP 404 Not Found', failures: i + 1 });
      delays.push((after.nextFetchAt - h.clock.now()) / MINUTE);
    }
    expect(delays).toEqual([30, 60, 120, 240]);
    expect(outbound.directs).toHaveLength(1);
    const dm = outbound.directs[0]!;
    expect(dm.channelId).toBe('console:UADMIN');
    expect(dm.reply.title).toBe(`News feed ${feed.id} is failing`);
    expect(dm.reply.lines.join('\n')).toContain(`could not be read: HTTP 404 Not Found`);
    expect(dm.reply.lines.join('\n')).toContain(`/capex-digest feeds remove ${feed.id}`);

    // The other feed kept being read on its own schedule the whole time.
    expect((await h.feed(other.feed.id)).health).toBe('ok');
    expect(server.requestsTo(steady).length).toBeGreaterThan(4);

    // It recovers, then fails anew: a new failure episode is reported again.
    server.serve(flaky, fixture('ai-capex.rss'));
    await h.tickAfter((await h.feed(feed.id)).nextFetchAt - h.clock.now());
    expect(await h.feed(feed.id)).toMatchObject({ health: 'ok', reason: null, failures: 0, notified: false });
    server.route(flaky, (_req, res) => void res.writeHead(500, 'Internal Server Error').end());
    await h.tickAfter(30 * MINUTE);
    expect(outbound.directs).toHaveLength(2);
    expect(outbound.directs[1]!.reply.summary).toContain('HTTP 500 Internal Server Error');
  });

  it('bad XML, a huge feed and a slow feed each fail on their own with their reason; a good feed in the same pass is read', async () => {
    const { h } = setup({ fetch: { timeoutMs: 400 } });
    const good = path('good.rss');
    const bad = path('bad.xml');
    const huge = path('huge.rss');
    const slow = path('slow.rss');
    for (const p of [good, bad, huge, slow]) server.serve(p, fixture('ai-capex.rss'));
    const ids = { good: 0, bad: 0, huge: 0, slow: 0 };
    for (const [name, p] of Object.entries({ good, bad, huge, slow })) ids[name as keyof typeof ids] = (await h.add(server.url(p))).feed.id;

    server.serve(bad, fixture('malformed.xml'));
    server.route(huge, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>${'<item><title>GPU</title></item>'.repeat(80_000)}</channel></rss>`);
    });
    server.route(slow, (_req, res) => {
      const timer = setTimeout(() => res.writeHead(200).end(fixture('ai-capex.rss')), 5_000);
      res.on('close', () => clearTimeout(timer));
    });
    server.serve(good, fixture('update.rss'));

    const pass = await h.tickAfter(30 * MINUTE);
    expect(pass).toEqual({ fetched: 1, failed: 3, added: 1 });
    expect((await h.feed(ids.good)).health).toBe('ok');
    expect((await h.feed(ids.bad)).reason).toBe("malformed XML at line 6: char '&' is not expected.");
    expect((await h.feed(ids.huge)).reason).toBe('the feed is larger than the 2 MB limit (stopped reading there)');
    expect((await h.feed(ids.slow)).reason).toBe('no complete answer within 0.4 s (timed out)');
  });

  it('a first fetch that fails is reported in the answer to the admin, not by DM, and the feed stays listed', async () => {
    const { h, outbound } = setup();
    const missing = path('missing.rss');
    const result = await h.add(server.url(missing));
    expect(result.first).toEqual({ ok: false, reason: 'HTTP 404 Not Found' });
    expect(await h.feed(result.feed.id)).toMatchObject({ health: 'failing', notified: true, failures: 1 });
    await h.tickAfter(30 * MINUTE);
    expect(outbound.directs).toHaveLength(0);
  });

  it('stopping during a slow fetch returns promptly and does not count against the feed', async () => {
    const { h } = setup({ fetch: { timeoutMs: 10_000 } });
    const slow = path('slow.rss');
    server.serve(slow, fixture('ai-capex.rss'));
    const { feed } = await h.add(server.url(slow));
    server.route(slow, (_req, res) => {
      const timer = setTimeout(() => res.writeHead(200).end(fixture('ai-capex.rss')), 8_000);
      res.on('close', () => clearTimeout(timer));
    });
    h.clock.advance(30 * MINUTE);
    const pass = h.news.tick();
    await waitFor(() => server.requestsTo(slow).length === 2);
    const started = Date.now();
    await h.news.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await pass).toEqual({ fetched: 0, failed: 0, added: 0 });
    expect(await h.feed(feed.id)).toMatchObject({ health: 'ok', failures: 0 });
  });
});

describe('admin changes', () => {
  it('refuses a duplicate URL, and removing a feed removes its headlines', async () => {
    const { h } = setup();
    const rss = path('wire.rss');
    server.serve(rss, fixture('ai-capex.rss'));
    const { feed } = await h.add(server.url(rss));
    const again = await h.news.addFeed(server.url(rss), newsAdmin());
    expect(again).toMatchObject({ status: 'exists', feed: { id: feed.id } });
    expect(await h.news.store.countItems()).toBe(3);
    await h.news.removeFeed(feed.id, newsAdmin());
    expect(await h.news.store.countItems()).toBe(0);
    expect(await h.news.listFeeds()).toEqual([]);
    const audit = h.store.db.prepare(`SELECT actor, action FROM audit_log WHERE action LIKE 'feed-%' ORDER BY id`).all();
    expect(audit).toEqual([
      { actor: 'console:UADMIN', action: 'feed-add' },
      { actor: 'console:UADMIN', action: 'feed-remove' },
    ]);
  });
});

describe('headlines for digests', () => {
  it('a channel gets at most five, newest first, never the same one twice; another channel has its own record', async () => {
    const { h } = setup();
    const rss = path('wire.rss');
    const atom = path('infra.atom');
    server.serve(rss, fixture('ai-capex.rss'));
    server.serve(atom, fixture('ai-capex.atom'), 'application/atom+xml');
    await h.add(server.url(rss));
    await h.add(server.url(atom));

    const now = h.clock.now();
    const first = await h.news.forDigest('slack:C1', { now });
    expect(first.map((x) => x.title)).toEqual([
      'Microsoft to spend $80 billion on AI data centers this fiscal year',
      'Oracle and OpenAI add 1.2 gigawatts to Stargate site in Texas',
      'Meta raises 2026 capex guidance as AI build-out accelerates',
      'Alphabet expands TPU capacity at its Iowa campus',
      'Alibaba Cloud lifts AI infrastructure spending & hiring',
    ]);
    await h.news.recordShown('slack:C1', first.map((x) => x.id), 1, now);

    // Next day: the wire has one new story.
    server.serve(rss, fixture('update.rss'));
    await h.tickAfter(24 * 60 * MINUTE);
    const second = await h.news.forDigest('slack:C1', { since: now, now: h.clock.now() });
    expect(second.map((x) => x.title)).toEqual(['Amazon commits $20 billion to AWS data centers in Pennsylvania']);
    // A channel that never had a digest gets the newest five, the new story included.
    const other = await h.news.forDigest('discord:9', { now: h.clock.now() });
    expect(other).toHaveLength(5);
    expect(other[0]!.title).toBe(second[0]!.title);
  });

  it('a newly added feed’s old archive is not "news" for the digest', async () => {
    const { h } = setup();
    const archive = path('archive.rss');
    server.serve(
      archive,
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Archive</title>
        <item><title>Microsoft lifts AI capex (two months ago)</title><link>https://archive.example/old</link><pubDate>Wed, 11 Mar 2026 10:00:00 GMT</pubDate></item>
        <item><title>Meta data center news (yesterday)</title><link>https://archive.example/new</link><pubDate>Thu, 14 May 2026 10:00:00 GMT</pubDate></item>
      </channel></rss>`,
    );
    await h.add(server.url(archive));
    expect((await h.news.latest()).map((x) => x.title)).toHaveLength(2);
    const headlines = await h.news.forDigest('slack:C1', { now: h.clock.now() });
    expect(headlines.map((x) => x.title)).toEqual(['Meta data center news (yesterday)']);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
