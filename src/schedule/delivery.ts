/**
 * Posting one message with the retry policy every platform shares (adapters translate their failures
 * into RateLimitedError / TransientError / ChannelUnreachableError):
 *
 * - 429: wait Retry-After, then retry. The wait is applied to the whole platform (the `PlatformGate`),
 *   not just the one message, because a rate limit is per app or workspace: a fan-out of 1,000 posts
 *   must pause together instead of 1,000 messages each hammering the API and each collecting 429s.
 * - 5xx / network: bounded exponential backoff with jitter.
 * - Channel unreachable: no retry; the caller marks the schedule failing.
 *
 * Hand-written rather than p-retry because the Retry-After wait must be shared across messages and
 * the attempt hooks must write the ledger state ("sending" before each request) — the parts that matter.
 */
import { ChannelUnreachableError, RateLimitedError, TransientError } from '../core/outbound.js';
import { AbortedError, type Clock } from './clock.js';

export interface RetryPolicy {
  /** Retries after 5xx/network errors before giving up for now. */
  transientRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** 429s tolerated for one message; a platform that never lets us post must not hold a delivery forever. */
  rateLimitRetries: number;
  /** Ceiling on one Retry-After wait, in case a platform sends something absurd. */
  maxRetryAfterMs: number;
}

/** Paced posts that may start back to back after a stall (more would burst into the rate limit). */
const PACING_BURST = 2;
/** Pace this much slower than the observed limit, so timing jitter does not cost another Retry-After. */
const PACING_HEADROOM = 1.02;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  transientRetries: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  rateLimitRetries: 50,
  maxRetryAfterMs: 300_000,
};

/**
 * Joins `line` and resolves when someone shifts this waiter off and calls it. On abort the waiter leaves the
 * line (so it never takes a turn it cannot use) and the promise rejects with AbortedError.
 */
function waitInLine(line: (() => void)[], signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const wake = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      const i = line.indexOf(wake);
      if (i >= 0) line.splice(i, 1);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    line.push(wake);
  });
}

/**
 * Per-platform gate: at most `concurrency` posts in flight, nobody starts a post while the platform has
 * told us to wait, and after a 429 posts are paced to the rate the platform just showed it accepts.
 *
 * Pacing: when a 429 says "retry after R", the posts accepted during the last R are what the platform lets
 * through per R, so from then on posts start at least R / accepted apart (plus 2 % headroom). A fan-out
 * then runs at the limit instead of bursting into it, waiting out a whole-second Retry-After and bursting
 * again, which both wastes most of a rate window per burst and starves the command path of CPU in bursts.
 */
export class PlatformGate {
  private blockedUntil = 0;
  private running = 0;
  private readonly waiters: (() => void)[] = [];
  /** Minimum ms between post starts; 0 until the platform first rate-limits us. */
  private interval = 0;
  /** Token bucket for pacing: tokens refill at one per `interval`, at most PACING_BURST banked. */
  private tokens = PACING_BURST;
  private refilledAt = 0;
  private readonly paceLine: (() => void)[] = [];
  private pendingEstimate: { since: number; retryAfterMs: number } | undefined;
  private pumping = false;
  /** When recent posts were accepted (ascending), for the pacing estimate. */
  private readonly accepted: number[] = [];

  constructor(
    private readonly clock: Clock,
    readonly concurrency: number,
    /** How far back acceptances are remembered: the longest Retry-After we honour. */
    private readonly memoryMs = DEFAULT_RETRY_POLICY.maxRetryAfterMs,
  ) {}

  /** Everyone waits until `until` (epoch ms). */
  blockUntil(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }

  /** The current pacing interval in ms (0 = not paced); for logs and tests. */
  get pacingMs(): number {
    if (this.blockedUntil <= this.clock.now()) this.applyEstimate();
    return this.interval;
  }

  recordAccepted(): void {
    const now = this.clock.now();
    this.accepted.push(now);
    // Forget old acceptances in bulk now and then, not on every post.
    if (this.accepted.length > 4_096 && this.accepted[0]! < now - this.memoryMs) {
      const keepFrom = this.accepted.findIndex((t) => t >= now - this.memoryMs);
      this.accepted.splice(0, keepFrom === -1 ? this.accepted.length : keepFrom);
    }
  }

  /** A 429: pause everyone for `retryAfterMs`, and pace from then on at the rate just observed. */
  rateLimited(retryAfterMs: number): void {
    const now = this.clock.now();
    // Posts in flight when the limit was hit all come back 429: that is one event, not many.
    const sameEvent = this.blockedUntil > now;
    this.blockUntil(now + retryAfterMs);
    if (sameEvent || retryAfterMs <= 0) return;
    // Estimated when the pause ends: answers to posts sent before the limit can still arrive after the 429.
    this.pendingEstimate = { since: now - retryAfterMs, retryAfterMs };
    this.tokens = 0;
    this.refilledAt = now + retryAfterMs;
  }

