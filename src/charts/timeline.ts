/**
 * Timeline (/capex <company>): for each period (CY2025, FY2026 …) every guidance on the date it was
 * announced, joined by a stepped line (a plan holds until it is revised), ending in a diamond where the
 * actual was reported. A range is a vertical whisker from low to high; the line runs through its middle.
 * All periods are the company's colour — older ones lighter — and each is named at its newest point.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { ChartPoint, ReplyChart } from '../core/reply.js';
import { companyColour, shade, tint } from './palette.js';
import { ctxOf, font, formatRange, keyPlugin, type KeyItem } from './plugins.js';
import { THEME, valueAxisLook } from './theme.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2025-04-30" → 2025.33…: a linear time axis without a date adapter. A month-only date is its 1st. */
export function decimalYear(date: string): number {
  const [y, m = '1', d = '1'] = date.split('-');
  return Number(y) + (Number(m) - 1) / 12 + (Number(d) - 1) / (12 * 31);
}

function monthTicks(min: number, max: number): number[] {
  const stepMonths = max - min > 2.5 ? 6 : 3;
  const ticks: number[] = [];
  let month = Math.ceil(min * 12 - 1e-9);
  month = Math.ceil(month / stepMonths) * stepMonths;
  for (; month / 12 <= max + 1e-9; month += stepMonths) ticks.push(month / 12);
  return ticks;
}

/** "Jan 2025", then "Apr", "Jul" … until the next January; the first tick always names its year. */
function tickLabel(value: number, index: number): string {
  const months = Math.round(value * 12);
  const year = Math.floor(months / 12);
  const month = months - year * 12;
  return month === 0 || index === 0 ? `${MONTHS[month]} ${year}` : MONTHS[month]!;
}

const mid = (p: ChartPoint) => (p.low + p.high) / 2;

export function timelineConfig(chart: ReplyChart): { config: ChartConfiguration<'line'>; plugins: Plugin[] } {
  const series = chart.series ?? [];
  const n = series.length;
  // Newest period in the company colour; each older one a step lighter, but never washed out.
  const colours = series.map((s, i) => tint(companyColour(s.key), Math.min(0.55, (n - 1 - i) * 0.22)));
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => decimalYear(p.date));
  const minX = Math.min(...xs) - 0.12;
  // Room on the right for the period names written after each line's last point.
  const maxX = Math.max(...xs) + Math.max(0.35, (Math.max(...xs) - Math.min(...xs)) * 0.14);
  const maxY = Math.max(...all.map((p) => p.high));

  const config: ChartConfiguration<'line'> = {
    type: 'line',
    data: {
      datasets: series.map((s, i) => ({
        label: s.label,
        data: s.points.map((p) => ({ x: decimalYear(p.date), y: mid(p) })),
        borderColor: colours[i],
        backgroundColor: s.points.map((p) => (p.kind === 'reported' ? colours[i] : THEME.card)),
        pointBorderColor: colours[i],
        pointBorderWidth: 2,
        pointStyle: s.points.map((p) => (p.kind === 'reported' ? 'rectRot' : 'circle')),
        pointRadius: s.points.map((p) => (p.kind === 'reported' ? 8 : 5)),
        borderWidth: 2.5,
        stepped: 'before',
      })),
    },
    options: {
      layout: { padding: { top: 8 } },
      scales: {
        x: {
          type: 'linear',
          min: minX,
          max: maxX,
          grid: { color: THEME.grid },
          border: { color: THEME.axis },
          title: { display: true, text: 'date announced', color: THEME.muted, font: { size: 13, weight: 600 } },
          ticks: { color: THEME.muted, font: { size: 12 }, callback: (v, i) => tickLabel(Number(v), i), autoSkip: false, maxRotation: 0 },
          afterBuildTicks: (axis) => {
            axis.ticks = monthTicks(minX, maxX).map((value) => ({ value }));
          },
        },
        y: {
          beginAtZero: true,
          suggestedMax: maxY * 1.08,
          ...valueAxisLook(chart.unit),
        },
      },
    },
  };

  /** Whiskers from low to high under each ranged point, and the period name and newest value at each line's end. */
  const annotate: Plugin = {
    id: 'capexTimelineAnnotations',
    beforeDatasetsDraw(c) {
      const ctx = ctxOf(c);
      ctx.save();
      series.forEach((s, i) => {
        s.points.forEach((p) => {
          if (p.high <= p.low) return;
          const x = c.scales.x!.getPixelForValue(decimalYear(p.date));
          const top = c.scales.y!.getPixelForValue(p.high);
          const bottom = c.scales.y!.getPixelForValue(p.low);
          ctx.strokeStyle = colours[i];
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, bottom);
          ctx.moveTo(x - 6, top);
          ctx.lineTo(x + 6, top);
          ctx.moveTo(x - 6, bottom);
          ctx.lineTo(x + 6, bottom);
          ctx.stroke();
        });
      });
      ctx.restore();
    },
    afterDatasetsDraw(c) {
      const ctx = ctxOf(c);
      ctx.save();
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'left';
      series.forEach((s, i) => {
        const last = s.points.at(-1);
        if (!last) return;
        // Values given the same day (sources that disagree) are shown together as one range.
        const sameDay = s.points.filter((p) => p.date === last.date);
        const low = Math.min(...sameDay.map((p) => p.low));
        const high = Math.max(...sameDay.map((p) => p.high));
        const value = formatRange(low, high);
        const px = c.scales.x!.getPixelForValue(decimalYear(last.date));
        const y = c.scales.y!.getPixelForValue(mid(last));
        ctx.font = font(13, 700);
        const width = Math.max(ctx.measureText(s.label).width, ctx.measureText(value).width);
        // Right of the point when it fits inside the plot, otherwise to its left.
        const right = px + 12 + width <= c.chartArea.right;
        const x = right ? px + 12 : px - 12;
        ctx.textAlign = right ? 'left' : 'right';
        ctx.fillStyle = shade(colours[i]!, 0.25);
        ctx.fillText(s.label, x, y - 8);
        ctx.font = font(12, 600);
        ctx.fillStyle = THEME.text;
        ctx.fillText(value, x, y + 8);
      });
      ctx.restore();
    },
  };

  const marker = (kind: ChartPoint['kind']): KeyItem['draw'] => (ctx, x, y) => {
    ctx.strokeStyle = THEME.muted;
    ctx.fillStyle = kind === 'reported' ? THEME.muted : THEME.card;
    ctx.lineWidth = 2;
    ctx.beginPath();
    if (kind === 'reported') {
      ctx.moveTo(x + 8, y - 7);
      ctx.lineTo(x + 15, y);
      ctx.lineTo(x + 8, y + 7);
      ctx.lineTo(x + 1, y);
      ctx.closePath();
    } else {
      ctx.arc(x + 8, y, 5, 0, Math.PI * 2);
    }
    ctx.fill();
    ctx.stroke();
  };
  const key: KeyItem[] = [
    { label: 'guidance (whisker = range)', draw: marker('guidance') },
    ...(all.some((p) => p.kind === 'reported') ? [{ label: 'reported', draw: marker('reported') }] : []),
  ];
  return { config, plugins: [annotate, keyPlugin(key)] };
}
