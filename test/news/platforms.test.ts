/**
 * News through the real platform adapters and the fake Slack / Discord APIs on 127.0.0.1:
 * - Slack: an admin adds a feed with a signed `/capex-digest feeds add`, a member asks `/capex news`, and a
 *   digest sent to a Slack channel carries the headlines (linked); the next digest in that channel carries
 *   only the new one. A feed that starts failing is reported to its adder by Slack DM, once, and the digest
 *   still goes out.
 * - Discord: `/capex-news` and `/digest feeds` as signed interactions answer with embeds inside Discord's
 *   limits and with no mentions; a digest posted to a Discord channel carries the headlines.
 * - Hostile feed text (mentions, Slack control sequences, Markdown, huge titles) stays inert on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { APIEmbed } from 'discord.js';
import { createOutboundWebClient, createSlackOutbound } from '../../src/adapters/slack/outbound.js';
import { createDiscordOutbound } from '../../src/adapters/discord/outbound.js';
import { createDiscordRest } from '../../src/adapters/discord/rest.js';
import { startDiscord } from '../../src/adapters/discord/index.js';
import { EMBED_LIMITS, embedLength } from '../../src/adapters/discord/render.js';
import { commands as realCommands } from '../../src/commands/index.js';
import { Core } from '../../src/core/core.js';
import type { CommandSpec } from '../../src/core/command.js';
import { HttpServer } from '../../src/http/server.js';
import { DigestService } from '../../src/schedule/service.js';
import { bundledData } from '../helpers/core.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.js';
import { BOT_TOKEN, postSlash, startHarness, visibleText, type Harness as SlackHarness } from '../adapters/slack/harness.js';
import { ADMIN, command, generateKeys, signedHeaders, type TestKeys } from '../adapters/discord/signing.js';
import { FeedServer, fixture } from './feed-server.js';
import { MINUTE, NewsHarness } from './harness.js';

const DAY = 24 * 60 * MINUTE;
let server: FeedServer;

beforeAll(async () => {
  server = await FeedServer.start();
});
afterAll(() => server.close());

/**
 * A feed whose titles try everything a hostile publisher could. `<!channel>` and `<@U123>` arrive as markup
 * and are stripped as tags; "AT&T <" survives as text and must be escaped by the Slack renderer.
 */
