/**
 * Start-up and idle memory of the real process, per configuration: console only, Slack, Discord, and all
 * (Slack + Discord + web pages). Each run spawns `node <npm start's node flags> bin/capex-bot.js start` as `npm start` does,
 * against the fake Slack and Discord APIs on 127.0.0.1, and measures
 *  - start-up: spawn → the first GET /healthz answering 200 with status "ok", i.e. every configured platform
 *    connected and answering (an early "starting" or "degraded" answer does not count); console only: spawn →
 *    the first answer on stdout, since a console with piped input opens no port;
 *  - idle RSS: VmRSS of the process after IDLE_SECONDS with no traffic, and — the steady state — after
 *    STEADY_SECONDS: V8 keeps start-up's garbage and its grown young generation until its memory reducer runs,
 *    about 8–15 s into a quiet spell (measured: all adapters 115–120 MiB at 5 s, 104–114 from 10 s on; with a
 *    16 MiB semi-space 143 MiB until 15 s, 108–110 after). The steady readings come from RUNS processes per
 *    configuration started side by side after the timed runs (RSS is per process; their start-ups overlap);
 *  - CPU: user + system time of the process until ready (less noisy than wall time on a shared machine).
 * bin/capex-bot.js runs the precompiled dist/ (bin/build.js): the bench builds it first, so no run pays for a
 * build, and reports what one rebuild costs (paid once by the first start after a source change). In the same
 * run, interleaved, each configuration also starts from the TypeScript sources through tsx (what bin did
 * before): the before/after of precompiling.
 * Targets (issue 18): ≤ 1.5 s to /healthz, ≤ 120 MiB idle RSS.
 *   npm run bench:startup [-- <runs per configuration, default 3>]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startFakeDiscord } from '../test/helpers/fake-discord.js';
import { startFakeSlack } from '../test/helpers/fake-slack.js';
// @ts-expect-error plain JavaScript (it runs before any TypeScript tooling)
import { build } from '../bin/build.js';

const RUNS = Number(process.argv[2] ?? 3);
const IDLE_SECONDS = 5;
const STEADY_SECONDS = 30;
const BIN = fileURLToPath(new URL('../bin/capex-bot.js', import.meta.url));
const SOURCE_CLI = new URL('../src/cli.ts', import.meta.url).href;
/** bin/capex-bot.js as it was before dist/: the sources through tsx's loader. */
const FROM_SOURCE = ['--import', 'tsx', '-e', `import(${JSON.stringify(SOURCE_CLI)}).then(async ({ cli }) => { process.exitCode = await cli(['start']); })`];
/** The node flags `npm start` passes (package.json), e.g. --max-semi-space-size=2: measured as deployed. */
const START_FLAGS = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .filter((word) => word.startsWith('--'));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

/** Ready = 200 with status "ok": every configured platform can answer (a 200 "starting"/"degraded" is not ready). */
async function untilHealthy(port: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`capex-bot exited with ${child.exitCode} before /healthz answered`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      const body = (await res.json()) as { status?: string };
      if (res.status === 200 && body.status === 'ok') return;
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
}

function untilFirstOutput(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`capex-bot exited with ${code} before answering`)));
  });
}

const slack = await startFakeSlack();
const discord = await startFakeDiscord();
const publicKeyHex = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
const SLACK = { SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: 'bench-signing-secret', SLACK_API_URL: slack.apiUrl };
const DISCORD = { DISCORD_TOKEN: 'bench-token', DISCORD_PUBLIC_KEY: publicKeyHex, DISCORD_APPLICATION_ID: '1000', DISCORD_API_URL: discord.url };
const CONFIGS: Record<string, Record<string, string>> = {
  'console only': {},
  'Slack (HTTP)': { ...SLACK, WEB: 'off' },
  'Discord (gateway + HTTP interactions)': { ...DISCORD, WEB: 'off' },
  'all (Slack + Discord + web pages)': { ...SLACK, ...DISCORD, WEB: 'on' },
  'all, without npm start\'s node flags': { ...SLACK, ...DISCORD, WEB: 'on', BENCH_NO_FLAGS: '1' },
};

interface Run { startMs: number; cpuMs: number; rss: number }

