/**
 * Gateway mode: a discord.js Client receives interactions over the WebSocket gateway and the adapter
 * answers through discord.js (`interaction.reply` / `respond`), with the same translation as HTTP mode.
 */
import { Client, Events, GatewayIntentBits, MessageFlags, type Interaction, type InteractionReplyOptions } from 'discord.js';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/log.js';
import { errorReply, type Reply } from '../../core/reply.js';
import type { DiscordCommandSet } from './commands.js';
import { answerCommand, autocompleteChoices, discordCaller } from './invocation.js';
import { renderMessage } from './render.js';
import { CHART_FILENAME, chartEdit } from './charts.js';

export interface GatewayDeps {
  core: Core;
  commands: DiscordCommandSet;
  logger: Logger;
  /** Add chart images to answers by editing the reply once it is out (default false: text only). */
  charts?: boolean;
}

/** A client that needs no privileged intents: slash commands arrive without reading any messages. */
export function createGatewayClient(apiUrl?: string): Client {
  return new Client({ intents: [GatewayIntentBits.Guilds], ...(apiUrl ? { rest: { api: apiUrl } } : {}) });
}

export function attachGatewayHandler(client: Client, deps: GatewayDeps): void {
  client.on(Events.InteractionCreate, (interaction) => void handleGatewayInteraction(interaction, deps));
}

/** Answers one interaction; never throws (a failure to reply is logged: the user's client shows a timeout). */
export async function handleGatewayInteraction(interaction: Interaction, { core, commands, logger, charts }: GatewayDeps): Promise<void> {
  try {
    if (interaction.isAutocomplete()) {
      const invocation = { name: interaction.commandName, options: interaction.options.data };
      let choices: ReturnType<typeof autocompleteChoices> = [];
      try {
        choices = autocompleteChoices(core, commands, invocation);
      } catch (error) {
        logger.error({ err: error, interaction: interaction.id }, 'discord autocomplete failed');
      }
      await interaction.respond(choices);
      return;
    }
    if (!interaction.isRepliable()) return;
    const caller = discordCaller({
      userId: interaction.user.id,
      userName: interaction.user.globalName ?? interaction.user.username,
      channelId: interaction.channelId,
      permissions: interaction.memberPermissions?.bitfield,
    });
    const reply = interaction.isChatInputCommand()
      ? await answerCommand(core, commands, { name: interaction.commandName, options: interaction.options.data }, caller)
      : errorReply('This bot only answers slash commands such as /capex; type / to see them.');
    await interaction.reply(toReplyOptions(reply));
    if (charts && reply.chart) await addChart(interaction, reply, logger);
  } catch (error) {
    logger.error({ err: error, interaction: interaction.id }, 'discord reply failed');
  }
}

/** Edits the reply that is already out to carry the chart; a failure leaves the text answer as it was. */
async function addChart(interaction: Extract<Interaction, { editReply: unknown }>, reply: Reply, logger: Logger): Promise<void> {
  const edit = await chartEdit(reply, logger);
  if (!edit) return;
  try {
    await interaction.editReply({
      embeds: [edit.embed],
      files: [{ attachment: edit.png, name: CHART_FILENAME, description: edit.description }],
      allowedMentions: { parse: [] },
    });
  } catch (error) {
    logger.warn({ err: error, interaction: interaction.id }, 'could not add the chart to the Discord answer; the text answer stands');
  }
}

/** discord.js spells the API body in camelCase; the embed JSON passes through unchanged. */
export function toReplyOptions(reply: Reply): InteractionReplyOptions {
  const message = renderMessage(reply);
  return {
    embeds: message.embeds,
    allowedMentions: { parse: [] },
    ...(message.flags ? { flags: MessageFlags.Ephemeral } : {}),
  };
}
