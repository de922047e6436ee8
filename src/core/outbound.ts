/**
 * How the scheduler (and revision alerts) post to chat without knowing any SDK: each adapter provides an
 * `OutboundChannel` and turns its platform's failures into these three error kinds, so one retry policy
 * serves every platform.
 */
import type { Reply } from './reply.js';
import type { Platform } from './command.js';

/** The platform said "slow down": wait `retryAfterMs` (from Retry-After) and try again. */
export class RateLimitedError extends Error {
  readonly kind = 'rate_limited';
  constructor(
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(`rate limited; retry after ${retryAfterMs} ms`, options);
  }
}

/** 5xx, timeouts, connection resets: worth retrying with backoff. */
export class TransientError extends Error {
  readonly kind = 'transient';
}

/** The channel is gone, archived, or the bot was removed: retrying cannot help. */
export class ChannelUnreachableError extends Error {
  readonly kind = 'unreachable';
}

export interface OutboundChannel {
  platform: Platform;
  /** Posts a public message to a platform-prefixed channel id (`slack:C123`, `discord:123`). */
  post(channelId: string, reply: Reply): Promise<void>;
  /** Sends a direct message to a platform-prefixed user id (used to tell an admin a schedule is failing). */
  sendDirect(userId: string, reply: Reply): Promise<void>;
}
