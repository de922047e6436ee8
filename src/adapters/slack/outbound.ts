/**
 * Posting to Slack without a slash command in front (scheduled digests, alerts to admins). Slack's errors
 * are classified into the core's outbound error kinds so the delivery engine's one retry policy serves every
 * platform; the WebClient used here must not retry on its own (see `createOutboundWebClient`):
 * - token errors (`token_revoked`, `invalid_auth`, `account_inactive`, …) → TokenRevokedError, and the shared
 *   TokenState stops every later call before it reaches Slack (the adapter's health turns degraded);
 * - `missing_scope` and friends → PermissionError (an admin must reinstall with the scope);
 * - errors about the message itself (`invalid_blocks`, `msg_too_long`, …) → PermanentError;
 * - errors about the conversation → ChannelUnreachableError; Slack's temporary errors and 5xx → TransientError.
 * None of the permanent kinds is retried: the same call would fail the same way.
 */
import { webApi } from '@slack/bolt';
import type { OutboundChannel, PostedMessage } from '../../core/outbound.js';
import { ChannelUnreachableError, PermanentError, PermissionError, RateLimitedError, TransientError } from '../../core/outbound.js';
import type { Reply } from '../../core/reply.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { TokenState } from '../token-state.js';
import { boltLogger } from './bolt-logger.js';
import { renderMessage } from './render.js';
import type { SlackChartUploader } from './charts.js';

/** Platform errors that mean "this conversation cannot receive our messages": retrying will not help. */
const UNREACHABLE_ERRORS = new Set([
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'user_not_found',
  'user_disabled',
  'cannot_dm_bot',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'team_access_not_granted',
]);

/** The token no longer works (revoked, app uninstalled, deactivated bot): nothing on Slack can succeed. */
export const TOKEN_ERRORS = new Set(['token_revoked', 'invalid_auth', 'not_authed', 'account_inactive', 'token_expired', 'invalid_token', 'no_such_token', 'app_uninstalled']);

/** The installation lacks a scope or right: an admin must reinstall or grant it. */
const PERMISSION_ERRORS = new Set(['missing_scope', 'not_allowed_token_type', 'no_permission', 'ekm_access_denied', 'access_denied']);

/** The message itself is refused: sending it again fails again. */
const MESSAGE_ERRORS = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'no_text', 'too_many_attachments', 'invalid_arguments', 'invalid_arg_name', 'invalid_array_arg', 'invalid_charset', 'invalid_form_data', 'invalid_post_type', 'missing_post_type', 'invalid_json', 'json_not_object', 'duplicate_message_not_found', 'as_user_not_supported']);

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
  /** Shared with the events listener (app_uninstalled, tokens_revoked) and health; default: one of its own. */
  tokenState?: TokenState;
}

export function createSlackOutbound(client: webApi.WebClient, options: SlackOutboundOptions = {}): OutboundChannel {
  const token = options.tokenState ?? new TokenState('slack');
  const postTo = async (channel: string, reply: Reply): Promise<string | undefined> => {
    const message = renderMessage(reply);
    const posted = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
    // After the post: the message is delivered, so nothing here may throw (a retry would post it twice).
    if (options.charts && reply.chart && !token.revoked) await options.charts.afterAnswer({ channelId: channel }, reply);
    return posted.ts;
  };
  const classified = async <T>(call: () => Promise<T>): Promise<T> => {
    token.assertUsable();
    try {
      return await call();
    } catch (error) {
      throw classifySlackError(error, token);
    }
  };
  return {
    platform: 'slack',
    async post(channelId, reply): Promise<PostedMessage | void> {
      const channel = slackId(channelId, 'channel');
      const ts = await classified(() => postTo(channel, reply));
      return ts ? { channelId, messageId: ts } : undefined;
    },
    /** A reply in the parent message's thread (`thread_ts`); a chart on it is uploaded to the channel as usual. */
    async replyInThread(parent, reply): Promise<PostedMessage | void> {
      const channel = slackId(parent.channelId, 'channel');
      const ts = await classified(async () => {
        const message = renderMessage(reply);
        const posted = await client.chat.postMessage({ channel, thread_ts: parent.messageId, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false });
        return posted.ts;
      });
      return ts ? { channelId: parent.channelId, messageId: ts } : undefined;
    },
    async sendDirect(userId, reply) {
      const user = slackId(userId, 'user');
      await classified(async () => {
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

/** Slack's error code of a failed call (`data.error`), if it is a platform error. */
export function slackErrorCode(error: unknown): string | undefined {
  return (error as { data?: { error?: unknown } } | null)?.data?.error as string | undefined;
}

/** One Slack failure → the outbound error kind the delivery engine acts on (see the file comment). */
export function classifySlackError(error: unknown, token?: TokenState): Error {
  if (error instanceof Error && 'kind' in error) return error;
  const coded = error as { code?: string; retryAfter?: number; statusCode?: number };
  switch (coded.code) {
    case webApi.ErrorCode.RateLimitedError:
      // Slack's 429 does not say what is limited and its limits are per app and workspace: the whole platform pauses.
      return new RateLimitedError(Math.max(0, coded.retryAfter ?? 1) * 1000, { cause: error, scope: 'global' });
    case webApi.ErrorCode.PlatformError: {
      const slackError = slackErrorCode(error) ?? 'unknown_error';
      if (TOKEN_ERRORS.has(slackError)) {
        const reason = `Slack refused the bot token (${slackError}): the app was uninstalled or the token revoked. Reinstall the app, set the new SLACK_BOT_TOKEN and restart.`;
        return token ? token.refused(reason, error) : new PermanentError(reason, { cause: error });
      }
      if (PERMISSION_ERRORS.has(slackError)) {
        return new PermissionError(`Slack: ${slackError} — add the scope in the app's "OAuth & Permissions" (see docs/slack.md) and reinstall`, { cause: error });
      }
      if (UNREACHABLE_ERRORS.has(slackError)) return new ChannelUnreachableError(`Slack: ${slackError}`, { cause: error });
      if (TRANSIENT_ERRORS.has(slackError)) return new TransientError(`Slack: ${slackError}`, { cause: error });
      if (MESSAGE_ERRORS.has(slackError)) return new PermanentError(`Slack refused the message: ${slackError}`, { cause: error });
      // An error Slack may add later: not retried blindly (it would be retried six times, then "maybe posted").
      return new PermanentError(`Slack: ${slackError}`, { cause: error });
    }
    case webApi.ErrorCode.HTTPError:
      return (coded.statusCode ?? 500) >= 500
        ? new TransientError(`Slack answered HTTP ${coded.statusCode}`, { cause: error })
        : new PermanentError(`Slack answered HTTP ${coded.statusCode}`, { cause: error });
    case webApi.ErrorCode.RequestError:
      return new TransientError('Slack could not be reached', { cause: error });
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}
