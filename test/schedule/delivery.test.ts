/**
 * The shared retry policy and the per-platform gate, on a fake clock: what is retried, how long it waits,
 * when it gives up, and how a 429 paces the posts after it.
 */
import { describe, expect, it } from 'vitest';
import { ChannelUnreachableError, RateLimitedError, TransientError } from '../../src/core/outbound.js';
import { DEFAULT_RETRY_POLICY, PlatformGate, postWithRetry } from '../../src/schedule/delivery.js';
import { AbortedError } from '../../src/schedule/clock.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A send function that fails with the scripted errors, then succeeds; counts calls. */
function scripted(...errors: Error[]) {
  const calls: number[] = [];
  let clock: FakeClock | undefined;
  const send = async () => {
    calls.push(clock?.now() ?? 0);
    const next = errors.shift();
    if (next) throw next;
  };
  return { send, calls, bind: (c: FakeClock) => (clock = c) };
}

describe('postWithRetry', () => {
  it('429: waits Retry-After (for the whole platform) and retries', async () => {
    const clock = new FakeClock(0);
    const gate = new PlatformGate(clock, 4);
    const s = scripted(new RateLimitedError(7_000));
    s.bind(clock);
    const outcome = await postWithRetry(s.send, { gate, clock });
    expect(outcome).toEqual({ ok: true, attempts: 2 });
    expect(s.calls).toEqual([0, 7_000]);
  });

  it('5xx: bounded exponential backoff, then gives up saying it may have posted', async () => {
    const clock = new FakeClock(0);
    const s = scripted(...Array.from({ length: 10 }, () => new TransientError('HTTP 503')));
    const outcome = await postWithRetry(s.send, { gate: new PlatformGate(clock, 4), clock });
    expect(outcome).toMatchObject({ ok: false, reason: 'gave_up', maybePosted: true, attempts: DEFAULT_RETRY_POLICY.transientRetries + 1 });
    expect(clock.sleeps).toHaveLength(DEFAULT_RETRY_POLICY.transientRetries);
    clock.sleeps.forEach((ms, i) => {
      const cap = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** i);
      expect(ms).toBeGreaterThanOrEqual(cap / 2);
      expect(ms).toBeLessThanOrEqual(cap);
    });
  });

  it('channel unreachable: no retry', async () => {
    const clock = new FakeClock(0);
    const s = scripted(new ChannelUnreachableError('Slack: channel_not_found'));
    const outcome = await postWithRetry(s.send, { gate: new PlatformGate(clock, 4), clock });
    expect(outcome).toMatchObject({ ok: false, reason: 'unreachable', attempts: 1 });
    expect(s.calls).toHaveLength(1);
  });

  it('marks each attempt before it goes out, and a 429 as not posted', async () => {
    const clock = new FakeClock(0);
    const events: string[] = [];
    const s = scripted(new RateLimitedError(1_000));
    await postWithRetry(s.send, {
      gate: new PlatformGate(clock, 4),
      clock,
      hooks: { beforeAttempt: () => void events.push('sending'), afterRateLimited: (ms) => void events.push(`released ${ms}`) },
    });
    expect(events).toEqual(['sending', 'released 1000', 'sending']);
  });
});

describe('PlatformGate', () => {
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

  it('after a 429, paces posts at the rate the platform just accepted', async () => {
    const clock = new FakeClock(0, 'manual');
    const gate = new PlatformGate(clock, 50);
    expect(gate.pacingMs).toBe(0);
    for (let i = 0; i < 100; i++) {
      clock.set(i * 3); // 100 posts accepted in the first 300 ms of a one-second window
      gate.recordAccepted();
    }
    gate.rateLimited(1_000);

    const started: number[] = [];
    const posts = Array.from({ length: 5 }, async () => {
      const release = await gate.acquire();
      started.push(clock.now());
      release();
    });
    for (let t = clock.now(); started.length < 5; t += 1) {
      clock.set(t);
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(posts);
    expect(gate.pacingMs).toBeCloseTo(10.2, 5);
    // Nothing banked when the pause ends (297 + 1000): one start every 10.2 ms from then on, on the clock's
    // schedule rather than after each timer (the test clock moves in whole milliseconds).
    expect(started.map((t) => t - 1_297)).toEqual([1, 2, 3, 4, 5].map((k) => Math.ceil(10.2 * k)));
  });

  it('a post aborted while waiting for a free slot leaves the line: the next release goes to a live waiter', async () => {
    const clock = new FakeClock(0);
    const gate = new PlatformGate(clock, 1);
    const releaseFirst = await gate.acquire();
    const stop = new AbortController();
    const aborted = gate.acquire(stop.signal);
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

  it('a post aborted while paced leaves the line without using a paced start', async () => {
    const clock = new FakeClock(0, 'manual');
    const gate = new PlatformGate(clock, 50);
    for (let i = 0; i < 100; i++) {
      clock.set(i * 3);
      gate.recordAccepted();
    }
    gate.rateLimited(1_000);

    const stop = new AbortController();
    const aborted = gate.acquire(stop.signal);
    aborted.catch(() => undefined);
    const started: number[] = [];
    const posts = Array.from({ length: 2 }, async () => {
      const release = await gate.acquire();
      started.push(clock.now());
      release();
    });
    for (let t = clock.now(); started.length < 2; t += 1) {
      clock.set(t);
      if (t === 1_300) stop.abort(); // after the pause (ends at 1 297), before the first paced start
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(posts);
    await expect(aborted).rejects.toThrow(AbortedError);
    expect(started.map((t) => t - 1_297)).toEqual([1, 2].map((k) => Math.ceil(10.2 * k)));
  });

  it('counts posts whose answers arrive after the 429 (they were accepted before the limit)', () => {
    const clock = new FakeClock(0, 'manual');
    const gate = new PlatformGate(clock, 50);
    for (let i = 0; i < 60; i++) {
      clock.set(i * 3);
      gate.recordAccepted();
    }
    gate.rateLimited(1_000); // at 177 ms, while 40 accepted posts are still on their way back
    for (let i = 0; i < 40; i++) {
      clock.set(180 + i);
      gate.recordAccepted();
    }
    clock.set(1_177);
    expect(gate.pacingMs).toBeCloseTo(10.2, 5);
  });

  it('limited again while paced: the interval grows instead of bunching into the limit again', () => {
    const clock = new FakeClock(0, 'manual');
    const gate = new PlatformGate(clock, 50);
    const acceptOneSecond = (from: number) => {
      for (let i = 0; i < 100; i++) {
        clock.set(from + i * 9);
        gate.recordAccepted();
      }
    };
    acceptOneSecond(0);
    gate.rateLimited(1_000);
    clock.advance(1_000);
    expect(gate.pacingMs).toBeCloseTo(10.2, 5);
    acceptOneSecond(2_000);
    gate.rateLimited(1_000);
    clock.advance(1_000);
    expect(gate.pacingMs).toBeCloseTo(10.2 * 1.05, 5);
  });
});

describe('PlatformGate, one overflow', () => {
  it('the 429s of every post in flight when the limit was hit count as one event', () => {
    const clock = new FakeClock(0, 'manual');
    const gate = new PlatformGate(clock, 50);
    for (let i = 0; i < 100; i++) {
      clock.set(i * 5);
      gate.recordAccepted();
    }
    for (let i = 0; i < 32; i++) gate.rateLimited(1_000);
    clock.advance(1_000);
    expect(gate.pacingMs).toBeCloseTo(10.2, 5);
  });
});
