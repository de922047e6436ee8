/**
 * Revision alerts end to end: the data file is edited in a temp dir, LiveData picks the version up, and the
 * posts go out through the real Slack and Discord outbound adapters to the fake Slack and Discord APIs on
 * 127.0.0.1, with the ledger in a real SQLite file. Restarts close the database and rebuild everything.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundWebClient, createSlackOutbound } from '../../src/adapters/slack/outbound.js';
import { createDiscordOutbound } from '../../src/adapters/discord/outbound.js';
import { discordSyntax } from '../../src/adapters/discord/syntax.js';
import { slackSyntax } from '../../src/adapters/slack/syntax.js';
import { localizedOutbound } from '../../src/adapters/lifecycle.js';
import { commands } from '../../src/commands/index.js';
import { createDiscordRest } from '../../src/adapters/discord/rest.js';
import type { OutboundChannel } from '../../src/core/outbound.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.js';
import { BOT_TOKEN, visibleText } from '../adapters/slack/harness.js';
import { AMAZON_REVISION, broken, GOOD, META_2027, META_LINE, META_REVISION, secQuarters, withRows } from '../helpers/data-edits.js';
import { adminOn, AlertHarness, DAY, DISCORD_ADMIN } from './harness.js';

const DISCORD_CHANNEL = '880000000000000088';

let slack: FakeSlack;
let discord: FakeDiscord;
let slackOut: OutboundChannel;
let discordOut: OutboundChannel;
const harnesses: AlertHarness[] = [];

beforeAll(async () => {
  slack = await startFakeSlack({ validToken: BOT_TOKEN });
  discord = await startFakeDiscord();
  // As the adapter registry wires them: posts written in each platform's syntax (channel mentions, command names).
  slackOut = localizedOutbound(createSlackOutbound(createOutboundWebClient({ token: BOT_TOKEN, slackApiUrl: slack.apiUrl })), slackSyntax(commands));
  discordOut = localizedOutbound(createDiscordOutbound(createDiscordRest({ token: 'bot-token', apiUrl: discord.url, timeoutMs: 2_000 })), discordSyntax(commands));
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.cleanup();
  slack.reset();
  discord.reset();
});
afterAll(async () => {
  await slack.close();
  await discord.close();
});

async function bot(outbounds: OutboundChannel[] = [slackOut, discordOut], data = GOOD): Promise<AlertHarness> {
  const h = new AlertHarness({ start: '2026-11-25T08:00:00Z', outbounds, data });
  harnesses.push(h);
  return h.up();
}

/** Slack posts (not DMs) to a channel, as Slack users see them. */
const slackPosts = (channel: string) => slack.callsTo('chat.postMessage').filter((c) => c.body.channel === channel && c.status === 200).map((c) => visibleText(c.body));
const slackAttempts = (channel: string) => slack.callsTo('chat.postMessage').filter((c) => c.body.channel === channel);
const discordPosts = (channel: string) =>
  discord.requestsTo('POST', `/channels/${channel}/messages`).map((r) => r.body as { embeds: Record<string, unknown>[]; allowed_mentions: unknown; content?: string });

async function on(h: AlertHarness, platform: 'slack' | 'discord', text: string, channel = 'C0OPS') {
  const reply = await h.ask(`/capex-digest alerts on ${text}`, adminOn(platform, channel));
  expect(reply.kind, reply.lines.join('\n')).toBe('answer');
  return reply;
}

