/**
 * Posting to Slack without a slash command in front (scheduled digests, alerts to admins). Slack's errors
 * are translated into the core's three failure kinds so the scheduler's one retry policy serves every
 * platform; the WebClient used here must not retry on its own (see `createOutboundWebClient`).
 */
import { webApi } from '@slack/bolt';
import type { OutboundChannel } from '../../core/outbound.js';
import { ChannelUnreachableError, RateLimitedError, TransientError } from '../../core/outbound.js';
import type { Reply } from '../../core/reply.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { boltLogger } from './bolt-logger.js';
import { renderMessage } from './render.js';
import type { SlackChartUploader } from './charts.js';

/** Platform errors that mean "this conversation cannot receive our messages": retrying will not help. */
const UNREACHABLE_ERRORS = new Set([
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'account_inactive',
  'user_not_found',
  'user_disabled',
  'cannot_dm_bot',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'team_access_not_granted',
]);

/** Platform errors Slack documents as temporary. */
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

export interface OutboundClientOptions {
  token: string;
  slackApiUrl?: string;
  /** The bot's logger; the WebClient's warnings go there (silent when omitted). */
  logger?: Logger;
  /** Per-request timeout; a hung connection becomes a TransientError the scheduler retries. */
  timeoutMs?: number;
}

/**
 * A WebClient for scheduled posts: no retries of its own (the scheduler retries, and two stacked retry
 * loops would multiply delays), and 429s are rejected at once so the scheduler sees Retry-After.
 */
export function createOutboundWebClient(options: OutboundClientOptions): webApi.WebClient {
  return new webApi.WebClient(options.token, {
    slackApiUrl: options.slackApiUrl,
    logger: boltLogger(options.logger ?? silentLogger),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 10_000,
  });
}

export interface SlackOutboundOptions {
  /** Uploads a posted reply's chart (e.g. a digest's) right after the message; its failures never fail the post. */
  charts?: SlackChartUploader;
}

export function createSlackOutbound(client: webApi.WebClient, options: SlackOutboundOptions = {}): OutboundChannel {
  const postTo = async (channel: string, reply: Reply): Promise<void> => {
    const message = renderMessage(reply);
    await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
    // After the post: the message is delivered, so nothing here may throw (a retry would post it twice).
    if (options.charts && reply.chart) await options.charts.afterAnswer({ channelId: channel }, reply);
  };
  return {
    platform: 'slack',
    async post(channelId, reply) {
      const channel = slackId(channelId, 'channel');
      await translateErrors(() => postTo(channel, reply));
    },
    async sendDirect(userId, reply) {
      const user = slackId(userId, 'user');
      await translateErrors(async () => {
        const opened = await client.conversations.open({ users: user });
        const channel = opened.channel?.id;
        if (!channel) throw new ChannelUnreachableError(`Slack opened no DM channel for ${user}`);
        await postTo(channel, reply);
      });
    },
  };
}

/** `slack:C123` → `C123`; an id from another platform is a programming error, not a Slack failure. */
function slackId(prefixed: string, what: string): string {
  if (!prefixed.startsWith('slack:') || prefixed.length <= 'slack:'.length) {
    throw new ChannelUnreachableError(`not a Slack ${what} id: ${prefixed.slice(0, 60)}`);
  }
  return prefixed.slice('slack:'.length);
}

async function translateErrors(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    throw toOutboundError(error);
  }
}

export function toOutboundError(error: unknown): Error {
  if (error instanceof RateLimitedError || error instanceof TransientError || error instanceof ChannelUnreachableError) return error;
  const coded = error as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
  switch (coded.code) {
    case webApi.ErrorCode.RateLimitedError:
      return new RateLimitedError(Math.max(0, coded.retryAfter ?? 1) * 1000, { cause: error });
    case webApi.ErrorCode.PlatformError: {
      const slackError = coded.data?.error ?? 'unknown_error';
      if (UNREACHABLE_ERRORS.has(slackError)) return new ChannelUnreachableError(`Slack: ${slackError}`, { cause: error });
      if (TRANSIENT_ERRORS.has(slackError)) return new TransientError(`Slack: ${slackError}`, { cause: error });
      // invalid_auth, invalid_blocks, missing_scope…: a configuration or bug, surfaced as-is to be logged.
      return error as Error;
    }
    case webApi.ErrorCode.HTTPError:
      return (coded.statusCode ?? 500) >= 500
        ? new TransientError(`Slack answered HTTP ${coded.statusCode}`, { cause: error })
        : (error as Error);
    case webApi.ErrorCode.RequestError:
      return new TransientError('Slack could not be reached', { cause: error });
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}
