/**
 * Posting without an interaction: the scheduler's digests and alerts. Discord failures are classified into
 * the core's outbound error kinds so the delivery engine's one retry policy serves every platform:
 * - 429 → RateLimitedError with Retry-After, scope `global` when Discord says the limit is global;
 * - 401 → TokenRevokedError: @discordjs/rest drops the token after a 401, and the TokenState makes every later
 *   call fail at once (no second request), turns the adapter's health degraded and logs it once;
 * - 403 Missing Permissions (50013) → PermissionError; 403 Missing Access / 404 Unknown Channel / cannot DM
 *   the user → ChannelUnreachableError;
 * - any other 4xx (a 400 for a malformed message) → PermanentError: the same body fails the same way;
 * - 5xx, timeouts, network errors → TransientError.
 */
import { DiscordAPIError, HTTPError, RateLimitError, Routes, type REST } from 'discord.js';
import {
  ChannelUnreachableError,
  PermanentError,
  PermissionError,
  RateLimitedError,
  TransientError,
  type OutboundChannel,
  type PostedMessage,
} from '../../core/outbound.js';
import type { Reply } from '../../core/reply.js';
import type { Logger } from '../../core/log.js';
import { TokenState } from '../token-state.js';
import { renderMessage } from './render.js';
import { CHART_FILENAME, chartEdit } from './charts.js';

const PREFIX = 'discord:';
/** Discord's JSON error codes we tell apart (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json). */
const MISSING_PERMISSIONS = 50013;
/** Discord's limit for a message nonce. */
const MAX_NONCE = 25;
/** What @discordjs/rest throws for a bot route once it has dropped the token after a 401. */
const DROPPED_TOKEN = /Expected token to be set/;

export interface DiscordOutboundOptions {
  /** When set, a posted reply's chart (e.g. a digest's) is added to the message by an edit right after it. */
  charts?: { logger: Logger };
  /** Shared with the gateway watcher and health; default: one of its own. */
  tokenState?: TokenState;
}

/** Discord: "A thread has already been created for this message". */
const THREAD_ALREADY_CREATED = 160004;
/** Channels where a thread cannot be started from a message: wrong channel type (DMs, forums), threads off. */
const NO_THREAD_HERE = new Set([50024, 50001, 50013, 160005]);

export function createDiscordOutbound(rest: REST, options: DiscordOutboundOptions = {}): OutboundChannel {
  const token = options.tokenState ?? new TokenState('discord');

  async function send<T>(request: () => Promise<T>, target: string): Promise<T> {
    token.assertUsable();
    try {
      return await request();
    } catch (error) {
      throw classifyDiscordError(error, target, token);
    }
  }

  async function postTo(channelId: string, reply: Reply, idempotencyKey?: string): Promise<string | undefined> {
    const { flags: _ephemeralMakesNoSenseHere, ...message } = renderMessage(reply);
    // With enforce_nonce Discord answers a repeated nonce (within minutes) with the first message instead of a second one.
    const nonce = idempotencyKey ? { nonce: idempotencyKey.slice(0, MAX_NONCE), enforce_nonce: true } : {};
    const posted = (await send(() => rest.post(Routes.channelMessages(channelId), { body: { ...message, ...nonce } }), `channel ${channelId}`)) as { id?: string } | undefined;
    if (options.charts && reply.chart && posted?.id) await addChart(channelId, posted.id, reply, options.charts.logger);
    return posted?.id;
  }

  /** The message is delivered already, so this never throws: a retry would post it twice. */
  async function addChart(channelId: string, messageId: string, reply: Reply, logger: Logger): Promise<void> {
    const edit = await chartEdit(reply, logger);
    if (!edit || token.revoked) return;
    try {
      await rest.patch(Routes.channelMessage(channelId, messageId), {
        body: { embeds: [edit.embed], attachments: [{ id: 0, filename: CHART_FILENAME, description: edit.description }] },
        files: [{ name: CHART_FILENAME, data: edit.png, contentType: 'image/png' }],
      });
    } catch (error) {
      logger.warn({ err: error, channel: channelId }, 'could not add the chart to the Discord post; the text was delivered');
    }
  }

  return {
    platform: 'discord',
    async post(channelId, reply, postOptions): Promise<PostedMessage | void> {
      const messageId = await postTo(unprefix(channelId, 'channel'), reply, postOptions?.idempotencyKey);
      return messageId ? { channelId, messageId } : undefined;
    },
    /**
     * A reply in a thread started from the parent message (a thread started from a message has the message's id;
     * starting it twice is refused with 160004, which means it is there). Where the channel allows no thread (a DM,
     * a forum, no Create Public Threads permission) the reply goes into the channel itself, so nothing is lost.
     */
    async replyInThread(parent, reply, postOptions): Promise<PostedMessage | void> {
      const channel = unprefix(parent.channelId, 'channel');
      let target = parent.messageId;
      token.assertUsable();
      try {
        await rest.post(Routes.threads(channel, parent.messageId), { body: { name: reply.title.slice(0, 100) || 'capex-bot', auto_archive_duration: 1440 } });
      } catch (error) {
        const code = error instanceof DiscordAPIError ? Number(error.code) : undefined;
        if (code === THREAD_ALREADY_CREATED) target = parent.messageId;
        else if (error instanceof DiscordAPIError && (error.status === 403 || NO_THREAD_HERE.has(Number(error.code)))) target = channel;
        else throw classifyDiscordError(error, `channel ${channel}`, token);
      }
      const messageId = await postTo(target, reply, postOptions?.idempotencyKey);
      return messageId ? { channelId: `${PREFIX}${target}`, messageId } : undefined;
    },
    async sendDirect(userId, reply) {
      const recipient = unprefix(userId, 'user');
      const dm = (await send(() => rest.post(Routes.userChannels(), { body: { recipient_id: recipient } }), `DM with user ${recipient}`)) as { id: string };
      await postTo(dm.id, reply);
    },
  };
}

