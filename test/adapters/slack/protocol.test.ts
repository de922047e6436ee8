/**
 * Slack's protocol rules, through signed requests to the running bot and the fake Slack Web API:
 * unsigned ssl_check, links as Slack escapes them, retries and replays answered once, digests refused at
 * `add` time where the bot cannot post, token errors classified and acted on, alt_txt, and text cut without
 * splitting an emoji.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundWebClient, createSlackOutbound } from '../../../src/adapters/slack/outbound.js';
import { renderMessage } from '../../../src/adapters/slack/render.js';
import { TokenState } from '../../../src/adapters/token-state.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import type { Reply } from '../../../src/core/reply.js';
import { Harness as DigestHarness } from '../../schedule/harness.js';
import { NewsHarness } from '../../news/harness.js';
import { FeedServer, fixture } from '../../news/feed-server.js';
import { startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';
import { BOT_TOKEN, postSlash, sign, SIGNING_SECRET, slackTyped, slashBody, startHarness, visibleText, type Harness } from './harness.js';

let fake: FakeSlack;
let digests: DigestHarness;
let news: NewsHarness;
let feeds: FeedServer;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeSlack({ validToken: BOT_TOKEN });
  feeds = await FeedServer.start();
  feeds.serve('/wire.rss', fixture('ai-capex.rss'));
  feeds.serve('/infra.atom', fixture('ai-capex.atom'), 'application/atom+xml');
  digests = new DigestHarness({ start: '2026-05-15T08:00:00Z', outbounds: [createSlackOutbound(createOutboundWebClient({ token: BOT_TOKEN, slackApiUrl: fake.apiUrl }))] });
  news = new NewsHarness({ start: '2026-05-15T08:00:00Z' });
  h = await startHarness({
    fake,
    services: { digest: digests.service, news: news.news },
    now: () => new Date(digests.clock.now()),
    users: [
      { id: 'U0ADMIN', is_admin: true, tz: 'Europe/Berlin' },
      { id: 'U0MEMBER', tz: 'UTC' },
    ],
  });
  fake.addChannel({ id: 'C0SECRET', is_private: true, is_member: false });
  fake.addChannel({ id: 'C0INNER', is_private: true, is_member: true });
  fake.addChannel({ id: 'C0GROUPDM', is_mpim: true, is_member: true });
});
afterEach(async () => {
  await h.adapter.idle();
  fake.reset();
});
afterAll(async () => {
  await h.close();
  await digests.cleanup();
  await news.cleanup();
  await feeds.close();
  await fake.close();
});

const admin = (text: string, extra: { channel_id?: string; trigger_id?: string } = {}) => postSlash(h.url, { command: '/capex-digest', text, user_id: 'U0ADMIN', ...extra });
const scheduleCount = async () => (await digests.service.store.listSchedules()).length;

describe('ssl_check', () => {
  it('GIVEN Slack\'s unsigned ssl_check THEN 200 and nothing else runs', async () => {
    await h.adapter.idle();
    fake.reset();
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&token=legacy-verification-token' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(fake.requests.map((r) => r.api ?? r.path)).toEqual([]);
  });

  it('GIVEN an unsigned command that also says ssl_check THEN it is still refused', async () => {
    const before = await scheduleCount();
    const body = `${slashBody({ command: '/capex-digest', text: 'add 09:00', user_id: 'U0ADMIN' })}&ssl_check=1`;
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    // Answered 200 like any ssl_check, but nothing was scheduled.
    expect(res.status).toBe(200);
    expect(await scheduleCount()).toBe(before);
  });
});

describe('links as Slack escapes them (should_escape)', () => {
  it('GIVEN feeds add <https://…|label> THEN the feed is added', async () => {
    const url = feeds.url('/wire.rss');
    const text = slackTyped(`feeds add ${url}`, { [url]: 'AI capex wire' });
    expect(text).toContain(`<${url}|AI capex wire>`);
    const res = await admin(text);
    expect(visibleText(res.json)).toMatch(/News feed \d+ added/);
    expect((await news.news.store.listFeeds()).map((f) => f.url)).toContain(url);
  });

  it('GIVEN feeds add <https://…?a=1&b=2> THEN the URL keeps its query', async () => {
    feeds.serve('/infra.atom?a=1&b=2', fixture('ai-capex.atom'), 'application/atom+xml');
    const url = `${feeds.url('/infra.atom')}?a=1&b=2`;
    const res = await admin(slackTyped(`feeds add ${url}`));
    expect(visibleText(res.json)).toMatch(/News feed \d+ added/);
    expect((await news.news.store.listFeeds()).map((f) => f.url)).toContain(url);
  });
});

describe('retries and replays', () => {
  it('GIVEN the same signed command retried with X-Slack-Retry-Num THEN one schedule', async () => {
    const before = await scheduleCount();
    const body = slashBody({ command: '/capex-digest', text: 'add 06:45', user_id: 'U0ADMIN' });
    const first = await postSlash(h.url, { command: '' }, { body });
    expect(visibleText(first.json)).toMatch(/Digest scheduled/);
    const retry = await postSlash(h.url, { command: '' }, { body, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect(retry.status).toBe(200);
    expect(retry.text).toBe('');
    expect(await scheduleCount()).toBe(before + 1);
  });

  it('GIVEN the same signed command sent twice (same trigger_id) THEN one schedule', async () => {
    const before = await scheduleCount();
    await admin('add 06:50', { trigger_id: '999.111.replayed' });
    await admin('add 06:50', { trigger_id: '999.111.replayed' });
    expect(await scheduleCount()).toBe(before + 1);
    // A new invocation of the same text is a new command.
    await admin('add 06:50', { trigger_id: '999.222.new' });
    expect(await scheduleCount()).toBe(before + 2);
  });
});

describe('where a digest may go, checked at add time', () => {
  it.each([
    ['a DM', 'D0ADMINDM', 'direct messages'],
    ['a group DM', 'C0GROUPDM', 'group direct message'],
    ['a private channel the bot is not in', 'C0SECRET', '/invite @capex-bot'],
  ])('GIVEN %s THEN refused privately, nothing saved', async (_what, channel, words) => {
    const before = await scheduleCount();
    const res = await admin('add 07:15', { channel_id: channel });
    expect(res.json?.response_type).toBe('ephemeral');
    expect(visibleText(res.json)).toContain(words);
    expect(await scheduleCount()).toBe(before);
  });

  it('GIVEN #private-channel picked from a public one THEN the picked channel is checked', async () => {
    const res = await admin(slackTyped('add 07:20') + ' <#C0SECRET|secret>', { channel_id: 'C0GENERAL' });
    expect(visibleText(res.json)).toContain('/invite @capex-bot');
    expect(fake.callsTo('conversations.info').map((r) => r.body.channel)).toEqual(['C0SECRET']);
  });

  it('GIVEN a private channel the bot is in, or a public one THEN the digest is scheduled', async () => {
    expect(visibleText((await admin('add 07:25', { channel_id: 'C0INNER' })).json)).toMatch(/Digest scheduled/);
    expect(visibleText((await admin('add 07:30', { channel_id: 'C0PUBLIC' })).json)).toMatch(/Digest scheduled/);
  });

  it('GIVEN alerts on or proposals on in a DM THEN refused the same way', async () => {
    expect(visibleText((await admin('alerts on', { channel_id: 'D0ADMINDM' })).json)).toContain('direct messages');
    expect(visibleText((await admin('proposals on', { channel_id: 'D0ADMINDM' })).json)).toContain('direct messages');
  });

  it('ordinary questions never call conversations.info', async () => {
    await postSlash(h.url, { command: '/capex', text: 'alibaba', channel_id: 'D0SOMEDM' });
    expect(fake.callsTo('conversations.info')).toHaveLength(0);
  });
});

describe('token errors and other failures, classified for the delivery engine', () => {
  const digest: Reply = { kind: 'answer', visibility: 'public', title: 'Digest', lines: ['x'], summary: 'x' };
  const outbound = (token?: TokenState) => createSlackOutbound(createOutboundWebClient({ token: BOT_TOKEN, slackApiUrl: fake.apiUrl }), token ? { tokenState: token } : {});

  it.each(['token_revoked', 'invalid_auth', 'account_inactive'])('GIVEN %s THEN TokenRevokedError and no further call', async (error) => {
    const token = new TokenState('slack');
    const channel = outbound(token);
    fake.failNext({ kind: 'platform-error', error }, { method: 'chat.postMessage' });
    await expect(channel.post('slack:C1', digest)).rejects.toMatchObject({ kind: 'token_revoked', platform: 'slack' });
    await expect(channel.post('slack:C2', digest)).rejects.toMatchObject({ kind: 'token_revoked' });
    await expect(channel.sendDirect('slack:U1', digest)).rejects.toMatchObject({ kind: 'token_revoked' });
    expect(fake.requests.filter((r) => r.api)).toHaveLength(1);
    expect(token.reason).toContain(error);
  });

  it('missing_scope is a permission error, invalid_blocks permanent, 429 a global rate limit', async () => {
    fake.failNext({ kind: 'platform-error', error: 'missing_scope' }, { method: 'chat.postMessage' });
    await expect(outbound().post('slack:C1', digest)).rejects.toMatchObject({ kind: 'permission' });
    fake.failNext({ kind: 'platform-error', error: 'invalid_blocks' }, { method: 'chat.postMessage' });
    await expect(outbound().post('slack:C1', digest)).rejects.toMatchObject({ kind: 'permanent' });
    fake.failNext({ kind: 'rate-limit', retryAfterSeconds: 3 }, { method: 'chat.postMessage' });
    await expect(outbound().post('slack:C1', digest)).rejects.toMatchObject({ kind: 'rate_limited', scope: 'global', retryAfterMs: 3000 });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(3);
  });

  it('GIVEN an app_uninstalled event THEN health is degraded and posting stops before reaching Slack', async () => {
    expect(h.adapter.health().status).toBe('ok');
    const event = JSON.stringify({
      token: 'legacy', team_id: 'T0FAKE', api_app_id: 'A0CAPEX', type: 'event_callback', event_id: 'Ev0UNINSTALL', event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_uninstalled' },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign(SIGNING_SECRET, timestamp, event) }, body: event });
    expect(res.status).toBe(200);
    await fake.waitFor(() => h.adapter.health().status === 'degraded');
    expect(h.adapter.health().reason).toContain('app_uninstalled');
    fake.reset();
    await expect(h.adapter.outbound.post('slack:C1', digest)).rejects.toMatchObject({ kind: 'token_revoked' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('text Slack reads', () => {
  it('a cut never splits an emoji (no lone surrogate in the JSON)', () => {
    const emoji = '📈';
    const reply: Reply = { kind: 'answer', visibility: 'public', title: `${'x'.repeat(148)}${emoji}${emoji}`, lines: [`${'y'.repeat(2998)}${emoji}${emoji}`], summary: 's' };
    // JSON.stringify writes a lone surrogate as a \udXXX escape; a whole pair stays the emoji itself.
    expect(JSON.stringify(renderMessage(reply))).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
    // One unit shorter and the first emoji fits whole: it is kept, not dropped.
    const fits: Reply = { ...reply, title: `${'x'.repeat(147)}${emoji}${emoji}` };
    expect(renderMessage(fits).blocks[0]).toMatchObject({ type: 'header', text: { text: `${'x'.repeat(147)}${emoji}…` } });
  });

  it('the 500-character cap counts characters, not UTF-16 units', async () => {
    const name = '📈'.repeat(300); // 300 characters, 600 UTF-16 units
    const res = await postSlash(h.url, { command: '/capex', text: name });
    expect(visibleText(res.json)).not.toContain('too long');
    const over = await postSlash(h.url, { command: '/capex', text: '📈'.repeat(501) });
    expect(visibleText(over.json)).toContain('too long');
  });

  it('a SLACK_APP_TOKEN that is not an app-level token is refused at configuration', () => {
    expect(() => loadConfig({}, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-wrong-token' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-wrong-token' })).toThrow(/SLACK_APP_TOKEN.*xapp-/);
    expect(loadConfig({}, { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A1-2-abc' }).SLACK_APP_TOKEN).toBe('xapp-1-A1-2-abc');
  });
});
