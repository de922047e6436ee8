/**
 * HTTP interactions: Discord POSTs every interaction to `/discord/interactions` on the shared HTTP server
 * and takes the HTTP response as the answer. The signature is checked over the exact raw bytes before the
 * body is even parsed; anything unsigned, mis-signed or tampered with gets 401 and runs nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/log.js';
import { errorReply, type Reply } from '../../core/reply.js';
import type { REST } from 'discord.js';
import { attachChartToInteraction } from './charts.js';
import { readRawBody, sendJson, type RouteHandler } from '../../http/server.js';
import type { DiscordCommandSet } from './commands.js';
import { answerCommand, autocompleteChoices, discordCaller, type InvokedOption } from './invocation.js';
import { renderMessage } from './render.js';
import { createSignatureVerifier } from './verify.js';

export const INTERACTIONS_PATH = '/discord/interactions';

/** Discord's InteractionType and InteractionResponseType values used here. */
const InteractionType = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4, ModalSubmit: 5 } as const;
const ResponseType = { Pong: 1, ChannelMessageWithSource: 4, AutocompleteResult: 8 } as const;
const CHAT_INPUT = 1;

/** The parts of a raw interaction (https://discord.com/developers/docs/interactions/receiving-and-responding) we read. */
interface RawUser {
  id: string;
  username?: string;
  global_name?: string | null;
}
export interface RawInteraction {
  id: string;
  type: number;
  application_id?: string;
  token?: string;
  data?: { name: string; type?: number; options?: InvokedOption[] };
  channel_id?: string;
  channel?: { id: string };
  member?: { user: RawUser; permissions?: string };
  user?: RawUser;
}

export interface InteractionsDeps {
  core: Core;
  commands: DiscordCommandSet;
  publicKey: string;
  logger: Logger;
  /** Adds chart images to answers after they went out (webhook edits); without it, text only. */
  charts?: REST;
}

export function createInteractionsHandler({ core, commands, publicKey, logger, charts }: InteractionsDeps): RouteHandler {
  const verified = createSignatureVerifier(publicKey);
  return async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readRawBody(req);
    if (!verified(header(req, 'x-signature-ed25519'), header(req, 'x-signature-timestamp'), body)) {
      sendJson(res, 401, { error: 'invalid request signature' });
      return;
    }
    let interaction: RawInteraction;
    try {
      interaction = JSON.parse(body.toString('utf8')) as RawInteraction;
    } catch {
      sendJson(res, 400, { error: 'body is not JSON' });
      return;
    }
    let answered: Reply | undefined;
    sendJson(res, 200, await respond(interaction, core, commands, logger, (reply) => (answered = reply)));
    // The chart edits the message that answer created, so it can only start once the answer is out.
    if (charts && answered?.chart && interaction.application_id && interaction.token) {
      await attachChartToInteraction(charts, interaction.application_id, interaction.token, answered, logger);
    }
  };
}

/** The HTTP response body for one verified interaction. */
export async function respond(
  interaction: RawInteraction,
  core: Core,
  commands: DiscordCommandSet,
  logger: Logger,
  onAnswer?: (reply: Reply) => void,
): Promise<unknown> {
  const user = interaction.member?.user ?? interaction.user;
  const caller = discordCaller({
    userId: user?.id ?? 'unknown',
    userName: user?.global_name ?? user?.username,
    channelId: interaction.channel?.id ?? interaction.channel_id,
    permissions: interaction.member?.permissions,
  });

  switch (interaction.type) {
    case InteractionType.Ping:
      return { type: ResponseType.Pong };
    case InteractionType.Autocomplete: {
      let choices: ReturnType<typeof autocompleteChoices> = [];
      try {
        if (interaction.data) choices = autocompleteChoices(core, commands, interaction.data);
      } catch (error) {
        // An empty list is the friendliest autocomplete failure; the details go to the log.
        logger.error({ err: error, interaction: interaction.id }, 'discord autocomplete failed');
      }
      return { type: ResponseType.AutocompleteResult, data: { choices } };
    }
    case InteractionType.ApplicationCommand: {
      const data = interaction.data;
      const reply =
        data && (data.type ?? CHAT_INPUT) === CHAT_INPUT
          ? await answerCommand(core, commands, data, caller)
          : errorReply('This bot only answers slash commands such as /capex; type / to see them.');
      onAnswer?.(reply);
      return { type: ResponseType.ChannelMessageWithSource, data: renderMessage(reply) };
    }
    default:
      // Buttons and modals: the bot sends none, so these can only be stale or forged-but-signed leftovers.
      return { type: ResponseType.ChannelMessageWithSource, data: renderMessage(errorReply('This bot only answers slash commands such as /capex; type / to see them.')) };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
