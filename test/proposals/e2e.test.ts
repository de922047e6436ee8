/**
 * Done-when, end to end, on the bot `startBot` builds (Slack over HTTP, SQLite file, the data file watched):
 * - a fixture EDGAR 8-K feed and its exhibit 99.1 on 127.0.0.1 carry a guidance raise → exactly one proposal,
 *   posted once to the subscribed channel — not again on the next poll, nor after a restart;
 * - its approval through a signed Slack request makes `/capex meta` state it with the filing as source, and a
 *   revision alert goes to the channel subscribed to alerts;
 * - the same from an RSS headline (the news feed an admin added), and a rejected headline leaves the data
 *   file byte for byte unchanged;
 * - hostile headline text reaches Slack escaped.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { BUNDLED_DATA_FILE } from '../../src/data/loader.js';
import { startBot, type RunningBot } from '../../src/main.js';
import type { ProposalService } from '../../src/proposals/service.js';
import { BOT_TOKEN, postSlash, sign, SIGNING_SECRET, visibleText } from '../adapters/slack/harness.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { FeedServer } from '../news/feed-server.js';
import { FakeEdgar, pressRelease, type FixtureFiling } from './edgar-server.js';

const META_CIK = '0001326801';
const TODAY = new Date().toISOString().slice(0, 10);
const YEAR = TODAY.slice(0, 4);

const RAISE: FixtureFiling = {
  cik: META_CIK,
  accession: '0001326801-26-000077',
  filed: TODAY,
  items: ['2.02', '9.01'],
  exhibitHtml: pressRelease('Meta', [
    'MENLO PARK, Calif. – Meta Platforms, Inc. (Nasdaq: META) today reported financial results for the quarter.',
    'Revenue was $51.24 billion, an increase of 26% year-over-year.',
    `We anticipate our full-year ${YEAR} capital expenditures, including principal payments on finance leases, to be in the range of $141-157 billion, increased from our prior outlook of $125-145 billion.`,
  ]),
};
const OLD_NON_EARNINGS: FixtureFiling = { cik: META_CIK, accession: '0001326801-26-000070', filed: TODAY, items: ['5.02'] };

let dir: string;
let slack: FakeSlack;
let edgar: FakeEdgar;
let news: FeedServer;
let bot: RunningBot | undefined;
let url = '';
let port = 0;

async function start(): Promise<RunningBot> {
  const config = loadConfig(
    {},
    {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_ADMIN_USER_IDS: 'UADMIN',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATA_FILE: join(dir, 'capex-data.yaml'),
      DATABASE_URL: join(dir, 'db', 'capex-bot.sqlite'),
      DATA_REFRESH_MINUTES: '0',
      SEC_USER_AGENT: 'capex-bot-tests/0.1 tests@example.com',
      SEC_BASE_URL: edgar.base,
      ALLOW_PRIVATE_FEEDS: 'true',
      WEB: 'off',
    },
  );
  const running = await startBot(config);
  url = `http://127.0.0.1:${port}/slack/events`;
  return running;
}

/** A port nobody listens on now: the bot is restarted on the same one. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

const proposals = () => bot!.runtime.services.proposals as ProposalService;
const admin = (text: string, channel = 'C0OPS') => postSlash(url, { command: '/capex-digest', text, user_id: 'UADMIN', user_name: 'alice', channel_id: channel });
const ask = (command: string, text: string) => postSlash(url, { command, text, user_id: 'U0MEMBER', channel_id: 'C0GENERAL' });
const postsTo = (channel: string) => slack.callsTo('chat.postMessage').filter((c) => c.body.channel === channel);
const dataText = () => readFileSync(join(dir, 'capex-data.yaml'), 'utf8');

let presses = 0;
/** Presses a button of a posted message the way Slack does: a signed block_actions payload; the answer goes to response_url. */
async function press(message: Record<string, unknown>, label: string, user: string): Promise<Record<string, unknown>> {
  const blocks = message.blocks as { type: string; elements?: { action_id: string; text: { text: string }; value?: string }[] }[];
  const element = blocks.find((b) => b.type === 'actions')!.elements!.find((e) => e.text.text === label)!;
  const responseId = `proposal-press-${++presses}`;
  const payload = {
    type: 'block_actions',
    team: { id: 'T0FAKE', domain: 'fake' },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0FAKE' },
    api_app_id: 'A0CAPEX',
    token: 'deprecated',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0REVIEW', is_ephemeral: false },
    trigger_id: `${Date.now()}.${presses}.press`,
    channel: { id: 'C0REVIEW', name: 'review' },
    message: { type: 'message', ts: '1700000000.000100', text: String(message.text ?? '') },
    response_url: slack.responseUrl(responseId),
    actions: [{ type: 'button', action_id: element.action_id, block_id: 'b1', text: element.text, value: element.value, action_ts: '1.2' }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign(SIGNING_SECRET, timestamp, body) },
    body,
  });
  expect(res.status).toBe(200);
  return (await slack.waitFor(() => slack.responses(responseId).at(-1)?.body)) as Record<string, unknown>;
}

