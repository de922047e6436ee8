/**
 * Posting without an interaction: the scheduler's digests and alerts. Discord failures are mapped to the
 * core's three kinds so one retry policy serves every platform:
 * 429 → RateLimitedError (with Retry-After), 403/404 (Missing Access, Unknown Channel, cannot DM the user)
 * → ChannelUnreachableError, 5xx / timeouts / network errors → TransientError. Anything else (a 400 for a
 * malformed message, a 401 for a revoked token) is rethrown unchanged: retrying cannot fix it.
 */
import { DiscordAPIError, HTTPError, RateLimitError, Routes, type REST } from 'discord.js';
import { ChannelUnreachableError, RateLimitedError, TransientError, type OutboundChannel } from '../../core/outbound.js';
import type { Reply } from '../../core/reply.js';
import { renderMessage } from './render.js';
import { CHART_FILENAME, chartEdit } from './charts.js';
import type { Logger } from '../../core/log.js';

const PREFIX = 'discord:';

export interface DiscordOutboundOptions {
  /** When set, a posted reply's chart (e.g. a digest's) is added to the message by an edit right after it. */
  charts?: { logger: Logger };
}

export function createDiscordOutbound(rest: REST, options: DiscordOutboundOptions = {}): OutboundChannel {
  async function postTo(channelId: string, reply: Reply): Promise<void> {
    const { flags: _ephemeralMakesNoSenseHere, ...body } = renderMessage(reply);
    const posted = (await send(() => rest.post(Routes.channelMessages(channelId), { body }), `channel ${channelId}`)) as { id?: string } | undefined;
    if (options.charts && reply.chart && posted?.id) await addChart(channelId, posted.id, reply, options.charts.logger);
  }

  /** The message is delivered already, so this never throws: a retry would post it twice. */
  async function addChart(channelId: string, messageId: string, reply: Reply, logger: Logger): Promise<void> {
    const edit = await chartEdit(reply, logger);
    if (!edit) return;
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
    async post(channelId, reply) {
      await postTo(unprefix(channelId, 'channel'), reply);
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

async function send<T>(request: () => Promise<T>, target: string): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw mapDiscordError(error, target);
  }
}

export function mapDiscordError(error: unknown, target: string): unknown {
  if (error instanceof RateLimitError) return new RateLimitedError(Math.max(0, Math.ceil(error.retryAfter)), { cause: error });
  if (error instanceof DiscordAPIError) {
    if (error.status === 404 || error.status === 403) {
      return new ChannelUnreachableError(`Discord cannot reach ${target}: ${error.message} (code ${error.code})`, { cause: error });
    }
    if (error.status >= 500) return new TransientError(`Discord error ${error.status} for ${target}`, { cause: error });
    return error;
  }
  if (error instanceof HTTPError) return new TransientError(`Discord error ${error.status} for ${target}`, { cause: error });
  // fetch failures (connection refused/reset, DNS) and timeouts (AbortError).
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TypeError' || 'code' in error || error.cause)) {
    return new TransientError(`Discord unreachable for ${target}: ${error.message}`, { cause: error });
  }
  return error;
}
