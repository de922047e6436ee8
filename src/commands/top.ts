/** `/capex top [year]`: every tracked company ranked by AI capex for a year, with the combined total. */
import { z } from 'zod';
import { defineCommand } from '../core/command.js';
import { deepFreeze, type Reply } from '../core/reply.js';
import { formatUsd, formatWithUsd, rangeOf, sumRanges } from '../data/money.js';
import { defaultYear, firstGuidance, rankYear, type YearFigure } from '../data/queries.js';
import { DEFINITION_MEANINGS, DEFINITION_WORDS } from '../data/definitions.js';
import type { DataSet } from '../data/dataset.js';
import type { Figure } from '../data/schema.js';
import { chartOf } from '../present/chart.js';
import { billionsCell, definitionCell, disputeNotes, exactUsd, newestDate, periodCell, rowBasisCell, rowQualifier, sourcesOf } from '../present/figures.js';
import { commandRef } from '../core/syntax.js';

const USAGE = '/capex top [year] — e.g. /capex top, /capex top 2025';

/** The four US hyperscalers whose combined 2025 guidance the press reported as ~US$320B. */
export const US_BIG_FOUR = ['microsoft', 'alphabet', 'amazon', 'meta'] as const;

export const topCommand = defineCommand({
  id: 'capex-top',
  path: ['capex', 'top'],
  aliases: [['top']],
  summary: 'All tracked companies ranked by AI capex for a year, with the total',
  usage: USAGE,
  examples: ['/capex top', '/capex top 2025'],
  options: z.object({
    year: z.coerce
      .number({ error: 'the year must be a number such as 2025' })
      .int('the year must be a whole number such as 2025')
      .min(2020, 'figures start in 2020')
      .max(2035, 'figures go up to 2035')
      .optional()
      .describe('Year (fiscal years are named by the year they end), default: this year'),
  }),
  fromText: (args) => ({ year: args[0] }),
  run: ({ year: asked }, { data, now }) => {
    const year = asked ?? defaultYear(data, now);
    const cache = answers.get(data) ?? answers.set(data, new Map()).get(data)!;
    const cached = cache.get(year);
    if (cached) return cached;
    const reply = ranked(data, year, now);
    // The "no figures" answer names today's default year, so only rankings are kept.
    if (reply.kind === 'answer') cache.set(year, deepFreeze(reply));
    return reply;
  },
});

/**
 * Rankings per data set and year (a data set never changes once loaded; `now` only picks the default year,
 * resolved before the look-up), deep-frozen so no caller can change one. Years are 2020–2035 (the option's bounds).
 */
const answers = new WeakMap<DataSet, Map<number, Reply>>();

function ranked(data: DataSet, year: number, now: Date): Reply {
  const ranking = rankYear(data, year);
  if (ranking.annual.length === 0 && ranking.fiscal.length === 0) {
    return {
      kind: 'error',
      visibility: 'private',
      title: `No figures for ${year}`,
      lines: [`No capex figures for ${year} yet. Try ${commandRef(`/capex top ${defaultYear(data, now)}`)}.`],
      summary: `No capex figures for ${year}.`,
    };
  }
  const shown = ranking.annual;
  const pledges = ranking.commitments.map((e) => e.figures.at(-1)!);
  const figures = [...shown.flatMap((e) => e.figures), ...ranking.fiscal.flatMap((e) => e.figures), ...pledges];
  const lines = [
    `Calendar ${year} (January–December) capex of the ${shown.length} companies ranked below: ${formatUsd(ranking.total, true)}. Each row is one company on one definition (named in the table); actuals where reported, else the latest guidance; analyst estimates, pledges and contracts are never counted.`,
  ];
  const bigFour = bigFourLine(shown, data, year);
  if (bigFour) lines.push(...bigFour.lines);
  if (ranking.fiscal.length) {
    // Their calendar year cannot be built from the data (no quarters), so they are neither ranked nor added.
    lines.push(
      `Fiscal-year companies, shown apart (not ranked, not in the total; their calendar ${year} cannot be derived from the data): ${ranking.fiscal
        .map((e) => `${e.company.name} ${e.periodLabel} ${exactUsdOrRange(e)} ${definitionCell(e)}, ${rowBasisCell(e)}`)
        .join('; ')}.`,
    );
  }
  if (pledges.length) {
    // Pledges are not annual capex, and some have no stated end, so they are listed, not ranked or summed.
    lines.push(
      `Multi-year pledges and purchase contracts covering ${year} (not capex: never ranked, compared or totalled): ${pledges
        .map((f) => `${data.company(f.company)!.name} ${formatWithUsd(f, data)} ${DEFINITION_WORDS[f.definition]} (${f.period.label})`)
        .join('; ')}.`,
    );
  }
  const derived = shown.filter((e) => e.derivation);
  const reply: Reply = {
    kind: 'answer',
    visibility: 'public',
    title: `Top AI capex ${year} (calendar year)`,
    lines,
    table: {
      columns: ['#', 'Company', 'US$B / year', 'Definition', 'Basis', 'Period'],
      numericColumns: [0, 2],
      rows: shown.map((e, i) => [String(i + 1), e.company.name, billionsCell(e.usdPerYear, e.disputed, rowQualifier(e)), definitionCell(e), rowBasisCell(e), periodCell(e)]),
      footer: ['', 'Total', billionsCell(ranking.total), '', '', `CY${year}`],
    },
    chart: chartOf(`AI capex ${year}, US$ billion per year`, shown),
    notes: [
      ...derived.map((e) => `${e.company.name}: ${e.derivation!.text} = ${exactUsd(e.usdPerYear)}.`),
      'Calendar years run January–December. Where a company states no full calendar year, its four reported quarters of one definition are added up (named above); fiscal-year companies without such quarters are listed apart.',
      ...definitionLegend(shown),
      ...(shown.some((e) => e.disputed) ? ['⚠ = sources disagree on the same definition; the range spans the disagreeing values.'] : []),
      ...disputeNotes(figures, data),
    ],
    sources: sourcesOf([...figures, ...(bigFour?.figures ?? [])]),
    asOf: newestDate(figures),
    summary: `Top AI capex, calendar ${year}: ${shown
      .slice(0, 3)
      .map((e) => `${e.company.name} ${formatUsd(e.usdPerYear, true)}`)
      .join(', ')}; total ${formatUsd(ranking.total, true)}.`,
  };
  return reply;
}

