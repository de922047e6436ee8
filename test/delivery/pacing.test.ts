/**
 * The shared pacing gates and the retry rule, on simulated time: what is retried and how long it waits, a
 * per-channel 429 pausing only its channel, a global 429 pausing the platform, a fan-out running at the
 * platform's rate bound, and pacing that relaxes once a 429 storm is over (issue 19 item 1).
 */
import { describe, expect, it } from 'vitest';
import { ChannelUnreachableError, PermanentError, RateLimitedError, TokenRevokedError, TransientError } from '../../src/core/outbound.js';
import { DeliveryEngine } from '../../src/delivery/engine.js';
import { MemoryLedger } from '../../src/delivery/memory-ledger.js';
import { PlatformGate, RELAX_AFTER_MS } from '../../src/delivery/pacing.js';
import { DEFAULT_RETRY_POLICY, MIN_RATE_LIMIT_WAIT_MS, postWithRetry } from '../../src/delivery/retry.js';
import { AbortedError } from '../../src/core/clock.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { SimClock } from './sim-clock.js';
import { SimPlatform } from './sim-platform.js';

/** A send function that fails with the scripted errors, then succeeds; records when each call was made. */
function scripted(clock: { now(): number }, ...errors: Error[]) {
  const calls: number[] = [];
  const send = async () => {
    calls.push(clock.now());
    const next = errors.shift();
    if (next) throw next;
  };
  return { send, calls };
}

describe('postWithRetry: one retry rule', () => {
  it('GIVEN a 429 THEN it waits Retry-After (for the whole platform) and retries', async () => {
    const clock = new FakeClock(0);
    const s = scripted(clock, new RateLimitedError(7_000, { scope: 'global' }));
    expect(await postWithRetry(s.send, { gate: new PlatformGate(clock, 4), clock })).toEqual({ ok: true, attempts: 2 });
    expect(s.calls).toEqual([0, 7_000]);
  });

  it('GIVEN a 429 without a usable Retry-After THEN it still waits the minimum, never retrying at once', async () => {
    const clock = new FakeClock(0);
    const s = scripted(clock, new RateLimitedError(0, { scope: 'global' }), new RateLimitedError(Number.NaN, { scope: 'global' }));
    expect(await postWithRetry(s.send, { gate: new PlatformGate(clock, 4), clock })).toMatchObject({ ok: true, attempts: 3 });
    expect(s.calls).toEqual([0, MIN_RATE_LIMIT_WAIT_MS, 2 * MIN_RATE_LIMIT_WAIT_MS]);
  });

  it('GIVEN 5xx errors THEN bounded exponential backoff, then it gives up saying it may have posted', async () => {
    const clock = new FakeClock(0);
    const s = scripted(clock, ...Array.from({ length: 10 }, () => new TransientError('HTTP 503')));
    const outcome = await postWithRetry(s.send, { gate: new PlatformGate(clock, 4), clock });
    expect(outcome).toMatchObject({ ok: false, reason: 'gave_up', maybePosted: true, attempts: DEFAULT_RETRY_POLICY.transientRetries + 1 });
    clock.sleeps.forEach((ms, i) => {
      const cap = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** i);
      expect(ms).toBeGreaterThanOrEqual(cap / 2);
      expect(ms).toBeLessThanOrEqual(cap);
    });
  });

  it.each([
    ['a channel that is gone', new ChannelUnreachableError('Slack: channel_not_found'), 'unreachable'],
    ['a malformed message (4xx)', new PermanentError('Slack: invalid_blocks'), 'permanent'],
    ['an untyped HTTP 400', Object.assign(new Error('Bad Request'), { status: 400 }), 'permanent'],
    ['a refused token', new TokenRevokedError('slack', 'Slack: token_revoked'), 'token_revoked'],
  ])('GIVEN %s THEN no retry', async (_label, error, reason) => {
    const clock = new FakeClock(0);
    const s = scripted(clock, error);
    expect(await postWithRetry(s.send, { gate: new PlatformGate(clock, 4), clock })).toMatchObject({ ok: false, reason, attempts: 1 });
    expect(s.calls).toHaveLength(1);
  });

  it('GIVEN the lease is lost before a request THEN nothing is sent', async () => {
    const clock = new FakeClock(0);
    const s = scripted(clock);
    const outcome = await postWithRetry(s.send, { gate: new PlatformGate(clock, 4), clock, hooks: { beforeAttempt: () => false } });
    expect(outcome).toEqual({ ok: false, reason: 'lease_lost', attempts: 0 });
    expect(s.calls).toEqual([]);
  });
});

