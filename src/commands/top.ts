/** `/capex top [year]`: every tracked company ranked by AI capex for a year, with the combined total. */
import { z } from 'zod';
import { defineCommand } from '../core/command.js';
import type { Reply } from '../core/reply.js';
import { formatUsd, formatWithUsd, sumRanges } from '../data/money.js';
import { defaultYear, firstGuidance, rankYear, type YearFigure } from '../data/queries.js';
import { chartOf } from './chart.js';
import { basisCell, billionsCell, disputeNotes, newestDate, sourcesOf } from './shared.js';

const USAGE = '/capex top [year] — e.g. /capex top, /capex top 2025';

/** The four US hyperscalers whose combined 2025 guidance the press reported as ~US$320B. */
export const US_BIG_FOUR = ['microsoft', 'meta', 'amazon', 'alphabet'] as const;

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
    const ranking = rankYear(data, year);
    if (ranking.annual.length === 0) {
      return {
        kind: 'error',
        visibility: 'private',
        title: `No figures for ${year}`,
        lines: [`No capex figures for ${year} yet. Try /capex top ${defaultYear(data, now)}.`],
        summary: `No capex figures for ${year}.`,
      };
    }
    const shown = ranking.annual;
    const pledges = ranking.commitments.map((e) => e.figures.at(-1)!);
    const figures = [...shown.flatMap((e) => e.figures), ...pledges];
    const lines = [`Combined ${year} AI capex of the ${ranking.annual.length} companies below: ${formatUsd(ranking.total, true)}.`];
    const bigFour = bigFourLine(ranking.annual, data, year);
    if (bigFour) lines.push(bigFour.text);
    if (pledges.length) {
      // Pledges are not annual capex, and some have no stated end, so they are listed, not ranked or summed.
      lines.push(`Also pledged over several years (not ranked, not in the total): ${pledges.map((f) => `${data.company(f.company)!.name} ${formatWithUsd(f, data)} (${f.period.label})`).join('; ')}.`);
    }
    const reply: Reply = {
      kind: 'answer',
      visibility: 'public',
      title: `Top AI capex ${year}`,
      lines,
      table: {
        columns: ['#', 'Company', 'US$B / year', 'Basis', 'Period'],
        numericColumns: [0, 2],
        rows: shown.map((e, i) => [
          String(i + 1),
          e.company.name,
          billionsCell(e.usdPerYear, e.disputed),
          basisCell(e.basis),
          e.figures[0]!.period.label,
        ]),
        footer: ['', 'Total', billionsCell(ranking.total), '', ''],
      },
      chart: chartOf(`AI capex ${year}, US$ billion per year`, shown),
      notes: [
        ...(shown.some((e) => e.disputed) ? ['⚠ = sources disagree; the range spans the disagreeing values.'] : []),
        ...(shown.some((e) => e.fiscal) ? ['Fiscal years are named by the year they end (Microsoft FY ends June, Oracle May, Alibaba March).'] : []),
        ...disputeNotes(figures, data),
      ],
      sources: sourcesOf([...figures, ...(bigFour?.figures ?? [])]),
      asOf: newestDate(figures),
      summary: `Top AI capex ${year}: ${shown
        .slice(0, 3)
        .map((e) => `${e.company.name} ${formatUsd(e.usdPerYear, true)}`)
        .join(', ')}; total ${formatUsd(ranking.total, true)}.`,
    };
    return reply;
  },
});

/** The US four: now, and as first guided (the press's ~US$320B for 2025). */
function bigFourLine(annual: YearFigure[], data: Parameters<typeof rankYear>[0], year: number) {
  const entries = annual.filter((e) => (US_BIG_FOUR as readonly string[]).includes(e.company.id));
  if (entries.length !== US_BIG_FOUR.length) return undefined;
  const first = US_BIG_FOUR.map((id) => firstGuidance(data, data.company(id)!, year));
  const now = formatUsd(sumRanges(entries.map((e) => e.usdPerYear)), true);
  if (first.some((f) => f === undefined)) return { text: `Microsoft, Meta, Amazon and Alphabet together: ${now}.`, figures: [] };
  const firstTotal = sumRanges(first.map((f) => f!.usd));
  return {
    text: `Microsoft, Meta, Amazon and Alphabet together: ${now} now; their first ${year} guidance added up to ${formatUsd(firstTotal, true)} (${first.map((f) => formatUsd(f!.usd)).join(' + ')}).`,
    figures: first.map((f) => f!.figure),
  };
}
