/**
 * Scheduled posts: Block Kit messages to channels and DMs through the fake Slack API, and Slack's failures
 * classified into the core's error kinds with no retries of the WebClient's own (token errors, permissions
 * and message errors: test/adapters/slack/protocol.test.ts).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOutboundWebClient, createSlackOutbound } from '../../../src/adapters/slack/outbound.js';
import { ChannelUnreachableError, RateLimitedError, TokenRevokedError, TransientError, type OutboundChannel } from '../../../src/core/outbound.js';
import type { Reply } from '../../../src/core/reply.js';
import { ask } from '../../helpers/core.js';
import { startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';
import { visibleText } from './harness.js';

const TOKEN = 'xoxb-outbound-test';
let fake: FakeSlack;
let outbound: OutboundChannel;
let digest: Reply;

beforeAll(async () => {
  fake = await startFakeSlack({ validToken: TOKEN });
  outbound = createSlackOutbound(createOutboundWebClient({ token: TOKEN, slackApiUrl: fake.apiUrl, timeoutMs: 2_000 }));
  digest = (await ask('/capex top')).reply;
});
afterAll(async () => fake.close());
// A fresh channel per test: a token error stops the one it happened on for good.
beforeEach(() => {
  outbound = createSlackOutbound(createOutboundWebClient({ token: TOKEN, slackApiUrl: fake.apiUrl, timeoutMs: 2_000 }));
});
afterEach(() => fake.reset());

describe('posting', () => {
  it('posts the rendered Block Kit answer to the channel with a plain-text fallback', async () => {
    await outbound.post('slack:C0DIGEST', digest);
    const [call] = fake.callsTo('chat.postMessage');
    expect(call!.token).toBe(TOKEN);
    expect(call!.body.channel).toBe('C0DIGEST');
    expect(call!.body.text).toMatch(/^Top AI capex/);
    expect(visibleText(call!.body)).toMatch(/Total\s+\d+/);
    expect((call!.body.blocks as { type: string }[])[0]!.type).toBe('header');
    expect(call!.body.unfurl_links).toBe('false');
  });

  it('sends a DM by opening the conversation first', async () => {
    await outbound.sendDirect('slack:U0ADMIN', digest);
    expect(fake.callsTo('conversations.open')[0]!.body.users).toBe('U0ADMIN');
    expect(fake.callsTo('chat.postMessage')[0]!.body.channel).toBe('DU0ADMIN');
  });

  it('refuses ids of another platform without calling Slack', async () => {
    await expect(outbound.post('discord:123', digest)).rejects.toBeInstanceOf(ChannelUnreachableError);
    expect(fake.requests).toEqual([]);
  });
});

describe('failures become the core error kinds, each after exactly one request', () => {
  it('429 → RateLimitedError with Retry-After in ms', async () => {
    fake.failNext({ kind: 'rate-limit', retryAfterSeconds: 7 }, { method: 'chat.postMessage' });
    const error = await outbound.post('slack:C0DIGEST', digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7_000);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  for (const slackError of ['channel_not_found', 'is_archived', 'not_in_channel']) {
    it(`${slackError} → ChannelUnreachableError`, async () => {
      fake.failChannel('C0GONE', slackError);
      const error = await outbound.post('slack:C0GONE', digest).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelUnreachableError);
      expect((error as Error).message).toContain(slackError);
      expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    });
  }

  it('a DM to a deactivated user → ChannelUnreachableError', async () => {
    fake.failNext({ kind: 'platform-error', error: 'user_disabled' }, { method: 'conversations.open' });
    await expect(outbound.sendDirect('slack:U0GONE', digest)).rejects.toBeInstanceOf(ChannelUnreachableError);
  });

  it('HTTP 500 and 503 → TransientError', async () => {
    fake.failNext({ kind: 'server-error', status: 500 }, { method: 'chat.postMessage' });
    await expect(outbound.post('slack:C0DIGEST', digest)).rejects.toBeInstanceOf(TransientError);
    fake.failNext({ kind: 'server-error', status: 503 }, { method: 'chat.postMessage' });
    await expect(outbound.post('slack:C0DIGEST', digest)).rejects.toBeInstanceOf(TransientError);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it("Slack's own internal_error → TransientError", async () => {
    fake.failNext({ kind: 'platform-error', error: 'internal_error' }, { method: 'chat.postMessage' });
    await expect(outbound.post('slack:C0DIGEST', digest)).rejects.toBeInstanceOf(TransientError);
  });

  it('a dropped connection → TransientError', async () => {
    fake.failNext({ kind: 'drop-connection' }, { method: 'chat.postMessage' });
    await expect(outbound.post('slack:C0DIGEST', digest)).rejects.toBeInstanceOf(TransientError);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a token Slack does not accept (invalid_auth) is a token error, not retryable or unreachable', async () => {
    const badToken = createSlackOutbound(createOutboundWebClient({ token: 'xoxb-wrong', slackApiUrl: fake.apiUrl }));
    const error = await badToken.post('slack:C0DIGEST', digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRevokedError);
    expect((error as Error).message).toContain('invalid_auth');
    expect(((error as Error).cause as { data?: { error?: string } }).data?.error).toBe('invalid_auth');
  });
});
