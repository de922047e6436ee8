/**
 * The one retry rule for every outbound post (adapters translate their platform's failures into the error
 * kinds of src/core/outbound.ts; this switches on `kind`):
 *
 * - rate_limited (429): wait Retry-After — the whole platform for a global limit, the one channel for a
 *   per-channel limit — then retry. A 429 without a usable Retry-After (the adapter falls back to the body's
 *   retry_after) waits at least MIN_RATE_LIMIT_WAIT_MS rather than retrying at once.
 * - transient (5xx, timeouts, connection resets): bounded exponential backoff with jitter. The request may
 *   have reached the platform, so the outcome says `maybePosted`.
 * - unreachable (channel gone, bot removed), permission (missing scope or permission), token_revoked,
 *   permanent (any other 4xx: a malformed message): never retried — retrying cannot fix them.
 *
 * Hand-written rather than p-retry because the Retry-After wait is shared across posts (the gates) and the
 * attempt hooks write the ledger before each request — the parts that matter.
 */
import type { Clock } from '../core/clock.js';
import type { PlatformGate, RateLimitScope } from './pacing.js';

export interface RetryPolicy {
  /** Retries after 5xx/network errors before giving up for now. */
  transientRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** 429s tolerated for one post: a platform that never lets us post must not hold a delivery forever. */
  rateLimitRetries: number;
  /** Ceiling on one Retry-After wait, in case a platform sends something absurd. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  transientRetries: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  rateLimitRetries: 50,
  maxRetryAfterMs: 300_000,
};

/** A 429 that names no wait (or zero) still waits this long: retrying at once only collects another 429. */
export const MIN_RATE_LIMIT_WAIT_MS = 1_000;

export type FailureKind = 'rate_limited' | 'transient' | 'unreachable' | 'permission' | 'token_revoked' | 'permanent';
/** Failures after which this post is not retried. */
export type FinalFailure = Exclude<FailureKind, 'rate_limited' | 'transient'>;

/**
 * The kind of an adapter's error. Errors without a kind: an HTTP 4xx (other than 429) is permanent,
 * anything else (network errors, bugs) is treated as transient — the request may have landed.
 */
export function failureKind(error: unknown): FailureKind {
  const kind = (error as { kind?: unknown } | null)?.kind;
  if (kind === 'rate_limited' || kind === 'transient' || kind === 'unreachable' || kind === 'permission' || kind === 'token_revoked' || kind === 'permanent') {
    return kind;
  }
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429) return status === 401 ? 'token_revoked' : 'permanent';
  return 'transient';
}

function rateLimitOf(error: unknown): { waitMs: number; scope: RateLimitScope } {
  const e = error as { retryAfterMs?: unknown; scope?: unknown };
  const ms = typeof e.retryAfterMs === 'number' && Number.isFinite(e.retryAfterMs) ? e.retryAfterMs : 0;
  return { waitMs: ms > 0 ? ms : MIN_RATE_LIMIT_WAIT_MS, scope: e.scope === 'channel' ? 'channel' : 'global' };
}

export interface PostReceiptLike {
  messageId?: string;
}

export type PostOutcome =
  | { ok: true; attempts: number; receipt?: PostReceiptLike }
  | { ok: false; reason: FinalFailure; error: Error; attempts: number }
  /** Retries ran out; `maybePosted` when a 5xx/network error leaves open whether the platform posted it. */
  | { ok: false; reason: 'gave_up'; error: Error; attempts: number; maybePosted: boolean }
  /** The ledger row was taken over by another replica before this request: nothing was sent. */
  | { ok: false; reason: 'lease_lost'; attempts: number };

export interface PostHooks {
  /** Before each request (the row goes to `sending`); false = the lease is lost, do not send. */
  beforeAttempt?: () => Promise<boolean | void> | boolean | void;
  /** After a 429: the platform said it did not post. */
  afterRateLimited?: (waitMs: number) => Promise<void> | void;
}

function backoffDelay(policy: RetryPolicy, retry: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  // Full jitter in the upper half: spreads a fan-out's retries without ever retrying immediately.
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** Posts via `send` under `gate` (for `channel`) with the retry rule. Throws AbortedError if `signal` aborts while waiting. */
export async function postWithRetry(
  send: () => Promise<PostReceiptLike | void>,
  opts: { gate: PlatformGate; channel?: string; clock: Clock; policy?: RetryPolicy; signal?: AbortSignal; hooks?: PostHooks },
): Promise<PostOutcome> {
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  let attempts = 0;
  let transientRetries = 0;
  let rateLimitRetries = 0;
  for (;;) {
    const release = await opts.gate.acquire(opts.channel, opts.signal);
    let error: unknown;
    try {
      if ((await opts.hooks?.beforeAttempt?.()) === false) return { ok: false, reason: 'lease_lost', attempts };
      attempts++;
      const receipt = await send();
      opts.gate.recordAccepted();
      return { ok: true, attempts, ...(receipt ? { receipt } : {}) };
    } catch (e) {
      error = e;
    } finally {
      release();
    }
    const kind = failureKind(error);
    if (kind === 'rate_limited') {
      const { waitMs, scope } = rateLimitOf(error);
      const wait = Math.min(waitMs, policy.maxRetryAfterMs);
      opts.gate.rateLimited(wait, scope, opts.channel);
      await opts.hooks?.afterRateLimited?.(wait);
      if (++rateLimitRetries > policy.rateLimitRetries) {
        return { ok: false, reason: 'gave_up', error: asError(error), attempts, maybePosted: transientRetries > 0 };
      }
      continue; // acquire() waits out the pause
    }
    if (kind !== 'transient') return { ok: false, reason: kind, error: asError(error), attempts };
    if (transientRetries >= policy.transientRetries) return { ok: false, reason: 'gave_up', error: asError(error), attempts, maybePosted: true };
    await opts.clock.sleep(backoffDelay(policy, transientRetries++), opts.signal);
  }
}
