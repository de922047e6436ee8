/** What a chart request may say and what makes it drawable — cheap to import: no canvas, no Chart.js. */
import type { ReplyChart } from '../core/reply.js';
import { formatDate } from '../data/money.js';

export interface ChartRenderOptions {
  /** ISO date of the newest figure shown; goes into the source line. */
  asOf?: string;
  /** Logical width and height in CSS pixels (default 900 × 500; bar charts with many bars grow taller). */
  width?: number;
  height?: number;
  /** Device pixels per CSS pixel (default CHART_SIZE.scale, see theme.ts for why 1). */
  scale?: number;
}

export class ChartDataError extends Error {}

/** "Source: capex-bot data, as of 29 Apr 2026" */
export function sourceLine(asOf?: string): string {
  return asOf ? `Source: capex-bot data, as of ${formatDate(asOf)}` : 'Source: capex-bot data';
}

export function hasData(chart: ReplyChart): boolean {
  return chart.kind === 'timeline' ? (chart.series ?? []).some((s) => s.points.length > 0) : chart.bars.length > 0;
}

/** Throws ChartDataError for a chart that cannot be drawn (nothing to draw, or a value that is not a finite, non-negative number). */
export function assertDrawable(chart: ReplyChart): void {
  if (!hasData(chart)) throw new ChartDataError('The chart has no values to draw.');
  const values = [...chart.bars.flatMap((b) => [b.low, b.high]), ...(chart.series ?? []).flatMap((s) => s.points.flatMap((p) => [p.low, p.high]))];
  if (!values.every((v) => Number.isFinite(v) && v >= 0)) throw new ChartDataError('The chart has a value that is not a finite, non-negative number.');
}
