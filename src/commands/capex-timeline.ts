/**
 * Chart data for `/capex <company>`: every annual guidance and reported capex figure, by period, on the date it
 * was announced — how the plan for a year moved and where it ended up. The bars carry the same story in
 * brief (each period's current value, on one definition) for text renderers.
 */
import type { ChartBar, ChartSeries, ReplyChart } from '../core/reply.js';
import type { DataSet } from '../data/dataset.js';
import { usdOf } from '../data/money.js';
import { calendarYearFigure, fiscalYearFigure, isCounted } from '../data/queries.js';
import { isCapexDefinition } from '../data/definitions.js';
import type { Company, Figure } from '../data/schema.js';

/** Older periods are cut: more lines than this turn the picture into a tangle. */
export const MAX_TIMELINE_PERIODS = 5;

export function capexTimeline(data: DataSet, company: Company): ReplyChart | undefined {
  const annual = data
    .figuresOf(company.id)
    .filter((f) => isCounted(f) && (f.metric === 'guidance' || f.metric === 'reported') && isCapexDefinition(f.definition));
  // One line per period (its own twelve months: a fiscal year stays a fiscal year).
  const byPeriod = new Map<string, Figure[]>();
  for (const f of annual) {
    const key = `${f.period.end}|${f.period.start}`;
    (byPeriod.get(key) ?? byPeriod.set(key, []).get(key)!).push(f);
  }
  const periods = [...byPeriod.keys()].sort().slice(-MAX_TIMELINE_PERIODS);
  // A single value over time is no picture; the text already says it.
  if (periods.reduce((n, p) => n + byPeriod.get(p)!.length, 0) < 2) return undefined;
  // Short period names: "FY2025 (Jul 2024-Jun 2025)" → "FY2025"; the full period is in the text answer.
  const periodName = (key: string) => byPeriod.get(key)!.at(-1)!.period.label.split(' (')[0]!.trim();

  const series: ChartSeries[] = periods.map((key) => {
    const figures = [...byPeriod.get(key)!].sort((a, b) => a.announced.localeCompare(b.announced));
    return {
      label: periodName(key),
      key: company.id,
      points: figures.map((f) => {
        const usd = usdOf(f, data);
        return { date: f.announced, low: usd.low, high: usd.high, kind: f.metric === 'reported' ? 'reported' : 'guidance' };
      }),
    };
  });
  const bars: ChartBar[] = periods.flatMap((key) => {
    const sample = byPeriod.get(key)![0]!;
    const year = Number(sample.period.end.slice(0, 4));
    const calendar = sample.period.start === `${year}-01` && sample.period.end === `${year}-12`;
    const entry = calendar ? calendarYearFigure(data, company, year) : fiscalYearFigure(data, company, year);
    if (!entry || entry.basis === 'commitment') return [];
    return [{ label: `${periodName(key)} ${entry.basis}`, key: company.id, low: entry.usdPerYear.low, high: entry.usdPerYear.high }];
  });
  return {
    kind: 'timeline',
    title: `${company.name}: AI capex guidance and reported capex, US$ billion per year`,
    unit: 'US$ billion per year',
    bars,
    series,
  };
}
