/**
 * How Discord writes commands and channels. Discord users pick application commands with named options, so
 * a text-grammar line is shown as the command they pick: `/capex-digest add 09:00 weekdays Europe/Berlin` →
 * `/digest add time:09:00 days:weekdays zone:Europe/Berlin`, `/help` → `/capex-help`, `/capex sources meta` →
 * `/capex-sources company:meta`. The options come from the command's own `fromText`, so the shown form is what
 * the text would have meant. Usage lines are generated from the options schema; channels are `<#id>`.
 */
import type { CommandSpec } from '../../core/command.js';
import { optionShape, quote, readCommandLine, type ChannelParse, type Syntax, type SyntaxFactory } from '../../core/syntax.js';

/** The Discord command a spec becomes: `/capex-top`, `/digest add`. */
export function discordCommandName(spec: CommandSpec): string {
  return spec.discord ? `/${spec.discord.command}${spec.discord.subcommand ? ` ${spec.discord.subcommand}` : ''}` : `/${spec.id}`;
}

/** `/compare company1:<…> company2:<…> […]` from the options' zod shape. */
export function discordUsage(spec: CommandSpec): string {
  const parts = optionShape(spec).map(({ key, optional, array, itemName }) => {
    if (array) return `${itemName}1:<…> ${itemName}2:<…> […]`;
    return optional ? `[${key}:<…>]` : `${key}:<…>`;
  });
  return [discordCommandName(spec), ...parts].join(' ');
}

/** A text-grammar line → the Discord command with the options that text means. */
function discordCommand(commands: readonly CommandSpec[], line: string): string {
  const read = readCommandLine(commands, line);
  if (!read) return line;
  const { spec, rest } = read;
  let raw: Record<string, unknown> = {};
  try {
    raw = (rest.length ? spec.fromText(rest) : {}) as Record<string, unknown>;
  } catch {
    // A line a command would refuse (a placeholder it cannot read): the command name alone still helps.
    raw = {};
  }
  const parts: string[] = [];
  for (const { key, array, itemName } of optionShape(spec)) {
    const value = raw[key];
    if (value === undefined || value === '') continue;
    if (array && Array.isArray(value)) value.forEach((item, i) => parts.push(`${itemName}${i + 1}:${String(item)}`));
    else parts.push(`${key}:${String(value)}`);
  }
  return [discordCommandName(spec), ...parts].join(' ');
}

/** A picked channel arrives as its id (channel option); typed, as `<#123>`. */
export function parseDiscordChannel(text: string): ChannelParse {
  const t = text.trim();
  const m = /^<#(\d{5,25})>$/.exec(t) ?? /^#?(\d{5,25})$/.exec(t);
  if (m) return { ok: true, channelId: `discord:${m[1]}` };
  return { ok: false, message: `'${quote(t)}' is not a channel I can post to: pick the channel from Discord's list, or leave it out to use this channel.` };
}

export const discordSyntax: SyntaxFactory = (commands): Syntax => ({
  platform: 'discord',
  commandName: discordCommandName,
  command: (line) => discordCommand(commands, line),
  usage: (spec) => discordUsage(spec),
  channel: (channelId) => {
    const id = channelId.slice(channelId.indexOf(':') + 1);
    if (channelId.startsWith('discord:') && /^\d{5,25}$/.test(id)) return `<#${id}>`;
    // A command typed in a DM has no channel id of its own (`discord:dm-<user>`).
    return channelId.startsWith('discord:dm-') ? 'this direct message' : `#${id}`;
  },
  parseChannel: parseDiscordChannel,
  admins: 'someone with the Manage Server permission in this server',
});
