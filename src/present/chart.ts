/** Chart data for a set of year figures: the same shape feeds the text bars and image renderers. */
import type { ReplyChart } from '../core/reply.js';
import type { YearFigure } from '../data/queries.js';

export function chartOf(title: string, entries: readonly YearFigure[]): ReplyChart {
  return {
    title,
    unit: 'US$ billion per year',
    // "(disputed)" travels with the bar, so a picture shared on its own still says the figure is contested.
    bars: entries.map((e) => ({ label: e.disputed ? `${e.company.name} (disputed)` : e.company.name, key: e.company.id, low: e.usdPerYear.low, high: e.usdPerYear.high })),
  };
}
