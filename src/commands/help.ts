/**
 * `/help` and `/capex help [command]`: usage with examples, generated from the command declarations and
 * written in the caller's platform syntax (`/capex help` in Slack, `/capex-help` on Discord, `/help` in the console).
 */
import { z } from 'zod';
import { defineCommand, UserError, type CommandSpec } from '../core/command.js';
import { deepFreeze, type Reply } from '../core/reply.js';
import { commandRef, type Syntax } from '../core/syntax.js';
import { commands } from './index.js';

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
  run: ({ command }, { syntax }) => {
    if (command) return commandHelp(command, syntax);
    // Generated from the command declarations, which never change while the bot runs: built once per platform,
    // frozen so no caller can change it (and renderers may cache their output for it).
    let overview = overviews.get(syntax);
    if (!overview) overviews.set(syntax, (overview = deepFreeze(helpOverview(syntax))));
    return overview;
  },
});

const overviews = new WeakMap<Syntax, Reply>();

/** Finds a command by id, text path, last word or the name the platform shows (`digest add`, `capex-top`). */
function findCommand(wanted: string, syntax: Syntax): CommandSpec | undefined {
  return commands.find(
    (c) => c.id === wanted || c.path.join(' ') === wanted || c.path.at(-1) === wanted || syntax.commandName(c).slice(1).toLowerCase() === wanted,
  );
}

function commandHelp(command: string, syntax: Syntax): Reply {
  const wanted = command.replace(/^\//, '').toLowerCase();
  const spec = findCommand(wanted, syntax);
  if (!spec) throw new UserError(`There is no command '${wanted.slice(0, 40)}'. ${commandRef('/help')} lists them all.`, USAGE);
  return {
    kind: 'help',
    visibility: 'private',
    title: syntax.commandName(spec),
    lines: [
      spec.summary,
      `Usage: ${syntax.usage(spec)}`,
      `Examples: ${spec.examples.map(commandRef).join(' · ')}`,
      ...(spec.adminOnly ? ['Admins only.'] : []),
    ],
    summary: spec.summary,
  };
}

function helpOverview(syntax: Syntax): Reply {
  // A command group (the admin /capex-digest …, /digest on Discord) is one line: its own help lists the rest.
  const visible = commands.filter((c) => c.id !== 'capex-help' && (!c.discord?.subcommand || c.discord.subcommand === 'help'));
  const summaryCommands = ['/capex <company>', '/capex top', '/capex companies', '/compare', '/help'].map(commandRef).join(', ');
  return {
    kind: 'help',
    visibility: 'private',
    title: 'capex-bot — AI-capex figures with sources',
    lines: [
      'Every figure comes with its source and date; disputed figures are marked ⚠. Names, tickers and aliases all work (alibaba, BABA, 阿里巴巴).',
    ],
    fields: visible.map((c) => ({
      label: c.path.length === 1 && c.discord?.subcommand === 'help' ? syntax.commandName(c) : syntax.usage(c).split(' — ')[0]!,
      value: `${c.summary}${c.adminOnly && !c.summary.includes('admins') ? ' (admins)' : ''}. e.g. ${commandRef(c.examples[0]!)}`,
    })),
    summary: `capex-bot commands: ${summaryCommands}`,
  };
}
