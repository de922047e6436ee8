/**
 * News feeds belong to the Slack workspace that added them (issue 15 item 4), on the running bot in OAuth mode
 * (startBot, SQLite in a temp dir) with T1 and T2 installed against the fake Slack API and feeds served on
 * 127.0.0.1: a T2 admin cannot list or remove T1's feed, by id or by URL; T1's `/capex news` and digest show
 * T1's headlines and none of T2's; the same URL added in both workspaces is fetched once and listed in each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBot } from '../../src/main.js';
import { visibleText } from '../adapters/slack/harness.js';
import { install, REDIRECT, slashFrom, startOAuthBot } from '../oauth/flow.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { FeedServer } from './feed-server.js';


let slack: FakeSlack;
let bot: RunningBot;
let feeds: FeedServer;
let dir: string;
let base: string;

/** An RSS document with AI-investment headlines dated an hour ago (digests skip stale news). */
function rss(title: string, headlines: string[]): string {
  const at = new Date(Date.now() - 3_600_000).toUTCString();
  const items = headlines.map(
    (h, i) => `<item><title>${h}</title><link>https://${title.toLowerCase()}.example/${i}</link><guid>${title}-${i}</guid><pubDate>${at}</pubDate></item>`,
  );
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><link>https://${title.toLowerCase()}.example/</link>${items.join('')}</channel></rss>`;
}

const T1_HEADLINE = 'Microsoft to spend $80 billion on AI data centers this fiscal year';
const T2_HEADLINE = 'Meta raises 2026 capex guidance as AI build-out accelerates';
const SHARED_HEADLINE = 'Alphabet lifts capital expenditure plan for AI infrastructure to $185 billion';

const slash = (team: string, command: string, text: string) => slashFrom(base, slack, team, command, text);
const say = async (team: string, command: string, text: string) => visibleText((await slash(team, command, text)).json);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capex-feeds-ws-'));
  feeds = await FeedServer.start();
  feeds.serve('/t1.rss', rss('OneWire', [T1_HEADLINE]));
  feeds.serve('/t2.rss', rss('TwoWire', [T2_HEADLINE]));
  feeds.serve('/both.rss', rss('BothWire', [SHARED_HEADLINE]));
  slack = await startFakeSlack({ validToken: `xoxb-never-issued-${randomBytes(4).toString('hex')}` });
  for (const team of ['T1', 'T2']) {
    slack.addUser({ id: `UADMIN${team}`, is_admin: true, tz: 'UTC', team });
    slack.addChannel({ id: `C${team}GEN`, team });
  }
  ({ bot, base } = await startOAuthBot(slack, join(dir, 'capex-bot.sqlite'), { ALLOW_PRIVATE_FEEDS: 'true' }));
  for (const team of ['T1', 'T2']) expect((await install(base, slack, team, REDIRECT)).status).toBe(200);
  expect(await say('T1', '/capex-digest', `feeds add ${feeds.url('/t1.rss')}`)).toContain('News feed 1 added');
  expect(await say('T2', '/capex-digest', `feeds add ${feeds.url('/t2.rss')}`)).toContain('News feed 2 added');
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await slack?.close();
  await feeds?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('news feeds in many Slack workspaces', () => {
  it('GIVEN T1 and T2 each added a feed THEN each admin lists only their own workspace’s feed', async () => {
    const t1 = await say('T1', '/capex-digest', 'feeds list');
    expect(t1).toContain(feeds.url('/t1.rss'));
    expect(t1).not.toContain(feeds.url('/t2.rss'));
    const t2 = await say('T2', '/capex-digest', 'feeds list');
    expect(t2).toContain(feeds.url('/t2.rss'));
    expect(t2).not.toContain(feeds.url('/t1.rss'));
    expect(t2).toContain('News feeds (1)');
    // /capex-digest status counts the workspace's own feeds too.
    expect(await say('T2', '/capex-digest', 'status')).toMatch(/News feeds\W+1 \(/);
  });

  it('GIVEN T1’s feed THEN a T2 admin can remove it neither by id nor by URL, and T1 still has it', async () => {
    for (const target of ['1', '#1', feeds.url('/t1.rss')]) {
      const answer = await say('T2', '/capex-digest', `feeds remove ${target}`);
      expect(answer, target).toMatch(/There is no news feed (1|with that URL)\./);
      expect(answer).not.toContain('removed');
    }
    expect(await say('T1', '/capex-digest', 'feeds list')).toContain(feeds.url('/t1.rss'));
  });

  it('GIVEN both feeds fetched THEN /capex news in T1 shows T1’s headline and not T2’s, and the other way round', async () => {
    const t1 = await say('T1', '/capex', 'news');
    expect(t1).toContain(T1_HEADLINE);
    expect(t1).not.toContain(T2_HEADLINE);
    const t2 = await say('T2', '/capex', 'news');
    expect(t2).toContain(T2_HEADLINE);
    expect(t2).not.toContain(T1_HEADLINE);
  });

  it('GIVEN a schedule in T1 WHEN its digest is sent THEN it carries T1’s headline and none of T2’s', async () => {
    const added = await say('T1', '/capex-digest', 'add 10:00');
    const id = /Digest schedule (\d+) added/.exec(added)?.[1];
    expect(id, added).toBeDefined();
    slack.reset();
    expect(await say('T1', '/capex-digest', `send ${id}`)).toContain('Posted the digest');
    const posted = JSON.stringify(slack.callsTo('chat.postMessage').map((p) => p.body));
    expect(posted).toContain('Microsoft to spend $80 billion');
    expect(posted).not.toContain('Meta raises 2026 capex guidance');
  });

  it('GIVEN the same URL added in T1 and T2 THEN it is fetched once, listed in each, and removing it in T2 leaves T1’s', async () => {
    const fetches = () => feeds.requests.filter((r) => r.path === '/both.rss').length;
    expect(await say('T1', '/capex-digest', `feeds add ${feeds.url('/both.rss')}`)).toContain('News feed 3 added');
    const before = fetches();
    const shared = await say('T2', '/capex-digest', `feeds add ${feeds.url('/both.rss')}`);
    expect(shared).toContain('News feed 3 added');
    expect(shared).toContain('already reads this feed');
    expect(fetches()).toBe(before);
    expect(await say('T2', '/capex', 'news')).toContain(SHARED_HEADLINE);
    expect(await say('T2', '/capex-digest', `feeds remove ${feeds.url('/both.rss')}`)).toContain('News feed 3 removed');
    expect(await say('T2', '/capex-digest', 'feeds list')).not.toContain('/both.rss');
    expect(await say('T2', '/capex', 'news')).not.toContain(SHARED_HEADLINE);
    expect(await say('T1', '/capex-digest', 'feeds list')).toContain(feeds.url('/both.rss'));
    expect(await say('T1', '/capex', 'news')).toContain(SHARED_HEADLINE);
  });
});
