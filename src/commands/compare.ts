/** `/compare <a> <b> …`: companies side by side, in USD per year, for the newest year they all have. */
import { z } from 'zod';
import { defineCommand, UserError } from '../core/command.js';
import type { Reply } from '../core/reply.js';
import { splitCompanyList } from '../core/parse.js';
import { formatDate, formatUsd, formatWithUsd, midpoint } from '../data/money.js';
import { pledgesOf, yearFigure, yearsWithData, type YearFigure } from '../data/queries.js';
import { DEFINITION_MEANINGS, DEFINITION_WORDS } from '../data/definitions.js';
import type { DataSet } from '../data/dataset.js';
import type { Company } from '../data/schema.js';
import { chartOf } from '../present/chart.js';
import { billionsCell, definitionCell, disputeNotes, newestDate, periodCell, rowBasisCell, rowQualifier, sourcesOf } from '../present/figures.js';
import { cachedAnswer, companyOption, resolveCompany } from './shared.js';
import { commandRef } from '../core/syntax.js';

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
    // Up to six of every company, in any order, is too many to keep them all: start over when full.
    if (cache.size >= MAX_CACHED_COMPARISONS && !cache.has(key)) cache.clear();
    return cachedAnswer(cache, key, () => comparison(data, companies, now));
  },
});

/**
 * Cached answers (or refusals: nothing to compare) per data set, which never changes once loaded; deep-frozen
 * so no caller can change one.
 */
const answers = new WeakMap<DataSet, Map<string, Reply | UserError>>();
const MAX_CACHED_COMPARISONS = 1_000;

function comparison(data: DataSet, companies: Company[], now: Date): Reply {
  // Pledges and purchase contracts are never compared with annual capex: companies with only those are listed.
  const withCapex = companies.filter((c) => yearsWithCapex(data, c));
  const pledgeOnly = companies.filter((c) => !withCapex.includes(c));
  if (withCapex.length < 2) {
    const listed = pledgeOnly.map((c) => pledgeWords(data, c)).filter(Boolean);
    throw new UserError(
      `Only annual capex is compared, and ${pledgeOnly.map((c) => c.name).join(', ')} ${pledgeOnly.length === 1 ? 'has' : 'have'} none in the data${listed.length ? ` (${listed.join('; ')})` : ''}. Try ${commandRef('/capex <company>')} for each.`,
      USAGE,
    );
  }
  const shared = sharedYear(data, withCapex, now);
  if (!shared) {
    throw new UserError(`${withCapex.map((c) => c.name).join(', ')} have no year with capex figures for all of them. Try ${commandRef('/capex <company>')} for each.`, USAGE);
  }
  const { year, entries } = shared;
  const base = entries[0]!;
  const figures = entries.flatMap((e) => e.figures);
  const pledges = companies.flatMap((c) => pledgesOf(data, c).slice(0, 1));
  const reply: Reply = {
    kind: 'answer',
    visibility: 'public',
    title: `${entries.map((e) => e.company.name).join(' vs ')} — ${year}`,
    lines: [
      `Annual capex for ${year}, in US$ (calendar year unless a fiscal year is named). Difference and ratio are against ${base.company.name}${entries.some((e) => e.usdPerYear.low !== e.usdPerYear.high) ? ', using the midpoint of ranges' : ''}.`,
      ...(pledges.length
        ? [`Pledges, not compared (multi-year, not annual capex): ${pledges.map((f) => `${data.company(f.company)!.name} ${formatWithUsd(f, data)} ${DEFINITION_WORDS[f.definition]} (${f.period.label}, ${formatDate(f.announced)})`).join('; ')}.`]
        : []),
      ...(pledgeOnly.length ? [`Not compared (no annual capex in the data): ${pledgeOnly.map((c) => c.name).join(', ')}.`] : []),
    ],
    table: {
      columns: ['Company', 'US$B / year', 'Definition', 'Basis', 'Period', `vs ${base.company.name}`],
      numericColumns: [1, 5],
      rows: entries.map((e) => [
        e.company.name,
        billionsCell(e.usdPerYear, e.disputed, rowQualifier(e)),
        definitionCell(e),
        rowBasisCell(e),
        periodCell(e),
        e === base ? '—' : versus(e, base),
      ]),
    },
    chart: chartOf(`AI capex ${year}, US$ billion per year`, entries),
    notes: [
      ...periodWarning(entries),
      ...definitionNote(entries),
      ...entries.filter((e) => e.derivation).map((e) => `${e.company.name}: ${e.derivation!.text}.`),
      ...(entries.some((e) => e.disputed) ? ['⚠ = sources disagree on the same definition; the range spans the disagreeing values.'] : []),
      ...disputeNotes([...figures, ...pledges], data),
    ],
    sources: sourcesOf([...figures, ...pledges]),
    asOf: newestDate(figures),
    summary: `${year}: ${entries.map((e) => `${e.company.name} ${formatUsd(e.usdPerYear, true)} (${e.periodLabel.split(' (')[0]})`).join(', ')}.`,
  };
  return reply;
}

/** Whenever the compared twelve months are not the same ones: fiscal vs calendar, or fiscal years ending apart. */
function periodWarning(entries: readonly YearFigure[]): string[] {
  const spans = entries.map((e) => ({ e, span: spanOf(e) }));
  if (new Set(spans.map((s) => s.span)).size <= 1) return [];
  return [`⚠ Periods differ: ${spans.map(({ e, span }) => `${e.company.name} ${e.periodLabel.split(' (')[0]} = ${span}`).join('; ')}. The figures cover different twelve months.`];
}

function definitionNote(entries: readonly YearFigure[]): string[] {
  const used = [...new Set(entries.map((e) => e.definition))];
  if (used.length <= 1) return [];
  return [`Definitions differ (not a disagreement): ${used.map((d) => `${DEFINITION_WORDS[d]} = ${DEFINITION_MEANINGS[d]}`).join('; ')}.`];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const monthYear = (ym: string) => `${MONTHS[Number(ym.slice(5, 7)) - 1]} ${ym.slice(0, 4)}`;

/** "Jun 2025–May 2026": the months a row covers (its figures share one period; summed quarters span four). */
function spanOf(entry: YearFigure): string {
  const starts = entry.figures.map((f) => f.period.start).sort();
  const ends = entry.figures.map((f) => f.period.end).sort();
  return `${monthYear(starts[0]!)}–${monthYear(ends.at(-1)!)}`;
}

function yearsWithCapex(data: DataSet, company: Company): boolean {
  return yearsWithData(data).some((y) => yearFigure(data, company, y) !== undefined);
}

function pledgeWords(data: DataSet, company: Company): string {
  const pledge = pledgesOf(data, company)[0];
  return pledge ? `${company.name}: ${formatWithUsd(pledge, data)} ${DEFINITION_WORDS[pledge.definition]}, ${pledge.period.label}` : '';
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
