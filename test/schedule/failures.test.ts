/**
 * Platform failures end to end: the real Slack and Discord outbound channels against the local fake Web
 * APIs answering 429 + Retry-After, 500 and channel-not-found. Each slot is delivered exactly once, a
 * gone channel stops only its own schedule and its creator gets a direct message.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundWebClient, createSlackOutbound } from '../../src/adapters/slack/outbound.js';
import { createDiscordOutbound } from '../../src/adapters/discord/outbound.js';
import { createDiscordRest } from '../../src/adapters/discord/rest.js';
import { discordSyntax } from '../../src/adapters/discord/syntax.js';
import { localizedOutbound } from '../../src/adapters/lifecycle.js';
import { commands } from '../../src/commands/index.js';
import type { Weekday } from '../../src/schedule/when.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.js';
import { admin, Harness } from './harness.js';

const daily = (hour: number, minute: number) => ({ kind: 'time' as const, hour, minute, days: [1, 2, 3, 4, 5, 6, 7] as Weekday[] });
const START = '2025-06-02T08:55:00Z';
const SLOT_TIME = '2025-06-02T09:00:00Z';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

describe('Slack (fake Web API)', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterEach(() => slack.reset());
  afterAll(async () => slack.close());

  const setup = () => {
    const outbound = createSlackOutbound(createOutboundWebClient({ token: 'xoxb-test', slackApiUrl: slack.apiUrl, timeoutMs: 2_000 }));
    harness = new Harness({ start: START, outbounds: [outbound] });
    return harness;
  };
  /** chat.postMessage calls Slack accepted (HTTP 200, ok) for a channel. */
  const accepted = (channel: string) =>
    slack.callsTo('chat.postMessage').filter((r) => r.body.channel === channel && r.status === 200 && !['C_GONE'].includes(channel));

  it('429: waits Retry-After, then posts once', async () => {
    const h = setup();
    const { schedule } = await h.add(daily(9, 0), 'UTC', 'slack:C1');
    await h.service.start();
    slack.failNext({ kind: 'rate-limit', retryAfterSeconds: 3 }, { method: 'chat.postMessage', times: 2 });
    await h.runUntil(SLOT_TIME);
    const calls = slack.callsTo('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 429, 200]);
    expect(accepted('C1')).toHaveLength(1);
    expect(h.clock.sleeps.filter((ms) => ms >= 3_000)).toEqual([3_000, 3_000]);
    expect(await h.service.deliveriesOf(schedule.id)).toMatchObject([{ status: 'delivered', attempts: 3 }]);
    expect(calls[2]!.body.text).toMatch(/AI capex digest/);
  });

  it('500 and a dropped connection: retried with backoff, posted once', async () => {
    const h = setup();
    const { schedule } = await h.add(daily(9, 0), 'UTC', 'slack:C1');
    await h.service.start();
    slack.failNext({ kind: 'server-error', status: 500 }, { method: 'chat.postMessage' });
    slack.failNext({ kind: 'drop-connection' }, { method: 'chat.postMessage' });
    await h.runUntil(SLOT_TIME);
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([500, 0, 200]);
    expect(accepted('C1')).toHaveLength(1);
    // Exponential: the second wait is in a higher band than the first.
    const [first, second] = h.clock.sleeps;
    expect(first).toBeGreaterThanOrEqual(500);
    expect(first).toBeLessThanOrEqual(1_000);
    expect(second).toBeGreaterThanOrEqual(1_000);
    expect(second).toBeLessThanOrEqual(2_000);
    expect(await h.service.deliveriesOf(schedule.id)).toMatchObject([{ status: 'delivered' }]);
  });

  it('a long outage of Slack: retries run out, the slot is retried later and still posted once', async () => {
    const h = setup();
    const { schedule } = await h.add(daily(9, 0), 'UTC', 'slack:C1');
    await h.service.start();
    slack.failNext({ kind: 'server-error', status: 503 }, { method: 'chat.postMessage', times: 6 });
    await h.runUntil(SLOT_TIME);
    expect(accepted('C1')).toHaveLength(0);
    expect((await h.service.deliveriesOf(schedule.id))[0]).toMatchObject({ status: 'claimed' });
    await h.runUntil('2025-06-02T09:20:00Z');
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([503, 503, 503, 503, 503, 503, 200]);
    expect(accepted('C1')).toHaveLength(1);
  });

  it('channel_not_found: that schedule is marked failing and its creator gets a DM; the others carry on', async () => {
    const h = setup();
    const creator = { ...admin('slack', 'C1'), userId: 'slack:UCREATOR' };
    const gone = await h.add(daily(9, 0), 'UTC', 'slack:C_GONE', creator);
    const fine = await h.add(daily(9, 0), 'UTC', 'slack:C_OK');
    await h.service.start();
    slack.failChannel('C_GONE', 'channel_not_found');
    await h.runUntil(SLOT_TIME);

    expect(accepted('C_OK')).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage').filter((r) => r.body.channel === 'C_GONE')).toHaveLength(1); // not retried
    expect(await h.store.getSchedule(gone.schedule.id)).toMatchObject({ status: 'failing', statusReason: 'Slack: channel_not_found' });
    expect(slack.callsTo('conversations.open').map((r) => r.body.users)).toEqual(['UCREATOR']);
    const dm = slack.callsTo('chat.postMessage').find((r) => r.body.channel === 'DUCREATOR');
    expect(dm?.body.text).toBe('Digest schedule 1 cannot post in #C_GONE.');
    expect(JSON.stringify(dm?.body.blocks)).toMatch(/could not be posted in #C_GONE: Slack: channel_not_found.*\/capex-digest resume 1/);

    // The next day: only the healthy schedule posts; list shows why the other stopped.
    await h.runUntil('2025-06-03T09:01:00Z');
    expect(accepted('C_OK')).toHaveLength(2);
    expect(slack.callsTo('chat.postMessage').filter((r) => r.body.channel === 'C_GONE')).toHaveLength(1);
    const views = await h.service.list(admin('slack'));
    expect(views.map((v) => [v.schedule.id, v.schedule.status])).toEqual([
      [gone.schedule.id, 'failing'],
      [fine.schedule.id, 'active'],
    ]);

    // Once fixed, resume brings it back.
    slack.reset();
    await h.service.resume(gone.schedule.id, admin('slack'));
    await h.runUntil('2025-06-04T09:01:00Z');
    expect(slack.callsTo('chat.postMessage').filter((r) => r.body.channel === 'C_GONE' && r.status === 200)).toHaveLength(1);
  });
});