describe('revision alerts on Slack and Discord', () => {
  it('a Meta revision saved to the data file is posted once in every subscribed channel; filters are respected; reloads and restarts repeat nothing', async () => {
    const h = await bot();
    await on(h, 'slack', '<#C0ALL|capex>');
    await on(h, 'slack', 'meta <#C0META|meta-watch>');
    await on(h, 'slack', 'amazon <#C0AMZN|amazon-watch>');
    await on(h, 'discord', `<#${DISCORD_CHANNEL}>`);

    h.writeData(withRows(GOOD, '2026-11-25.2', META_REVISION));
    await h.reload();

    expect(slackPosts('C0ALL')).toHaveLength(1);
    expect(slackPosts('C0ALL')[0]).toContain(META_LINE);
    expect(slackPosts('C0META')).toHaveLength(1);
    expect(slackPosts('C0META')[0]).toContain(META_LINE);
    expect(slackAttempts('C0AMZN')).toHaveLength(0);
    const [post, ...more] = discordPosts(DISCORD_CHANNEL);
    expect(more).toHaveLength(0);
    expect(post!.allowed_mentions).toEqual({ parse: [] });
    expect(JSON.stringify(post!.embeds)).toContain(META_LINE);
    expect(post!.embeds[0]!.title).toBe('Meta Platforms raised CY2026 capex guidance');
    expect(JSON.stringify(post!.embeds)).toContain('https://example.com/meta-q2-2026');

    // The watcher fires again on the same file, then the bot restarts on the same data: nothing new.
    await h.reload();
    await h.restart();
    await h.reload();
    expect(slackAttempts('C0ALL')).toHaveLength(1);
    expect(slackAttempts('C0META')).toHaveLength(1);
    expect(discordPosts(DISCORD_CHANNEL)).toHaveLength(1);

    // The Amazon channel hears about Amazon only; the Meta channel does not.
    h.writeData(withRows(GOOD, '2026-11-25.3', META_REVISION, AMAZON_REVISION));
    await h.reload();
    expect(slackPosts('C0AMZN')).toHaveLength(1);
    expect(slackPosts('C0AMZN')[0]).toContain('Amazon lowered CY2026 capex guidance: about US$200B → US$190B (−5.0%), announced 30 Oct 2026 — Amazon Q3 2026 results (test fixture)');
    expect(slackAttempts('C0META')).toHaveLength(1);
    expect(slackPosts('C0ALL')).toHaveLength(2);
  });

  it('a change saved while the bot was down is announced once after the restart, and not again after the next one', async () => {
    const h = await bot();
    await on(h, 'slack', '<#C0ALL|capex>');
    await on(h, 'discord', `<#${DISCORD_CHANNEL}>`);
    await h.down();
    h.writeData(withRows(GOOD, '2026-11-26.1', META_REVISION, META_2027));
    await h.up();

    const [text, ...rest] = slackPosts('C0ALL');
    expect(rest).toHaveLength(0);
    expect(text).toContain('AI capex data updated: 2 new or revised figures');
    expect(text).toContain(`• ${META_LINE}`);
    expect(text).toContain('• Meta Platforms: new CY2027 capex guidance: US$160B, announced 29 Oct 2026 — Meta Q3 2026 results (test fixture)');
    expect(discordPosts(DISCORD_CHANNEL)).toHaveLength(1);

    await h.restart();
    expect(slackAttempts('C0ALL')).toHaveLength(1);
    expect(discordPosts(DISCORD_CHANNEL)).toHaveLength(1);
  });

  it('the first start ever records the data as a baseline and announces none of it', async () => {
    const h = await bot([slackOut], withRows(GOOD, '2026-11-25.2', META_REVISION));
    await on(h, 'slack', '<#C0ALL|capex>');
    await h.restart();
    expect(slackAttempts('C0ALL')).toHaveLength(0);
    h.writeData(withRows(GOOD, '2026-11-25.3', META_REVISION, AMAZON_REVISION));
    await h.reload();
    expect(slackPosts('C0ALL')).toHaveLength(1);
    expect(slackPosts('C0ALL')[0]).toContain('Amazon lowered CY2026 capex guidance');
    expect(slackPosts('C0ALL')[0]).not.toContain('Meta');
  });

  it('an SEC import of 15 reported quarters is one post summing them up, not fifteen', async () => {
    const h = await bot();
    await on(h, 'slack', '<#C0ALL|capex>');
    await on(h, 'discord', `<#${DISCORD_CHANNEL}>`);
    h.writeData(withRows(GOOD, '2026-11-25.2', secQuarters(15), META_REVISION));
    await h.reload();

    const [text, ...rest] = slackPosts('C0ALL');
    expect(rest).toHaveLength(0);
    expect(text).toContain('AI capex data updated: 16 new or revised figures');
    expect(text).toContain(`• ${META_LINE}`);
    expect(text).toContain('• Alphabet: 15 reported capex figures imported from SEC filings, Q1 2022 … Q3 2025 — /capex sources alphabet');
    expect(text).not.toContain('Q2 2023');
    expect(discordPosts(DISCORD_CHANNEL)).toHaveLength(1);
    expect(discordPosts(DISCORD_CHANNEL)[0]!.embeds).toHaveLength(1);
  });

  it('a platform not connected in this run: the announcement waits in the ledger and is posted once when it is', async () => {
    const h = await bot([slackOut]);
    await on(h, 'discord', `<#${DISCORD_CHANNEL}>`);
    await on(h, 'slack', '<#C0ALL|capex>');
    h.writeData(withRows(GOOD, '2026-11-25.2', META_REVISION));
    await h.reload();
    expect(slackPosts('C0ALL')).toHaveLength(1);
    expect(discordPosts(DISCORD_CHANNEL)).toHaveLength(0);

    await h.restart([slackOut, discordOut]);
    expect(discordPosts(DISCORD_CHANNEL)).toHaveLength(1);
    expect(slackAttempts('C0ALL')).toHaveLength(1);
    await h.restart();
    expect(discordPosts(DISCORD_CHANNEL)).toHaveLength(1);
  });

  it('alerts turned off while an announcement waits: it is dropped, not posted', async () => {
    const h = await bot([slackOut]);
    await on(h, 'discord', `<#${DISCORD_CHANNEL}>`);
    h.writeData(withRows(GOOD, '2026-11-25.2', META_REVISION));
    await h.reload();
    await h.ask(`/capex-digest alerts off <#${DISCORD_CHANNEL}>`, adminOn('discord', 'ops'));
    await h.restart([slackOut, discordOut]);
    expect(discordPosts(DISCORD_CHANNEL)).toHaveLength(0);
    expect((await h.alerts.deliveriesTo(`discord:${DISCORD_CHANNEL}`)).map((d) => [d.status, d.error])).toEqual([
      ['skipped', 'alerts are off (or failing) in this channel'],
    ]);
  });
});

