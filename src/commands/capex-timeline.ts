/**
 * Chart data for `/capex <company>`: every annual guidance and reported figure, by period, on the date it
 * was announced — how the plan for a year moved and where it ended up. The bars carry the same story in
 * brief (each period's current value) for text renderers.
 */
import type { ChartBar, ChartSeries, ReplyChart } from '../core/reply.js';
import type { DataSet } from '../data/dataset.js';
import { usdOf } from '../data/money.js';
import { fiscalYear, isCounted, yearFigure } from '../data/queries.js';
import type { Company } from '../data/schema.js';

/** Older periods are cut: more lines than this turn the picture into a tangle. */
export const MAX_TIMELINE_PERIODS = 5;

export function capexTimeline(data: DataSet, company: Company): ReplyChart | undefined {
  const annual = data.figuresOf(company.id).filter((f) => isCounted(f) && (f.metric === 'guidance' || f.metric === 'reported'));
  const byYear = new Map<number, typeof annual>();
  for (const f of annual) (byYear.get(fiscalYear(f)) ?? byYear.set(fiscalYear(f), []).get(fiscalYear(f))!).push(f);
  const years = [...byYear.keys()].sort((a, b) => a - b).slice(-MAX_TIMELINE_PERIODS);
  // A single value over time is no picture; the text already says it.
  if (years.reduce((n, y) => n + byYear.get(y)!.length, 0) < 2) return undefined;
  // Short period names: "FY2025 (Jul 2024-Jun 2025)" → "FY2025"; the full period is in the text answer.
  // Taken from the data's own label, so a disputed period ("FY2027 or CY2026") stays honest.
  const periodName = (year: number) => byYear.get(year)!.at(-1)!.period.label.split(' (')[0]!.trim();

  const series: ChartSeries[] = years.map((year) => {
    const figures = [...byYear.get(year)!].sort((a, b) => a.announced.localeCompare(b.announced));
    return {
      label: periodName(year),
      key: company.id,
      points: figures.map((f) => {
        const usd = usdOf(f, data);
        return { date: f.announced, low: usd.low, high: usd.high, kind: f.metric === 'reported' ? 'reported' : 'guidance' };
      }),
    };
  });
  const bars: ChartBar[] = years.flatMap((year) => {
    const entry = yearFigure(data, company, year);
    if (!entry || entry.basis === 'commitment') return [];
    return [{ label: `${periodName(year)} ${entry.basis}`, key: company.id, low: entry.usdPerYear.low, high: entry.usdPerYear.high }];
  });
  return {
    kind: 'timeline',
    title: `${company.name}: AI capex guidance and reported capex, US$ billion per year`,
    unit: 'US$ billion per year',
    bars,
    series,
  };
}
