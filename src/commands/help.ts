/** `/help` and `/capex help [command]`: usage with examples, generated from the command declarations. */
import { z } from 'zod';
import { defineCommand, UserError } from '../core/command.js';
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
  run: ({ command }) => {
    const visible = commands.filter((c) => c.id !== 'capex-help');
    if (command) {
      const wanted = command.replace(/^\//, '').toLowerCase();
      const spec = commands.find((c) => c.id === wanted || c.path.join(' ') === wanted || c.path.at(-1) === wanted);
      if (!spec) throw new UserError(`There is no command '${wanted.slice(0, 40)}'. /help lists them all.`, USAGE);
      return {
        kind: 'help',
        visibility: 'private',
        title: `/${spec.path.join(' ')}`,
        lines: [spec.summary, `Usage: ${spec.usage}`, `Examples: ${spec.examples.join(' · ')}`, ...(spec.adminOnly ? ['Admins only.'] : [])],
        summary: spec.summary,
      };
    }
    return {
      kind: 'help',
      visibility: 'private',
      title: 'capex-bot — AI-capex figures with sources',
      lines: [
        'Every figure comes with its source and date; disputed figures are marked ⚠. Names, tickers and aliases all work (alibaba, BABA, 阿里巴巴).',
      ],
      fields: visible.map((c) => ({ label: c.usage.split(' — ')[0]!, value: `${c.summary}${c.adminOnly ? ' (admins)' : ''}. e.g. ${c.examples[0]}` })),
      summary: 'capex-bot commands: /capex <company>, /capex top, /capex companies, /compare, /help',
    };
  },
});
