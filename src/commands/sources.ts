/** `/capex sources <company>`: every figure behind the answers, with its source, date and status. */
import { z } from 'zod';
import { defineCommand, UserError } from '../core/command.js';
import { formatDate, formatWithUsd } from '../data/money.js';
import { companyOption, displayName, resolveCompany, sourcesOf } from './shared.js';

const USAGE = '/capex sources <company> — e.g. /capex sources meta';

const STATUS_WORDS = { confirmed: '', disputed: ' ⚠ disputed', weak: ' ✗ low reliability, not used' } as const;

export const sourcesCommand = defineCommand({
  id: 'capex-sources',
  path: ['capex', 'sources'],
  summary: 'Every figure for a company with its source, date and any conflict',
  usage: USAGE,
  examples: ['/capex sources meta', '/capex sources alibaba'],
  options: z.object({ company: companyOption }),
  fromText: (args) => {
    if (args.length === 0) throw new UserError('Name a company.', USAGE);
    return { company: args.join(' ') };
  },
  run: ({ company: query }, { data }) => {
    const company = resolveCompany(data, query, USAGE);
    const figures = [...data.figuresOf(company.id)].reverse();
    return {
      kind: 'answer',
      visibility: 'private',
      title: `${displayName(company)} — all figures and sources`,
      lines: [`${figures.length} figure${figures.length === 1 ? '' : 's'}, newest first.`],
      table: {
        columns: ['Announced', 'What', 'Figure', 'Period', 'Status'],
        rows: figures.map((f) => [formatDate(f.announced), f.label, formatWithUsd(f, data), f.period.label, (STATUS_WORDS[f.status].trim() || 'ok')]),
      },
      notes: figures.filter((f) => f.status !== 'confirmed').map((f) => `${formatDate(f.announced)} ${f.label}${STATUS_WORDS[f.status]}: ${f.dispute ?? f.note ?? ''}`.trim()),
      sources: sourcesOf(figures),
      summary: `${figures.length} figures for ${company.name} with their sources.`,
    };
  },
});
