/**
 * Digests from Slack end to end: signed `/capex-digest` slash commands on the running endpoint, admin rights
 * and time zone from users.info, the real digest service on a SQLite file, and the post going out through the
 * Slack outbound channel to the fake Slack API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundWebClient, createSlackOutbound } from '../../../src/adapters/slack/outbound.js';
import { Harness as DigestHarness } from '../../schedule/harness.js';
import { startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';
import { BOT_TOKEN, postSlash, startHarness, visibleText, type Harness } from './harness.js';

let fake: FakeSlack;
let digests: DigestHarness;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeSlack({ validToken: BOT_TOKEN });
  digests = new DigestHarness({
    start: '2026-05-15T08:00:00Z',
    outbounds: [createSlackOutbound(createOutboundWebClient({ token: BOT_TOKEN, slackApiUrl: fake.apiUrl }))],
  });
  h = await startHarness({
    fake,
    services: { digest: digests.service },
    now: () => new Date(digests.clock.now()),
    users: [
      { id: 'U0ADMIN', is_admin: true, tz: 'Europe/Berlin' },
      { id: 'U0MEMBER', tz: 'America/New_York' },
    ],
  });
});
afterEach(async () => {
  await h.adapter.idle();
  fake.reset();
});
afterAll(async () => {
  await h.close();
  await digests.cleanup();
  await fake.close();
});

const digest = (user: string, text: string) => postSlash(h.url, { command: '/capex-digest', text, user_id: user, channel_id: 'C0OPS' });

describe('/capex-digest on Slack', () => {
  it('an admin schedules a digest in a picked channel, in their own time zone, and sends it now; the post reaches Slack', async () => {
    const added = await digest('U0ADMIN', 'add 09:00 weekdays <#C0DIGEST|capex-news>');
    const addedText = visibleText(added.json);
    const id = /Schedule (\d+)/.exec(addedText)?.[1];
    expect(id, addedText).toBeDefined();
    expect(addedText).toContain('Europe/Berlin');
    expect(added.json?.response_type).toBe('ephemeral');

    const sent = await digest('U0ADMIN', `send ${id}`);
    expect(visibleText(sent.json)).toContain('Digest posted');
    const [post] = fake.callsTo('chat.postMessage');
    expect(post, JSON.stringify(fake.requests.map((r) => r.api))).toBeDefined();
    expect(post!.body.channel).toBe('C0DIGEST');
    expect(post!.token).toBe(BOT_TOKEN);
    expect(visibleText(post!.body)).toMatch(/digest/i);
    expect((post!.body.blocks as unknown[]).length).toBeGreaterThan(1);
  });

  it('a channel the bot cannot post in is reported once, not retried', async () => {
    fake.failChannel('C0GONE', 'channel_not_found');
    const added = await digest('U0ADMIN', 'add 10:00 <#C0GONE|gone>');
    const id = /Schedule (\d+)/.exec(visibleText(added.json))?.[1];
    const sent = await digest('U0ADMIN', `send ${id}`);
    expect(sent.json?.response_type).toBe('ephemeral');
    expect(visibleText(sent.json)).toContain('Could not post');
    expect(fake.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0GONE')).toHaveLength(1);
  });

  it('a member may list schedules but not add one', async () => {
    const refused = await digest('U0MEMBER', 'add 09:00');
    expect(refused.json?.response_type).toBe('ephemeral');
    expect(visibleText(refused.json)).toContain('Only admins');
    const list = await digest('U0MEMBER', 'list');
    expect(list.status).toBe(200);
    expect(visibleText(list.json)).not.toContain('Only admins');
  });

  it('bare /capex-digest explains the subcommands privately', async () => {
    const help = await digest('U0MEMBER', '');
    expect(help.json?.response_type).toBe('ephemeral');
    expect(visibleText(help.json)).toContain('/capex-digest add');
  });
});
