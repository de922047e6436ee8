/**
 * Buttons and selects on Discord answers (src/core/interaction.ts) over HTTP interactions: a reply's actions
 * become message components (buttons share one action row, each string select has its own), with the encoded
 * command line as `custom_id` (at most 100 characters, which the core's encoding respects). A press arrives as a
 * MESSAGE_COMPONENT interaction (type 3), signed and replay-checked like a command; it is answered within
 * Discord's 3 seconds by
 * - type 7 UPDATE_MESSAGE, replacing the message pressed on (a select that switches what it shows), or
 * - type 4 CHANNEL_MESSAGE_WITH_SOURCE, a follow-up message, ephemeral when the original was or when it is an error;
 * an answer not ready in time is deferred (type 6 for an update, type 5 for a follow-up) and delivered through the
 * interaction webhook. Every message carries `allowed_mentions: { parse: [] }` (renderMessage).
 */
import { MessageFlags, Routes, type ButtonInteraction, type ChatInputCommandInteraction, type Interaction, type ModalSubmitInteraction, type REST, type StringSelectMenuInteraction } from 'discord.js';
import type { Core } from '../../core/core.js';
import { answerAction, decodeAction, type ActionAnswer } from '../../core/interaction.js';
import { errorReply } from '../../core/reply.js';
import { answerDigestForm, DIGEST_FORM_ID, digestFormResponse, formValuesOf, submittedValues } from './modal.js';
import type { Logger } from '../../core/log.js';
import { attachChartToInteraction } from './charts.js';
import { DEFER_AFTER_MS, finishDeferred, INTERACTION_TOKEN_MS, readyWithin } from './deferral.js';
import { discordCaller } from './invocation.js';
import { EPHEMERAL, renderMessage } from './render.js';

const ResponseType = { ChannelMessageWithSource: 4, DeferredChannelMessage: 5, DeferredUpdateMessage: 6, UpdateMessage: 7 } as const;

/** Writes the interaction response (HTTP body, or the discord.js call for it in gateway mode). */
export type Respond = (body: { type: number; data?: any }) => void | Promise<void>;

/** The parts of a MESSAGE_COMPONENT interaction this reads. */
export interface RawComponentInteraction {
  id: string;
  application_id?: string;
  token?: string;
  data?: { custom_id?: string; component_type?: number; values?: string[] };
  message?: { id?: string; flags?: number };
  channel_id?: string;
  channel?: { id: string };
  member?: { user: { id: string; username?: string; global_name?: string | null }; permissions?: string };
  user?: { id: string; username?: string; global_name?: string | null };
}

export interface ComponentDeps {
  core: Core;
  logger: Logger;
  /** The interaction webhook client: deferred answers and chart images. */
  webhooks: () => REST;
  /** Adds the chart image to an answer holding a chart. */
  charts?: boolean;
  deferAfterMs?: number;
}

/**
 * Answers a press. `respond` writes the HTTP answer (within 3 s); the rest goes through the webhook. Never rejects.
 * Buttons on a component are pressed by whoever sees them: admin rights come from the member's own permissions,
 * never from a command's Integrations gate (which Discord applies to commands only).
 */
