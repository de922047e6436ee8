/**
 * `npm run bench:digest` — one digest fanned out to 1,000 channels against the fake Slack Web API enforcing
 * a rate limit (429 + Retry-After), while signed slash commands hit the same bot process.
 *
 * Three processes, so none skews another's timing:
 * - the fake Slack API (test/helpers/fake-slack.ts) with a fixed-window limiter on chat.postMessage:
 *   at most `--limit` posts per `--window-ms`; over it → HTTP 429 with `Retry-After` in whole seconds until
 *   the window resets (at least 1), as Slack sends it. It records every accepted post: a digest is a parent
 *   post plus replies in its thread (issue 14's default), so 1,000 channels are ~3,000 posts.
 * - the bot: the real Slack adapter on the shared HTTP server (receiver + Bolt + core) and the digest
 *   service on a temp SQLite file with 1,000 schedules (one per channel) due at the same minute.
 * - this parent: triggers the slot, and meanwhile sends signed `/capex alibaba` at a steady rate with
 *   autocannon, first without the fan-out (baseline) and then during it.
 *
 * Lower bound: a fixed window lets `limit` posts through per window, so N posts — every post the fake accepted,
 * parents and thread replies — need at least (ceil(N / limit) − 1) windows after the first request. Headline:
 * slot → last accepted post (wall clocks of the bot and the fake, one machine). Targets: ≤ 1.05 × that bound;
 * every channel's parent exactly once and each of its thread replies exactly once in that parent's thread (the
 * fake's record and the ledger's agree); slash-command p99 < 50 ms during the fan-out.
 *
 * Three runs, each with a fresh fake and database: one bot on an SQLite file, one bot on PostgreSQL, and three
 * bot replicas on one PostgreSQL database sharing the fan-out through the delivery ledger's leases (replica 1
 * records the slot's rows; every replica claims and posts; the commands go to replica 1). PostgreSQL is
 * TEST_DATABASE_URL's server, or a throwaway cluster (test/helpers/postgres.ts).
 *
 *   npm run bench:digest
 *   npm run bench:digest -- --channels 1000 --limit 100 --window-ms 1000 --rate 200 [--only sqlite|pg1|pg3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { autocannon, type AutocannonResult } from './autocannon.js';
import { freshSlackRequests, signedSlackRequest } from './slack-signed.js';

const SECRET = 'bench-signing-secret-0123456789abcdef';
const TOKEN = 'xoxb-bench';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    'api-url': { type: 'string' },
    db: { type: 'string' },
    replica: { type: 'string', default: '0' },
    only: { type: 'string' },
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

/**
 * Child processes talk in JSON lines: the parent writes commands to stdin, the child answers on stdout with the
 * command's id (answers come back out of order: the ledger is asked about while a fan-out is still running).
 */
function answerLines(handle: (msg: { cmd: string }) => Promise<unknown>): void {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const msg = JSON.parse(line) as { cmd: string; id: number };
    void handle(msg).then((reply) => process.stdout.write(`${JSON.stringify({ id: msg.id, reply })}\n`));
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
    // Cheap, polled while the fan-out runs: how many posts were accepted so far, and the last one's time.
    if (cmd === 'progress') return { accepted: acceptedAt.length, lastAcceptedAt };
    if (cmd !== 'stats') return { error: 'unknown' };
    // Every accepted post per channel: digest parents, and thread replies (thread_ts) with what they said, so a
    // reply posted twice (a resumed thread repeating one) shows as a repeated content key.
    const perChannel = new Map<string, { parents: number; replies: [string, string][] }>();
    for (const r of fake.callsTo('chat.postMessage')) {
      if (r.status !== 200) continue;
      const channel = String(r.body.channel);
      const entry = perChannel.get(channel) ?? { parents: 0, replies: [] };
      if (r.body.thread_ts) entry.replies.push([String(r.body.thread_ts), createHash('sha1').update(JSON.stringify([r.body.text, r.body.blocks])).digest('hex')]);
      else entry.parents++;
      perChannel.set(channel, entry);
    }
    // Per window: when its first and last post was accepted (ms into the window) — where the time goes.
    const windows = new Map<number, { first: number; last: number; n: number }>();
    for (const at of acceptedAt) {
      const w = Math.floor((at - firstPostAt) / WINDOW_MS);
      const into = at - firstPostAt - w * WINDOW_MS;
      const e = windows.get(w) ?? { first: into, last: into, n: 0 };
      windows.set(w, { first: Math.min(e.first, into), last: Math.max(e.last, into), n: e.n + 1 });
    }
    return { perChannel: [...perChannel.entries()], accepted: acceptedAt.length, limited, firstPostAt, lastAcceptedAt, windowMs: WINDOW_MS, limit: LIMIT, windows: [...windows.entries()] };
  });
}

