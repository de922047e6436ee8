/**
 * Discord idempotency end to end: the real Discord outbound against the fake Discord API, which honours
 * `enforce_nonce` as Discord documents it. A post whose answer never came back (timeout) is retried with the
 * same nonce, and Discord answers with the message already made: one message, however many requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordOutbound } from '../../src/adapters/discord/outbound.js';
import { createDiscordRest } from '../../src/adapters/discord/rest.js';
import { DeliveryEngine } from '../../src/delivery/engine.js';
import { MemoryLedger } from '../../src/delivery/memory-ledger.js';
import { MAX_NONCE_LENGTH, nonceFor } from '../../src/delivery/nonce.js';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.js';

let discord: FakeDiscord;
beforeAll(async () => {
  discord = await startFakeDiscord();
});
afterAll(async () => discord.close());

const reply = { kind: 'answer' as const, visibility: 'public' as const, title: 'AI capex digest', lines: ['hello'], summary: 'digest' };

function engineFor(timeoutMs: number) {
  const ledger = new MemoryLedger();
  const outbound = createDiscordOutbound(createDiscordRest({ token: 'test-token', apiUrl: discord.url, timeoutMs }));
  const engine = new DeliveryEngine({ ledger, outbounds: [outbound], policy: { transientRetries: 5, baseDelayMs: 300, maxDelayMs: 1_000, rateLimitRetries: 5, maxRetryAfterMs: 10_000 } });
  engine.register({ kind: 'digest', prepare: async () => ({ post: { build: async () => ({ reply }) } }) });
  return { ledger, engine };
}

describe('Discord nonce (enforce_nonce)', () => {
  it('GIVEN a ledger row THEN its nonce is stable, at most 25 characters, and differs per (what, where, when)', () => {
    const key = { kind: 'digest' as const, subject: '12', target: 'discord:99', slot: '2025-06-02T09:00' };
    expect(nonceFor(key)).toBe(nonceFor({ ...key }));
    expect(nonceFor(key).length).toBeLessThanOrEqual(MAX_NONCE_LENGTH);
    expect(new Set([nonceFor(key), nonceFor({ ...key, slot: '2025-06-03T09:00' }), nonceFor({ ...key, target: 'discord:98' })]).size).toBe(3);
  });

  it('GIVEN an answer that never arrives (client timeout) THEN the retry carries the same nonce and Discord returns the message already made', async () => {
    discord.reset();
    let first = true;
    discord.delay((r) => {
      if (r.method !== 'POST' || !r.route.startsWith('/channels/555/')) return false;
      const slow = first;
      first = false;
      return slow;
    }, 1_500);
    const { ledger, engine } = engineFor(400);
    const [queued] = await engine.enqueue([{ kind: 'digest', subject: '1', target: 'discord:555', slot: 's1', dueAt: Date.now() }]);
    const result = await queued!.done;
    // The slow first answer arrives after the retry: still only one message.
    await new Promise((r) => setTimeout(r, 1_600));
    expect(result.status).toBe('delivered');
    const requests = discord.requestsTo('POST', '/channels/555/messages');
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(new Set(requests.map((r) => (r.body as { nonce: string }).nonce))).toEqual(new Set([nonceFor(queued!.row)]));
    expect(requests.every((r) => (r.body as { enforce_nonce: boolean }).enforce_nonce === true)).toBe(true);
    expect(discord.messages.filter((m) => m.channelId === '555')).toHaveLength(1);
    expect((await ledger.get(queued!.row.id))!.messageRef).toBe(discord.messages.find((m) => m.channelId === '555')!.id);
    await engine.stop();
  });

  it('GIVEN a replica that died mid-post THEN the one taking the row over posts with the same nonce: no second message', async () => {
    discord.reset();
    const { ledger, engine } = engineFor(2_000);
    const now = Date.now();
    // The dead replica's request reached Discord (the message exists), then it died before recording anything.
    const [row] = await ledger.insert([{ kind: 'digest', subject: '2', target: 'discord:556', slot: 's1', dueAt: now }], now, { owner: 'dead', until: now - 1 });
    await ledger.markSending(row!.id, 'dead');
    const rest = createDiscordRest({ token: 'test-token', apiUrl: discord.url, timeoutMs: 2_000 });
    await createDiscordOutbound(rest).post('discord:556', reply, { idempotencyKey: nonceFor(row!) });
    expect(discord.messages.filter((m) => m.channelId === '556')).toHaveLength(1);

    expect(await engine.pump()).toBe(1);
    await engine.idle();
    expect(await ledger.get(row!.id)).toMatchObject({ status: 'delivered', takeovers: 1, ambiguous: false });
    expect(discord.requestsTo('POST', '/channels/556/messages')).toHaveLength(2);
    expect(discord.messages.filter((m) => m.channelId === '556')).toHaveLength(1);
    await engine.stop();
  });

  it('GIVEN a nonce longer than 25 characters THEN the fake refuses it as Discord does', async () => {
    discord.reset();
    const rest = createDiscordRest({ token: 'test-token', apiUrl: discord.url, timeoutMs: 2_000 });
    await expect(rest.post('/channels/557/messages', { body: { content: 'x', nonce: 'n'.repeat(26), enforce_nonce: true } })).rejects.toThrow(/Invalid Form Body/);
    expect(discord.messages).toHaveLength(0);
  });
});
