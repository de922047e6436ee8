/**
 * Web benchmark: server-side time to answer each page with cached data (the data set loaded, answers built
 * once), timed one request at a time through the whole Hono application — routing, security headers, the
 * command answer, the HTML template, the body read out — without sockets. Target: p99 ≤ 5 ms for
 * /company/<id> (the page, not its chart image).
 *   npm run bench:web [-- <requests per page>]
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { loadDataFile } from '../src/data/loader.js';
import { createWebApp } from '../src/web/app.js';

const PER_PAGE = Number(process.argv[2] ?? 3_000);
const data = loadDataFile();
const loadedAt = new Date().toISOString();
const app = createWebApp({ data: () => data, status: () => ({ dataVersion: data.version, dataLoadedAt: loadedAt }), services: {}, logger: pino({ level: 'silent' }) });

const PAGES: Record<string, string[]> = {
  'home /': ['/'],
  '/company/<id>': ['/company/meta', '/company/microsoft', '/company/alibaba', '/company/openai', '/company/coreweave'],
  '/compare?c=…': ['/compare?c=meta,amazon', '/compare?c=microsoft,alphabet,amazon,meta'],
  '/figures.csv': ['/figures.csv'],
  '/figures.json': ['/figures.json'],
  '/revisions.atom': ['/revisions.atom'],
  'chart PNG (cached)': ['/chart/top/2026.png', '/chart/company/meta.png'],
  '404 page': ['/company/nobody'],
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Wall time, and CPU time of this process (all threads) — the machine is shared, so a request may wait for a core. */
async function timed(path: string): Promise<{ ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await app.request(path);
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  if (res.status >= 500) throw new Error(`${path}: ${res.status}`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}
const request = async (path: string) => (await timed(path)).ms;

// First requests build the per-data-set answers, exports, feed and chart images: timed apart, as "cold".
const cold: [string, number][] = [];
for (const paths of Object.values(PAGES)) for (const path of paths) cold.push([path, await request(path)]);
// Warm up the JIT so the numbers describe the steady state a running bot sees.
for (let i = 0; i < 300; i++) for (const paths of Object.values(PAGES)) await request(paths[i % paths.length]!);

console.log(`web: ${PER_PAGE} requests per page, one at a time, in-process through the Hono app (no sockets), cached data version ${data.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| page | n | p50 (ms) | p99 (ms) | max (ms) | CPU p50 (ms) | CPU p99 (ms) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, paths] of Object.entries(PAGES)) {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < PER_PAGE; i++) {
    const t = await timed(paths[i % paths.length]!);
    wall.push(t.ms);
    cpu.push(t.cpuMs);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(`| ${name} | ${wall.length} | ${percentile(wall, 50).toFixed(3)} | ${percentile(wall, 99).toFixed(3)} | ${wall.at(-1)!.toFixed(2)} | ${percentile(cpu, 50).toFixed(3)} | ${percentile(cpu, 99).toFixed(3)} |`);
}
console.log(`first (cold) request per path, building its cached answer: ${cold.map(([p, ms]) => `${p} ${ms.toFixed(1)} ms`).join('; ')}`);
const mem = process.memoryUsage();
console.log(`memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`);