const HOSTILE_RSS = `<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile &lt;!channel&gt; Wire @everyone</title>
${Array.from(
  { length: 12 },
  (_, i) => `<item><title>@everyone &lt;!channel&gt; &lt;@U123&gt; AT&amp;amp;T &amp;lt; **Nvidia** GPU data center deal #${i} ${'padding words '.repeat(30)}</title>
  <link>https://hostile.example/${'very-long-path-segment/'.repeat(20)}${i}?q=(x)&amp;y=&lt;z&gt;</link><pubDate>Thu, 14 May 2026 1${i % 10}:00:00 GMT</pubDate></item>`,
).join('\n')}
</channel></rss>`;

describe('Slack', () => {
  let fake: FakeSlack;
  let news: NewsHarness;
  let digests: DigestService;
  let slack: SlackHarness;

  beforeAll(async () => {
    fake = await startFakeSlack({ validToken: BOT_TOKEN });
    const outbound = createSlackOutbound(createOutboundWebClient({ token: BOT_TOKEN, slackApiUrl: fake.apiUrl }));
    news = new NewsHarness({ start: '2026-05-15T08:00:00Z', outbounds: [outbound] });
    // The digest service on the same database, with the news service as its headline source (as wired in production).
    digests = new DigestService({
      store: news.store,
      data: () => bundledData,
      outbounds: [outbound],
      clock: news.clock,
      heartbeat: false,
      config: { DEFAULT_TIMEZONE: 'UTC', DIGEST_GRACE_MINUTES: 120 },
      headlines: news.news,
    });
    slack = await startHarness({
      fake,
      services: { digest: digests, news: news.news },
      now: () => new Date(news.clock.now()),
      users: [
        { id: 'U0ADMIN', is_admin: true, tz: 'UTC' },
        { id: 'U0MEMBER', tz: 'UTC' },
      ],
    });
    server.serve('/slack/wire.rss', fixture('ai-capex.rss'));
  });
  afterAll(async () => {
    await slack.close();
    await digests.scheduler.stop(1_000);
    await news.cleanup();
    await fake.close();
  });

  const slash = (user: string, command: string, text: string) => postSlash(slack.url, { command, text, user_id: user, channel_id: 'C0OPS' });

  it('feeds, /capex news and two digests in a row, as Slack users see them', async () => {
    const added = await slash('U0ADMIN', '/capex-digest', `feeds add ${server.url('/slack/wire.rss')}`);
    expect(added.json?.response_type).toBe('ephemeral');
    expect(visibleText(added.json)).toContain('First fetch: 5 items read, 3 about AI investment, 3 new headlines kept.');

    const asked = await slash('U0MEMBER', '/capex', 'news');
    expect(asked.json?.response_type).toBe('in_channel');
    const answer = visibleText(asked.json);
    expect(answer).toContain('1. Microsoft to spend $80 billion on AI data centers this fiscal year — Example Tech Wire, 14 May 2026');
    expect(answer).toContain('<https://wire.example/2026/05/14/microsoft-80-billion-ai-data-centers|Microsoft to spend $80 billion on AI data centers this fiscal year> (2026-05-14)');

    const scheduled = await slash('U0ADMIN', '/capex-digest', 'add 09:00 <#C0DIGEST|capex-news>');
    const id = /Schedule (\d+)/.exec(visibleText(scheduled.json))?.[1];
    expect(id).toBeDefined();
    // About the headlines in the digest's text: one message (digests are a post plus a thread by default, issue 14).
    await slash('U0ADMIN', '/capex-digest', `thread ${id} off`);

    const sent = await slash('U0ADMIN', '/capex-digest', `send ${id}`);
    expect(visibleText(sent.json)).toContain('Digest posted');
    const first = fake.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0DIGEST');
    expect(first).toHaveLength(1);
    const firstText = visibleText(first[0]!.body);
    expect(firstText).toContain('Headlines from the past 7 days:');
    expect(firstText).toContain('• Microsoft to spend $80 billion on AI data centers this fiscal year — Example Tech Wire, 14 May 2026');
    expect(firstText).toContain('• Meta raises 2026 capex guidance as AI build-out accelerates — Example Tech Wire, 13 May 2026');
    expect(firstText).toContain('<https://wire.example/2026/05/12/alphabet-tpu-iowa|Alphabet expands TPU capacity at its Iowa campus>');

    // A day later the wire has one new story; the next digest in the channel shows only that one.
    server.serve('/slack/wire.rss', fixture('update.rss'));
    news.clock.advance(DAY);
    expect(await news.news.tick()).toEqual({ fetched: 1, failed: 0, added: 1 });
    await slash('U0ADMIN', '/capex-digest', `send ${id}`);
    const second = fake.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0DIGEST');
    expect(second).toHaveLength(2);
    const secondText = visibleText(second[1]!.body);
    expect(secondText).toContain('Headlines since the last digest:');
    expect(secondText).toContain('• Amazon commits $20 billion to AWS data centers in Pennsylvania — Example Tech Wire, 15 May 2026');
    expect(secondText).not.toContain('Microsoft to spend $80 billion');
    expect(secondText).not.toContain('Meta raises 2026 capex');
  });

  it('a failing feed is reported to its adder by Slack DM once; digests keep going', async () => {
    server.route('/slack/wire.rss', (_req, res) => void res.writeHead(404, 'Not Found').end());
    for (let i = 0; i < 3; i++) {
      news.clock.advance(12 * 60 * MINUTE);
      await news.news.tick();
    }
    const dms = fake.callsTo('chat.postMessage').filter((c) => c.body.channel === 'DU0ADMIN');
    expect(dms).toHaveLength(1);
    expect(visibleText(dms[0]!.body)).toContain('could not be read: HTTP 404 Not Found');
    expect(fake.callsTo('conversations.open').at(-1)!.body.users).toBe('U0ADMIN');

    const listed = await slash('U0ADMIN', '/capex-digest', 'feeds list');
    expect(visibleText(listed.json)).toContain('failing (3×): HTTP 404 Not Found');

    const schedules = await digests.store.listSchedules('slack:');
    const before = fake.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0DIGEST').length;
    await slash('U0ADMIN', '/capex-digest', `send ${schedules[0]!.id}`);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0DIGEST')).toHaveLength(before + 1);
  });

  it('hostile headline text cannot mention or link anything in Slack', async () => {
    server.serve('/slack/hostile.rss', HOSTILE_RSS);
    await slash('U0ADMIN', '/capex-digest', `feeds add ${server.url('/slack/hostile.rss')}`);
    const asked = await slash('U0MEMBER', '/capex', 'news');
    const body = JSON.stringify(asked.json);
    expect(body).not.toContain('<!channel>');
    expect(body).not.toContain('<@U123>');
    expect(body).toContain('@everyone AT&amp;T &lt; **Nvidia**');
    const blocks = asked.json?.blocks as { text?: { text: string } }[];
    for (const block of blocks) expect((block.text?.text ?? '').length).toBeLessThanOrEqual(3000);
  });
});

describe('Discord', () => {
  let keys: TestKeys;
  let http: HttpServer;
  let base: string;
  let news: NewsHarness;
  let fake: FakeDiscord;

  beforeAll(async () => {
    keys = generateKeys();
    fake = await startFakeDiscord();
    const outbound = createDiscordOutbound(createDiscordRest({ token: 'test-token', apiUrl: fake.url, timeoutMs: 2_000 }));
    news = new NewsHarness({ start: '2026-05-15T08:00:00Z', outbounds: [outbound] });
    const core = new Core({
      commands: realCommands as CommandSpec[],
      data: () => bundledData,
      services: { news: news.news },
      now: () => new Date(news.clock.now()),
      logger: pino({ level: 'silent' }),
    });
    http = new HttpServer(() => ({}));
    await startDiscord({ core, config: { DISCORD_PUBLIC_KEY: keys.publicKeyHex }, http, logger: pino({ level: 'silent' }), charts: false });
    base = `http://127.0.0.1:${(await http.listen(0, '127.0.0.1')).port}`;
    server.serve('/discord/wire.rss', fixture('ai-capex.rss'));
    server.serve('/discord/infra.atom', fixture('ai-capex.atom'), 'application/atom+xml');
  });
  afterAll(async () => {
    await http.close();
    await news.cleanup();
    await fake.close();
  });

  async function interact(payload: unknown): Promise<APIEmbed> {
    const body = JSON.stringify(payload);
    const res = await fetch(`${base}/discord/interactions`, { method: 'POST', headers: signedHeaders(keys, body), body });
    const json = (await res.json()) as { type: number; data: { allowed_mentions: unknown; embeds: APIEmbed[] } };
    expect(json.type).toBe(4);
    expect(json.data.allowed_mentions).toEqual({ parse: [] });
    expect(json.data.embeds).toHaveLength(1);
    const embed = json.data.embeds[0]!;
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(EMBED_LIMITS.description);
    expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(EMBED_LIMITS.fields);
    for (const field of embed.fields ?? []) expect(field.value.length).toBeLessThanOrEqual(EMBED_LIMITS.fieldValue);
    expect(embedLength(embed)).toBeLessThanOrEqual(EMBED_LIMITS.total);
    return embed;
  }

  const feeds = (action: string, target?: string) =>
    command('digest', [{ name: 'feeds', type: 1, options: [{ name: 'action', type: 3, value: action }, ...(target ? [{ name: 'target', type: 3, value: target }] : [])] }], ADMIN);

  it('/digest feeds adds and lists; /capex-news answers with linked headlines', async () => {
    const added = await interact(feeds('add', server.url('/discord/wire.rss')));
    expect(added.title).toBe('News feed 1 added');
    await interact(feeds('add', server.url('/discord/infra.atom')));
    const listed = await interact(feeds('list'));
    expect(listed.title).toBe('News feeds (2)');
    expect(listed.description).toContain('Example Infrastructure Journal');

    const embed = await interact(command('capex-news', [{ name: 'company', type: 3, value: 'oracle' }]));
    expect(embed.title).toBe('AI-investment headlines about Oracle');
    expect(embed.description).toContain('1. Oracle and OpenAI add 1.2 gigawatts to Stargate site in Texas — Example Infrastructure Journal, 14 May 2026');
    const sources = (embed.fields ?? []).find((f) => f.name === 'Sources')!;
    expect(sources.value).toContain('[Oracle and OpenAI add 1.2 gigawatts to Stargate site in Texas](https://infra.example/news/stargate-texas-expansion)');
  });

  it('outside a server (where Discord does not gate /digest) nobody may manage feeds', async () => {
    const embed = await interact(command('digest', [{ name: 'feeds', type: 1, options: [{ name: 'action', type: 3, value: 'list' }] }], { dm: true }));
    expect(embed.description).toContain('Only admins can do that.');
  });

  it('hostile headlines stay inside the limits and mention nobody', async () => {
    server.serve('/discord/hostile.rss', HOSTILE_RSS);
    await interact(feeds('add', server.url('/discord/hostile.rss')));
    const embed = await interact(command('capex-news', []));
    expect(embed.title).toBe('AI-investment headlines');
    expect(embed.description).toContain('\\*\\*Nvidia\\*\\*');
  });

  it('a digest posted to a Discord channel carries the headlines', async () => {
    const digests = new DigestService({
      store: news.store,
      data: () => bundledData,
      outbounds: [createDiscordOutbound(createDiscordRest({ token: 'test-token', apiUrl: fake.url, timeoutMs: 2_000 }))],
      clock: news.clock,
      heartbeat: false,
      headlines: news.news,
    });
    const caller = { platform: 'discord' as const, userId: 'discord:1', isAdmin: true, channelId: 'discord:777' };
    const { schedule } = await digests.add({ when: { kind: 'time', hour: 9, minute: 0, days: [1, 2, 3, 4, 5, 6, 7] }, zone: 'UTC', channelId: 'discord:777' }, caller);
    await digests.setThread(schedule.id, false, caller); // one message: the test reads the headlines in it
    expect((await digests.send(schedule, caller)).status).toBe('delivered');
    const [post] = fake.requestsTo('POST', '/channels/777/messages');
    const body = post!.body as { allowed_mentions: unknown; embeds: APIEmbed[] };
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const text = [body.embeds[0]!.description, ...(body.embeds[0]!.fields ?? []).map((f) => f.value)].join('\n');
    expect(text).toContain('Headlines from the past 7 days:');
    expect(text.match(/^• .* — .*, \d{1,2} May 2026$/gm)).toHaveLength(5);
    await digests.scheduler.stop(1_000);
  });
});