describe('PlatformGate: per platform and per channel', () => {
  it('never has more than `concurrency` posts in flight', async () => {
    const clock = new FakeClock(0);
    const gate = new PlatformGate(clock, 3);
    let inFlight = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await gate.acquire();
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        release();
      }),
    );
    expect(most).toBe(3);
  });

  it('GIVEN a per-channel 429 on one channel THEN another channel posts at once and the limited one waits its Retry-After', async () => {
    const clock = new SimClock(0);
    const gate = new PlatformGate(clock, 4);
    gate.rateLimited(5_000, 'channel', 'discord:A');
    const started: Record<string, number> = {};
    const post = async (channel: string) => {
      const release = await gate.acquire(channel);
      started[channel] = clock.now();
      release();
    };
    const posts = [post('discord:A'), post('discord:B')];
    await clock.runUntil(() => Object.keys(started).length === 2);
    await Promise.all(posts);
    expect(started).toEqual({ 'discord:B': 0, 'discord:A': 5_000 });
  });

  it('GIVEN a per-channel pause THEN its waiting posts hold no slot: other channels use the whole concurrency', async () => {
    const clock = new SimClock(0);
    const gate = new PlatformGate(clock, 1);
    gate.rateLimited(5_000, 'channel', 'discord:A');
    const order: string[] = [];
    let finished = 0;
    const posts = ['discord:A', 'discord:B', 'discord:C'].map(async (channel) => {
      const release = await gate.acquire(channel);
      order.push(`${channel}@${clock.now()}`);
      await clock.sleep(10);
      release();
      finished++;
    });
    await clock.runUntil(() => finished === 3);
    await Promise.all(posts);
    expect(order).toEqual(['discord:B@0', 'discord:C@10', 'discord:A@5000']);
  });

  it('GIVEN a global 429 THEN every channel waits', async () => {
    const clock = new SimClock(0);
    const gate = new PlatformGate(clock, 4);
    gate.rateLimited(3_000, 'global');
    const started: number[] = [];
    const posts = ['discord:A', 'discord:B', 'discord:C'].map(async (c) => {
      const release = await gate.acquire(c);
      started.push(clock.now());
      release();
    });
    await clock.runUntil(() => started.length === 3);
    await Promise.all(posts);
    expect(started).toEqual([3_000, 3_000, 3_000]);
  });

  it('GIVEN a 429 before any post got through (another replica fills the window) THEN the gate is starved: one request probes at a time, and once one is accepted the full concurrency is back', async () => {
    const clock = new SimClock(0);
    const gate = new PlatformGate(clock, 4);
    (await gate.acquire())();
    gate.rateLimited(1_000, 'global');
    expect(gate.starved).toBe(true);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const posts = Array.from({ length: 4 }, async () => {
      releases.push(await gate.acquire());
      started.push(clock.now());
    });
    await clock.runUntil(() => started.length === 1);
    await clock.advance(100);
    expect(started).toEqual([1_000]); // the probe alone
    gate.recordAccepted();
    expect(gate.starved).toBe(false);
    releases[0]!();
    await clock.runUntil(() => started.length === 4);
    await Promise.all(posts);
    expect(started).toEqual([1_000, 1_100, 1_100, 1_100]);
    for (const release of releases.slice(1)) release();
    // Starved again on a later run; a probe that stops (its retries ran out) does not leave the gate starved for good.
    await clock.advance(5_000);
    (await gate.acquire())();
    gate.rateLimited(1_000, 'global');
    expect(gate.starved).toBe(true);
    await clock.advance(1_000 + 2_001);
    expect(gate.starved).toBe(false);
  });

  it('a post aborted while waiting for a free slot leaves the line: the next release goes to a live waiter', async () => {
    const clock = new FakeClock(0);
    const gate = new PlatformGate(clock, 1);
    const releaseFirst = await gate.acquire();
    const stop = new AbortController();
    const aborted = gate.acquire(undefined, stop.signal);
    let thirdStarted = false;
    const third = gate.acquire().then((release) => {
      thirdStarted = true;
      return release;
    });
    stop.abort();
    await expect(aborted).rejects.toThrow(AbortedError);
    releaseFirst();
    for (let i = 0; i < 5 && !thirdStarted; i++) await new Promise((r) => setImmediate(r));
    expect(thirdStarted).toBe(true);
    (await third)();
  });
});

