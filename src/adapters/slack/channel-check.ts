/**
 * Where a digest, alert or proposal may go, checked when an admin sets it up instead of failing at the first slot.
 * Slack lets a slash command be typed anywhere, but the bot can only post where it is allowed to:
 * - a DM (D…) or a group DM (is_mpim): `chat:write` does not reach other people's conversations;
 * - a private channel the bot is not a member of: Slack answers `channel_not_found` (private channels are
 *   invisible to non-members), and `chat:write.public` only covers public channels.
 * One conversations.info call per `add`, never on ordinary questions. If Slack cannot tell (missing scope on
 * an old installation, a timeout) the command goes ahead: the slot will report a failure the old way.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/log.js';
import { slackErrorCode } from './outbound.js';

/** Commands whose answer sets up posting to a channel (spec ids), and the text form's first word to check. */
export const POSTING_SETUPS: ReadonlyMap<string, (args: readonly string[]) => boolean> = new Map([
  ['digest-add', () => true],
  ['digest-alerts', (args: readonly string[]) => args[0]?.toLowerCase() === 'on'],
  ['digest-proposals', (args: readonly string[]) => args[0]?.toLowerCase() === 'on'],
]);

const DM = 'Digests, alerts and proposals go to channels, not direct messages: run this command in the channel that should get them, or name it with #channel.';
const GROUP_DM = 'Digests, alerts and proposals cannot go to a group direct message: run this command in a channel, or name one with #channel.';
const PRIVATE = 'I am not a member of that private channel, so I cannot post there: type /invite @capex-bot in it first, then run this command again.';

/** The channel a setup command aims at: the first `<#C…|name>` in its text, else where it was typed. */
export function targetChannel(text: string, typedIn: string): string {
  return /<#([CG][A-Z0-9]{2,20})(?:\|[^>]*)?>/.exec(text)?.[1] ?? typedIn;
}

export class SlackChannelCheck {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
  ) {}

  /** Why the bot cannot post in `channelId`, in words for the admin; undefined when it can (or Slack cannot tell). */
  async refusal(channelId: string): Promise<string | undefined> {
    if (channelId.startsWith('D')) return DM;
    try {
      const { channel } = await this.client.conversations.info({ channel: channelId });
      if (channel?.is_im) return DM;
      if (channel?.is_mpim) return GROUP_DM;
      if (channel?.is_private && !channel.is_member) return PRIVATE;
      return undefined;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === 'channel_not_found') return PRIVATE;
      this.logger.warn({ err: error, channel: channelId }, 'conversations.info failed; the digest target could not be checked before saving');
      return undefined;
    }
  }
}