describe('Discord (fake REST API)', () => {
  let discord: FakeDiscord;
  beforeAll(async () => {
    discord = await startFakeDiscord();
  });
  afterEach(() => discord.reset());
  afterAll(async () => discord.close());

  const setup = () => {
    // As the registry wires it: posts written in Discord's syntax (channel mentions, command names).
    const outbound = localizedOutbound(createDiscordOutbound(createDiscordRest({ token: 'test-token', apiUrl: discord.url, timeoutMs: 2_000 })), discordSyntax(commands));
    harness = new Harness({ start: START, outbounds: [outbound] });
    return harness;
  };
  const postsTo = (channel: string) => discord.requestsTo('POST', `/channels/${channel}/messages`);

  it('429 then 500: waits Retry-After, backs off, posts once', async () => {
    const h = setup();
    const { schedule } = await h.add(daily(9, 0), 'UTC', 'discord:111111');
    await h.service.start();
    discord.failNext({ kind: 'rate-limit', retryAfterSeconds: 2 }, { route: '/channels/111111/' });
    discord.failNext({ kind: 'server-error', status: 500 }, { route: '/channels/111111/' });
    await h.runUntil(SLOT_TIME);
    expect(postsTo('111111')).toHaveLength(3); // 429, 500, success
    expect(h.clock.sleeps).toContain(2_000);
    expect(await h.service.deliveriesOf(schedule.id)).toMatchObject([{ status: 'delivered', attempts: 3 }]);
    const body = postsTo('111111')[2]!.body as { embeds: { title: string }[]; allowed_mentions: unknown };
    expect(body.embeds[0]!.title).toMatch(/^AI capex digest/);
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });

  it('unknown channel: failing, DM to the creator, other schedules unaffected', async () => {
    const h = setup();
    const creator = { ...admin('discord', '222222'), userId: 'discord:777' };
    const gone = await h.add(daily(9, 0), 'UTC', 'discord:999999', creator);
    await h.add(daily(9, 0), 'UTC', 'discord:222222');
    await h.service.start();
    discord.failChannel('999999', 'unknown-channel');
    await h.runUntil(SLOT_TIME);
    expect(postsTo('222222')).toHaveLength(1);
    expect(postsTo('999999')).toHaveLength(1);
    expect((await h.store.getSchedule(gone.schedule.id))!.status).toBe('failing');
    expect(discord.requestsTo('POST', '/users/@me/channels').map((r) => r.body)).toEqual([{ recipient_id: '777' }]);
    const dm = postsTo('dm-777')[0]!.body as { embeds: { title: string }[] };
    expect(dm.embeds[0]!.title).toBe('Digest schedule 1 stopped: cannot post in <#999999>');
  });
});
