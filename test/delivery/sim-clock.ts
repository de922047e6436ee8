/**
 * A discrete-event clock for pacing simulations: sleeps wait in a queue and `runUntil` wakes them in time order
 * (earliest first, after letting every ready callback run), so minutes of rate-limited fan-out run in
 * milliseconds and every timestamp is exact. FakeClock's auto mode wakes sleeps in call order instead, which is
 * fine for retry tests but not for measuring a pace.
 */
import { AbortedError, type Clock } from '../../src/core/clock.js';

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

export class SimClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private seq = 0;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError());
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(new AbortedError());
      };
      // A sleep that ends normally drops its abort listener, as systemClock.sleep does: a long-lived signal
      // (the engine's shutdown) would otherwise collect one per sleep (MaxListenersExceededWarning in full runs).
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const sleeper: Sleeper = { at: this.current + Math.max(0, ms), seq: this.seq++, resolve: wake };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs until `done()` holds (checked whenever nothing is ready), or fails after `limitMs` of simulated time. */
  async runUntil(done: () => boolean, limitMs = 10 * 60_000): Promise<void> {
    const end = this.current + limitMs;
    for (;;) {
      await settle();
      if (done()) return;
      if (this.sleepers.length === 0) throw new Error('simulation stalled: nothing is waiting and the goal is not reached');
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.sleepers.shift()!;
      if (next.at > end) throw new Error(`simulation ran past ${limitMs} ms`);
      this.current = Math.max(this.current, next.at);
      next.resolve();
    }
  }

  /** Moves time forward by `ms`, waking what falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    this.sleepers.push({ at: target, seq: this.seq++, resolve: () => undefined });
    let reached = false;
    const marker = this.sleepers.at(-1)!;
    marker.resolve = () => (reached = true);
    await this.runUntil(() => reached, ms + 1);
  }
}
