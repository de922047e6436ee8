/** `/help` and `/capex help [command]`: usage with examples, generated from the command declarations. */
import { z } from 'zod';
import { defineCommand, UserError, type Caller } from '../core/command.js';
import { deepFreeze, type Reply } from '../core/reply.js';
import { commands } from './index.js';
import { commandNameFor, discordCommandName, usageFor } from '../core/usage.js';

const USAGE = '/capex help [command] — e.g. /capex help compare';

export const helpCommand = defineCommand({
  id: 'capex-help',
  path: ['capex', 'help'],
  aliases: [['help']],
  summary: 'How to use capex-bot, with examples',
  usage: USAGE,
  examples: ['/help', '/capex help compare'],
  options: z.object({
    command: z.string().trim().max(40, 'command names are short, e.g. compare').optional().describe('A command to explain, e.g. compare'),
  }),
  fromText: (args) => ({ command: args.length ? args.join(' ') : undefined }),
  run: ({ command }, { caller }) => {
    if (command) return commandHelp(command, caller.platform);
    // Generated from the command declarations, which never change while the bot runs: built once per platform,
    // frozen so no caller can change it (and renderers may cache their output for it).
    let overview = overviews.get(caller.platform);
    if (!overview) overviews.set(caller.platform, (overview = deepFreeze(helpOverview(caller.platform))));
    return overview;
  },
});

const overviews = new Map<Caller['platform'], Reply>();

function commandHelp(command: string, platform: Caller['platform']): Reply {
  const wanted = command.replace(/^\//, '').toLowerCase();
  const spec = commands.find(
    (c) => c.id === wanted || c.path.join(' ') === wanted || c.path.at(-1) === wanted || discordCommandName(c).slice(1) === wanted,
  );
  if (!spec) throw new UserError(`There is no command '${wanted.slice(0, 40)}'. /help lists them all.`, USAGE);
  return {
    kind: 'help',
    visibility: 'private',
    title: commandNameFor(spec, platform),
    lines: [
      spec.summary,
      `Usage: ${usageFor(spec, platform)}`,
      ...(platform === 'discord' ? [] : [`Examples: ${spec.examples.join(' · ')}`]),
      ...(spec.adminOnly ? ['Admins only.'] : []),
    ],
    summary: spec.summary,
  };
}

function helpOverview(platform: Caller['platform']): Reply {
  // A command group (the admin /capex-digest …, /digest on Discord) is one line: its own help lists the rest.
  const visible = commands.filter((c) => c.id !== 'capex-help' && (!c.discord?.subcommand || c.discord.subcommand === 'help'));
  // Examples are written in the text grammar; Discord users see the command form instead.
  const example = (c: (typeof commands)[number]) => (platform === 'discord' ? '' : ` e.g. ${c.examples[0]}`);
  return {
    kind: 'help',
    visibility: 'private',
    title: 'capex-bot — AI-capex figures with sources',
    lines: [
      'Every figure comes with its source and date; disputed figures are marked ⚠. Names, tickers and aliases all work (alibaba, BABA, 阿里巴巴).',
    ],
    fields: visible.map((c) => ({
      label: c.discord?.subcommand === 'help' ? commandNameFor(c, platform) : platform === 'discord' ? usageFor(c, platform) : c.usage.split(' — ')[0]!,
      value: `${c.summary}${c.adminOnly && !c.summary.includes('admins') ? ' (admins)' : ''}.${example(c)}`,
    })),
    summary: 'capex-bot commands: /capex <company>, /capex top, /capex companies, /compare, /help',
  };
}