function exactUsdOrRange(e: YearFigure): string {
  return e.figures.length === 1 ? formatUsd(rangeOf(e.figures[0]!)) : exactUsd(e.usdPerYear);
}

/** One line per definition the rows use: what "capex incl. leases" or "gross capex" includes. */
function definitionLegend(rows: readonly YearFigure[]): string[] {
  const used = [...new Set(rows.map((e) => e.definition))];
  return [`Definitions: ${used.map((d) => `${DEFINITION_WORDS[d]} = ${DEFINITION_MEANINGS[d]}`).join('; ')}.`];
}

/**
 * The US four: their calendar year as reported (or summed from quarters), with the exact sum and its addends,
 * and what they planned at the start of the year (the press's ~US$320B for 2025).
 */
function bigFourLine(annual: YearFigure[], data: Parameters<typeof rankYear>[0], year: number) {
  const entries = US_BIG_FOUR.map((id) => annual.find((e) => e.company.id === id));
  if (entries.some((e) => e === undefined)) return undefined;
  const rows = entries as YearFigure[];
  const total = sumRanges(rows.map((e) => e.usdPerYear));
  const addends = rows.map((e) => `${e.company.name} ${exactUsd(e.usdPerYear).replace(/^US\$|B$/g, '')} ${definitionCell(e)}${e.derivation ? ' (sum of 4 quarters)' : ''}`).join(' + ');
  const what = rows.every((e) => e.basis === 'reported') ? 'reported' : rows.every((e) => e.basis === 'guidance') ? 'guided' : 'reported or guided';
  const lines = [`Microsoft, Alphabet, Amazon and Meta, calendar ${year} (${what}): ${exactUsd(total)} = ${addends}.`];
  const first = US_BIG_FOUR.map((id) => firstGuidance(data, data.company(id)!, year));
  if (first.some((f) => f === undefined)) return { lines, figures: [] as Figure[] };
  const firstTotal = sumRanges(first.map((f) => f!.usd));
  const firstWords = first.map((f) => {
    const fig = f!.figure;
    const calendar = fig.period.start === `${year}-01` && fig.period.end === `${year}-12`;
    const name = data.company(fig.company)!.name;
    return `${name} ${fig.qualifier === 'about' ? 'about ' : ''}${formatUsd(f!.usd)}${fig.qualifier === 'implied' ? ' implied' : ''}${calendar ? '' : ` for ${fig.period.label}`}`;
  });
  lines.push(`Planned at the start of the year: their first ${year} guidance added up to ${formatUsd(firstTotal, true)} (${firstWords.join(' + ')}).`);
  return { lines, figures: first.map((f) => f!.figure) };
}