interface SimOptions {
  jitterMs?: number;
  /** Replicas (engines with their own gates) on one ledger; the first records the rows, the others find them by polling. */
  replicas?: number;
  /** Thread replies after each parent post (a digest's details: issue 14's default posts two). */
  thread?: number;
  /** Simulated time building the n-th post takes, after its turn at the gate (a cold first render is slow). */
  buildMs?: (n: number) => number;
  /** When replica i first polls (default: spread over the first second). */
  pollPhaseMs?: (i: number) => number;
}

/** Engines over a memory ledger posting to a simulated rate-limited platform. */
function simulated(limit: number, windowMs = 1_000, jitterMs = 0, options: SimOptions = {}) {
  const clock = new SimClock(Date.parse('2025-06-02T09:00:00Z'));
  const platform = new SimPlatform(clock, { limit, windowMs, jitterMs: options.jitterMs ?? jitterMs });
  const ledger = new MemoryLedger();
  let builds = 0;
  const reply = (title: string) => ({ kind: 'answer' as const, visibility: 'public' as const, title, lines: [], summary: title });
  const engines = Array.from({ length: options.replicas ?? 1 }, (_, i) => {
    const engine = new DeliveryEngine({ ledger, clock, outbounds: [platform], owner: `replica-${i + 1}` });
    engine.register({
      kind: 'digest',
      prepare: async () => ({
        post: {
          build: async () => {
            const ms = options.buildMs?.(builds++) ?? 0;
            if (ms > 0) await clock.sleep(ms);
            return { reply: reply('digest'), ...(options.thread ? { thread: Array.from({ length: options.thread }, (_, t) => reply(`part ${t + 1}`)) } : {}) };
          },
        },
      }),
    });
    return engine;
  });
  const engine = engines[0]!;
  const postsPerRow = 1 + (options.thread ?? 0);
  let round = 0;
  /** Fans one post out to `n` channels; resolves with the span from first to last accepted post. */
  const fanOut = async (n: number) => {
    round++;
    const before = platform.acceptedAt.length;
    const now = clock.now();
    await engine.offer(Array.from({ length: n }, (_, i) => ({ kind: 'digest' as const, subject: `round-${round}`, target: `slack:C${i}`, slot: '', dueAt: now })));
    // Each engine's one-second poll, on simulated time (rows retried later come back through it); replicas poll
    // out of step with each other, as separate processes do.
    let polling = true;
    const polls = engines.map(async (e, i) => {
      await clock.sleep(options.pollPhaseMs?.(i) ?? 1_000 + (i * 1_000) / engines.length + (i > 0 ? 137 : 0));
      while (polling) {
        await e.renewLeases();
        await e.pump();
        await clock.sleep(1_000);
      }
    });
    await clock.runUntil(() => platform.acceptedAt.length - before === n * postsPerRow && engines.every((e) => e.inFlight === 0));
    polling = false;
    await clock.advance(2_000);
    await Promise.all(polls);
    const times = platform.acceptedAt.slice(before);
    return { spanMs: times.at(-1)! - times[0]!, sinceStartMs: times.at(-1)! - now };
  };
  /** Accepted posts per window of the platform (aligned to its first post), for a failure message. */
  const perWindow = () => {
    const counts: number[] = [];
    for (const at of platform.acceptedAt) counts[Math.floor((at - platform.firstPostAt!) / windowMs)] = (counts[Math.floor((at - platform.firstPostAt!) / windowMs)] ?? 0) + 1;
    return Array.from(counts, (c) => c ?? 0).join(' ');
  };
  return { clock, platform, engine, engines, ledger, fanOut, perWindow };
}

