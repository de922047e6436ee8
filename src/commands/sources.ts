/** `/capex sources <company>`: every figure behind the answers, with its source, date and status. */
import { z } from 'zod';
import { defineCommand, UserError } from '../core/command.js';
import { formatDate, formatWithUsd } from '../data/money.js';
import { BASIS_WORDS, DEFINITION_WORDS, rankedSources, SOURCE_KIND_WORDS } from '../data/definitions.js';
import { displayName, sourcesOf } from '../present/figures.js';
import { companyOption, resolveCompany } from './shared.js';

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
        columns: ['Announced', 'What', 'Figure', 'Definition', 'Basis', 'Period', 'Best source', 'Status'],
        rows: figures.map((f) => [
          formatDate(f.announced),
          f.label,
          formatWithUsd(f, data),
          DEFINITION_WORDS[f.definition],
          BASIS_WORDS[f.basis],
          f.period.label,
          SOURCE_KIND_WORDS[rankedSources(f)[0]!.kind],
          f.supersededBy ? 'superseded' : STATUS_WORDS[f.status].trim() || 'ok',
        ]),
      },
      notes: figures
        .filter((f) => f.status !== 'confirmed' || f.supersededBy || f.basis === 'estimate')
        .map((f) => `${formatDate(f.announced)} ${f.label}${f.basis === 'estimate' && f.status === 'confirmed' ? ' (an estimate: never a headline or in totals)' : STATUS_WORDS[f.status]}: ${f.dispute ?? f.note ?? ''}`.trim()),
      sources: sourcesOf(figures),
      summary: `${figures.length} figures for ${company.name} with their sources.`,
    };
  },
});
