/** Scheduled posts and DMs through @discordjs/rest to the fake Discord API, with every failure kind mapped. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordOutbound } from '../../../src/adapters/discord/outbound.js';
import { createDiscordRest } from '../../../src/adapters/discord/rest.js';
import { ChannelUnreachableError, RateLimitedError, TransientError, type OutboundChannel } from '../../../src/core/outbound.js';
import type { Reply } from '../../../src/core/reply.js';
import { startFakeDiscord, type FakeDiscord } from '../../helpers/fake-discord.js';

const digest: Reply = {
  kind: 'answer',
  visibility: 'public',
  title: 'Weekly AI capex digest',
  lines: ['Meta raised its 2026 guidance to US$125–145B. @everyone'],
  sources: [{ title: 'Meta Q1 2026', url: 'https://example.com/meta', date: '2026-04-29' }],
  asOf: '2026-04-29',
  summary: 'Meta raised its guidance',
};

let fake: FakeDiscord;
/** A fresh client per test: a 429 leaves the library's bucket state behind. */
const outbound = (): OutboundChannel => createDiscordOutbound(createDiscordRest({ token: 'test-token', apiUrl: fake.url, timeoutMs: 2000 }));

beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
});

describe('Discord outbound channel', () => {
  it('posts the embed to the channel with the bot token and no mentions', async () => {
    await outbound().post('discord:123456', digest);
    const [request] = fake.requestsTo('POST', '/channels/');
    expect(request!.route).toBe('/channels/123456/messages');
    expect(request!.headers.authorization).toBe('Bot test-token');
    const body = request!.body as any;
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.flags).toBeUndefined();
    expect(body.embeds[0].title).toBe('Weekly AI capex digest');
    expect(body.embeds[0].fields).toEqual([{ name: 'Sources', value: '• [Meta Q1 2026](https://example.com/meta) (2026-04-29)' }]);
  });

  it('sends a DM by opening the DM channel first', async () => {
    await outbound().sendDirect('discord:987', digest);
    expect(fake.requests.map((r) => `${r.method} ${r.route}`)).toEqual(['POST /users/@me/channels', 'POST /channels/dm-987/messages']);
    expect(fake.requests[0]!.body).toEqual({ recipient_id: '987' });
  });

  it('429 → RateLimitedError with Retry-After, without waiting or retrying', async () => {
    fake.failNext({ kind: 'rate-limit', retryAfterSeconds: 7 }, { route: '/channels/1/' });
    const started = Date.now();
    const error = await outbound().post('discord:1', digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.requestsTo('POST', '/channels/1/')).toHaveLength(1);
  });

  it('a global 429 is mapped the same way', async () => {
    fake.failNext({ kind: 'rate-limit', retryAfterSeconds: 1.5, global: true });
    const error = await outbound().post('discord:1', digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(1500);
  });

  it('404 Unknown Channel and 403 Missing Access → ChannelUnreachableError', async () => {
    fake.failChannel('404404', 'unknown-channel');
    fake.failChannel('403403', 'missing-access');
    const gone = await outbound().post('discord:404404', digest).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ChannelUnreachableError);
    expect((gone as Error).message).toContain('Unknown Channel');
    const locked = await outbound().post('discord:403403', digest).catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(ChannelUnreachableError);
    expect((locked as Error).message).toContain('Missing Access');
  });

  it('a user who does not accept DMs is unreachable', async () => {
    fake.failNext({ kind: 'api-error', status: 403, code: 50007, message: 'Cannot send messages to this user' }, { route: '/channels/dm-5/' });
    await expect(outbound().sendDirect('discord:5', digest)).rejects.toBeInstanceOf(ChannelUnreachableError);
  });

  it('5xx → TransientError, after a single attempt', async () => {
    fake.failNext({ kind: 'server-error', status: 502 });
    await expect(outbound().post('discord:2', digest)).rejects.toBeInstanceOf(TransientError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a refused connection → TransientError', async () => {
    const closed = await startFakeDiscord();
    const url = closed.url;
    await closed.close();
    const channel = createDiscordOutbound(createDiscordRest({ token: 't', apiUrl: url, timeoutMs: 1000 }));
    await expect(channel.post('discord:3', digest)).rejects.toBeInstanceOf(TransientError);
  });

  it('a non-Discord id is refused before any request', async () => {
    await expect(outbound().post('slack:C1', digest)).rejects.toBeInstanceOf(ChannelUnreachableError);
    expect(fake.requests).toHaveLength(0);
  });
});