async function settle(): Promise<void> {
  // Every feed polled now (a real bot waits FEED_REFRESH_MINUTES between polls of one feed).
  await proposals().tick({ pollAll: true });
  // An approval re-reads the data without waiting for it (the answer must not wait for alerts): wait here.
  await bot!.runtime.live.check();
  const alerts = bot!.runtime.services.alerts as { idle?: () => Promise<void> } | undefined;
  await alerts?.idle?.();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capex-proposals-e2e-'));
  copyFileSync(BUNDLED_DATA_FILE, join(dir, 'capex-data.yaml'));
  slack = await startFakeSlack({ validToken: BOT_TOKEN });
  edgar = await FakeEdgar.start();
  news = await FeedServer.start();
  edgar.setFilings(META_CIK, 'Meta Platforms, Inc.', [RAISE, OLD_NON_EARNINGS]);
  port = await freePort();
  bot = await start();
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await Promise.all([slack.close(), edgar.close(), news.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('proposed figures from an 8-K filing', () => {
  it('GIVEN a guidance raise in an earnings 8-K THEN exactly one proposal is posted, once, also after a restart', { timeout: 60_000 }, async () => {
    expect(visibleText((await admin('proposals on <#C0REVIEW|review>')).json)).toContain('gets one post per new figure');
    expect(visibleText((await admin('alerts on meta <#C0ALERTS|alerts>')).json)).toContain('Revision alerts on');

    await settle();
    const pending = await proposals().pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]!.figure).toMatchObject({ company: 'meta', metric: 'guidance', low: 141, high: 157, currency: 'USD', period: { start: `${YEAR}-01`, end: `${YEAR}-12` } });
    expect(pending[0]!.source).toMatchObject({ kind: 'filing', date: TODAY, url: `${edgar.base}/Archives/edgar/data/1326801/000132680126000077/ex99-1.htm` });
    expect(postsTo('C0REVIEW')).toHaveLength(1);
    const post = visibleText(postsTo('C0REVIEW')[0]!.body);
    expect(post).toContain('Proposed figure 1: Meta Platforms');
    expect(post).toContain('US$141–157B');
    expect(post).toContain('/capex-digest proposals approve 1');
    // The SEC asks for a User-Agent naming the app and a contact.
    expect(edgar.feedRequests(META_CIK)[0]!.headers['user-agent']).toBe('capex-bot-tests/0.1 tests@example.com');

    await settle();
    expect(await proposals().pending()).toHaveLength(1);
    expect(postsTo('C0REVIEW')).toHaveLength(1);
    expect(edgar.feedRequests(META_CIK).at(-1)!.status).toBe(304);

    await bot!.stop();
    bot = await start();
    await settle();
    expect((await proposals().store.list()).length).toBe(1);
    expect(postsTo('C0REVIEW')).toHaveLength(1);
  });

  it('GIVEN the proposal WHEN an admin approves it in Slack THEN /capex meta states it with the filing as source and an alert is posted', { timeout: 60_000 }, async () => {
    const before = dataText();
    const answer = await admin('proposals approve 1');
    expect(visibleText(answer.json)).toContain('Proposal 1 approved');
    expect(dataText()).not.toBe(before);
    await settle();

    const capex = visibleText((await ask('/capex', 'meta')).json);
    expect(capex).toContain('141–157');
    expect(capex).toContain('Form 8-K of');
    const alerts = postsTo('C0ALERTS');
    expect(alerts).toHaveLength(1);
    expect(visibleText(alerts[0]!.body)).toContain('141–157');

    // Decided once: a second approval changes nothing.
    expect(visibleText((await admin('proposals approve 1')).json)).toContain('already approved by alice');
    const audit = await proposals().store.auditOf(1);
    expect(audit.map((a) => a.action)).toEqual(['propose', 'approve']);
    expect(audit[1]).toMatchObject({ actor: 'slack:UADMIN', actorName: 'alice' });
  });

  it('GIVEN a member (not an admin) THEN approving is refused privately', async () => {
    const answer = await postSlash(url, { command: '/capex-digest', text: 'proposals approve 1', user_id: 'U0MEMBER' });
    expect(answer.json?.response_type).toBe('ephemeral');
    expect(visibleText(answer.json)).not.toContain('approved');
  });
});

describe('proposed figures from RSS headlines', () => {
  it('GIVEN headlines with new figures THEN approval publishes one, rejection leaves the data unchanged, hostile text is escaped', { timeout: 60_000 }, async () => {
    news.serve(
      '/capex.rss',
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Capex Wire</title><link>https://wire.example/</link>
<item><title>Alphabet raises ${YEAR} capex forecast to $191 billion</title><link>https://wire.example/a/alphabet-191</link><guid>w-1</guid><pubDate>${new Date().toUTCString()}</pubDate></item>
<item><title>Amazon says ${YEAR} capital expenditures will exceed $211 billion</title><link>https://wire.example/a/amazon-211</link><guid>w-2</guid><pubDate>${new Date().toUTCString()}</pubDate></item>
<item><title>Tesla lifts ${YEAR} capex to $31 billion &amp;lt;!channel&amp;gt; &amp;lt;https://evil.example|click here&amp;gt; &lt;!here&gt; @everyone &amp;lt;3 investors</title><link>https://wire.example/a/tesla-31</link><guid>w-3</guid><pubDate>${new Date().toUTCString()}</pubDate></item>
</channel></rss>`,
    );
    expect(visibleText((await admin(`feeds add ${news.url('/capex.rss')}`)).json)).toContain('added');
    await settle();

    const pending = await proposals().pending();
    const byCompany = Object.fromEntries(pending.map((p) => [p.figure.company, p]));
    expect(Object.keys(byCompany).sort()).toEqual(['alphabet', 'amazon', 'tesla']);
    expect(byCompany.alphabet!.source).toMatchObject({ kind: 'article', url: 'https://wire.example/a/alphabet-191' });

    const teslaPost = postsTo('C0REVIEW').map((c) => c.body).find((b) => visibleText(b).includes('Tesla'))!;
    const raw = JSON.stringify(teslaPost);
    for (const ping of ['<!channel>', '<!here>', '<!everyone>', '<https://evil.example']) expect(raw).not.toContain(ping);
    // Markup is dropped by the feed reader; a stray "<" that survives it reaches Slack escaped.
    expect(visibleText(teslaPost)).toContain('&lt;3 investors');

    // The Approve button of the post: a member's press is refused privately, an admin's approves.
    const alphabetPost = postsTo('C0REVIEW').map((c) => c.body).find((b) => visibleText(b).includes('Alphabet'))!;
    expect(visibleText(await press(alphabetPost, 'Approve', 'U0MEMBER'))).not.toContain('approved');
    expect((await proposals().get(byCompany.alphabet!.id))?.status).toBe('pending');
    expect(visibleText(await press(alphabetPost, 'Approve', 'UADMIN'))).toContain(`Proposal ${byCompany.alphabet!.id} approved`);
    await settle();
    expect(visibleText((await ask('/capex', 'alphabet')).json)).toContain('191');

    const before = dataText();
    expect(visibleText((await admin(`proposals reject ${byCompany.amazon!.id}`)).json)).toContain('rejected');
    await settle();
    expect(dataText()).toBe(before);
    expect(visibleText((await ask('/capex', 'amazon')).json)).not.toContain('211');
    expect((await proposals().get(byCompany.amazon!.id))?.status).toBe('rejected');

    // The post carries Approve / Reject buttons (issue 14's mechanism: each runs the typed command).
    const buttons = (teslaPost.blocks as { type: string; elements?: { text?: { text: string } }[] }[]).find((b) => b.type === 'actions');
    expect(buttons?.elements?.map((e) => e.text?.text)).toEqual(['Approve', 'Reject']);

    // An admin corrects a proposal before deciding: typed edit, audited.
    expect(visibleText((await admin(`proposals edit ${byCompany.tesla!.id} 30-32 about`)).json)).toContain('US$30–32B');
    expect(visibleText((await admin(`proposals edit ${byCompany.tesla!.id} lots`)).json)).toContain('Say the corrected amount');

    const list = visibleText((await admin('proposals list')).json);
    expect(list).toContain('Tesla');
    expect(list).toContain('US$30–32B');
    expect(list).not.toContain('Amazon');
  });
});
