/** `/capex companies`: what is tracked, with tickers and aliases. */
import { z } from 'zod';
import { defineCommand } from '../core/command.js';
import { deepFreeze, type Reply } from '../core/reply.js';
import { commandRef } from '../core/syntax.js';
import type { DataSet } from '../data/dataset.js';

/** One answer per data set (which never changes once loaded), deep-frozen so no caller can change it. */
const answers = new WeakMap<DataSet, Reply>();

export const companiesCommand = defineCommand({
  id: 'capex-companies',
  path: ['capex', 'companies'],
  aliases: [['companies']],
  summary: 'Every tracked company with its tickers and aliases',
  usage: '/capex companies',
  examples: ['/capex companies'],
  options: z.object({}),
  fromText: () => ({}),
  run: (_options, { data }) => {
    const cached = answers.get(data);
    if (cached) return cached;
    const counts = new Map(data.companies.map((c) => [c.id, data.figuresOf(c.id).length]));
    const reply: Reply = {
      kind: 'answer',
      visibility: 'public',
      title: `Tracked companies (${data.companies.length})`,
      lines: [`Ask about any of them by name, ticker or alias, e.g. ${commandRef('/capex google')} or ${commandRef('/capex 9988.HK')}.`],
      table: {
        columns: ['Company', 'Tickers', 'Also known as', 'Figures'],
        numericColumns: [3],
        rows: data.companies.map((c) => [c.name, c.tickers.join(', ') || '(private)', c.aliases.join(', '), String(counts.get(c.id) ?? 0)]),
      },
      summary: `${data.companies.length} companies tracked: ${data.companies.map((c) => c.name).join(', ')}.`,
    };
    answers.set(data, deepFreeze(reply));
    return reply;
  },
});
