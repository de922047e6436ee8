/**
 * How the scheduler (and revision alerts) post to chat without knowing any SDK: each adapter provides an
 * `OutboundChannel` and turns its platform's failures into these three error kinds, so one retry policy
 * serves every platform.
 */
import type { Reply } from './reply.js';
import type { Platform } from './command.js';

/**
 * The platform said "slow down": wait `retryAfterMs` (from Retry-After) and try again. `scope` says what is
 * limited: this channel/route only (other channels may go on), or the whole bot (everything waits).
 */
export class RateLimitedError extends Error {
  readonly kind = 'rate_limited';
  readonly scope: 'channel' | 'global';
  constructor(
    readonly retryAfterMs: number,
    options?: { cause?: unknown; scope?: 'channel' | 'global' },
  ) {
    super(`rate limited${options?.scope === 'global' ? ' (global)' : ''}; retry after ${retryAfterMs} ms`, options);
    this.scope = options?.scope ?? 'channel';
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

/** The platform refused this message itself (Slack `invalid_blocks`, a Discord 400): the same post fails again; never retry it. */
export class PermanentError extends Error {
  readonly kind = 'permanent';
}

/** The bot lacks a permission or scope (Slack `missing_scope`, Discord Missing Permissions): retrying cannot help; an admin must grant it. */
export class PermissionError extends Error {
  readonly kind = 'permission';
}

/**
 * The platform no longer accepts the bot's token (revoked, app uninstalled, invalid): nothing on this platform
 * can succeed until an operator fixes the token, so every post to it stops retrying and an admin is told once.
 */
export class TokenRevokedError extends Error {
  readonly kind = 'token_revoked';
  constructor(
    readonly platform: Platform,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Every failure kind an `OutboundChannel` throws; the delivery engine switches on `kind`. */
export type OutboundErrorKind = 'rate_limited' | 'transient' | 'unreachable' | 'permanent' | 'permission' | 'token_revoked';

/** Per-post options from the delivery engine. */
export interface PostOptions {
  /** At most 25 characters; Discord sends it as `nonce` with `enforce_nonce`, so a retried post is not doubled. */
  idempotencyKey?: string;
}

/** A message the platform accepted, as an adapter that can edit it later identifies it. */
export interface PostedMessage {
  /** Platform-prefixed channel id the message is in. */
  channelId: string;
  /** The platform's message id (Slack `ts`, Discord snowflake). */
  messageId: string;
}

/**
 * Outbound calls of one platform. `post` and `sendDirect` are required; the rest are optional capabilities,
 * each with the fallback a caller uses when an adapter lacks it (as vercel/chat's `Adapter` documents its own).
 */
export interface OutboundChannel {
  platform: Platform;
  /**
   * Posts a public message to a platform-prefixed channel id (`slack:C123`, `discord:123`). May resolve to the
   * posted message's id when the adapter can edit it later. Throws RateLimitedError / TransientError /
   * ChannelUnreachableError, so one retry policy serves every platform.
   */
  post(channelId: string, reply: Reply, options?: PostOptions): Promise<PostedMessage | void>;
  /** Sends a direct message to a platform-prefixed user id (used to tell an admin a schedule is failing). */
  sendDirect(userId: string, reply: Reply): Promise<void>;
  /**
   * Optional: replaces a message this adapter posted. Fallback when absent (or when `post` returned no id):
   * post the new reply as a new message.
   */
  edit?(message: PostedMessage, reply: Reply): Promise<void>;
  /**
   * Optional: posts `reply` in the thread of `parent` (a message this adapter posted): Slack `thread_ts`, Discord a
   * thread started from the message. Fallback when absent: `post` it in the parent's channel.
   */
  replyInThread?(parent: PostedMessage, reply: Reply, options?: PostOptions): Promise<PostedMessage | void>;
  /**
   * Optional: opens (or finds) the direct-message channel with a platform-prefixed user id and returns its
   * platform-prefixed channel id, to `post` into. Fallback when absent: `sendDirect`, which opens the DM itself.
   */
  openDM?(userId: string): Promise<string>;
}
