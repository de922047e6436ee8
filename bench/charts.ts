/**
 * Chart benchmark: a first render per chart type (drawn and PNG-encoded, no cache: p50/p99 over N renders
 * after a warm-up), drawing alone (the part on the event loop), the same request again from the image cache,
 * the text answer of the same command, then the PNG encoders side by side (Skia's vs ours, 1× vs 2×) and
 * the memory the renderer costs.
 *   npm run bench:charts [-- <renders per chart>]
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCore } from '../src/app.js';
import { loadDataFile } from '../src/data/loader.js';
import { renderPlain } from '../src/adapters/console/render.js';
import { encodeChart, loadDrawing, renderChartPng } from '../src/charts/render.js';
import { encodePng } from '../src/charts/png.js';
import { CHART_SIZE } from '../src/charts/theme.js';
import type { Caller } from '../src/core/command.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const COUNT = Number(process.argv[2] ?? 200);
const ENCODER_COUNT = Math.max(10, Math.round(COUNT / 5));
const WARMUP = 10;
const CASES: Record<string, string> = {
  'compare (4 bars)': '/compare meta amazon alphabet microsoft',
  'top (ranking)': '/capex top',
  'timeline (/capex meta)': '/capex meta',
};

const caller: Caller = { platform: 'console', userId: 'console:bench', isAdmin: false, channelId: 'console:bench' };
const core = createCore({ data: loadDataFile() });

const load = loadavg();
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sortedCopy = (values: number[]) => [...values].sort((a, b) => a - b);
const ms = (values: number[], p: number, digits = 1) => percentile(sortedCopy(values), p).toFixed(digits);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** Wall time into `samples`; with `cpu`, also the process's CPU time (all threads: the encoding runs on the pool). */
async function timed<T>(samples: number[], work: () => Promise<T> | T, cpu?: number[]): Promise<T> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await work();
  samples.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu?.push((c.user + c.system) / 1000);
  return out;
}

gc();
const before = process.memoryUsage();
const coldStart = performance.now();
const first = await core.handleText('/compare meta amazon', caller);
await encodeChart(first.chart!, { asOf: first.asOf });
const coldMs = performance.now() - coldStart;
const { drawChart, drawChartPixels } = await loadDrawing();

const rows: string[] = [];
let rssAfterFirstPass = 0;
for (const [name, line] of Object.entries(CASES)) {
  const reply = await core.handleText(line, caller);
  if (!reply.chart) throw new Error(`${line} has no chart`);
  const options = { asOf: reply.asOf };
  for (let i = 0; i < WARMUP; i++) await encodeChart(reply.chart, options);
  const renderMs: number[] = [];
  const renderCpuMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < COUNT; i++) bytes = (await timed(renderMs, () => encodeChart(reply.chart!, options), renderCpuMs)).length;
  const drawMs: number[] = [];
  for (let i = 0; i < COUNT; i++) (await timed(drawMs, () => drawChart(reply.chart!, options))).dispose();
  // The same request again: served from the image cache (renderChartPng), first one rendered outside the timing.
  await renderChartPng(reply.chart, options);
  const cachedMs: number[] = [];
  for (let i = 0; i < COUNT; i++) await timed(cachedMs, () => renderChartPng(reply.chart!, options));
  const textMs: number[] = [];
  for (let i = 0; i < COUNT; i++) await timed(textMs, async () => renderPlain(await core.handleText(line, caller)));
  rows.push(
    `| ${name} | ${COUNT} | ${ms(renderMs, 50)} | ${ms(renderMs, 99)} | ${ms(renderCpuMs, 50)} | ${ms(renderCpuMs, 99)} | ${ms(drawMs, 50)} | ${ms(drawMs, 99)} | ${ms(cachedMs, 50, 3)} | ${ms(cachedMs, 99, 3)} | ${(bytes / 1024).toFixed(0)} | ${ms(textMs, 50, 3)} |`,
  );
  if (!rssAfterFirstPass) rssAfterFirstPass = process.memoryUsage().rss;
}

// Encoders side by side on the 4-bar compare chart: drawing + encoding, a fresh drawing each time.
const compare = await core.handleText(CASES['compare (4 bars)']!, caller);
const encoderRows: string[] = [];
for (const scale of [1, 2]) {
  const encoders: [string, () => Promise<Buffer>][] = [
    ['Skia encode("png")', async () => {
      const drawn = drawChart(compare.chart!, { asOf: compare.asOf, scale });
      try {
        return await drawn.canvas.encode('png');
      } finally {
        drawn.dispose();
      }
    }],
    ['ours (node:zlib level 1, no filter)', async () => {
      const { rgba, width, height } = drawChartPixels(compare.chart!, { asOf: compare.asOf, scale });
      return encodePng(rgba, width, height);
    }],
  ];
  for (const [name, encode] of encoders) {
    const samples: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 3; i++) await encode();
    for (let i = 0; i < ENCODER_COUNT; i++) bytes = (await timed(samples, encode)).length;
    encoderRows.push(`| ${900 * scale}×${500 * scale} | ${name} | ${ENCODER_COUNT} | ${ms(samples, 50)} | ${ms(samples, 99)} | ${(bytes / 1024).toFixed(0)} |`);
  }
}

gc();
const after = process.memoryUsage();
const size = `${CHART_SIZE.width * CHART_SIZE.scale}×${CHART_SIZE.height * CHART_SIZE.scale}`;
console.log(`Load average at the start ${load.map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores.`);
console.log(`${COUNT} renders per chart after ${WARMUP} warm-up renders; ${size} PNG (${CHART_SIZE.width}×${CHART_SIZE.height} at ${CHART_SIZE.scale}×).\n`);
console.log('| chart | n | first render p50 (ms) | first render p99 (ms) | its CPU p50 (ms) | its CPU p99 (ms) | draw only p50 (ms) | draw only p99 (ms) | cached p50 (ms) | cached p99 (ms) | PNG (KiB) | text answer p50 (ms) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log('\nPNG encoders (draw + encode of the 4-bar compare chart):\n');
console.log('| pixels | encoder | n | p50 (ms) | p99 (ms) | PNG (KiB) |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of encoderRows) console.log(r);
console.log(`\nFirst chart in a fresh process (loading Chart.js + the canvas, fonts, Skia): ${coldMs.toFixed(0)} ms.`);
console.log(
  `Memory: rss ${mib(before.rss)} → ${mib(after.rss)} MiB (+${mib(after.rss - before.rss)}), heap used ${mib(before.heapUsed)} → ${mib(after.heapUsed)} MiB (+${mib(after.heapUsed - before.heapUsed)}); ` +
    `rss after the first chart type ${mib(rssAfterFirstPass)} MiB, at the end ${mib(after.rss)} MiB (growth between the two: ${mib(after.rss - rssAfterFirstPass)} MiB).`,
);
