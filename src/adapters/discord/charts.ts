/**
 * Chart images in Discord. The interaction is answered with the text embed at once (within Discord's
 * 3 seconds, complete on its own); then the chart is rendered and the same message is edited to carry it
 * as the embed's image (`attachment://chart.png`, uploaded multipart with the edit). If anything fails the
 * text answer simply stays as it was.
 *
 * HTTP interactions edit through the webhook route with the interaction token (no bot token needed);
 * the gateway edits through discord.js's `interaction.editReply`, which uses the same route.
 */
import { REST, Routes, type APIEmbed } from 'discord.js';
import { renderChartSafely } from '../../charts/render.js';
import { discordAgent } from './agent.js';
import type { Logger } from '../../core/log.js';
import type { Reply } from '../../core/reply.js';
import { NO_MENTIONS, renderEmbed } from './render.js';

export const CHART_FILENAME = 'chart.png';
/** Discord's limit for an attachment's description (its alt text). */
const MAX_DESCRIPTION = 1024;

/** The message edit that adds the chart: the answer's embed with the image, and the PNG to upload. */
export interface ChartEdit {
  embed: APIEmbed;
  png: Buffer;
  description: string;
}

/** Renders the reply's chart; undefined when there is none or it cannot be drawn (logged). */
export async function chartEdit(reply: Reply, logger: Logger): Promise<ChartEdit | undefined> {
  if (reply.kind !== 'answer' || !reply.chart) return undefined;
  const png = await renderChartSafely(reply.chart, { asOf: reply.asOf }, logger);
  if (!png) return undefined;
  const text = `${reply.chart.title}. ${reply.summary}`;
  return {
    embed: { ...renderEmbed(reply), image: { url: `attachment://${CHART_FILENAME}` } },
    png,
    description: text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`,
  };
}

/** A REST client for the interaction webhook routes: they authenticate by the interaction token alone. */
export function createChartRest(apiUrl?: string): REST {
  return new REST({ ...(apiUrl ? { api: apiUrl } : {}), agent: discordAgent(), retries: 0, timeout: 20_000 });
}

/**
 * HTTP interactions: edits the answer (the original response, or the follow-up holding a deferred answer) to add the chart.
 * Never rejects; returns whether the image was attached.
 */
export async function attachChartToInteraction(
  rest: REST,
  applicationId: string,
  interactionToken: string,
  reply: Reply,
  logger: Logger,
  messageId = '@original',
): Promise<boolean> {
  const edit = await chartEdit(reply, logger);
  if (!edit) return false;
  try {
    await rest.patch(Routes.webhookMessage(applicationId, interactionToken, messageId), {
      auth: false,
      body: {
        embeds: [edit.embed],
        attachments: [{ id: 0, filename: CHART_FILENAME, description: edit.description }],
        allowed_mentions: NO_MENTIONS,
      },
      files: [{ name: CHART_FILENAME, data: edit.png, contentType: 'image/png' }],
    });
    return true;
  } catch (error) {
    logger.warn({ err: error }, 'could not add the chart to the Discord answer; the text answer stands');
    return false;
  }
}
