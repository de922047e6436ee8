/**
 * Drawing a chart: Chart.js on an @napi-rs/canvas (Skia). This module is the heavy one — Chart.js, the
 * native canvas and the fonts — so render.ts imports it only when the first chart is drawn: a bot that
 * never draws a chart never loads it (bench/startup.ts, BENCHMARKS.md).
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
import type { ReplyChart } from '../core/reply.js';
import { barsConfig } from './bars.js';
import { CHART_FONT_STACK, ensureChartFonts } from './fonts.js';
import { assertDrawable, sourceLine, type ChartRenderOptions } from './options.js';
import { cardBackground } from './plugins.js';
import { BARS_BEFORE_GROWING, CHART_SIZE, PIXELS_PER_EXTRA_BAR, THEME } from './theme.js';
import { timelineConfig } from './timeline.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Title, SubTitle);

/**
 * Draws the chart onto a new canvas (synchronously, on the calling thread). Call `dispose` once the
 * pixels are read: it frees the Chart.js object and the canvas's pixel surface.
 */
export function drawChart(chart: ReplyChart, options: ChartRenderOptions = {}): { canvas: Canvas; dispose: () => void } {
  assertDrawable(chart);
  ensureChartFonts();
  Chart.defaults.font.family = CHART_FONT_STACK;
  Chart.defaults.color = THEME.text;

  const timeline = chart.kind === 'timeline';
  const width = options.width ?? CHART_SIZE.width;
  const grown = timeline ? 0 : Math.max(0, chart.bars.length - BARS_BEFORE_GROWING) * PIXELS_PER_EXTRA_BAR;
  const height = options.height ?? CHART_SIZE.height + grown;
  const scale = options.scale ?? CHART_SIZE.scale;

  const { config, plugins } = (timeline ? timelineConfig(chart) : barsConfig(chart)) as { config: ChartConfiguration; plugins: Plugin[] };
  // Chart.js sizes the pixel surface itself: width × devicePixelRatio.
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
      // Shrinking the canvas frees its pixel surface now. V8 does not see that native memory, so
      // waiting for the canvas object to be garbage-collected let a busy process grow by gigabytes.
      canvas.width = 1;
      canvas.height = 1;
    },
  };
}

/** The chart's straight RGBA pixels and size; the canvas is freed before this returns. */
export function drawChartPixels(chart: ReplyChart, options: ChartRenderOptions = {}): { rgba: Uint8ClampedArray; width: number; height: number } {
  const drawn = drawChart(chart, options);
  try {
    const { width, height } = drawn.canvas;
    return { rgba: drawn.canvas.getContext('2d').getImageData(0, 0, width, height).data, width, height };
  } finally {
    drawn.dispose();
  }
}