describe('pacing a fan-out to the rate bound', () => {
  it('GIVEN a fixed-window limit THEN a 100-channel fan-out runs within 1.05× the bound, every channel once', async () => {
    const sim = simulated(10);
    const { spanMs } = await sim.fanOut(100);
    expect(spanMs / sim.platform.boundMs(100)).toBeLessThanOrEqual(1.05);
    expect([...sim.platform.accepted.values()].every((n) => n === 1)).toBe(true);
    expect(sim.platform.accepted.size).toBe(100);
    // The first window's overflow (the posts in flight then) is the only 429 event: paced, it never hits the limit again.
    expect(sim.platform.rateLimitedAt.map((t) => t - sim.platform.firstPostAt!).filter((t) => t >= 1_000)).toEqual([]);
  });

  it('GIVEN request latencies that vary (4–64 ms) THEN a 1,000-channel fan-out still runs within 1.05× the bound', async () => {
    const sim = simulated(100, 1_000, 60);
    const { spanMs } = await sim.fanOut(1_000);
    expect(spanMs / sim.platform.boundMs(1_000)).toBeLessThanOrEqual(1.05);
    expect(sim.platform.accepted.size).toBe(1_000);
  });

  it('GIVEN a cold start (the first posts take 40–110 ms to build after the gate) and digests with a 2-reply thread THEN a 1,000-channel fan-out (3,000 posts) loses no window after the first 429', async () => {
    // The gate lets the first posts through long before the platform sees them: its window begins with the first
    // post it receives, not with the first post our gate let through.
    const sim = simulated(100, 1_000, 0, { jitterMs: 20, thread: 2, buildMs: (n) => (n < 8 ? 40 + 10 * n : 1) });
    const { spanMs } = await sim.fanOut(1_000);
    expect(spanMs / sim.platform.boundMs(3_000), sim.perWindow()).toBeLessThanOrEqual(1.02);
    expect(sim.platform.accepted.size).toBe(1_000);
    expect([...sim.platform.accepted.values()].every((n) => n === 3)).toBe(true);
  });

  it('GIVEN a slow start (a loaded machine fills no window until its fifth second) THEN the window learned is still one second, not the run so far', async () => {
    const sim = simulated(100, 1_000, 0, { buildMs: (n) => (n < 320 ? 100 : 1) });
    const { spanMs } = await sim.fanOut(1_000);
    expect(sim.engine.gates.of('slack').pacing?.windowMs).toBe(1_000);
    // ~4 s at the slow start's pace (80 posts a second), then at the platform's: within a second of that.
    expect(spanMs, sim.perWindow()).toBeLessThanOrEqual(4_000 + sim.platform.boundMs(1_000 - 320) + 1_000);
  });

  it('GIVEN three replicas sharing the fan-out, each learning the window on its own THEN 3,000 posts run within 1.05× the bound', async () => {
    const sim = simulated(100, 1_000, 0, { jitterMs: 20, thread: 2, replicas: 3, buildMs: (n) => (n < 8 ? 40 + 10 * n : 1) });
    const { spanMs } = await sim.fanOut(1_000);
    expect(spanMs / sim.platform.boundMs(3_000), sim.perWindow()).toBeLessThanOrEqual(1.05);
    expect([...sim.platform.accepted.values()].every((n) => n === 3)).toBe(true);
  });

  it('GIVEN three replicas that all join in the first window (each learns its share of it) THEN 3,000 posts still run within 1.05× the bound', async () => {
    const sim = simulated(100, 1_000, 0, { jitterMs: 20, thread: 2, replicas: 3, buildMs: (n) => (n < 8 ? 40 + 10 * n : 1), pollPhaseMs: (i) => 1 + i * 60 });
    const { spanMs } = await sim.fanOut(1_000);
    expect(spanMs / sim.platform.boundMs(3_000), sim.perWindow()).toBeLessThanOrEqual(1.05);
    expect([...sim.platform.accepted.values()].every((n) => n === 3)).toBe(true);
  });

  it.each([4_000, 8_000, 12_000, 16_000])(
    'GIVEN a replica that joins %i ms into the fan-out (it claims a full share, then learns a small one) THEN it keeps only what its pace posts: 3,000 posts within 1.05× the bound',
    async (joinMs) => {
      // bench:digest, 3 replicas: a replica that learned a small share of the window held 64 rows (192 posts) and
      // posted them at that share after the others ran out — the last windows a sixth full, 1.08–1.10× the bound
      // in 2 of 6 runs. Here, before: 1.21× / 1.24× / 1.38× / 1.11× for the four join times.
      const sim = simulated(100, 1_000, 0, { jitterMs: 20, thread: 2, replicas: 3, pollPhaseMs: (i) => (i === 2 ? joinMs : 1 + i * 60) });
      const { spanMs } = await sim.fanOut(1_000);
      expect(spanMs / sim.platform.boundMs(3_000), sim.perWindow()).toBeLessThanOrEqual(1.05);
      expect([...sim.platform.accepted.values()].every((n) => n === 3)).toBe(true);
    },
  );

  it('GIVEN a 429 storm (20 % 429, 10 % 500) THEN once it stops, a fan-out a minute later is back within 1.1× the bound', async () => {
    const sim = simulated(10);
    sim.platform.chaos = { rateLimited: 0.2, serverError: 0.1 };
    await sim.fanOut(100); // delivered through the storm (slowly)
    const gate = sim.engine.gates.of('slack');
    expect(gate.pacing).toBeDefined();
    sim.platform.chaos = undefined;
    await sim.clock.advance(60_000);
    const { spanMs } = await sim.fanOut(100);
    expect(spanMs / sim.platform.boundMs(100)).toBeLessThanOrEqual(1.1);
  });

  it('GIVEN pacing learned from a 429 THEN it is forgotten after RELAX_AFTER_MS without one (it used to last for the life of the process)', async () => {
    const sim = simulated(10);
    await sim.fanOut(30);
    const gate = sim.engine.gates.of('slack');
    expect(gate.pacing).toEqual({ quota: 10, windowMs: 1_000 });
    await sim.clock.advance(RELAX_AFTER_MS + 1_000);
    expect(gate.pacing).toBeUndefined();
  });

  it('GIVEN a window that passes without a 429 after a storm shrank the quota THEN the quota climbs back towards the best seen', async () => {
    const clock = new SimClock(0);
    const gate = new PlatformGate(clock, 50);
    // 10 accepted in the first window, then limited: quota 10.
    for (let i = 0; i < 10; i++) {
      (await gate.acquire())();
      gate.recordAccepted();
    }
    gate.rateLimited(1_000, 'global');
    await clock.advance(1_000);
    expect(gate.pacing).toEqual({ quota: 10, windowMs: 1_000 });
    // A 429 late in a window in which only 2 posts were accepted (a storm): quota 2. (A 429 early in a window
    // means our windows run ahead of the platform's: the grid moves, the quota stays.)
    for (let i = 0; i < 2; i++) {
      const release = gate.acquire();
      await clock.runUntil(() => true);
      (await release)();
      gate.recordAccepted();
    }
    await clock.advance(600);
    gate.rateLimited(1_000, 'global');
    await clock.advance(1_000);
    expect(gate.pacing?.quota).toBe(2);
    const quotas: number[] = [];
    for (let w = 0; w < 4; w++) {
      const release = gate.acquire();
      await clock.runUntil(() => true);
      (await release)();
      quotas.push(gate.pacing!.quota);
      await clock.advance(1_000);
    }
    // The first window after the re-estimate proves nothing yet; each one after it gives back one (a tenth of 10).
    expect(quotas).toEqual([2, 3, 4, 5]);
  });
});