/** Spawns the precompiled bot with npm start's flags (unless BENCH_NO_FLAGS) in a fresh directory. */
function spawnBot(env: Record<string, string>, port: number, dir: string, fromSource: boolean): ChildProcess {
  const flags = env.BENCH_NO_FLAGS ? [] : START_FLAGS;
  return spawn(process.execPath, [...flags, ...(fromSource ? FROM_SOURCE : [BIN, 'start'])], {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: join(dir, 'bot.sqlite'), FEED_REFRESH_MINUTES: '', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

async function stopBot(child: ChildProcess, dir: string): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  rmSync(dir, { recursive: true, force: true });
}

/** Ready as in `once`: console only answers a command, the others report /healthz "ok". */
async function ready(child: ChildProcess, port: number, consoleOnly: boolean): Promise<void> {
  if (!consoleOnly) return untilHealthy(port, child);
  const answered = untilFirstOutput(child);
  child.stdin!.write('/capex meta\n');
  await answered;
}

async function once(name: string, env: Record<string, string>, fromSource: boolean): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'capex-startup-'));
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnBot(env, port, dir, fromSource);
  try {
    await ready(child, port, Object.keys(env).length === 0);
    const startMs = performance.now() - t0;
    const cpu = cpuMs(child.pid!);
    await sleep(IDLE_SECONDS * 1000);
    if (child.exitCode !== null) throw new Error(`${name}: capex-bot exited while idle`);
    return { startMs, cpuMs: cpu, rss: rssMiB(child.pid!) };
  } finally {
    await stopBot(child, dir);
  }
}

/** VmRSS (MiB) of RUNS precompiled processes per configuration, all started together, STEADY_SECONDS after the last is ready. */
async function steadyRss(): Promise<Map<string, number[]>> {
  const bots = await Promise.all(
    Object.entries(CONFIGS).flatMap(([name, env]) =>
      Array.from({ length: RUNS }, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'capex-steady-'));
        const port = await freePort();
        const child = spawnBot(env, port, dir, false);
        await ready(child, port, Object.keys(env).length === 0);
        return { name, child, dir };
      }),
    ),
  );
  await sleep(STEADY_SECONDS * 1000);
  const rss = new Map<string, number[]>();
  for (const { name, child } of bots) {
    if (child.exitCode !== null) throw new Error(`${name}: capex-bot exited while idle`);
    rss.set(name, [...(rss.get(name) ?? []), rssMiB(child.pid!)]);
  }
  await Promise.all(bots.map(({ child, dir }) => stopBot(child, dir)));
  return rss;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const load = loadavg();
// Built before the clock starts (bin/capex-bot.js would otherwise build on the first run); then one forced
// rebuild, timed: what the first start after a source change pays on top.
build();
const rebuildStarted = performance.now();
build({ force: true });
const rebuildMs = performance.now() - rebuildStarted;
const rows: string[] = [];
const runs = new Map<string, { built: Run[]; source: Run[] }>();
for (const [name, env] of Object.entries(CONFIGS)) {
  const built: Run[] = [];
  const source: Run[] = [];
  // Interleaved, so both see the same machine load.
  for (let i = 0; i < RUNS; i++) {
    built.push(await once(name, env, false));
    source.push(await once(name, env, true));
  }
  runs.set(name, { built, source });
}
const steady = await steadyRss();
for (const [name, { built, source }] of runs) {
  const m = (runs: Run[], key: keyof Run) => median(runs.map((r) => r[key])).toFixed(0);
  const max = (runs: Run[], key: keyof Run) => Math.max(...runs.map((r) => r[key])).toFixed(0);
  const still = steady.get(name)!;
  rows.push(`| ${name} | ${RUNS} | ${m(built, 'startMs')} | ${max(built, 'startMs')} | ${m(built, 'cpuMs')} | ${m(built, 'rss')} | ${max(built, 'rss')} | ${median(still).toFixed(0)} | ${Math.max(...still).toFixed(0)} | ${m(source, 'startMs')} | ${m(source, 'cpuMs')} | ${m(source, 'rss')} |`);
}
await slack.close();
await discord.close();

console.log(`Load average at the start ${load.map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores; RSS read after ${IDLE_SECONDS} s idle (the timed runs) and after ${STEADY_SECONDS} s idle (steady: ${RUNS} processes per configuration side by side); node flags from npm start: ${START_FLAGS.join(' ') || 'none'}.`);
console.log(`Precompiled = bin/capex-bot.js running dist/ (what npm start runs); from source = the TypeScript through tsx (bin before dist/), interleaved in the same run. A rebuild of dist/ took ${rebuildMs.toFixed(0)} ms.\n`);
console.log(`| configuration | runs | start-up median (ms) | start-up max (ms) | CPU to ready median (ms) | RSS at ${IDLE_SECONDS} s idle, median (MiB) | max | steady idle RSS (${STEADY_SECONDS} s), median (MiB) | max | from source: start-up (ms) | from source: CPU (ms) | from source: RSS at ${IDLE_SECONDS} s (MiB) |`);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log('\nTargets: start-up ≤ 1,500 ms to /healthz answering status "ok" (console: to the first answer), idle RSS ≤ 120 MiB (the steady reading: an idle bot after V8\'s memory reducer ran).');