// ---- child: the bot ------------------------------------------------------------------------------------

async function serveBot(apiUrl: string, databaseUrl: string, replica: number): Promise<void> {
  const { pino } = await import('pino');
  const { createCore } = await import('../src/app.js');
  const { loadDataFile } = await import('../src/data/loader.js');
  const { loadConfig } = await import('../src/config.js');
  const { HttpServer } = await import('../src/http/server.js');
  const { startSlack } = await import('../src/adapters/slack/index.js');
  const { DigestService } = await import('../src/schedule/service.js');
  const { openStore } = await import('../src/store/index.js');
  const { systemClock } = await import('../src/core/clock.js');

  const logger = pino({ level: 'warn' }, pino.destination(2));
  const data = loadDataFile();
  // The slot is 09:00 UTC "today"; the bot's clock runs at real speed, shifted so the slot is reachable on demand.
  const slot = Date.UTC(2026, 0, 5, 9, 0);
  let offset = slot - 60_000 - Date.now();
  const clock = { now: () => Date.now() + offset, sleep: systemClock.sleep };

  const store = await openStore({ DATABASE_URL: databaseUrl });
  const digest = new DigestService({ store, data: () => data, clock, logger, heartbeat: false, owner: `bench-replica-${replica}`, config: { DEFAULT_TIMEZONE: 'UTC', DIGEST_GRACE_MINUTES: 120 } });
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
  // Replica 0 creates the schedules and leads the tick; every replica claims and posts (the engine's 1 s poll).
  if (replica === 0) {
    for (let i = 0; i < CHANNELS; i++) {
      await digest.add({ when: { kind: 'time', hour: 9, minute: 0, days: [1, 2, 3, 4, 5, 6, 7] }, zone: 'UTC', channelId: `slack:${channelId(i)}` }, caller);
    }
  }
  await digest.start([slack.outbound], { lead: replica === 0 });
  digest.engine.startTimers();
  process.stdout.write(`${JSON.stringify({ ready: `http://127.0.0.1:${address.port}/slack/events` })}\n`);

  /** Per channel, what the ledger recorded: delivered or not, the parent's ts and how many thread replies went out. */
  const ledgerReport = async () => {
    const rows = await digest.engine.ledger.rows({ kind: 'digest' });
    return {
      attempts: rows.reduce((n, r) => n + r.attempts, 0),
      rows: rows.map((r) => ({ channel: r.target.replace(/^slack:/, ''), status: r.status, messageRef: r.messageRef, threadSent: (r.progress as { sent?: number } | null)?.sent ?? 0 })),
    };
  };

  answerLines(async ({ cmd }) => {
    if (cmd === 'shift') {
      offset = slot - Date.now(); // every replica's clock: now it is 09:00:00.000
      return { shifted: true };
    }
    if (cmd === 'ledger') return ledgerReport();
    if (cmd === 'unfinished') return { unfinished: await digest.engine.ledger.countUnfinished('digest') };
    if (cmd === 'fanout') {
      const profiler = await startProfiler();
      const { monitorEventLoopDelay } = await import('node:perf_hooks');
      const loopDelay = monitorEventLoopDelay({ resolution: 5 });
      loopDelay.enable();
      serverTimes = [];
      offset = slot - Date.now(); // now it is 09:00:00.000
      const slotWallAt = Date.now();
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
      return { claimed: tick.claimed, slotWallAt, tickMs, elapsedMs, loop, server };
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
  const waiting = new Map<number, (v: Record<string, unknown>) => void>();
  let nextId = 0;
  return new Promise((resolve, reject) => {
    rl.on('line', (line) => {
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (typeof msg.ready === 'string') {
        resolve({
          process: child,
          ready: msg.ready,
          ask: (cmd) => {
            const id = nextId++;
            child.stdin!.write(`${JSON.stringify({ cmd, id })}\n`);
            return new Promise((r) => waiting.set(id, r));
          },
        });
      } else {
        const { id, reply } = msg as { id: number; reply: Record<string, unknown> };
        waiting.get(id)?.(reply);
        waiting.delete(id);
      }
    });
    child.once('exit', (code) => reject(new Error(`bench child ${args.join(' ')} exited (${code})`)));
  });
}

/** Steady signed slash-command load; `stop()` ends it early (autocannon's instance API). */
function commandLoad(url: string, body: string, duration: number): Promise<AutocannonResult> & { stop: () => void } {
  return autocannon({ url, connections: Number(values.connections), overallRate: Number(values.rate), duration, ...freshSlackRequests(SECRET, body) }) as Promise<AutocannonResult> & {
    stop: () => void;
  };
}

interface Scenario {
  label: string;
  replicas: number;
  elapsedMs: number;
  postSpanMs: number;
  lowerBoundMs: number;
  limited: number;
  posts: number;
  exactlyOnce: number;
  missing: number;
  duplicated: number;
  delivered: number;
  threadLength: number;
  attempts: number;
  baseline: AutocannonResult;
  during: AutocannonResult;
  loop: { p99: number; max: number };
  windows: [number, { first: number; last: number; n: number }][];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Stats = {
  perChannel: [string, { parents: number; replies: [string, string][] }][];
  accepted: number;
  limited: number;
  firstPostAt: number;
  lastAcceptedAt: number;
  windows: [number, { first: number; last: number; n: number }][];
};
type LedgerReport = { attempts: number; rows: { channel: string; status: string; messageRef: string | null; threadSent: number }[] };

/**
 * Every post of every channel exactly once, fake and ledger agreeing: one parent per channel, and in its thread
 * (thread_ts = the parent's ts the ledger recorded) as many replies as the ledger says went out, none twice; the
 * ledger row delivered with the same thread length in every channel (one digest, one shape).
 */
function exactlyOnce(stats: Stats, ledger: LedgerReport): { exactlyOnce: number; missing: number; duplicated: number; delivered: number; threadLength: number } {
  const fake = new Map(stats.perChannel);
  const rows = new Map(ledger.rows.map((r) => [r.channel, r]));
  const threadLength = Math.max(0, ...ledger.rows.map((r) => r.threadSent));
  let missing = 0;
  let duplicated = 0;
  let exact = 0;
  for (let i = 0; i < CHANNELS; i++) {
    const got = fake.get(channelId(i)) ?? { parents: 0, replies: [] };
    const row = rows.get(channelId(i));
    const inThread = got.replies.filter(([ts]) => ts === row?.messageRef);
    const distinct = new Set(inThread.map(([, key]) => key)).size;
    const dup = got.parents > 1 || distinct < inThread.length || inThread.length < got.replies.length;
    const lost = got.parents === 0 || row?.status !== 'delivered' || row.threadSent !== threadLength || distinct < threadLength;
    if (dup) duplicated++;
    if (lost) missing++;
    if (!dup && !lost) exact++;
  }
  return { exactlyOnce: exact, missing, duplicated, delivered: ledger.rows.filter((r) => r.status === 'delivered').length, threadLength };
}

/** One fan-out: a fresh fake Slack API, `replicas` bots on `databaseUrl`, the command load on replica 1. */
async function runScenario(label: string, databaseUrl: string, replicas: number): Promise<Scenario> {
  const fake = await startChild(['--role', 'fake-slack', '--limit', String(LIMIT), '--window-ms', String(WINDOW_MS)]);
  const bots: Child[] = [];
  const body = new URLSearchParams({
    token: 'x', team_id: 'T0BENCH', team_domain: 'bench', channel_id: 'C0BENCH', channel_name: 'general', user_id: 'U0BENCH',
    user_name: 'bench', command: '/capex', text: 'alibaba', api_app_id: 'A0BENCH', response_url: 'http://127.0.0.1:9/unused', trigger_id: '1.2.3',
  }).toString();
  try {
    for (let r = 0; r < replicas; r++) {
      bots.push(await startChild(['--role', 'bot', '--api-url', fake.ready, '--db', databaseUrl, '--channels', String(CHANNELS), '--replica', String(r)]));
    }
    const bot = bots[0]!;
    const check = await fetch(bot.ready, signedSlackRequest(SECRET, body));
    if (check.status !== 200) throw new Error(`the bot answered ${check.status}`);
    await commandLoad(bot.ready, body, 2); // warm-up
    const baseline = await commandLoad(bot.ready, body, Number(values['baseline-seconds']));

    // During: the command load runs exactly as long as the fan-out.
    const load = commandLoad(bot.ready, body, 600);
    await Promise.all(bots.map((b) => b.ask('shift')));
    const started = performance.now();
    const fanout = bot.ask('fanout') as Promise<{ slotWallAt: number; loop: { p99: number; max: number } }>;
    // Done when the ledger has no unfinished digest row left (whichever replica posted it): asked only once every
    // channel could have had its parent and thread, so the polling costs the bots nothing before the tail.
    for (let posts = 0; ; ) {
      if (performance.now() - started > 300_000) throw new Error(`${label}: not done after 300 s (${posts} posts accepted)`);
      await sleep(posts >= CHANNELS ? 100 : 20);
      posts = ((await fake.ask('progress')) as { accepted: number }).accepted;
      if (posts >= CHANNELS && ((await bot.ask('unfinished')) as { unfinished: number }).unfinished === 0) break;
    }
    const { loop, slotWallAt } = await fanout;
    load.stop();
    const during = await load;
    await sleep(500); // late answers (a duplicate would land now)
    const stats = (await fake.ask('stats')) as Stats;
    const ledger = (await bot.ask('ledger')) as LedgerReport;
    for (const [name, r] of [['baseline', baseline], ['during', during]] as const) {
      if (r.non2xx || r.errors || r.timeouts) throw new Error(`${label} ${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
    }
    const once = exactlyOnce(stats, ledger);
    return {
      label,
      replicas,
      elapsedMs: stats.lastAcceptedAt - slotWallAt,
      postSpanMs: stats.lastAcceptedAt - stats.firstPostAt,
      lowerBoundMs: (Math.ceil(stats.accepted / LIMIT) - 1) * WINDOW_MS,
      limited: stats.limited,
      posts: stats.accepted,
      ...once,
      attempts: ledger.attempts,
      baseline,
      during,
      loop,
      windows: stats.windows,
    };
  } finally {
    for (const b of bots) await b.ask('stop').catch(() => undefined);
    fake.process.kill();
    for (const b of bots) b.process.kill();
  }
}

/** A fresh PostgreSQL database per run: on TEST_DATABASE_URL's server, or on a throwaway cluster. */
async function postgresDatabases(): Promise<{ create(name: string): Promise<string>; stop(): Promise<void> }> {
  const pg = (await import('pg')).default;
  const { startPostgresCluster } = await import('../test/helpers/postgres.js');
  const cluster = process.env.TEST_DATABASE_URL ? undefined : await startPostgresCluster();
  const server = process.env.TEST_DATABASE_URL ?? cluster!.url;
  const created: string[] = [];
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    async create(name) {
      const db = `capex_bench_${name}_${process.pid}`;
      await admin(`CREATE DATABASE ${db}`);
      created.push(db);
      const url = new URL(server);
      url.pathname = `/${db}`;
      return url.toString();
    },
    async stop() {
      for (const db of created) await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
      await cluster?.stop();
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'digest-bench-'));
  const only = values.only;
  const results: Scenario[] = [];
  const pg = only === 'sqlite' ? undefined : await postgresDatabases();
  try {
    if (!only || only === 'sqlite') results.push(await runScenario('SQLite, 1 bot', join(dir, 'bench.sqlite'), 1));
    if (pg && (!only || only === 'pg1')) results.push(await runScenario('PostgreSQL, 1 bot', await pg.create('one'), 1));
    if (pg && (!only || only === 'pg3')) results.push(await runScenario('PostgreSQL, 3 replicas', await pg.create('three'), 3));
  } finally {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const threads = [...new Set(results.map((r) => r.threadLength))].join(' / ');
  console.log(`One digest to ${CHANNELS} Slack channels (one schedule each, same slot; a parent post + ${threads} thread replies each) against the fake Web API limited to ${LIMIT} chat.postMessage per ${WINDOW_MS} ms window (429 + Retry-After); signed \`/capex alibaba\` at ${values.rate}/s over ${values.connections} connections on replica 1. Node ${process.versions.node}, ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end.`);
  console.log('Bound: every post the fake accepted (parents and replies), `limit` per window: (ceil(posts / limit) − 1) windows after the first post.');
  console.log('');
  console.log('| run | slot → last post (s) | bound (s) | ratio | first → last post | 429s | posts accepted | channels exactly once (parent + thread) | ledger delivered | commands p99 baseline / during (ms) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  let ok = true;
  for (const r of results) {
    const ratio = r.elapsedMs / r.lowerBoundMs;
    console.log(
      `| ${r.label} | ${(r.elapsedMs / 1000).toFixed(2)} | ${(r.lowerBoundMs / 1000).toFixed(2)} | ${ratio.toFixed(3)}× | ${(r.postSpanMs / r.lowerBoundMs).toFixed(3)}× | ${r.limited} | ${r.posts} | ${r.exactlyOnce} / ${CHANNELS} | ${r.delivered} / ${CHANNELS} | ${r.baseline.latency.p99} / ${r.during.latency.p99} |`,
    );
    ok &&= ratio <= 1.05 && r.missing === 0 && r.duplicated === 0 && r.delivered === CHANNELS && r.during.latency.p99 < 50;
  }
  console.log('');
  for (const r of results) {
    console.log(
      `${r.label}: ${r.missing} lost, ${r.duplicated} duplicated; ${r.attempts} post attempts on parents (ledger); replica 1's event-loop delay during the fan-out p99 ${r.loop.p99.toFixed(1)} ms (max ${r.loop.max.toFixed(1)}); per window (posts, first–last accepted ms into the window): ${r.windows.map(([w, e]) => `#${w} ${e.n} ${e.first}–${e.last}`).join(', ')}.`,
    );
  }
  console.log(`Targets (≤ 1.05× the bound, every channel's parent and thread exactly once, command p99 < 50 ms during the fan-out): ${ok ? 'met' : 'NOT met'}.`);
  process.exitCode = ok ? 0 : 1;
}

// Exit normally on kill so a requested CPU profile gets written.
if (values.role) process.once('SIGTERM', () => process.exit(0));
if (values.role === 'fake-slack') await serveFakeSlack();
else if (values.role === 'bot') await serveBot(values['api-url']!, values.db!, Number(values.replica));
else await main();
