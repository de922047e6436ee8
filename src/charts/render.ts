/**
 * PNG images of a reply's chart, rendered on the server.
 *
 * Stack: Chart.js drawing on @napi-rs/canvas. Why this pair:
 * - Both install from the npm registry alone. @napi-rs/canvas is Skia compiled ahead of time and shipped
 *   as per-platform npm optional dependencies (@napi-rs/canvas-linux-x64-gnu …): no install script, no
 *   download from elsewhere, no system libraries (cairo, pango) — `npm ci` in a clean clone is enough.
 *   (node-canvas, which chartjs-node-canvas needs, fetches its binaries from GitHub at install time.)
 * - No browser, no external chart service: a chart renders in-process in milliseconds (bench/charts.ts).
 * - Chart.js is the most used, actively maintained charting library; in Node it falls back to its basic
 *   platform (no DOM), which draws on any 2D context. Vega-Lite → SVG → resvg would also work, but needs
 *   three packages and a JSON grammar for what here is two small chart types with custom touches
 *   (tinted range segments, whiskers, direct labels) that are simple Chart.js plugins.
 * - The typeface comes from @fontsource/inter (npm too), so images do not depend on the host's fonts.
 *
 * Rendering can fail (a broken native module, odd data): callers must treat the image as an extra and
 * send the text answer anyway — `renderChartSafely` logs and returns undefined for exactly that.
 */
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  SubTitle,
  Title,
  type ChartConfiguration,
  type Plugin,
} from 'chart.js';
import type { Logger } from 'pino';
import type { ReplyChart } from '../core/reply.js';
import { formatDate } from '../data/money.js';
import { barsConfig } from './bars.js';
import { CHART_FONT_STACK, ensureChartFonts } from './fonts.js';
import { cardBackground } from './plugins.js';
import { BARS_BEFORE_GROWING, CHART_SIZE, PIXELS_PER_EXTRA_BAR, THEME } from './theme.js';
import { timelineConfig } from './timeline.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Title, SubTitle);

export interface ChartRenderOptions {
  /** ISO date of the newest figure shown; goes into the source line. */
  asOf?: string;
  /** Logical width and height in CSS pixels (default 900 × 500; bar charts with many bars grow taller). */
  width?: number;
  height?: number;
  /** Device pixels per CSS pixel (default 2, sharp on high-density screens). */
  scale?: number;
}

export class ChartDataError extends Error {}

/** "Source: capex-bot data, as of 29 Apr 2026" */
export function sourceLine(asOf?: string): string {
  return asOf ? `Source: capex-bot data, as of ${formatDate(asOf)}` : 'Source: capex-bot data';
}

function hasData(chart: ReplyChart): boolean {
  return chart.kind === 'timeline' ? (chart.series ?? []).some((s) => s.points.length > 0) : chart.bars.length > 0;
}

const finite = (chart: ReplyChart) =>
  [...chart.bars.flatMap((b) => [b.low, b.high]), ...(chart.series ?? []).flatMap((s) => s.points.flatMap((p) => [p.low, p.high]))].every(
    (v) => Number.isFinite(v) && v >= 0,
  );

/** Renders at most this many charts at once: each holds a ~7 MB canvas and a core while it encodes. */
export const MAX_CONCURRENT_RENDERS = 2;
/** Recently rendered images kept for identical requests (a digest fan-out posts the same chart everywhere). */
export const RECENT_IMAGES = 16;

const recent = new Map<string, Promise<Buffer>>();
const waiting: (() => void)[] = [];
let running = 0;
const stats = { rendered: 0, reused: 0, peakConcurrent: 0 };

/** How many images were drawn and how many identical requests reused one (for tests and benchmarks). */
export function chartRenderStats(): Readonly<typeof stats> {
  return { ...stats };
}

/**
 * The chart as PNG bytes. Identical requests share one rendering (the bytes are the same Buffer: treat it
 * as read-only), and at most MAX_CONCURRENT_RENDERS draw at once, the rest queue. Throws ChartDataError
 * for a chart with nothing to draw.
 */