export async function answerComponent(interaction: RawComponentInteraction, respond: Respond, deps: ComponentDeps): Promise<void> {
  const { core, logger } = deps;
  const user = interaction.member?.user ?? interaction.user;
  const caller = discordCaller({
    userId: user?.id ?? 'unknown',
    userName: user?.global_name ?? user?.username,
    channelId: interaction.channel?.id ?? interaction.channel_id,
    permissions: interaction.member?.permissions,
  });
  const encoded = interaction.data?.custom_id ?? '';
  const originalPrivate = ((interaction.message?.flags ?? 0) & EPHEMERAL) !== 0;
  const answering: Promise<ActionAnswer> = answerAction(core, encoded, interaction.data?.values?.[0], caller, originalPrivate).catch((error: unknown) => ({
    reply: core.internalError(error, { platform: 'discord', action: encoded.slice(0, 100), caller: caller.userId }),
    replace: false,
  }));
  const early = await readyWithin(answering, deps.deferAfterMs ?? DEFER_AFTER_MS);
  const appId = interaction.application_id;
  const token = interaction.token;
  let messageId: string | undefined = '@original';
  let answer = early;
  if (early) {
    const message = renderMessage(early.reply);
    if (early.replace) {
      const { flags: _kept, ...update } = message;
      await respond({ type: ResponseType.UpdateMessage, data: update });
    } else {
      await respond({ type: ResponseType.ChannelMessageWithSource, data: message });
    }
  } else {
    // Not ready within 2 s: acknowledge now, deliver by webhook. An update is deferred as one (type 6) only when
    // it will replace the message; the action's kind is known from its id before the answer is.
    const replace = /^cx1\|\d{1,2}\|u/.test(encoded);
    await respond(replace ? { type: ResponseType.DeferredUpdateMessage } : { type: ResponseType.DeferredChannelMessage, data: originalPrivate ? { flags: EPHEMERAL } : {} });
    answer = await readyWithin(answering, INTERACTION_TOKEN_MS);
    if (!answer || !appId || !token) {
      logger.error({ interaction: interaction.id }, 'a deferred Discord button answer was not ready within the interaction token\'s lifetime; dropped');
      return;
    }
    if (replace && answer.replace) {
      const { flags: _kept, ...update } = renderMessage(answer.reply);
      try {
        await deps.webhooks().patch(Routes.webhookMessage(appId, token, '@original'), { auth: false, body: update });
      } catch (error) {
        logger.error({ err: error }, 'could not deliver a deferred Discord button answer');
        return;
      }
    } else if (replace) {
      // An error to a select that would have replaced the message: a private follow-up, the message untouched.
      messageId = await followUp(deps.webhooks(), appId, token, answer, logger);
    } else {
      messageId = await finishDeferred(deps.webhooks(), appId, token, answer.reply, originalPrivate, logger);
    }
  }
  if (deps.charts && answer?.reply.chart && messageId && appId && token) {
    await attachChartToInteraction(deps.webhooks(), appId, token, answer.reply, logger, messageId);
  }
}

async function followUp(rest: REST, appId: string, token: string, answer: ActionAnswer, logger: Logger): Promise<string | undefined> {
  try {
    const posted = (await rest.post(Routes.webhook(appId, token), { auth: false, body: renderMessage(answer.reply) })) as { id?: string };
    return posted.id;
  } catch (error) {
    logger.error({ err: error }, 'could not deliver a deferred Discord button answer');
    return undefined;
  }
}

/** Whether an application command is a bare `/digest add` (no options), which opens the form. */
export function opensDigestForm(interaction: { type: number; data?: { name?: string; options?: readonly { type: number; name: string; options?: readonly unknown[] }[] } }): boolean {
  if (interaction.type !== 2 || interaction.data?.name !== 'digest') return false;
  const [sub, ...rest] = interaction.data.options ?? [];
  return sub?.type === 1 && sub.name === 'add' && rest.length === 0 && (sub.options ?? []).length === 0;
}

/**
 * Buttons, selects and the digest form over HTTP interactions: a bare `/digest add` and "New digest" / "Fix it"
 * answer with the form (type 9), its MODAL_SUBMIT (type 5) with the typed command's answer, anything else pressed
 * through `answerComponent`. `respond` writes the HTTP answer. Never rejects.
 */
export async function answerInteractive(interaction: RawComponentInteraction & { type: number; data?: Record<string, any> }, respond: Respond, deps: ComponentDeps): Promise<void> {
  if (opensDigestForm(interaction as never)) return respond(digestFormResponse());
  const customId = String(interaction.data?.custom_id ?? '');
  if (interaction.type === 3) {
    const values = formValuesOf(customId) ?? (decodeAction(customId)?.line === '/capex-digest add' ? {} : undefined);
    if (values) return respond(digestFormResponse(values));
    return answerComponent(interaction, respond, deps);
  }
  // MODAL_SUBMIT: only the bot's own form; Discord showed it only to someone who passed /digest's gate (or pressed a
  // button on a private answer to them), so a submission from a server counts as an admin's, like the command.
  if (customId !== DIGEST_FORM_ID) return respond({ type: ResponseType.ChannelMessageWithSource, data: renderMessage(errorReply('That form is from an older version of the bot; run /digest add again.')) });
  const user = interaction.member?.user ?? interaction.user;
  const caller = discordCaller({ userId: user?.id ?? 'unknown', userName: user?.global_name ?? user?.username, channelId: interaction.channel?.id ?? interaction.channel_id, permissions: interaction.member?.permissions });
  const trusted = interaction.member ? { ...caller, isAdmin: true } : caller;
  try {
    const answered = await answerDigestForm(deps.core, submittedValues(interaction.data?.components), trusted);
    const message = renderMessage(answered.reply.visibility === 'private' ? answered.reply : { ...answered.reply, visibility: 'private' });
    await respond({ type: ResponseType.ChannelMessageWithSource, data: answered.fixIt ? { ...message, components: [answered.fixIt] } : message });
  } catch (error) {
    await respond({ type: ResponseType.ChannelMessageWithSource, data: renderMessage(deps.core.internalError(error, { platform: 'discord', form: DIGEST_FORM_ID, caller: caller.userId })) });
  }
}

