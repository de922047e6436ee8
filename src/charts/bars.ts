/**
 * Horizontal bar chart (/compare, /capex top): one bar per company in its own colour, solid up to the
 * low end of a range and a light tint of the same colour up to the high end, the value written at the tip.
 * Horizontal, because company names then read left to right and a long ranking still fits.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { ReplyChart } from '../core/reply.js';
import { companyColour, tint } from './palette.js';
import { formatRange, keyPlugin, valueLabels, type KeyItem } from './plugins.js';
import { THEME, valueAxisLook } from './theme.js';

/** How far towards white the uncertain part of a range is tinted. */
const RANGE_TINT = 0.62;
const MAX_LABEL_CHARS = 28;

const clip = (text: string) => (text.length > MAX_LABEL_CHARS ? `${text.slice(0, MAX_LABEL_CHARS - 1)}…` : text);

export function barsConfig(chart: ReplyChart): { config: ChartConfiguration<'bar'>; plugins: Plugin[] } {
  const bars = chart.bars;
  const colours = bars.map((b) => companyColour(b.key));
  const hasRange = bars.some((b) => b.high > b.low);
  const max = Math.max(...bars.map((b) => b.high));
  const key: KeyItem[] = hasRange
    ? [
        { label: 'figure (low end of a range)', draw: (ctx, x, y) => ((ctx.fillStyle = THEME.muted), ctx.fillRect(x, y - 6, 16, 12)) },
        {
          label: 'range up to the high end',
          draw: (ctx, x, y) => {
            ctx.fillStyle = tint(THEME.muted, RANGE_TINT);
            ctx.fillRect(x, y - 6, 16, 12);
            ctx.strokeStyle = THEME.muted;
            ctx.lineWidth = 1;
            ctx.strokeRect(x + 0.5, y - 5.5, 15, 11);
          },
        },
      ]
    : [];
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: bars.map((b) => clip(b.label)),
      datasets: [
        { label: 'figure', data: bars.map((b) => b.low), backgroundColor: colours, borderWidth: 0, barPercentage: 0.78, categoryPercentage: 0.9 },
        {
          label: 'range',
          data: bars.map((b) => b.high - b.low),
          backgroundColor: colours.map((c) => tint(c, RANGE_TINT)),
          borderColor: colours,
          borderWidth: bars.map((b) => (b.high > b.low ? 1 : 0)),
          borderSkipped: 'left',
          barPercentage: 0.78,
          categoryPercentage: 0.9,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: {
        x: {
          stacked: true,
          beginAtZero: true,
          // Room at the right for the value written past the longest bar.
          suggestedMax: max * 1.12,
          ...valueAxisLook(chart.unit),
        },
        y: {
          stacked: true,
          grid: { display: false },
          border: { color: THEME.axis },
          ticks: { color: THEME.text, font: { size: 13, weight: 600 }, autoSkip: false },
        },
      },
    },
  };
  const labels = valueLabels((c, i) => {
    const bar = bars[i]!;
    const meta = c.getDatasetMeta(1).data[i];
    if (!meta) return undefined;
    return { x: c.scales.x!.getPixelForValue(bar.high) + 6, y: meta.y, text: formatRange(bar.low, bar.high) };
  }, bars.length);
  return { config, plugins: [labels, keyPlugin(key)] };
}

