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
import type { Logger } from 'pino';
import type { ReplyChart } from '../core/reply.js';
import { assertDrawable, hasData, type ChartRenderOptions } from './options.js';
import { encodePng } from './png.js';

export { ChartDataError, sourceLine, type ChartRenderOptions } from './options.js';

/** Renders at most this many charts at once: each holds a ~1.8 MB pixel surface and a core while it encodes. */
export const MAX_CONCURRENT_RENDERS = 2;
/**
 * Recently rendered images kept for identical requests (a digest fan-out posts the same chart everywhere;
 * a busy channel asks for the same company). Keyed by the chart's content and options: a new data version
 * that changes a figure is a new key, one that leaves a chart as it was reuses its image. A hit costs a
 * JSON.stringify of the chart (µs, bench/charts.ts).
 */
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
  assertDrawable(chart);
  stats.rendered += 1;
  // Drawing runs on the event loop (a few ms at 900×500); the PNG compression runs on libuv's thread pool.
  const { drawChartPixels } = await loadDrawing();
  const { rgba, width, height } = drawChartPixels(chart, options);
  return encodePng(rgba, width, height);
}

let drawing: Promise<typeof import('./draw.js')> | undefined;

/** Chart.js, the native canvas and the fonts load on the first chart, not at start-up (see draw.ts). */
export function loadDrawing(): Promise<typeof import('./draw.js')> {
  drawing ??= import('./draw.js');
  return drawing;
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
