/**
 * `/capex-digest feeds …` and `/capex news …` typed as a user types them, answered by the real core with
 * the real commands, a real news service on a SQLite file and feeds on a local server. Checks what the
 * user reads (the plain-text rendering the console shows).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src/app.js';
import { renderPlain } from '../../src/adapters/console/render.js';
import type { Caller, Services } from '../../src/core/command.js';
import { addressPolicy } from '../../src/news/address-policy.js';
import { bundledData } from '../helpers/core.js';
import { FeedServer, fixture } from './feed-server.js';
import { MINUTE, NewsHarness, newsAdmin } from './harness.js';

let server: FeedServer;
let h: NewsHarness | undefined;
beforeAll(async () => {
  server = await FeedServer.start();
  server.serve('/wire.rss', fixture('ai-capex.rss'));
  server.serve('/infra.atom', fixture('ai-capex.atom'), 'application/atom+xml');
});
afterAll(() => server.close());
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const member: Caller = { platform: 'console', userId: 'console:UMEMBER', userName: 'bob', isAdmin: false, channelId: 'console:general' };

function setup(options: ConstructorParameters<typeof NewsHarness>[0] = { start: '2026-05-15T08:00:00Z' }) {
  h = new NewsHarness(options);
  const harness = h;
  const core = createCore({ data: bundledData, services: { news: h.news }, now: () => new Date(harness.clock.now()) });
  const ask = async (line: string, caller: Caller = newsAdmin()) => {
    const reply = await core.handleText(line, caller);
    return { reply, text: renderPlain(reply) };
  };
  return { h, ask };
}

describe('/capex-digest feeds', () => {
  it('an admin adds a feed and sees at once what the first fetch found; the list shows health, last fetch and count', async () => {
    const { ask } = setup();
    const added = await ask(`/capex-digest feeds add ${server.url('/wire.rss')}`);
    expect(added.reply).toMatchObject({ kind: 'answer', visibility: 'private', title: 'News feed 1 added' });
    expect(added.text).toContain(`Feed 1: Example Tech Wire — ${server.url('/wire.rss')}. It is read every 30 minutes;`);
    expect(added.text).toContain('First fetch: 5 items read, 3 about AI investment, 3 new headlines kept.');

    await ask(`/capex-digest feeds add ${server.url('/infra.atom')}`);
    const list = await ask('/capex-digest feeds list');
    expect(list.reply.title).toBe('News feeds (2)');
    expect(list.reply.lines).toEqual([
      `1 · Example Tech Wire · ${server.url('/wire.rss')} · healthy · last fetch 15 May 08:00 UTC · 3 headlines kept · added by alice`,
      `2 · Example Infrastructure Journal · ${server.url('/infra.atom')} · healthy · last fetch 15 May 08:00 UTC · 2 headlines kept · added by alice`,
    ]);
    // Bare `feeds` lists too.
    expect((await ask('/capex-digest feeds')).reply.lines).toEqual(list.reply.lines);
  });

  it('a failing feed is listed with its reason and next try, and the others stay healthy', async () => {
    const { h, ask } = setup();
    server.serve('/flaky.rss', fixture('ai-capex.rss'));
    await ask(`/capex-digest feeds add ${server.url('/flaky.rss')}`);
    await ask(`/capex-digest feeds add ${server.url('/infra.atom')}`);
    server.route('/flaky.rss', (_req, res) => void res.writeHead(404, 'Not Found').end());
    await h.tickAfter(30 * MINUTE);
    const list = await ask('/capex-digest feeds list');
    expect(list.reply.lines[0]).toBe(
      `1 · Example Tech Wire · ${server.url('/flaky.rss')} · failing (1×): HTTP 404 Not Found — next try 15 May 09:00 UTC · last fetch 15 May 08:30 UTC · last success 15 May 08:00 UTC · 3 headlines kept · added by alice`,
    );
    expect(list.reply.lines[1]).toContain('· healthy ·');
    expect(list.reply.notes).toEqual(['1 feed is failing; the others and the digests carry on.']);
    server.serve('/flaky.rss', fixture('ai-capex.rss'));
  });

  it('removes a feed by id, with its headlines', async () => {
    const { ask } = setup();
    await ask(`/capex-digest feeds add ${server.url('/wire.rss')}`);
    const removed = await ask('/capex-digest feeds remove 1');
    expect(removed.reply.lines).toEqual([`Feed 1 (${server.url('/wire.rss')}) is removed; its headlines no longer appear in this workspace's digests or /capex news.`]);
    expect((await ask('/capex-digest feeds list')).reply.lines).toEqual(['No news feed is set up yet. Add one: /capex-digest feeds add https://example.com/ai.rss']);
  });

  it.each([
    ['/capex-digest feeds remove 99', 'There is no news feed 99. /capex-digest feeds list shows the ids.'],
    ['/capex-digest feeds remove abc', "'abc' is not a feed id: use the number /capex-digest feeds list shows, e.g. 2."],
    ['/capex-digest feeds remove', 'Give the feed id: use the number /capex-digest feeds list shows, e.g. 2.'],
    ['/capex-digest feeds add', 'Give the feed URL, e.g. /capex-digest feeds add https://example.com/ai.rss'],
    ['/capex-digest feeds add ftp://files.example/feed.xml', 'Feed not added. Only http:// and https:// feeds can be added (not ftp:).'],
    ['/capex-digest feeds add javascript:alert(1)', 'Feed not added. Only http:// and https:// feeds can be added (not javascript:).'],
    ['/capex-digest feeds https://example.com/feed', 'To add that feed, say: /capex-digest feeds add https://example.com/feed'],
    ['/capex-digest feeds frob', "/capex-digest feeds has no 'frob': use add, list or remove."],
  ])('%s → a friendly private error', async (line, message) => {
    const { ask } = setup();
    const { reply } = await ask(line);
    expect(reply).toMatchObject({ kind: 'error', visibility: 'private' });
    expect(reply.lines[0]).toBe(message);
    expect(reply.lines[1]).toMatch(/^Usage: \/capex-digest feeds add <url>/);
  });

  it('is for admins only, every verb', async () => {
    const { ask } = setup();
    for (const line of ['/capex-digest feeds', `/capex-digest feeds add ${server.url('/wire.rss')}`, '/capex-digest feeds remove 1']) {
      const { reply } = await ask(line, member);
      expect(reply.kind).toBe('error');
      expect(reply.lines[0]).toContain('Only admins can do that.');
    }
  });

  it('with ALLOW_PRIVATE_FEEDS off, internal addresses are refused and nothing is stored or fetched', async () => {
    const { h, ask } = setup({ start: '2026-05-15T08:00:00Z', service: { policy: addressPolicy({ allowPrivate: false }) } });
    const before = server.requests.length;
    for (const [url, words] of [
      [server.url('/wire.rss'), 'Feeds on a loopback address are not allowed'],
      ['http://localhost/feed', 'Feeds on a loopback address are not allowed (localhost resolves to'],
      ['http://10.0.0.8/feed', 'Feeds on a private address are not allowed'],
      ['http://169.254.169.254/latest/meta-data/', 'Feeds on a link-local address are not allowed'],
      ['http://[::1]:8080/feed', 'Feeds on a loopback address are not allowed'],
      ['http://[fd00::5]/feed', 'Feeds on a unique-local (private) address are not allowed'],
    ] as const) {
      const { reply } = await ask(`/capex-digest feeds add ${url}`);
      expect(reply.kind, url).toBe('error');
      expect(reply.lines[0], url).toContain(`Feed not added. ${words}`);
    }
    expect(await h.news.listFeeds()).toEqual([]);
    expect(server.requests.length).toBe(before);
  });
});

describe('/capex news', () => {
  async function withFeeds() {
    const s = setup();
    await s.ask(`/capex-digest feeds add ${server.url('/wire.rss')}`);
    await s.ask(`/capex-digest feeds add ${server.url('/infra.atom')}`);
    return s;
  }

  it('lists the latest headlines publicly, with source and date, linked', async () => {
    const { ask } = await withFeeds();
    const { reply, text } = await ask('/capex news', member);
    expect(reply).toMatchObject({ kind: 'answer', visibility: 'public', title: 'AI-investment headlines' });
    expect(reply.lines).toEqual([
      '1. Microsoft to spend $80 billion on AI data centers this fiscal year — Example Tech Wire, 14 May 2026',
      '2. Oracle and OpenAI add 1.2 gigawatts to Stargate site in Texas — Example Infrastructure Journal, 14 May 2026',
      '3. Meta raises 2026 capex guidance as AI build-out accelerates — Example Tech Wire, 13 May 2026',
      '4. Alphabet expands TPU capacity at its Iowa campus — Example Tech Wire, 12 May 2026',
      '5. Alibaba Cloud lifts AI infrastructure spending & hiring — Example Infrastructure Journal, 11 May 2026',
    ]);
    expect(reply.sources?.[0]).toEqual({
      title: 'Microsoft to spend $80 billion on AI data centers this fiscal year',
      url: 'https://wire.example/2026/05/14/microsoft-80-billion-ai-data-centers',
      date: '2026-05-14',
    });
    expect(text).toContain('https://wire.example/2026/05/12/alphabet-tpu-iowa');
  });

  it('filters by company name, ticker or alias', async () => {
    const { ask } = await withFeeds();
    for (const query of ['microsoft', 'MSFT', 'Microsoft']) {
      const { reply } = await ask(`/capex news ${query}`, member);
      expect(reply.title).toBe('AI-investment headlines about Microsoft');
      expect(reply.lines).toEqual(['1. Microsoft to spend $80 billion on AI data centers this fiscal year — Example Tech Wire, 14 May 2026']);
    }
    const stargate = await ask('/capex news openai', member);
    expect(stargate.reply.lines).toEqual(['1. Oracle and OpenAI add 1.2 gigawatts to Stargate site in Texas — Example Infrastructure Journal, 14 May 2026']);
    const google = await ask('/capex news google', member);
    expect(google.reply.title).toBe('AI-investment headlines about Alphabet');
  });

  it('shows dates in the caller’s time zone', async () => {
    const { ask } = await withFeeds();
    const { reply } = await ask('/capex news alibaba', { ...member, timeZone: 'America/Los_Angeles' });
    // Published 2026-05-11T03:00Z: still 10 May in Los Angeles.
    expect(reply.lines).toEqual(['1. Alibaba Cloud lifts AI infrastructure spending & hiring — Example Infrastructure Journal, 10 May 2026']);
  });

  it('says why there is nothing: no headline about that company, no feeds, unknown company', async () => {
    const { ask } = await withFeeds();
    const tesla = await ask('/capex news tesla', member);
    expect(tesla.reply).toMatchObject({ kind: 'answer', visibility: 'private', title: 'No headlines about Tesla' });
    expect(tesla.reply.lines).toEqual(['None of the 2 news feeds has had an AI-investment headline about Tesla yet.']);
    const unknown = await ask('/capex news microsfot', member);
    expect(unknown.reply.kind).toBe('error');
    expect(unknown.reply.lines[0]).toBe("No company named 'microsfot' — did you mean Microsoft?");

    await h!.cleanup();
    const empty = setup();
    const none = await empty.ask('/capex news', member);
    expect(none.reply.lines).toEqual(['No news feeds are set up yet; an admin can add one with /capex-digest feeds add <url>.']);
  });

  it('without a database, both commands say news is not set up', async () => {
    const core = createCore({ data: bundledData, services: {} as Services });
    const news = await core.handleText('/capex news', member);
    expect(news.lines[0]).toContain('News headlines are not set up in this run of the bot');
    const feeds = await core.handleText('/capex-digest feeds list', newsAdmin());
    expect(feeds.lines[0]).toContain('News feeds are not set up in this run of the bot');
  });
});
