/**
 * Core benchmark: 100,000 mixed commands through the real core on the real data set, rendering
 * included (plain text), timed one by one: wall time, and the process's CPU time for the same command
 * (process.cpuUsage, µs resolution). On a shared 2-core machine the wall-time p99 is mostly time the
 * process was not scheduled; the CPU-time p99 is what the command itself cost (GC included).
 * Targets (issue 18): p99 ≤ 0.100 ms overall, ≤ 0.200 ms for `top`.
 * Answers are built once per data set and their text once per answer, so the table above is the steady state
 * of a running bot; a second table times each command's first answer after a reload (a new data set of the same
 * file, as a data reload swaps it in), where the answer is built and laid out.
 *   npm run bench:core [-- <count> [<reloads>]]
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
// @ts-expect-error plain JavaScript (it runs before any TypeScript tooling)
import { builtEntry, DIST } from '../bin/build.js';
import type { Caller } from '../src/core/command.js';

// The code a console user runs: bin/capex-bot.js runs the precompiled dist/ (rebuilt whenever src/ changed), and
// the TypeScript through tsx only when no build can be made — so does this bench.
const precompiled = builtEntry() !== undefined;
const code = (path: string): string => (precompiled ? pathToFileURL(`${DIST as string}/${path}.js`).href : new URL(`../src/${path}.ts`, import.meta.url).href);
const { createCore } = (await import(code('app'))) as typeof import('../src/app.js');
const { BUNDLED_DATA_FILE, readDataFile, validateDataText } = (await import(code('data/loader'))) as typeof import('../src/data/loader.js');
const { DataSet } = (await import(code('data/dataset'))) as typeof import('../src/data/dataset.js');
const { renderPlain } = (await import(code('adapters/console/render'))) as typeof import('../src/adapters/console/render.js');

const COUNT = Number(process.argv[2] ?? 100_000);
const RELOADS = Number(process.argv[3] ?? 200);
const MIX: Record<string, string[]> = {
  capex: ['/capex alibaba', '/capex meta', '/capex MSFT', '/capex google', '/capex 阿里巴巴', '/capex coreweave'],
  compare: ['/compare meta amazon', '/compare msft, googl, amzn, meta', '/compare alibaba tencent bytedance'],
  top: ['/capex top', '/capex top 2025'],
  companies: ['/capex companies'],
  help: ['/help', '/capex help compare'],
  error: ['/capex alibba', '/compare meta', '/frobnicate', '/capex top 1999'],
};

const caller: Caller = { platform: 'console', userId: 'console:bench', isAdmin: false, channelId: 'console:bench' };
const validated = validateDataText(readDataFile(BUNDLED_DATA_FILE), BUNDLED_DATA_FILE);
if (!validated.ok) throw new Error('the bundled data file does not validate');
const file = validated.data;
let data = new DataSet(file);
const core = createCore({ data: () => data });
const lines = Object.entries(MIX).flatMap(([kind, ls]) => ls.map((l) => ({ kind, line: l })));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// Warm up the JIT so the numbers describe the steady state a running bot sees.
for (let i = 0; i < 2_000; i++) renderPlain(await core.handleText(lines[i % lines.length]!.line, caller));

type Samples = Map<string, { wall: number[]; cpu: number[] }>;

/** Answers one line as the console does (parse → command → reply → text), timed: wall and the process's CPU. */
async function timed(kind: string, line: string, into: Samples): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  renderPlain(await core.handleText(line, caller));
  const ms = performance.now() - t0;
  const c1 = process.cpuUsage(c0);
  const s = into.get(kind) ?? into.set(kind, { wall: [], cpu: [] }).get(kind)!;
  s.wall.push(ms);
  s.cpu.push((c1.user + c1.system) / 1000);
}

const summary = (kind: string, wall: number[], cpu: number[]) => {
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { kind, n: wall.length, p50: percentile(wall, 50), p99: percentile(wall, 99), max: wall.at(-1)!, cpu50: percentile(cpu, 50), cpu99: percentile(cpu, 99) };
};

function printTable(rows: ReturnType<typeof summary>[]): void {
  console.log('| command | n | p50 (ms) | p99 (ms) | max (ms) | CPU p50 (ms) | CPU p99 (ms) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.kind} | ${r.n} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.max.toFixed(2)} | ${r.cpu50.toFixed(3)} | ${r.cpu99.toFixed(3)} |`);
  }
}

const memoryLine = (what: string) => {
  const mem = process.memoryUsage();
  return `${what}: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`;
};

const samples: Samples = new Map();
const started = performance.now();
for (let i = 0; i < COUNT; i++) {
  const { kind, line } = lines[i % lines.length]!;
  await timed(kind, line, samples);
}
const totalMs = performance.now() - started;

const rows = [...samples.entries()].map(([kind, s]) => summary(kind, s.wall, s.cpu));
const all = summary('all', [...samples.values()].flatMap((s) => s.wall), [...samples.values()].flatMap((s) => s.cpu));
console.log(`core: ${COUNT} commands in ${(totalMs / 1000).toFixed(2)} s (${Math.round(COUNT / (totalMs / 1000))} commands/s), rendering included; code: ${precompiled ? 'dist/ (precompiled, as bin/capex-bot.js runs it)' : 'src/ through tsx (no build could be made)'}`);
printTable([...rows, all]);
console.log(memoryLine('memory'));

// The first answer of each command after a reload: a new data set of the same file, then every line once.
const cold: Samples = new Map();
for (let r = 0; r < RELOADS; r++) {
  data = new DataSet(file);
  for (const { kind, line } of lines) await timed(kind, line, cold);
}
console.log(`\nfirst answer after a reload (${RELOADS} reloads, each line once per reload):`);
printTable([...cold.entries()].map(([kind, s]) => summary(kind, s.wall, s.cpu)));
console.log(memoryLine('memory after the reloads'));