/**
 * Gateway mode (DISCORD_TOKEN without an interactions URL): the same presses, form and submissions arrive as
 * discord.js objects. They are reduced to the raw shape `answerInteractive` reads, and its responses become the
 * discord.js calls for them (showModal, reply, update, deferReply, deferUpdate). Returns false for anything else
 * (commands, autocomplete), which the gateway handler answers as before.
 */
export async function answerGatewayInteractive(interaction: Interaction, deps: ComponentDeps): Promise<boolean> {
  const bareAdd = interaction.isChatInputCommand() && interaction.commandName === 'digest' && interaction.options.getSubcommand(false) === 'add' && interaction.options.data[0]?.options?.length === 0;
  if (!bareAdd && !interaction.isButton() && !interaction.isStringSelectMenu() && !interaction.isModalSubmit()) return false;
  const i = interaction as ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction | ChatInputCommandInteraction;
  const member = i.inGuild() ? { user: { id: i.user.id, username: i.user.username, global_name: i.user.globalName }, permissions: i.memberPermissions?.bitfield.toString() ?? '0' } : undefined;
  const data: Record<string, unknown> = bareAdd
    ? { name: 'digest', options: [{ type: 1, name: 'add', options: [] }] }
    : i.isModalSubmit()
      ? { custom_id: i.customId, components: (['time', 'days', 'zone'] as const).map((id) => ({ type: 1, components: [{ type: 4, custom_id: id, value: fieldValue(i, id) }] })) }
      : { custom_id: (i as ButtonInteraction).customId, ...(i.isStringSelectMenu() ? { values: i.values } : {}) };
  const raw = {
    id: i.id,
    type: bareAdd ? 2 : i.isModalSubmit() ? 5 : 3,
    application_id: i.applicationId,
    token: i.token,
    data,
    channel_id: i.channelId ?? undefined,
    ...(member ? { member } : { user: { id: i.user.id, username: i.user.username, global_name: i.user.globalName } }),
    ...('message' in i && i.message ? { message: { id: i.message.id, flags: Number(i.message.flags.bitfield) } } : {}),
  };
  const options = (body: Record<string, any>) => ({ embeds: body.embeds, components: body.components ?? [], allowedMentions: { parse: [] }, ...(body.flags ? { flags: MessageFlags.Ephemeral as const } : {}) });
  const respond: Respond = async (body) => {
    if (body.type === 9 && !i.isModalSubmit()) await i.showModal(body.data);
    else if (body.type === 7 && (i.isButton() || i.isStringSelectMenu())) await i.update(options(body.data) as never);
    else if (body.type === 6 && (i.isButton() || i.isStringSelectMenu())) await i.deferUpdate();
    else if (body.type === 5) await i.deferReply(body.data?.flags ? { flags: MessageFlags.Ephemeral } : {});
    else await i.reply(options(body.data ?? {}) as never);
  };
  try {
    await answerInteractive(raw as never, respond, deps);
  } catch (error) {
    deps.logger.error({ err: error, interaction: i.id }, 'discord button or form answer failed');
  }
  return true;
}

function fieldValue(interaction: ModalSubmitInteraction, id: string): string {
  try {
    return interaction.fields.getTextInputValue(id);
  } catch {
    return '';
  }
}
