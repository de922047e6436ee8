/**
 * The delivery engine's promises, one by one: a post that succeeded is never posted again because recording it
 * failed (issue 19 item 2); a lost lease sends nothing; a dead replica's row is taken over; a refused token stops
 * the platform; a malformed post is not retried; and, against the fake Discord API, a per-channel 429 on one
 * channel does not delay another while a global 429 pauses all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordOutbound } from '../../src/adapters/discord/outbound.js';
import { createDiscordRest } from '../../src/adapters/discord/rest.js';
import { PermanentError, TokenRevokedError, type OutboundChannel } from '../../src/core/outbound.js';
import type { Reply } from '../../src/core/reply.js';
import { DeliveryEngine, type DeliveryHandler } from '../../src/delivery/engine.js';
import type { NewLedgerRow } from '../../src/delivery/ledger.js';
import { MemoryLedger } from '../../src/delivery/memory-ledger.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.js';

const T0 = Date.parse('2025-06-02T09:00:00Z');
const reply: Reply = { kind: 'answer', visibility: 'public', title: 'AI capex digest', lines: ['hello'], summary: 'digest' };

/** An outbound that records posts (and fails as scripted per channel). */
class Recorder implements OutboundChannel {
  readonly posts: string[] = [];
  readonly failures = new Map<string, Error>();
  constructor(readonly platform: 'slack' | 'discord' = 'slack') {}
  async post(channelId: string): Promise<{ channelId: string; messageId: string }> {
    const failure = this.failures.get(channelId);
    if (failure) throw failure;
    this.posts.push(channelId);
    return { channelId, messageId: `m${this.posts.length}` };
  }
  async sendDirect(userId: string): Promise<void> {
    this.posts.push(`dm:${userId}`);
  }
}

function setup(outbound: OutboundChannel, options: { owner?: string; ledger?: MemoryLedger; clock?: FakeClock } = {}) {
  const ledger = options.ledger ?? new MemoryLedger();
  const clock = options.clock ?? new FakeClock(T0);
  const engine = new DeliveryEngine({ ledger, clock, outbounds: [outbound], owner: options.owner ?? 'replica-a' });
  const undeliverable: string[] = [];
  const handler: DeliveryHandler = {
    kind: 'digest',
    prepare: async () => ({ post: { build: async () => ({ reply }) } }),
    undeliverable: async (rows, failure) => void undeliverable.push(`${rows[0]!.target}:${failure.kind}`),
  };
  engine.register(handler);
  return { ledger, clock, engine, undeliverable };
}

const row = (target: string, slot = 's1'): NewLedgerRow => ({ kind: 'digest', subject: '1', target, slot, dueAt: T0 });

