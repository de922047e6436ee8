/**
 * An adapter's start-up when its platform is slow, as /healthz shows it (src/adapters/lifecycle.ts): start()
 * waits at most `firstAttemptWaitMs` for the first attempt, then the adapter is degraded ("has not answered")
 * and the attempt goes on — its end sets the health; stopping never waits long for a hung attempt, and a
 * connection that comes up after stop() is closed at once.
 */
import { describe, expect, it } from 'vitest';
import { retryingAdapter, type Running } from '../../src/adapters/lifecycle.js';
import { silentLogger } from '../../src/core/log.js';
import { consoleSyntax } from '../../src/adapters/console/syntax.js';

/** A connect step the test finishes by hand: `succeed()` / `fail()`; `closed` counts stopped connections. */
function controllableConnect() {
  const attempts: { resolve: (r: Running) => void; reject: (e: Error) => void }[] = [];
  const state = { closed: 0 };
  const connect = () =>
    new Promise<Running>((resolve, reject) => {
      attempts.push({ resolve, reject });
    });
  const running: Running = {
    stop: async () => {
      state.closed += 1;
    },
  };
  return {
    connect,
    state,
    attempts,
    succeed: (i = attempts.length - 1) => attempts[i]!.resolve(running),
    fail: (message: string, i = attempts.length - 1) => attempts[i]!.reject(new Error(message)),
  };
}

function adapterWith(connect: () => Promise<Running>, firstAttemptWaitMs = 100) {
  return retryingAdapter({
    name: 'discord',
    syntax: consoleSyntax([]),
    endpoints: [],
    posts: false,
    logger: silentLogger,
    connect,
    describe: (error) => ({ reason: `Discord is unreachable or failing (${(error as Error).message})` }),
    firstAttemptWaitMs,
    firstRetryMs: 60_000,
  });
}

describe('an adapter whose platform does not answer at start-up', () => {
  it('GIVEN a first attempt that hangs THEN start() returns after the wait, degraded "has not answered"; a late success turns it ok', async () => {
    const platform = controllableConnect();
    const adapter = adapterWith(platform.connect, 100);
    const started = Date.now();
    await adapter.start();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(90);
    expect(waited).toBeLessThan(2_000);
    expect(adapter.health()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/^discord has not answered for 0\.1 s \(still trying/) });
    platform.succeed();
    await new Promise((r) => setTimeout(r, 10));
    expect(adapter.health().status).toBe('ok');
    await adapter.stop();
    expect(platform.state.closed).toBe(1);
  });

  it('GIVEN a hung attempt that then fails THEN the health says why and when it retries', async () => {
    const platform = controllableConnect();
    const adapter = adapterWith(platform.connect, 50);
    await adapter.start();
    platform.fail('connect ECONNRESET');
    await new Promise((r) => setTimeout(r, 10));
    expect(adapter.health()).toMatchObject({ status: 'degraded', reason: 'Discord is unreachable or failing (connect ECONNRESET); retrying in 60 s (attempt 1)' });
    await adapter.stop();
  });

  it('GIVEN an attempt that answers within the wait THEN start() returns as soon as it does, ok', async () => {
    const adapter = adapterWith(async () => ({ stop: async () => {} }), 5_000);
    const started = Date.now();
    await adapter.start();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(adapter.health().status).toBe('ok');
    await adapter.stop();
  });

  it('GIVEN stop() while the attempt hangs THEN it returns within 2 s, and a connection made afterwards is closed at once', async () => {
    const platform = controllableConnect();
    const adapter = adapterWith(platform.connect, 50);
    await adapter.start();
    const stopping = Date.now();
    await adapter.stop();
    expect(Date.now() - stopping).toBeLessThan(2_500);
    expect(adapter.health().status).toBe('stopped');
    platform.succeed();
    await new Promise((r) => setTimeout(r, 10));
    expect(platform.state.closed).toBe(1);
    expect(adapter.health().status).toBe('stopped');
  });
});
