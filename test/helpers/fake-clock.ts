/**
 * A fake clock for the scheduler: `now` moves only when a test sets or advances it, or when code sleeps.
 * - Auto mode (default): a sleep of 30 s jumps the clock 30 s and resolves on the next turn of the event
 *   loop, so retry back-offs and Retry-After waits run instantly but are still measured.
 * - Manual mode: sleeps stay pending until `advance()` moves the clock past them (or their signal aborts),
 *   for tests that stop the bot while something is waiting.
 * `sleeps` records every requested wait so tests can assert that a 429's Retry-After was honoured.
 */
import { AbortedError, type Clock } from '../../src/core/clock.js';

interface PendingSleep {
  wakeAt: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private pending: PendingSleep[] = [];

  constructor(
    private current: number,
    private readonly mode: 'auto' | 'manual' = 'auto',
  ) {}

  now(): number {
    return this.current;
  }

  set(ms: number | Date): void {
    this.current = typeof ms === 'number' ? ms : ms.getTime();
    this.wake();
  }

  advance(ms: number): void {
    this.current += ms;
    this.wake();
  }

  get pendingSleeps(): number {
    return this.pending.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    const wakeAt = this.current + Math.max(0, ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError());
      if (this.mode === 'auto') {
        setImmediate(() => {
          if (signal?.aborted) return reject(new AbortedError());
          this.current = Math.max(this.current, wakeAt);
          resolve();
        });
        return;
      }
      const entry: PendingSleep = { wakeAt, resolve };
      this.pending.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          this.pending = this.pending.filter((p) => p !== entry);
          reject(new AbortedError());
        },
        { once: true },
      );
    });
  }

  private wake(): void {
    const due = this.pending.filter((p) => p.wakeAt <= this.current);
    this.pending = this.pending.filter((p) => p.wakeAt > this.current);
    for (const p of due) p.resolve();
  }
}
