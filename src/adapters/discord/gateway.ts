/**
 * Gateway mode: a discord.js Client receives interactions over the WebSocket gateway and the adapter
 * answers through discord.js (`interaction.reply` / `respond`), with the same translation as HTTP mode,
 * and the same deferral: `deferReply` when the answer is not ready in time, then `editReply` (deferral.ts).
 */
import { Client, Events, GatewayIntentBits, MessageFlags, type Interaction, type InteractionReplyOptions } from 'discord.js';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/log.js';
import { errorReply, type Reply } from '../../core/reply.js';
import type { DiscordCommandSet } from './commands.js';
import { answerCommand, autocompleteChoices, discordCaller } from './invocation.js';
import { renderMessage } from './render.js';
import { answerGatewayInteractive } from './components.js';
import { CHART_FILENAME, chartEdit } from './charts.js';
import type { TokenState } from '../token-state.js';
import { discordAgent } from './agent.js';
import { DEFER_AFTER_MS, deferPrivately, INTERACTION_TOKEN_MS, readyWithin } from './deferral.js';

export interface GatewayDeps {
  core: Core;
  commands: DiscordCommandSet;
  logger: Logger;
  /** Add chart images to answers by editing the reply once it is out (default false: text only). */
  charts?: boolean;
  /** How long an answer may take before the interaction is deferred (default DEFER_AFTER_MS). */
  deferAfterMs?: number;
}

/** A client that needs no privileged intents: slash commands arrive without reading any messages. */
export function createGatewayClient(apiUrl?: string): Client {
  return new Client({ intents: [GatewayIntentBits.Guilds], rest: { ...(apiUrl ? { api: apiUrl } : {}), agent: discordAgent() } });
}

export function attachGatewayHandler(client: Client, deps: GatewayDeps): void {
  client.on(Events.InteractionCreate, (interaction) => void handleGatewayInteraction(interaction, deps));
}

/** Gateway close 4004 Authentication failed: discord.js will not reconnect; the token was reset or revoked. */
export const AUTHENTICATION_FAILED = 4004;

/** Marks the token revoked when Discord closes the gateway with 4004 (health degraded, posting stops). */
export function watchGatewayToken(client: Client, token: TokenState): void {
  client.on(Events.ShardDisconnect, (event) => {
    if (event.code === AUTHENTICATION_FAILED) {
      token.revoke('Discord closed the gateway with 4004 Authentication failed: the bot token was reset or revoked. Set a new DISCORD_TOKEN (Bot → Reset Token) and restart.');
    }
  });
}

/** Answers one interaction; never throws (a failure to reply is logged: the user's client shows a timeout). */
export async function handleGatewayInteraction(interaction: Interaction, deps: GatewayDeps): Promise<void> {
  const { core, commands, logger, charts } = deps;
  try {
    // Buttons, selects, the digest form and its submission (components.ts), as over HTTP interactions.
    if (await answerGatewayInteractive(interaction, { core, logger, webhooks: () => interaction.client.rest, charts, deferAfterMs: deps.deferAfterMs })) return;
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
    const invocation = interaction.isChatInputCommand() ? { name: interaction.commandName, options: interaction.options.data } : undefined;
    const answering = invocation
      ? answerCommand(core, commands, invocation, caller, interaction.inGuild())
      : Promise.resolve(errorReply('This bot only answers slash commands such as /capex; type / to see them.'));
    const early = await readyWithin(answering, deps.deferAfterMs ?? DEFER_AFTER_MS);
    if (early) {
      await interaction.reply(toReplyOptions(early));
      if (charts && early.chart) await addChart(interaction, early, logger);
      return;
    }
    // Waiting on I/O: "thinking…" within Discord's 3 s, the answer by edit when it is ready (deferral.ts).
    const privately = deferPrivately(commands, invocation);
    await interaction.deferReply(privately ? { flags: MessageFlags.Ephemeral } : {});
    const reply = await readyWithin(answering, INTERACTION_TOKEN_MS);
    if (!reply) {
      logger.error({ interaction: interaction.id }, "a deferred Discord answer was not ready within the interaction token's lifetime; dropped");
      return;
    }
    const options = toReplyOptions(reply);
    if (Boolean(options.flags) === privately) {
      const { flags: _setByTheDeferral, ...edit } = options;
      await interaction.editReply(edit);
      if (charts && reply.chart) await addChart(interaction, reply, logger);
    } else {
      await interaction.followUp(options);
      await interaction.deleteReply();
    }
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
    ...(message.components ? { components: message.components as never } : {}),
  };
}
