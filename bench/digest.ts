/**
 * `npm run bench:digest` — one digest fanned out to 1,000 channels against the fake Slack Web API enforcing
 * a rate limit (429 + Retry-After), while signed slash commands hit the same bot process.
 *
 * Three processes, so none skews another's timing:
 * - the fake Slack API (test/helpers/fake-slack.ts) with a fixed-window limiter on chat.postMessage:
 *   at most `--limit` posts per `--window-ms`; over it → HTTP 429 with `Retry-After` in whole seconds until
 *   the window resets (at least 1), as Slack sends it. It counts accepted posts per channel.
 * - the bot: the real Slack adapter on the shared HTTP server (receiver + Bolt + core) and the digest
 *   service on a temp SQLite file with 1,000 schedules (one per channel) due at the same minute.
 * - this parent: triggers the slot, and meanwhile sends signed `/capex alibaba` at a steady rate with
 *   autocannon, first without the fan-out (baseline) and then during it.
 *
 * Lower bound: a fixed window lets `limit` posts through per window, so N posts need at least
 * (ceil(N / limit) − 1) windows after the first request. Targets: fan-out ≤ 1.2 × that bound, every channel
 * exactly once (fake's count and the ledger), slash-command p99 < 50 ms during the fan-out.
 *
 *   npm run bench:digest
 *   npm run bench:digest -- --channels 1000 --limit 100 --window-ms 1000 --rate 200
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { autocannon, type AutocannonResult } from './autocannon.js';
import { signedSlackRequest } from './slack-signed.js';

const SECRET = 'bench-signing-secret-0123456789abcdef';
const TOKEN = 'xoxb-bench';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    'api-url': { type: 'string' },
    db: { type: 'string' },
    channels: { type: 'string', default: '1000' },
    limit: { type: 'string', default: '100' },
    'window-ms': { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    connections: { type: 'string', default: '10' },
    'baseline-seconds': { type: 'string', default: '5' },
  },
});
const CHANNELS = Number(values.channels);
const LIMIT = Number(values.limit);
const WINDOW_MS = Number(values['window-ms']);
const channelId = (i: number) => `C${String(i).padStart(6, '0')}`;

/** Child processes talk in JSON lines: the parent writes commands to stdin, the child answers on stdout. */
function answerLines(handle: (msg: { cmd: string }) => Promise<unknown>): void {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    void handle(JSON.parse(line) as { cmd: string }).then((reply) => process.stdout.write(`${JSON.stringify(reply)}\n`));
  });
}

// ---- child: the fake Slack API with a rate limit ---------------------------------------------------------

async function serveFakeSlack(): Promise<void> {
  const { startFakeSlack } = await import('../test/helpers/fake-slack.js');
  const fake = await startFakeSlack({ validToken: TOKEN });
  let windowStart = 0;
  let inWindow = 0;
  let limited = 0;
  let firstPostAt = 0;
  let lastAcceptedAt = 0;
  const acceptedAt: number[] = [];
  /** Fixed windows aligned to the first post; over the limit → 429 with the whole seconds left in the window. */
  const overLimit = (api: string | undefined): boolean => {
    if (api !== 'chat.postMessage') return false;
    const now = Date.now();
    if (firstPostAt === 0) firstPostAt = windowStart = now;
    if (now - windowStart >= WINDOW_MS) {
      windowStart += Math.floor((now - windowStart) / WINDOW_MS) * WINDOW_MS;
      inWindow = 0;
    }
    if (inWindow >= LIMIT) {
      limited++;
      return true;
    }
    inWindow++;
    lastAcceptedAt = now;
    acceptedAt.push(now);
    return false;
  };
  // The fake's scripted rules carry a fixed Retry-After, so there is one rule per possible value.
  const secondsLeft = () => Math.max(1, Math.ceil((windowStart + WINDOW_MS - Date.now()) / 1000));
  let decided: { limited: boolean; seconds: number } | undefined;
  const decide = (api: string | undefined) => (decided = { limited: overLimit(api), seconds: secondsLeft() });
  for (let s = 1; s <= Math.ceil(WINDOW_MS / 1000) + 1; s++) {
    fake.failNext(
      { kind: 'rate-limit', retryAfterSeconds: s },
      {
        times: Number.MAX_SAFE_INTEGER,
        method: (r) => {
          if (s === 1) decide(r.api); // the first rule consulted decides for this request
          return decided!.limited && decided!.seconds === s;
        },
      },
    );
  }
  process.stdout.write(`${JSON.stringify({ ready: fake.apiUrl })}\n`);
  answerLines(async ({ cmd }) => {
    if (cmd !== 'stats') return { error: 'unknown' };
    const perChannel = new Map<string, number>();
    for (const r of fake.callsTo('chat.postMessage')) {
      if (r.status !== 200) continue;
      const channel = String(r.body.channel);
      perChannel.set(channel, (perChannel.get(channel) ?? 0) + 1);
    }
    // Per window: when its first and last post was accepted (ms into the window) — where the time goes.
    const windows = new Map<number, { first: number; last: number; n: number }>();
    for (const at of acceptedAt) {
      const w = Math.floor((at - firstPostAt) / WINDOW_MS);
      const into = at - firstPostAt - w * WINDOW_MS;
      const e = windows.get(w) ?? { first: into, last: into, n: 0 };
      windows.set(w, { first: Math.min(e.first, into), last: Math.max(e.last, into), n: e.n + 1 });
    }
    return { accepted: [...perChannel.entries()], limited, firstPostAt, lastAcceptedAt, windowMs: WINDOW_MS, limit: LIMIT, windows: [...windows.entries()] };
  });
}