function unprefix(id: string, what: string): string {
  if (!id.startsWith(PREFIX) || id.length === PREFIX.length) throw new ChannelUnreachableError(`${id} is not a Discord ${what} id (expected ${PREFIX}<id>)`);
  return id.slice(PREFIX.length);
}

/** One Discord failure → the outbound error kind the delivery engine acts on (see the file comment). */
export function classifyDiscordError(error: unknown, target: string, token?: TokenState): unknown {
  if (error instanceof RateLimitError) {
    const scope = error.global || error.scope === 'global' ? 'global' : 'channel';
    return new RateLimitedError(Math.max(0, Math.ceil(error.retryAfter)), { cause: error, scope });
  }
  if (error instanceof DiscordAPIError) {
    if (error.status === 401) {
      const reason = 'Discord refused the bot token (401 Unauthorized): it was reset or revoked. Set a new DISCORD_TOKEN (Bot → Reset Token) and restart.';
      return token ? token.refused(reason, error) : new PermanentError(reason, { cause: error });
    }
    if (error.status === 403 && error.code === MISSING_PERMISSIONS) {
      return new PermissionError(`Discord: the bot lacks a permission in ${target} (Missing Permissions: View Channel, Send Messages, Embed Links, Attach Files)`, { cause: error });
    }
    if (error.status === 404 || error.status === 403) {
      return new ChannelUnreachableError(`Discord cannot reach ${target}: ${error.message} (code ${error.code})`, { cause: error });
    }
    if (error.status >= 500) return new TransientError(`Discord error ${error.status} for ${target}`, { cause: error });
    return new PermanentError(`Discord refused the message for ${target}: ${error.message} (HTTP ${error.status}, code ${error.code})`, { cause: error });
  }
  if (error instanceof HTTPError) {
    return error.status >= 500
      ? new TransientError(`Discord error ${error.status} for ${target}`, { cause: error })
      : new PermanentError(`Discord answered HTTP ${error.status} for ${target}`, { cause: error });
  }
  if (error instanceof Error && DROPPED_TOKEN.test(error.message)) {
    const reason = 'the Discord client dropped the bot token after a 401; set a new DISCORD_TOKEN and restart';
    return token ? token.refused(reason, error) : new PermanentError(reason, { cause: error });
  }
  // fetch failures (connection refused/reset, DNS) and timeouts (AbortError).
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TypeError' || 'code' in error || error.cause)) {
    return new TransientError(`Discord unreachable for ${target}: ${error.message}`, { cause: error });
  }
  return error;
}