describe('platform failures', () => {
  it('Slack 429 then OK: Retry-After is waited out and the alert is posted once', async () => {
    const h = await bot([slackOut]);
    await on(h, 'slack', '<#C0ALL|capex>');
    slack.failNext({ kind: 'rate-limit', retryAfterSeconds: 3 }, { method: 'chat.postMessage' });
    h.writeData(withRows(GOOD, '2026-11-25.2', META_REVISION));
    await h.reload();
    expect(slackAttempts('C0ALL').map((c) => c.status)).toEqual([429, 200]);
    expect(slackPosts('C0ALL')[0]).toContain(META_LINE);
    expect(h.clock.sleeps).toContain(3_000);
    expect((await h.alerts.deliveriesTo('slack:C0ALL')).map((d) => d.status)).toEqual(['delivered']);
  });

  it('Discord 429 then OK, and Slack 5xx then OK: one post each', async () => {
    const h = await bot();
    await on(h, 'slack', '<#C0ALL|capex>');
    await on(h, 'discord', `<#${DISCORD_CHANNEL}>`);
    discord.failNext({ kind: 'rate-limit', retryAfterSeconds: 2 }, { route: `/channels/${DISCORD_CHANNEL}` });
    slack.failNext({ kind: 'server-error', status: 503 }, { method: 'chat.postMessage' });
    h.writeData(withRows(GOOD, '2026-11-25.2', META_REVISION));
    await h.reload();
    expect(discord.requestsTo('POST', `/channels/${DISCORD_CHANNEL}/messages`)).toHaveLength(2);
    expect(slackAttempts('C0ALL').map((c) => c.status)).toEqual([503, 200]);
    expect(slackPosts('C0ALL')).toHaveLength(1);
    expect(h.clock.sleeps).toContain(2_000);
    expect(await h.digests.engine.ledger.rows({ kind: 'alert', statuses: ['delivered'] })).toHaveLength(2);
  });

  it('a Slack channel that is gone: the subscription is marked failing, the admin gets one DM, other channels carry on', async () => {
    const h = await bot([slackOut]);
    slack.failChannel('C0GONE', 'channel_not_found');
    await on(h, 'slack', '<#C0GONE|gone>');
    await on(h, 'slack', '<#C0ALL|capex>');
    h.writeData(withRows(GOOD, '2026-11-25.2', META_REVISION));
    await h.reload();

    expect(slackAttempts('C0GONE')).toHaveLength(1);
    expect(slackPosts('C0ALL')).toHaveLength(1);
    const dms = slackPosts('DUADMIN');
    expect(dms).toHaveLength(1);
    // Written in Slack's syntax: a channel mention, the Slack command.
    expect(dms[0]).toContain('A revision alert could not be posted in <#C0GONE>: Slack: channel_not_found.');
    expect(dms[0]).toContain('/capex-digest alerts off <#C0GONE>');
    expect(dms[0]).toContain('channel_not_found');
    const listed = await h.ask('/capex-digest alerts list', adminOn('slack', 'C0OPS'));
    expect(listed.lines.join('\n')).toMatch(/C0GONE\W* · every company · failing: Slack: channel_not_found/);

    // The next change is not tried there again, and the admin is not told twice.
    h.writeData(withRows(GOOD, '2026-11-25.3', META_REVISION, AMAZON_REVISION));
    await h.reload();
    expect(slackAttempts('C0GONE')).toHaveLength(1);
    expect(slackPosts('DUADMIN')).toHaveLength(1);
    expect(slackPosts('C0ALL')).toHaveLength(2);

    // Fixed and turned on again: alerts resume (for changes from now on).
    const again = await h.ask('/capex-digest alerts on <#C0GONE|gone>', adminOn('slack', 'C0OPS'));
    expect(again.lines.join('\n')).toContain('were failing (Slack: channel_not_found); they are on again');
  });

  it('a Discord channel that is gone: failing, and one DM to the admin through Discord', async () => {
    const h = await bot([discordOut]);
    discord.failChannel('990000000000000099', 'unknown-channel');
    await on(h, 'discord', '<#990000000000000099>');
    h.writeData(withRows(GOOD, '2026-11-25.2', META_REVISION));
    await h.reload();
    expect(discord.requestsTo('POST', '/channels/990000000000000099/messages')).toHaveLength(1);
    expect(discord.requestsTo('POST', '/users/@me/channels').map((r) => r.body)).toEqual([{ recipient_id: DISCORD_ADMIN }]);
    const dm = discord.requestsTo('POST', `/channels/dm-${DISCORD_ADMIN}/messages`);
    expect(dm).toHaveLength(1);
    // Written in Discord's syntax: a channel mention, the /digest command.
    expect(JSON.stringify(dm[0]!.body)).toContain('Revision alerts stopped: cannot post in <#990000000000000099>');
    expect(JSON.stringify(dm[0]!.body)).toContain('/digest alerts action:off <#990000000000000099>');
    expect((await h.alerts.store.getSubscription('discord:990000000000000099'))?.status).toBe('failing');
  });

  it('an invalid data version: each admin who set up digests or alerts is told once, across polls and restarts; a new problem later is told again', async () => {
    const h = await bot([slackOut, discordOut]);
    await on(h, 'slack', '<#C0ALL|capex>');
    await h.ask('/capex-digest add 09:00 <#C0DIGEST|digest>', adminOn('slack', 'C0OPS', 'USCHED'));
    await on(h, 'discord', `<#${DISCORD_CHANNEL}>`);

    h.writeData(broken());
    await h.reload();
    await h.reload(); // the next poll sees the same bad file
    expect(h.live.current().version).toBe('2026-11-25.1');
    const told = (user: string) => slackPosts(`D${user}`);
    expect(told('UADMIN')).toHaveLength(1);
    expect(told('USCHED')).toHaveLength(1);
    expect(told('UADMIN')[0]).toContain('A new version of the capex data was refused');
    expect(told('UADMIN')[0]).toMatch(/row figures\[\d+\] \(id [a-z0-9-]+\), field announced, line \d+/);
    expect(told('UADMIN')[0]).toContain('The bot keeps answering from the last good version (2026-11-25.1');
    expect(discord.requestsTo('POST', `/channels/dm-${DISCORD_ADMIN}/messages`)).toHaveLength(1);
    // Nothing in the alert channels: refusals are for admins.
    expect(slackAttempts('C0ALL')).toHaveLength(0);

    // A restart that meets the same bad version at start-up (DATA_URL: the bot runs on the bundled file) tells nobody.
    await h.down();
    await h.up(undefined, { fallback: GOOD });
    expect(h.live.lastRefusal?.message).toContain('field announced');
    await h.reload();
    expect(told('UADMIN')).toHaveLength(1);
    expect(told('USCHED')).toHaveLength(1);

    // Fixed, then broken again later: a new episode, told once more.
    h.writeData(withRows(GOOD, '2026-11-25.2', META_REVISION));
    await h.reload();
    h.writeData(broken('broken-again'));
    await h.reload();
    expect(told('UADMIN')).toHaveLength(2);
    expect(told('USCHED')).toHaveLength(2);
  });
});