  /** Posts accepted during the Retry-After period before the limit → the pacing interval. */
  private applyEstimate(): void {
    const pending = this.pendingEstimate;
    if (!pending) return;
    this.pendingEstimate = undefined;
    let recent = 0;
    for (let i = this.accepted.length - 1; i >= 0 && this.accepted[i]! > pending.since; i--) recent++;
    if (recent === 0) return;
    const estimate = (pending.retryAfterMs * PACING_HEADROOM) / recent;
    // Limited again while already paced: jitter bunched posts up, so leave more room each time.
    this.interval = this.interval > 0 ? Math.max(estimate, this.interval * 1.05) : estimate;
  }

  /**
   * Takes a pacing token, waiting in line for one if needed. Refill is computed from the clock, so late
   * timers on a busy machine do not slow the pace down; at most PACING_BURST tokens are banked, so a stall
   * does not release a burst into the limit afterwards. One pump sleeps for the line (not every waiter, which
   * would wake them all for each token).
   */
  private pace(signal?: AbortSignal): Promise<void> {
    const turn = waitInLine(this.paceLine, signal);
    void this.pump();
    return turn;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.paceLine.length > 0) {
        const now = this.clock.now();
        this.tokens = Math.min(PACING_BURST, this.tokens + Math.max(0, now - this.refilledAt) / this.interval);
        this.refilledAt = Math.max(this.refilledAt, now);
        if (this.tokens >= 1) {
          this.tokens -= 1;
          this.paceLine.shift()!();
          continue;
        }
        const wait = this.refilledAt > now ? this.refilledAt - now : (1 - this.tokens) * this.interval;
        await this.clock.sleep(wait);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Waits for a free slot, any rate-limit pause and the pacing interval; returns the release function. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    while (this.running >= this.concurrency) await waitInLine(this.waiters, signal);
    this.running++;
    try {
      for (;;) {
        const now = this.clock.now();
        // Re-checked after every wait: another post may have hit a 429 meanwhile.
        if (this.blockedUntil > now) {
          await this.clock.sleep(this.blockedUntil - now, signal);
          continue;
        }
        this.applyEstimate();
        if (this.interval <= 0) break;
        await this.pace(signal);
        if (this.blockedUntil <= this.clock.now()) break;
      }
    } catch (error) {
      this.releaseOne();
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.releaseOne();
    };
  }

  private releaseOne(): void {
    this.running--;
    this.waiters.shift()?.();
  }
}

export type PostOutcome =
  | { ok: true; attempts: number }
  | { ok: false; reason: 'unreachable'; error: ChannelUnreachableError; attempts: number }
  /** Retries ran out; `maybePosted` when a 5xx/network error leaves open whether the platform posted it. */
  | { ok: false; reason: 'gave_up'; error: Error; attempts: number; maybePosted: boolean };

export interface PostHooks {
  /** Before each request: the ledger row goes to "sending". */
  beforeAttempt?: () => Promise<void> | void;
  /** After a 429: the platform said it did not post, so the row can go back to "claimed". */
  afterRateLimited?: (retryAfterMs: number) => Promise<void> | void;
}

function backoffDelay(policy: RetryPolicy, retry: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  // Full jitter in the upper half: spreads a fan-out's retries without ever retrying immediately.
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/** Posts via `send` under `gate` with the retry policy. Throws AbortedError if `signal` aborts while waiting. */
export async function postWithRetry(
  send: () => Promise<void>,
  opts: { gate: PlatformGate; clock: Clock; policy?: RetryPolicy; signal?: AbortSignal; hooks?: PostHooks },
): Promise<PostOutcome> {
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  let attempts = 0;
  let transientRetries = 0;
  let rateLimitRetries = 0;
  for (;;) {
    const release = await opts.gate.acquire(opts.signal);
    let error: unknown;
    try {
      await opts.hooks?.beforeAttempt?.();
      attempts++;
      await send();
      opts.gate.recordAccepted();
      return { ok: true, attempts };
    } catch (e) {
      error = e;
    } finally {
      release();
    }
    if (error instanceof ChannelUnreachableError) return { ok: false, reason: 'unreachable', error, attempts };
    if (error instanceof RateLimitedError) {
      const wait = Math.min(Math.max(error.retryAfterMs, 0), policy.maxRetryAfterMs);
      opts.gate.rateLimited(wait);
      await opts.hooks?.afterRateLimited?.(wait);
      if (++rateLimitRetries > policy.rateLimitRetries) {
        return { ok: false, reason: 'gave_up', error, attempts, maybePosted: transientRetries > 0 };
      }
      continue; // acquire() waits out the pause
    }
    // TransientError, network errors and anything unexpected: the request may or may not have landed.
    const err = error instanceof Error ? error : new TransientError(String(error));
    if (transientRetries >= policy.transientRetries) return { ok: false, reason: 'gave_up', error: err, attempts, maybePosted: true };
    await opts.clock.sleep(backoffDelay(policy, transientRetries++), opts.signal);
  }
}
