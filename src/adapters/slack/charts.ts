/**
 * Chart images in Slack. The text answer goes out first (in the slash command's ack, complete on its own
 * for notifications and screen readers); then the chart is rendered and uploaded into the same channel with
 * the files API (files.getUploadURLExternal with `alt_txt` → upload the bytes → files.completeUploadExternal),
 * so it appears right under the answer. Anything that goes wrong here is logged and costs only the image.
 *
 * Sharing a file needs the bot in the channel (slash commands do not): when Slack says `not_in_channel`,
 * the asker is told once per channel, privately, how to get charts there.
 */
import type { RespondFn, webApi } from '@slack/bolt';
import { renderChartSafely } from '../../charts/render.js';
import type { Logger } from '../../core/log.js';
import type { Reply } from '../../core/reply.js';
import { cutAt } from '../../core/text-layout.js';

export const CHART_FILENAME = 'chart.png';
/** Slack's limit for an image's alt text. */
const MAX_ALT_TEXT = 1000;
/** The PNG is ~100 KB; an upload URL that takes longer than this is not coming back. */
const UPLOAD_TIMEOUT_MS = 20_000;
/** Errors that mean "the bot may not share files here", which an /invite fixes. */
const NOT_A_MEMBER = new Set(['not_in_channel', 'channel_not_found']);
/** Errors that mean "this installation may not upload at all": no point trying again until it is reinstalled. */
const NOT_ALLOWED = new Set(['missing_scope', 'not_allowed_token_type', 'no_permission']);

export interface SlackChartTarget {
  /** Slack's channel id (C…, G…, D…) the command was typed in. */
  channelId: string;
}

export class SlackChartUploader {
  private readonly toldChannels = new Set<string>();
  private disabledBecause: string | undefined;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
  ) {}

  /** Uploads the reply's chart to the channel; never rejects. Returns whether an image was shared. */
  async afterAnswer(target: SlackChartTarget, reply: Reply, respond?: RespondFn): Promise<boolean> {
    // Private answers stay private: a file in the channel would show them to everyone.
    if (reply.kind !== 'answer' || reply.visibility !== 'public' || !reply.chart || this.disabledBecause) return false;
    const png = await renderChartSafely(reply.chart, { asOf: reply.asOf }, this.logger);
    if (!png) return false;
    try {
      await this.upload(target.channelId, png, reply.chart.title, altText(reply));
      return true;
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code && NOT_ALLOWED.has(code)) {
        this.disabledBecause = code;
        this.logger.warn({ error: code }, 'Slack refused the chart upload: add the files:write scope and reinstall the app; charts are off until restart');
      } else if (code && NOT_A_MEMBER.has(code)) {
        this.logger.info({ channel: target.channelId, error: code }, 'chart not shared: the bot is not in this channel');
        await this.tellOnce(target.channelId, respond);
      } else {
        this.logger.warn({ err: error, channel: target.channelId }, 'chart upload to Slack failed; the text answer was sent without it');
      }
      return false;
    }
  }

  /**
   * files.uploadV2's three steps by hand, because its `alt_text` argument is sent under that name while
   * files.getUploadURLExternal reads the alt text from `alt_txt` (Slack's spelling): through the SDK the
   * image would reach screen readers with no description.
   */
  private async upload(channelId: string, png: Buffer, title: string, alt: string): Promise<void> {
    const target = (await this.client.apiCall('files.getUploadURLExternal', { filename: CHART_FILENAME, length: png.length, alt_txt: alt })) as {
      upload_url?: string;
      file_id?: string;
    };
    if (!target.upload_url || !target.file_id) throw new Error('files.getUploadURLExternal returned no upload URL');
    const sent = await fetch(target.upload_url, { method: 'POST', body: png, headers: { 'content-type': 'image/png' }, signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS) });
    if (!sent.ok) throw new Error(`Slack refused the chart bytes (HTTP ${sent.status})`);
    await this.client.files.completeUploadExternal({ files: [{ id: target.file_id, title }], channel_id: channelId });
  }

  private async tellOnce(channelId: string, respond: RespondFn | undefined): Promise<void> {
    if (!respond || this.toldChannels.has(channelId)) return;
    this.toldChannels.add(channelId);
    try {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'To see charts as images in this channel, invite me: type /invite @capex-bot (the text answers work either way).',
      });
    } catch (error) {
      this.logger.warn({ err: error, channel: channelId }, 'could not tell the user how to enable charts');
    }
  }
}

/** What a screen reader says for the image: the chart's title and the answer's own summary. */
export function altText(reply: Reply): string {
  const text = `${reply.chart?.title ?? 'Chart'}. ${reply.summary}`;
  return text.length <= MAX_ALT_TEXT ? text : `${cutAt(text, MAX_ALT_TEXT - 1)}…`;
}