// ---- child: the bot ------------------------------------------------------------------------------------

async function serveBot(apiUrl: string, dbFile: string): Promise<void> {
  const { pino } = await import('pino');
  const { createCore } = await import('../src/app.js');
  const { loadDataFile } = await import('../src/data/loader.js');
  const { loadConfig } = await import('../src/config.js');
  const { HttpServer } = await import('../src/http/server.js');
  const { startSlack } = await import('../src/adapters/slack/index.js');
  const { DigestService } = await import('../src/schedule/service.js');
  const { SqliteStore } = await import('../src/store/sqlite.js');
  const { systemClock } = await import('../src/schedule/clock.js');

  const logger = pino({ level: 'warn' }, pino.destination(2));
  const data = loadDataFile();
  // The slot is 09:00 UTC "today"; the bot's clock runs at real speed, shifted so the slot is reachable on demand.
  const slot = Date.UTC(2026, 0, 5, 9, 0);
  let offset = slot - 60_000 - Date.now();
  const clock = { now: () => Date.now() + offset, sleep: systemClock.sleep };

  const store = new SqliteStore(dbFile);
  const digest = new DigestService({ store, data: () => data, clock, logger, heartbeat: false, config: { DEFAULT_TIMEZONE: 'UTC', DIGEST_GRACE_MINUTES: 120 } });
  const services = { digest };
  const core = createCore({ data, logger, services });
  const http = new HttpServer(() => ({ adapters: ['slack'] }));
  const config = loadConfig({}, { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: apiUrl, LOG_LEVEL: 'warn' });
  const slack = await startSlack({ core, config, http, logger });
  const address = await http.listen(0, '127.0.0.1');
  // Time each request spends inside the bot (request parsed → response finished), to tell bot-side waits
  // from time spent in the kernel, the scheduler or the load generator.
  let serverTimes: number[] | undefined;
  (http as unknown as { server: import('node:http').Server }).server.on('request', (_req, res) => {
    const at = performance.now();
    res.once('finish', () => serverTimes?.push(performance.now() - at));
  });

  const caller = { platform: 'slack' as const, userId: 'slack:UADMIN', isAdmin: true, channelId: 'slack:C0', userName: 'bench' };
  for (let i = 0; i < CHANNELS; i++) {
    await digest.add({ when: { kind: 'time', hour: 9, minute: 0, days: [1, 2, 3, 4, 5, 6, 7] }, zone: 'UTC', channelId: `slack:${channelId(i)}` }, caller);
  }
  await digest.start([slack.outbound]);
  process.stdout.write(`${JSON.stringify({ ready: `http://127.0.0.1:${address.port}/slack/events` })}\n`);

  answerLines(async ({ cmd }) => {
    if (cmd === 'fanout') {
      const profiler = await startProfiler();
      const { monitorEventLoopDelay } = await import('node:perf_hooks');
      const loopDelay = monitorEventLoopDelay({ resolution: 5 });
      loopDelay.enable();
      serverTimes = [];
      offset = slot - Date.now(); // now it is 09:00:00.000
      const started = performance.now();
      const tick = await digest.scheduler.tick();
      const tickMs = performance.now() - started;
      await digest.scheduler.idle();
      const elapsedMs = performance.now() - started;
      loopDelay.disable();
      const loop = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
      const inBot = serverTimes.sort((a, b) => a - b);
      serverTimes = undefined;
      const server = { p99: inBot[Math.floor(inBot.length * 0.99)] ?? 0, max: inBot.at(-1) ?? 0 };
      await profiler?.stop();
      const rows = await Promise.all((await store.listSchedules('slack:')).map((s) => store.deliveriesOf(s.id)));
      const delivered = rows.filter((r) => r.length === 1 && r[0]!.status === 'delivered').length;
      const attempts = rows.flat().reduce((n, r) => n + r.attempts, 0);
      return { claimed: tick.claimed, tickMs, elapsedMs, delivered, ledgerRows: rows.flat().length, attempts, loop, server };
    }
    if (cmd === 'stop') {
      await digest.stop();
      await slack.stop();
      await http.close();
      setImmediate(() => process.exit(0));
      return { stopped: true };
    }
    return { error: 'unknown' };
  });
}

/** BENCH_CPU_PROF=<file> writes a V8 CPU profile of the bot during the fan-out, for finding where the time goes. */
async function startProfiler(): Promise<{ stop(): Promise<void> } | undefined> {
  const file = process.env.BENCH_CPU_PROF;
  if (!file) return undefined;
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

// ---- parent --------------------------------------------------------------------------------------------

interface Child {
  process: ChildProcess;
  ready: string;
  ask(cmd: string): Promise<Record<string, unknown>>;
}

function startChild(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const waiting: ((v: Record<string, unknown>) => void)[] = [];
  return new Promise((resolve, reject) => {
    rl.on('line', (line) => {
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (typeof msg.ready === 'string') {
        resolve({
          process: child,
          ready: msg.ready,
          ask: (cmd) => {
            child.stdin!.write(`${JSON.stringify({ cmd })}\n`);
            return new Promise((r) => waiting.push(r));
          },
        });
      } else waiting.shift()?.(msg);
    });
    child.once('exit', (code) => reject(new Error(`bench child ${args.join(' ')} exited (${code})`)));
  });
}

/** CPU time (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return Number.NaN;
  }
}

/** Steady signed slash-command load; `stop()` ends it early (autocannon's instance API). */
function commandLoad(url: string, body: string, duration: number): Promise<AutocannonResult> & { stop: () => void } {
  return autocannon({ url, connections: Number(values.connections), overallRate: Number(values.rate), duration, ...signedSlackRequest(SECRET, body) }) as Promise<AutocannonResult> & {
    stop: () => void;
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'digest-bench-'));
  const fake = await startChild(['--role', 'fake-slack', '--limit', String(LIMIT), '--window-ms', String(WINDOW_MS)]);
  const bot = await startChild(['--role', 'bot', '--api-url', fake.ready, '--db', join(dir, 'bench.sqlite'), '--channels', String(CHANNELS)]);
  const body = new URLSearchParams({
    token: 'x', team_id: 'T0BENCH', team_domain: 'bench', channel_id: 'C0BENCH', channel_name: 'general', user_id: 'U0BENCH',
    user_name: 'bench', command: '/capex', text: 'alibaba', api_app_id: 'A0BENCH', response_url: 'http://127.0.0.1:9/unused', trigger_id: '1.2.3',
  }).toString();
  try {
    const check = await fetch(bot.ready, signedSlackRequest(SECRET, body));
    if (check.status !== 200) throw new Error(`the bot answered ${check.status}`);
    await commandLoad(bot.ready, body, 2); // warm-up
    const baseline = await commandLoad(bot.ready, body, Number(values['baseline-seconds']));

    // During: the command load runs exactly as long as the fan-out.
    const load = commandLoad(bot.ready, body, 600);
    const trace: [number, number][] = [];
    (load as unknown as { on(e: string, f: (...a: unknown[]) => void): void }).on('response', (_c, _s, _b, rt) => trace.push([Date.now(), rt as number]));
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    const ownLoop = monitorEventLoopDelay({ resolution: 5 });
    ownLoop.enable();
    const cpuBefore = [bot.process.pid, fake.process.pid, process.pid].map(cpuMs);
    const wallBefore = performance.now();
    const fanout = (await bot.ask('fanout')) as {
      claimed: number;
      tickMs: number;
      elapsedMs: number;
      delivered: number;
      ledgerRows: number;
      attempts: number;
      loop: { p99: number; max: number };
      server: { p99: number; max: number };
    };
    const cpuShare = [bot.process.pid, fake.process.pid, process.pid].map((pid, i) => (cpuMs(pid) - cpuBefore[i]!) / (performance.now() - wallBefore));
    ownLoop.disable();
    load.stop();
    const during = await load;
    const stats = (await fake.ask('stats')) as {
      accepted: [string, number][];
      limited: number;
      firstPostAt: number;
      lastAcceptedAt: number;
      windows: [number, { first: number; last: number; n: number }][];
    };

    if (process.env.BENCH_TRACE) (await import('node:fs')).writeFileSync(process.env.BENCH_TRACE, JSON.stringify({ firstPostAt: stats.firstPostAt, trace }));
    // When the slow commands were sent, relative to the first post the fake saw (negative: while the slot was being claimed).
    const slow = trace.filter(([, rt]) => rt > 30).map(([at, rt]) => at - rt - stats.firstPostAt);
    const accepted = new Map(stats.accepted);
    const missing = Array.from({ length: CHANNELS }, (_, i) => channelId(i)).filter((c) => !accepted.has(c));
    const duplicated = [...accepted.entries()].filter(([, n]) => n > 1);
    const windows = Math.ceil(CHANNELS / LIMIT) - 1;
    const lowerBoundMs = windows * WINDOW_MS;
    const ratio = fanout.elapsedMs / lowerBoundMs;
    const postSpanMs = stats.lastAcceptedAt - stats.firstPostAt;
    for (const [name, r] of [['baseline', baseline], ['during', during]] as const) {
      if (r.non2xx || r.errors || r.timeouts) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
    }

    console.log(`One digest to ${CHANNELS} Slack channels (one schedule each, same slot) against the fake Web API limited to ${LIMIT} chat.postMessage per ${WINDOW_MS} ms window (429 + Retry-After); signed \`/capex alibaba\` at ${values.rate}/s over ${values.connections} connections on the same bot process. Node ${process.versions.node}.`);
    console.log('');
    console.log('| fan-out | time (s) | lower bound (s) | ratio | 429s | posts accepted | channels exactly once | ledger delivered |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    console.log(
      `| ${CHANNELS} channels | ${(fanout.elapsedMs / 1000).toFixed(2)} | ${(lowerBoundMs / 1000).toFixed(2)} | ${ratio.toFixed(2)}× | ${stats.limited} | ${[...accepted.values()].reduce((a, b) => a + b, 0)} | ${CHANNELS - missing.length - duplicated.length} / ${CHANNELS} | ${fanout.delivered} / ${CHANNELS} |`,
    );
    console.log('');
    console.log('| slash commands | requests | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const [name, r] of [['baseline (no fan-out)', baseline], ['during the fan-out', during]] as const) {
      console.log(`| ${name} | ${r.requests.total} | ${r.latency.p50} | ${r.latency.p90} | ${r.latency.p99} | ${r.latency.max} |`);
    }
    console.log('');
    console.log(
      `Slot time to last post ${(fanout.elapsedMs / 1000).toFixed(2)} s, of which claiming the ${fanout.claimed} slots took ${(fanout.tickMs / 1000).toFixed(2)} s; first to last accepted post ${(postSpanMs / 1000).toFixed(2)} s (${(postSpanMs / lowerBoundMs).toFixed(2)}× the bound); ${fanout.attempts} post attempts; the bot's event-loop delay during the fan-out: p99 ${fanout.loop.p99.toFixed(1)} ms, max ${fanout.loop.max.toFixed(1)} ms; time inside the bot per request (parsed → answered): p99 ${fanout.server.p99.toFixed(1)} ms, max ${fanout.server.max.toFixed(1)} ms.`,
    );
    console.log(`CPU during the fan-out (1.00 = one core; ${availableParallelism()} cores): bot ${cpuShare[0]!.toFixed(2)}, fake Slack API ${cpuShare[1]!.toFixed(2)}, load generator ${cpuShare[2]!.toFixed(2)}.`);
    console.log(
      `Commands slower than 30 ms: ${slow.length}${slow.length ? `, sent ${Math.min(...slow).toFixed(0)} to ${Math.max(...slow).toFixed(0)} ms from the first post` : ''}; the load generator's own event-loop delay: p99 ${(ownLoop.percentile(99) / 1e6).toFixed(1)} ms, max ${(ownLoop.max / 1e6).toFixed(1)} ms.`,
    );
    console.log(`Per window (posts, first–last accepted ms into the window): ${stats.windows.map(([w, e]) => `#${w} ${e.n} ${e.first}–${e.last}`).join(', ')}.`);
    const ok = ratio <= 1.2 && missing.length === 0 && duplicated.length === 0 && fanout.delivered === CHANNELS && during.latency.p99 < 50;
    console.log(`Targets (≤ 1.2× the lower bound, every channel exactly once, command p99 < 50 ms during the fan-out): ${ok ? 'met' : 'NOT met'}.`);
    if (missing.length || duplicated.length) console.log(`missing: ${missing.slice(0, 5).join(', ')}…; duplicated: ${duplicated.slice(0, 5).map(([c, n]) => `${c}×${n}`).join(', ')}`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await bot.ask('stop').catch(() => undefined);
    fake.process.kill();
    bot.process.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Exit normally on kill so a requested CPU profile gets written.
if (values.role) process.once('SIGTERM', () => process.exit(0));
if (values.role === 'fake-slack') await serveFakeSlack();
else if (values.role === 'bot') await serveBot(values['api-url']!, values.db!);
else await main();