describe('digests and alerts', () => {
  it('a revision delivered as an alert is listed under "what changed" in the next digest, even when it is added after its date, and only once', async () => {
    const h = await bot([slackOut]);
    const added = await h.ask('/capex-digest add 09:00 <#C0ALL|capex>', adminOn('slack', 'C0OPS'));
    const id = /\(id (\d+)\)/.exec(added.title)?.[1];
    expect(id, added.title).toBeDefined();
    await on(h, 'slack', '<#C0ALL|capex>');
    // About the digest's text, not its shape: one message (digests are a post plus a thread by default, issue 14).
    await h.ask(`/capex-digest thread ${id} off`, adminOn('slack', 'C0OPS'));
    await h.ask(`/capex-digest send ${id}`, adminOn('slack', 'C0OPS'));
    expect(slackPosts('C0ALL')).toHaveLength(1);

    // Meta's July revision reaches the data file only now, months after its date.
    h.clock.advance(DAY / 2);
    h.writeData(withRows(GOOD, '2026-11-25.2', META_REVISION));
    await h.reload();
    expect(slackPosts('C0ALL')).toHaveLength(2);
    expect(slackPosts('C0ALL')[1]).toContain(META_LINE);

    h.clock.advance(DAY);
    await h.ask(`/capex-digest send ${id}`, adminOn('slack', 'C0OPS'));
    const digest = slackPosts('C0ALL')[2]!;
    expect(digest).toContain('What changed since the previous digest');
    expect(digest).toContain('Meta Platforms, capex guidance (raised) (CY2026): revised US$125–145B → US$135–150B (29 Jul 2026)');

    h.clock.advance(DAY);
    await h.ask(`/capex-digest send ${id}`, adminOn('slack', 'C0OPS'));
    expect(slackPosts('C0ALL')[3]).not.toContain('Meta Platforms, capex guidance (raised)');
  });
});