export async function renderChartPng(chart: ReplyChart, options: ChartRenderOptions = {}): Promise<Buffer> {
  const key = JSON.stringify([chart, options]);
  const hit = recent.get(key);
  if (hit) {
    stats.reused += 1;
    recent.delete(key);
    recent.set(key, hit);
    return hit;
  }
  const promise = withRenderSlot(() => encodeChart(chart, options));
  recent.set(key, promise);
  if (recent.size > RECENT_IMAGES) recent.delete(recent.keys().next().value!);
  promise.catch(() => recent.delete(key));
  return promise;
}

async function withRenderSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_RENDERS) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  stats.peakConcurrent = Math.max(stats.peakConcurrent, running);
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** One rendering, uncached and unqueued (what renderChartPng runs; the benchmark times it directly). */
export async function encodeChart(chart: ReplyChart, options: ChartRenderOptions = {}): Promise<Buffer> {
  stats.rendered += 1;
  // Drawing runs on the event loop; the PNG encoding (most of the time) runs on libuv's thread pool.
  const drawn = drawChart(chart, options);
  try {
    return await drawn.canvas.encode('png');
  } finally {
    drawn.dispose();
  }
}

/**
 * Draws the chart onto a new canvas (synchronously, on the calling thread). Call `dispose` once the
 * pixels are encoded: it frees the Chart.js object and clears the canvas.
 */
export function drawChart(chart: ReplyChart, options: ChartRenderOptions = {}): { canvas: Canvas; dispose: () => void } {
  if (!hasData(chart)) throw new ChartDataError('The chart has no values to draw.');
  if (!finite(chart)) throw new ChartDataError('The chart has a value that is not a finite, non-negative number.');
  ensureChartFonts();
  Chart.defaults.font.family = CHART_FONT_STACK;
  Chart.defaults.color = THEME.text;

  const timeline = chart.kind === 'timeline';
  const width = options.width ?? CHART_SIZE.width;
  const grown = timeline ? 0 : Math.max(0, chart.bars.length - BARS_BEFORE_GROWING) * PIXELS_PER_EXTRA_BAR;
  const height = options.height ?? CHART_SIZE.height + grown;
  const scale = options.scale ?? CHART_SIZE.scale;

  const { config, plugins } = (timeline ? timelineConfig(chart) : barsConfig(chart)) as { config: ChartConfiguration; plugins: Plugin[] };
  const canvas = createCanvas(width, height);
  const rendered = new Chart(canvas as unknown as ConstructorParameters<typeof Chart>[0], {
    ...config,
    options: {
      ...config.options,
      responsive: false,
      animation: false,
      events: [],
      devicePixelRatio: scale,
      layout: { padding: { top: 8, right: 24, bottom: 6, left: 16 } },
      plugins: {
        legend: { display: false },
        tooltip: { enabled: false },
        title: { display: true, text: chart.title, align: 'start', color: THEME.text, font: { size: 18, weight: 700 }, padding: { top: 6, bottom: 18 } },
        subtitle: { display: true, text: sourceLine(options.asOf), position: 'bottom', align: 'end', color: THEME.muted, font: { size: 12 }, padding: { top: 10 } },
      },
    },
    plugins: [cardBackground, ...plugins],
  });
  return {
    canvas,
    dispose: () => {
      rendered.destroy();
      // Shrinking the canvas frees its ~7 MB pixel surface now. V8 does not see that native memory, so
      // waiting for the canvas object to be garbage-collected let a busy process grow by gigabytes.
      canvas.width = 1;
      canvas.height = 1;
    },
  };
}

/**
 * The image, or undefined when it cannot be drawn — logged, never thrown, so the text answer it
 * accompanies always goes out.
 */
export async function renderChartSafely(chart: ReplyChart | undefined, options: ChartRenderOptions, log: Pick<Logger, 'warn'>): Promise<Buffer | undefined> {
  if (!chart || !hasData(chart)) return undefined;
  try {
    return await renderChartPng(chart, options);
  } catch (err) {
    log.warn({ err, chart: chart.title }, 'chart rendering failed; sending the text answer without the image');
    return undefined;
  }
}
