/**
 * HTTP interactions: Discord POSTs every interaction to `/discord/interactions` on the shared HTTP server
 * and takes the HTTP response as the answer. The signature and its timestamp are checked over the exact raw
 * bytes before the body is even parsed; anything unsigned, mis-signed, tampered with, signed more than five
 * minutes away from now, or already answered (a replay) gets 401 and runs nothing.
 *
 * A command whose answer is not ready within DEFER_AFTER_MS is deferred (type 5) and its answer follows by
 * an edit through the interaction webhook (see deferral.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { REST } from 'discord.js';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/log.js';
import { derivedOncePerFrozen, errorReply, type Reply } from '../../core/reply.js';
import { readRawBody, sendJson, sendJsonBytes, type RouteHandler } from '../../http/server.js';
import { attachChartToInteraction, createChartRest } from './charts.js';
import type { DiscordCommandSet } from './commands.js';
import { DEFER_AFTER_MS, deferPrivately, deferredResponse, finishDeferred, INTERACTION_TOKEN_MS, readyWithin } from './deferral.js';
import { answerCommandNow, autocompleteChoices, discordCaller, type InvokedOption } from './invocation.js';
import { renderMessage } from './render.js';
import { answerInteractive, opensDigestForm, type RawComponentInteraction } from './components.js';
import { ReplayGuard } from '../replay-guard.js';
import { createSignatureVerifier, SIGNATURE_TOLERANCE_SECONDS } from './verify.js';

export const INTERACTIONS_PATH = '/discord/interactions';

/** Discord's InteractionType and InteractionResponseType values used here. */
const InteractionType = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4, ModalSubmit: 5 } as const;
const ResponseType = { Pong: 1, ChannelMessageWithSource: 4, AutocompleteResult: 8 } as const;
const CHAT_INPUT = 1;
const ONLY_SLASH_COMMANDS = 'This bot only answers slash commands such as /capex; type / to see them.';

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
  /** `DISCORD_API_URL`: where deferred answers are edited (when no `webhooks` client is given). */
  apiUrl?: string;
  /** The client for the interaction webhook routes (deferred answers); default: `charts`, or a new one on `apiUrl`. */
  webhooks?: REST;
  /** How long an answer may take before the interaction is deferred (default DEFER_AFTER_MS). */
  deferAfterMs?: number;
  /** Injected clock (ms) for the timestamp window and the replay guard. */
  now?: () => number;
}

export function createInteractionsHandler(deps: InteractionsDeps): RouteHandler {
  const { core, commands, publicKey, logger, charts, now = Date.now } = deps;
  const verified = createSignatureVerifier(publicKey, { now });
  const replays = new ReplayGuard(SIGNATURE_TOLERANCE_SECONDS * 1000, undefined, now);
  let webhooks = deps.webhooks ?? charts;
  const webhookRest = () => (webhooks ??= createChartRest(deps.apiUrl));
  const deferAfterMs = deps.deferAfterMs ?? DEFER_AFTER_MS;

  return async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readRawBody(req);
    if (!verified(header(req, 'x-signature-ed25519'), header(req, 'x-signature-timestamp'), body)) {
      sendJson(res, 401, { error: 'invalid request signature' });
      return;
    }
    const interaction = parseInteraction(body);
    if (!interaction) {
      sendJson(res, 400, { error: 'body is not an interaction' });
      return;
    }
    if (!replays.firstTime(interaction.id)) {
      logger.warn({ interaction: interaction.id, ip: req.socket.remoteAddress }, 'refused a replayed Discord interaction (id already answered)');
      sendJson(res, 401, { error: 'interaction already answered' });
      return;
    }

    // Buttons and selects on the bot's answers, and the digest form (bare /digest add → MODAL, MODAL_SUBMIT):
    // answered by the core like the command they carry (components.ts, modal.ts).
    if (interaction.type === InteractionType.MessageComponent || interaction.type === InteractionType.ModalSubmit || opensDigestForm(interaction)) {
      await answerInteractive(interaction as RawComponentInteraction & { type: number }, (answer) => sendJson(res, 200, answer), { core, logger, webhooks: webhookRest, charts: Boolean(charts), deferAfterMs });
      return;
    }
    if (interaction.type !== InteractionType.ApplicationCommand) {
      sendJson(res, 200, quickResponse(interaction, core, commands, logger));
      return;
    }

    const answering = answerInteraction(interaction, core, commands);
    // A synchronous answer (the cached ones) goes out at once: no promise, no deferral timer.
    let reply = answering instanceof Promise ? await readyWithin(answering, deferAfterMs) : answering;
    let messageId: string | undefined = '@original';
    if (reply) {
      sendJsonBytes(res, 200, commandResponse(reply));
    } else {
      const privately = deferPrivately(commands, interaction.data);
      sendJson(res, 200, deferredResponse(privately));
      reply = await readyWithin(answering as Promise<Reply>, INTERACTION_TOKEN_MS);
      if (!reply || !interaction.application_id || !interaction.token) {
        logger.error({ interaction: interaction.id, command: interaction.data?.name }, 'a deferred Discord answer was not ready within the interaction token\'s lifetime; dropped');
        return;
      }
      messageId = await finishDeferred(webhookRest(), interaction.application_id, interaction.token, reply, privately, logger);
    }
    // The chart edits the message that holds the answer, so it can only start once the answer is out.
    if (charts && messageId && reply.chart && interaction.application_id && interaction.token) {
      await attachChartToInteraction(charts, interaction.application_id, interaction.token, reply, logger, messageId);
    }
  };
}

/**
 * The serialized type-4 answers of frozen replies (the core's per-data-set answers, rendered once by
 * renderMessage): a busy /capex writes the same ~5 KB without JSON.stringify or UTF-8 encoding per request.
 * A data reload makes new reply objects, so new bytes; the old ones go with their reply.
 */
const commandResponse = derivedOncePerFrozen((reply: Reply): Buffer =>
  Buffer.from(JSON.stringify({ type: ResponseType.ChannelMessageWithSource, data: renderMessage(reply) })),
);

function parseInteraction(body: Buffer): RawInteraction | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Partial<RawInteraction> | null;
    if (parsed === null || typeof parsed !== 'object' || typeof parsed.id !== 'string' || typeof parsed.type !== 'number') return undefined;
    return parsed as RawInteraction;
  } catch {
    return undefined;
  }
}

/** PING, autocomplete and anything that is not a command: answered at once, no I/O. */
function quickResponse(interaction: RawInteraction, core: Core, commands: DiscordCommandSet, logger: Logger): unknown {
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
    default:
      // Buttons and modals: the bot sends none, so these can only be stale or forged-but-signed leftovers.
      return { type: ResponseType.ChannelMessageWithSource, data: renderMessage(errorReply(ONLY_SLASH_COMMANDS)) };
  }
}

/**
 * The reply to one application command, synchronous when the command is; never rejects (answerCommandNow turns
 * failures into replies).
 */
function answerInteraction(interaction: RawInteraction, core: Core, commands: DiscordCommandSet): Reply | Promise<Reply> {
  const user = interaction.member?.user ?? interaction.user;
  const caller = discordCaller({
    userId: user?.id ?? 'unknown',
    userName: user?.global_name ?? user?.username,
    channelId: interaction.channel?.id ?? interaction.channel_id,
    permissions: interaction.member?.permissions,
  });
  const data = interaction.data;
  if (!data || (data.type ?? CHAT_INPUT) !== CHAT_INPUT) return errorReply(ONLY_SLASH_COMMANDS);
  return answerCommandNow(core, commands, data, caller, interaction.member !== undefined);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
