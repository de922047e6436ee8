/**
 * Time as the scheduler, the delivery engine and the feed readers see it: injected so tests run DST days and
 * outages on a fake clock. In core, below every feature that waits, so none of them imports another for it.
 */

export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with AbortedError as soon as `signal` aborts (shutdown). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortedError());
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(new AbortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Shutdown drain: waits for `work` to settle, but never longer than `timeoutMs` of real time (a stop must end
 * even when a post hangs, whatever clock the service runs on). True when everything settled in time.
 */
export async function settleWithin(work: readonly unknown[], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([Promise.allSettled(work), timedOut]);
  clearTimeout(timer);
  return result !== 'timeout';
}
