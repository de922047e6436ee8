/**
 * Chart benchmark: PNG render time per chart type (p50/p99 over N renders each, after a warm-up) and the
 * memory the renderer costs (rss and heap before the first chart vs after all of them, after a GC), next
 * to the text answer of the same command timed in the same run.
 *   npm run bench:charts [-- <renders per chart>]
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createCore } from '../src/app.js';
import { loadDataFile } from '../src/data/loader.js';
import { renderPlain } from '../src/adapters/console/render.js';
import { drawChart, encodeChart } from '../src/charts/render.js';
import type { Caller } from '../src/core/command.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const COUNT = Number(process.argv[2] ?? 200);
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
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

gc();
const before = process.memoryUsage();
const coldStart = performance.now();
const first = await core.handleText('/compare meta amazon', caller);
await encodeChart(first.chart!, { asOf: first.asOf });
const coldMs = performance.now() - coldStart;

const rows: string[] = [];
let rssAfterFirstPass = 0;
for (const [name, line] of Object.entries(CASES)) {
  const reply = await core.handleText(line, caller);
  if (!reply.chart) throw new Error(`${line} has no chart`);
  for (let i = 0; i < WARMUP; i++) await encodeChart(reply.chart, { asOf: reply.asOf });
  const chartMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < COUNT; i++) {
    const t0 = performance.now();
    const png = await encodeChart(reply.chart, { asOf: reply.asOf });
    chartMs.push(performance.now() - t0);
    bytes = png.length;
  }
  // Drawing alone: the part that holds the event loop (the PNG encoding runs on the thread pool).
  const drawMs: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const t0 = performance.now();
    const drawn = drawChart(reply.chart, { asOf: reply.asOf });
    drawMs.push(performance.now() - t0);
    drawn.dispose();
  }
  const textMs: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const t0 = performance.now();
    renderPlain(await core.handleText(line, caller));
    textMs.push(performance.now() - t0);
  }
  chartMs.sort((a, b) => a - b);
  drawMs.sort((a, b) => a - b);
  textMs.sort((a, b) => a - b);
  const p50 = percentile(chartMs, 50);
  const textP50 = percentile(textMs, 50);
  rows.push(
    `| ${name} | ${COUNT} | ${p50.toFixed(1)} | ${percentile(chartMs, 99).toFixed(1)} | ${chartMs.at(-1)!.toFixed(1)} | ${percentile(drawMs, 50).toFixed(1)} | ${percentile(drawMs, 99).toFixed(1)} | ${(bytes / 1024).toFixed(0)} | ${textP50.toFixed(3)} | ${Math.round(p50 / textP50)}× |`,
  );
  if (!rssAfterFirstPass) rssAfterFirstPass = process.memoryUsage().rss;
}

gc();
const after = process.memoryUsage();
console.log(`Load average at the start ${load.map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores.`);
console.log(`${COUNT} renders per chart after ${WARMUP} warm-up renders; 1800×1000 PNG (900×500 at 2×).\n`);
console.log('| chart | n | render p50 (ms) | render p99 (ms) | max (ms) | draw only p50 (ms) | draw only p99 (ms) | PNG (KiB) | text answer p50 (ms) | image / text |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log(`\nFirst chart in a fresh process (fonts, Chart.js set-up, Skia): ${coldMs.toFixed(0)} ms.`);
console.log(
  `Memory: rss ${mib(before.rss)} → ${mib(after.rss)} MiB (+${mib(after.rss - before.rss)}), heap used ${mib(before.heapUsed)} → ${mib(after.heapUsed)} MiB (+${mib(after.heapUsed - before.heapUsed)}); ` +
    `rss after the first chart type ${mib(rssAfterFirstPass)} MiB, after all ${Object.keys(CASES).length * (COUNT + WARMUP)} renders ${mib(after.rss)} MiB (growth between the two: ${mib(after.rss - rssAfterFirstPass)} MiB).`,
);
