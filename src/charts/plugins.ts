/** Small Chart.js plugins shared by the chart types: the card, and text drawn next to the data. */
import type { Chart, Plugin } from 'chart.js';
import { CHART_FONT_STACK } from './fonts.js';
import { THEME } from './theme.js';

/** Minimal view of the 2D context the plugins draw with (the DOM typings are not loaded in Node). */
export interface Ctx2D {
  save(): void;
  restore(): void;
  fillStyle: unknown;
  strokeStyle: unknown;
  lineWidth: number;
  font: string;
  textAlign: string;
  textBaseline: string;
  fillRect(x: number, y: number, w: number, h: number): void;
  strokeRect(x: number, y: number, w: number, h: number): void;
  fillText(text: string, x: number, y: number): void;
  measureText(text: string): { width: number };
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  fill(): void;
  closePath(): void;
  arc(x: number, y: number, r: number, start: number, end: number): void;
}

export const ctxOf = (chart: Chart): Ctx2D => chart.ctx as unknown as Ctx2D;

export const font = (size: number, weight = 400) => `${weight} ${size}px ${CHART_FONT_STACK}`;

/** Paints the opaque card (see theme.ts) under everything else. */
export const cardBackground: Plugin = {
  id: 'capexCard',
  beforeDraw(chart) {
    const ctx = ctxOf(chart);
    ctx.save();
    ctx.fillStyle = THEME.card;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.strokeStyle = THEME.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(0.5, 0.5, chart.width - 1, chart.height - 1);
    ctx.restore();
  },
};

export interface KeyItem {
  label: string;
  draw(ctx: Ctx2D, x: number, y: number): void;
}

/** A one-line key in the bottom left corner, level with the source line: what a light segment or a diamond means. */
export function keyPlugin(items: KeyItem[]): Plugin {
  return {
    id: 'capexKey',
    afterDraw(chart) {
      if (items.length === 0) return;
      const ctx = ctxOf(chart);
      ctx.save();
      ctx.font = font(12);
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'left';
      const swatch = 16;
      const gap = 18;
      const widths = items.map((i) => swatch + 6 + ctx.measureText(i.label).width);
      let x = 16;
      const y = chart.height - 17;
      items.forEach((item, i) => {
        item.draw(ctx, x, y);
        ctx.fillStyle = THEME.muted;
        ctx.fillText(item.label, x + swatch + 6, y);
        x += widths[i]! + gap;
      });
      ctx.restore();
    },
  };
}

/** Value texts, one per data index, to draw at a pixel position the chart type computes. */
export function valueLabels(position: (chart: Chart, index: number) => { x: number; y: number; text: string; align?: 'left' | 'right' } | undefined, count: number): Plugin {
  return {
    id: 'capexValueLabels',
    afterDatasetsDraw(chart) {
      const ctx = ctxOf(chart);
      ctx.save();
      ctx.font = font(12, 600);
      ctx.fillStyle = THEME.text;
      ctx.textBaseline = 'middle';
      for (let i = 0; i < count; i++) {
        const at = position(chart, i);
        if (!at) continue;
        ctx.textAlign = at.align ?? 'left';
        ctx.fillText(at.text, at.x, at.y);
      }
      ctx.restore();
    },
  };
}

/** "72.2", "125", "1,400": a figure in billions as short as it can be without losing meaning. */
export function formatBillions(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  return String(Math.round(n * 10) / 10);
}

export function formatRange(low: number, high: number): string {
  return low === high ? formatBillions(high) : `${formatBillions(low)}–${formatBillions(high)}`;
}
