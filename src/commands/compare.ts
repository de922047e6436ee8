/** `/compare <a> <b> …`: companies side by side, in USD per year, for the newest year they all have. */
import { z } from 'zod';
import { defineCommand, UserError } from '../core/command.js';
import { deepFreeze, type Reply } from '../core/reply.js';
import { splitCompanyList } from '../core/parse.js';
import { formatUsd, midpoint } from '../data/money.js';
import { yearFigure, yearsWithData, type YearFigure } from '../data/queries.js';
import type { DataSet } from '../data/dataset.js';
import type { Company } from '../data/schema.js';
import { chartOf } from './chart.js';
import { basisCell, billionsCell, companyOption, disputeNotes, newestDate, resolveCompany, sourcesOf } from './shared.js';

const USAGE = '/compare <company> <company> [… up to 6] — e.g. /compare meta amazon, /compare msft, googl, alibaba';
export const MAX_COMPARED = 6;

export const compareCommand = defineCommand({
  id: 'compare',
  path: ['compare'],
  summary: 'Two to six companies side by side, in US$ per year',
  usage: USAGE,
  examples: ['/compare meta amazon', '/compare microsoft alphabet amazon meta'],
  options: z.object({
    companies: z
      .array(companyOption)
      .min(2, 'name at least two companies to compare')
      .max(MAX_COMPARED, `compare at most ${MAX_COMPARED} companies at a time`)
      .describe('Companies to compare')
      .meta({ itemName: 'company' }),
  }),
  fromText: (args) => ({ companies: splitCompanyList(args) }),
  run: ({ companies: names }, { data, now }) => {
    const companies = names.map((n) => resolveCompany(data, n, USAGE));
    const seen = new Set<string>();
    for (const c of companies) {
      if (seen.has(c.id)) throw new UserError(`${c.name} is named twice; name each company once.`, USAGE);
      seen.add(c.id);
    }
    // The answer depends only on the data set, the companies in their order and the year: built once per set.
    const cache = answers.get(data) ?? answers.set(data, new Map()).get(data)!;
    const key = `${companies.map((c) => c.id).join(',')}|${now.getUTCFullYear()}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const reply = deepFreeze(comparison(data, companies, now));
    // Up to six of every company, in any order, is too many to keep them all: start over when full.
    if (cache.size >= MAX_CACHED_COMPARISONS) cache.clear();
    cache.set(key, reply);
    return reply;
  },
});

/** Cached answers per data set (which never changes once loaded); deep-frozen so no caller can change one. */
const answers = new WeakMap<DataSet, Map<string, Reply>>();
const MAX_CACHED_COMPARISONS = 1_000;

function comparison(data: DataSet, companies: Company[], now: Date): Reply {
  const shared = sharedYear(data, companies, now);
  if (!shared) {
    throw new UserError(`${companies.map((c) => c.name).join(', ')} have no year with figures for all of them. Try /capex <company> for each.`, USAGE);
  }
  const { year, entries } = shared;
  const base = entries[0]!;
  const figures = entries.flatMap((e) => e.figures);
  const mixedYears = entries.some((e) => e.fiscal) && entries.some((e) => !e.fiscal);
  const reply: Reply = {
    kind: 'answer',
    visibility: 'public',
    title: `${entries.map((e) => e.company.name).join(' vs ')} — ${year}`,
    lines: [
      `AI capex for ${year}, in US$ per year. Difference and ratio are against ${base.company.name}${entries.some((e) => e.usdPerYear.low !== e.usdPerYear.high) ? ', using the midpoint of ranges' : ''}.`,
    ],
    table: {
      columns: ['Company', 'US$B / year', 'Basis', 'Period', `vs ${base.company.name}`],
      numericColumns: [1, 4],
      rows: entries.map((e) => [
        e.company.name,
        billionsCell(e.usdPerYear, e.disputed),
        basisCell(e.basis),
        e.figures[0]!.period.label,
        e === base ? '—' : versus(e, base),
      ]),
    },
    chart: chartOf(`AI capex ${year}, US$ billion per year`, entries),
    notes: [
      ...(mixedYears ? [`Fiscal and calendar years differ: ${entries.filter((e) => e.fiscal).map((e) => `${e.company.name} ${e.figures[0]!.period.label}`).join(', ')} vs calendar ${year}.`] : []),
      ...(entries.some((e) => e.basis === 'commitment') ? ['Multi-year commitments are spread evenly per year.'] : []),
      ...(entries.some((e) => e.disputed) ? ['⚠ = sources disagree; the range spans the disagreeing values.'] : []),
      ...disputeNotes(figures, data),
    ],
    sources: sourcesOf(figures),
    asOf: newestDate(figures),
    summary: `${year}: ${entries.map((e) => `${e.company.name} ${formatUsd(e.usdPerYear, true)}`).join(', ')}.`,
  };
  return reply;
}

/** "+US$65B (1.5×)" */
function versus(entry: YearFigure, base: YearFigure): string {
  const a = midpoint(entry.usdPerYear);
  const b = midpoint(base.usdPerYear);
  const diff = a - b;
  const sign = diff >= 0 ? '+' : '−';
  return `${sign}${formatUsd({ low: Math.abs(diff), high: Math.abs(diff) }, true)} (${(a / b).toFixed(2)}×)`;
}

/** The newest year (not after next year) for which every company has a figure. */
function sharedYear(data: DataSet, companies: Company[], now: Date): { year: number; entries: YearFigure[] } | undefined {
  const limit = now.getUTCFullYear() + 1;
  const years = [...new Set([...yearsWithData(data), now.getUTCFullYear(), now.getUTCFullYear() - 1])].filter((y) => y <= limit).sort((a, b) => b - a);
  for (const year of years) {
    const entries = companies.map((c) => yearFigure(data, c, year));
    if (entries.every((e) => e !== undefined)) return { year, entries: entries as YearFigure[] };
  }
  return undefined;
}