describe('DeliveryEngine', () => {
  it('GIVEN a post the platform accepted WHEN recording it fails (SQLITE_BUSY) THEN it is not posted again; the write is retried until it lands', async () => {
    const out = new Recorder();
    const { ledger, engine } = setup(out);
    ledger.failWrites = { method: 'complete', times: 2 };
    const [queued] = await engine.enqueue([row('slack:C1')]);
    const result = await queued!.done;
    expect(result.status).toBe('delivered');
    expect(out.posts).toEqual(['slack:C1']);
    expect(await ledger.get(queued!.row.id)).toMatchObject({ status: 'delivered', messageRef: 'm1', attempts: 1 });
    // Nothing is left to claim, here or on another replica.
    await engine.idle();
    expect(await ledger.claim({ owner: 'replica-b', now: T0 + 3_600_000, leaseMs: 30_000, limit: 10 })).toEqual([]);
    expect(out.posts).toEqual(['slack:C1']);
  });

  it('GIVEN another replica took the row over before the request THEN this one sends nothing', async () => {
    const out = new Recorder();
    const { ledger, engine } = setup(out);
    const [inserted] = await ledger.insert([row('slack:C1')], T0, { owner: 'replica-a', until: T0 - 1 });
    // replica-b took it after the lease ran out; replica-a still thinks it holds it.
    await ledger.claim({ owner: 'replica-b', now: T0, leaseMs: 30_000, limit: 10 });
    const started = (engine as unknown as { start(rows: unknown[]): Promise<{ status: string }> }).start([inserted]);
    expect((await started).status).toBe('not_posted');
    expect(out.posts).toEqual([]);
  });

  it('GIVEN a replica died holding pending rows THEN another replica posts them once their lease runs out, not before', async () => {
    const out = new Recorder();
    const clock = new FakeClock(T0);
    const ledger = new MemoryLedger();
    await ledger.insert([row('slack:C1'), row('slack:C2')], T0, { owner: 'dead', until: T0 + 30_000 });
    const { engine } = setup(out, { ledger, clock, owner: 'replica-b' });
    expect(await engine.pump()).toBe(0);
    clock.set(T0 + 30_001);
    expect(await engine.pump()).toBe(2);
    await engine.idle();
    expect(out.posts.sort()).toEqual(['slack:C1', 'slack:C2']);
  });

  it('GIVEN a refused token THEN nothing more is tried on that platform, the rows stay owed and the source is told', async () => {
    const out = new Recorder();
    const { ledger, engine, undeliverable } = setup(out);
    out.failures.set('slack:C1', new TokenRevokedError('slack', 'Slack: token_revoked'));
    const [a] = await engine.enqueue([row('slack:C1')]);
    expect((await a!.done).status).toBe('undeliverable');
    await engine.enqueue([row('slack:C2')]);
    await engine.idle();
    expect(out.posts).toEqual([]);
    expect(await ledger.countUnfinished('digest')).toBe(2);
    expect(engine.health().revoked).toEqual(['slack']);
    expect(undeliverable).toEqual(['slack:C1:token_revoked']);
  });

  it('GIVEN a malformed post (4xx) THEN it is failed at once, not retried, and the schedule is not stopped', async () => {
    const out = new Recorder();
    const { ledger, engine, undeliverable } = setup(out);
    out.failures.set('slack:C1', new PermanentError('Slack: invalid_blocks'));
    const [a] = await engine.enqueue([row('slack:C1')]);
    expect(await a!.done).toMatchObject({ status: 'undeliverable', kind: 'permanent' });
    expect(await ledger.get(a!.row.id)).toMatchObject({ status: 'failed', attempts: 1, error: 'Slack: invalid_blocks' });
    expect(undeliverable).toEqual([]);
  });
});

describe('rate limits on the fake Discord API', () => {
  let discord: FakeDiscord;
  beforeAll(async () => {
    discord = await startFakeDiscord();
  });
  afterAll(async () => discord.close());

  const discordEngine = () => {
    const outbound = createDiscordOutbound(createDiscordRest({ token: 'test-token', apiUrl: discord.url, timeoutMs: 5_000 }));
    const ledger = new MemoryLedger();
    const engine = new DeliveryEngine({ ledger, outbounds: [outbound] });
    engine.register({ kind: 'digest', prepare: async () => ({ post: { build: async () => ({ reply }) } }) });
    return engine;
  };
  const postedAt = (channel: string) => discord.messages.find((m) => m.channelId === channel)?.at;

  it('GIVEN a per-channel 429 on one channel THEN a post to another channel is not delayed', async () => {
    discord.reset();
    discord.failNext({ kind: 'rate-limit', retryAfterSeconds: 2 }, { route: '/channels/701/messages' });
    const engine = discordEngine();
    const started = Date.now();
    const [limited] = await engine.enqueue([{ kind: 'digest', subject: 'a', target: 'discord:701', slot: '', dueAt: started }]);
    await new Promise((r) => setTimeout(r, 100)); // the 429 has come back
    const [other] = await engine.enqueue([{ kind: 'digest', subject: 'b', target: 'discord:702', slot: '', dueAt: started }]);
    await Promise.all([limited!.done, other!.done]);
    expect(postedAt('702')! - started).toBeLessThan(1_000);
    expect(postedAt('701')! - started).toBeGreaterThanOrEqual(2_000);
    await engine.stop();
  });

  it('GIVEN a global 429 THEN posts to every channel wait it out', async () => {
    discord.reset();
    discord.failNext({ kind: 'rate-limit', retryAfterSeconds: 2, global: true }, { route: '/channels/703/messages' });
    const engine = discordEngine();
    const started = Date.now();
    const [limited] = await engine.enqueue([{ kind: 'digest', subject: 'a', target: 'discord:703', slot: '', dueAt: started }]);
    await new Promise((r) => setTimeout(r, 100));
    const [other] = await engine.enqueue([{ kind: 'digest', subject: 'b', target: 'discord:704', slot: '', dueAt: started }]);
    await Promise.all([limited!.done, other!.done]);
    expect(postedAt('704')! - started).toBeGreaterThanOrEqual(1_900);
    expect(postedAt('703')! - started).toBeGreaterThanOrEqual(2_000);
    await engine.stop();
  });
});
