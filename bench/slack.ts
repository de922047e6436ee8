/**
 * `npm run bench:slack` — signed slash commands per second through our Slack path (shared HttpServer, our
 * receiver, Bolt's App routing, the real core and Block Kit renderer) versus a bare node:http server that
 * verifies the same HMAC and returns the same JSON bytes. Both servers run in their own child process and are
 * measured alternately in one run with autocannon (100 connections), so the ratio is what matters on a
 * shared machine. Targets (issue 18): ours ≥ 27 % of bare, p99 ≤ 20 ms. Server CPU per request (user and kernel,
 * from /proc) is the steadier figure when other jobs share the cores.
 *
 *   npm run bench:slack                         /capex help and /capex alibaba, 2 rounds × 8 s per server each
 *   npm run bench:slack -- --duration 15 --rounds 3 --line '/compare meta amazon'
 *   npm run bench:slack -- --charts                also render and upload chart images after each answer
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { autocannon, type AutocannonResult } from './autocannon.js';
import { freshSlackRequests, signedSlackRequest } from './slack-signed.js';

const SECRET = 'bench-signing-secret-0123456789abcdef';
const TOKEN = 'xoxb-bench';
const CONNECTIONS = 100;
/**
 * A cheap answer measures what the adapter adds (receiver, Bolt, rendering); `/capex alibaba` the whole path,
 * including the core's own work for a real company (bench:core measures that alone).
 */
const DEFAULT_LINES = ['/capex help', '/capex alibaba'];

const { values } = parseArgs({
  options: {
    serve: { type: 'string' },
    'api-url': { type: 'string' },
    'body-file': { type: 'string' },
    duration: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    line: { type: 'string', multiple: true },
    charts: { type: 'boolean', default: false },
    // Node flags for our server instead of npm start's (e.g. --node-flags=--max-semi-space-size=8), to compare.
    'node-flags': { type: 'string' },
  },
});

/** The node flags `npm start` passes (package.json), e.g. --max-semi-space-size=2: our server runs as deployed. */
const START_FLAGS = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(/\s+/)
  .filter((word) => word.startsWith('--'));
const OUR_FLAGS = values['node-flags'] === undefined ? START_FLAGS : values['node-flags'].split(/\s+/).filter(Boolean);

// ---- child processes ------------------------------------------------------------------------------------

async function serveOurs(apiUrl: string, withCharts: boolean): Promise<void> {
  const { createCore } = await import('../src/app.js');
  const { loadDataFile } = await import('../src/data/loader.js');
  const { loadConfig } = await import('../src/config.js');
  const { HttpServer } = await import('../src/http/server.js');
  const { startSlack } = await import('../src/adapters/slack/index.js');
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const data = loadDataFile();
  const core = createCore({ data, logger });
  const http = new HttpServer(() => ({ adapters: ['slack'] }));
  const config = loadConfig({}, { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: apiUrl, LOG_LEVEL: 'warn' });
  // Chart images are uploaded after the ack (PNG rendering + three files.* calls): off unless --charts, so the
  // numbers compare the request path itself with the bare server.
  await startSlack({ core, config, http, logger, charts: withCharts });
  const address = await http.listen(0, '127.0.0.1');
  process.stdout.write(`READY ${address.port}\n`);
}

/** The floor: verify the same v0 HMAC the same way, answer the same bytes, nothing else. */
async function serveBare(answer: string): Promise<void> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const ts = req.headers['x-slack-request-timestamp'];
      const sig = req.headers['x-slack-signature'];
      if (typeof ts !== 'string' || typeof sig !== 'string' || Math.abs(Date.now() / 1000 - Number(ts)) > 300) {
        res.writeHead(401).end();
        return;
      }
      const expected = Buffer.from(`v0=${createHmac('sha256', SECRET).update(`v0:${ts}:`).update(body).digest('hex')}`);
      const given = Buffer.from(sig);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  process.stdout.write(`READY ${port}\n`);
}

// ---- parent ---------------------------------------------------------------------------------------------

function startChild(args: string[], nodeFlags: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each server child, for finding where the time goes.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const child = spawn(process.execPath, [...profile, ...nodeFlags, '--import', 'tsx', fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const port = /READY (\d+)/.exec(out)?.[1];
      if (port) resolve({ child, url: `http://127.0.0.1:${port}/slack/events` });
    });
    child.once('exit', (code) => reject(new Error(`server child exited early (${code})`)));
  });
}

/** CPU time (ms) a process has used so far, user and system (kernel: sockets), from /proc (Linux); undefined elsewhere. */
function cpuMs(pid: number | undefined): { user: number; system: number } | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, in clock ticks of 10 ms
    return { user: (Number(fields[11]) * 1000) / 100, system: (Number(fields[12]) * 1000) / 100 };
  } catch {
    return undefined;
  }
}

interface Measured extends AutocannonResult {
  /** Server CPU per answered request (µs): robust on a shared machine, where req/s swings with other load. */
  cpuUsPerRequest?: number;
  /** The part of it spent in the kernel (reading and writing sockets). */
  systemUsPerRequest?: number;
}

async function load(target: { url: string; child: ChildProcess }, body: string, seconds: number): Promise<Measured> {
  const before = cpuMs(target.child.pid);
  // A fresh trigger_id per request, as Slack sends: a repeated one is answered once (retry guard).
  const result: Measured = await autocannon({ url: target.url, connections: CONNECTIONS, duration: seconds, ...freshSlackRequests(SECRET, body) });
  const after = cpuMs(target.child.pid);
  if (before !== undefined && after !== undefined) {
    result.cpuUsPerRequest = ((after.user + after.system - before.user - before.system) * 1000) / result.requests.total;
    result.systemUsPerRequest = ((after.system - before.system) * 1000) / result.requests.total;
  }
  return result;
}

interface Summary {
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
}
interface Row {
  line: string;
  answerBytes: number;
  bare: Summary;
  ours: Summary;
}

function summarise(results: Measured[]): Summary {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    rps: mean(results.map((r) => r.requests.average)),
    p50: mean(results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    cpu: mean(results.map((r) => r.cpuUsPerRequest ?? Number.NaN)),
  };
}

async function main(): Promise<void> {
  const { startFakeSlack } = await import('../test/helpers/fake-slack.js');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir, loadavg, cpus } = await import('node:os');
  const { join } = await import('node:path');
  const duration = Number(values.duration);
  const rounds = Number(values.rounds);
  const lines = values.line?.length ? values.line : DEFAULT_LINES;

  // auth.test at start-up goes to a local fake; no Web API call happens per command.
  const fake = await startFakeSlack({ validToken: TOKEN });
  const ours = await startChild(['--serve', 'ours', '--api-url', fake.apiUrl, ...(values.charts ? ['--charts'] : [])], OUR_FLAGS);
  const rows: Row[] = [];
  try {
    for (const line of lines) {
      const [command, ...words] = line.split(' ');
      const body = new URLSearchParams({
        token: 'x', team_id: 'T0BENCH', team_domain: 'bench', channel_id: 'C0BENCH', channel_name: 'general', user_id: 'U0BENCH',
        user_name: 'bench', command: command!, text: words.join(' '), api_app_id: 'A0BENCH', response_url: `${fake.baseUrl}/response/bench`, trigger_id: `sample.${rows.length}`,
      }).toString();
      const sample = await fetch(ours.url, signedSlackRequest(SECRET, body));
      const answer = await sample.text();
      if (sample.status !== 200 || !answer.includes('"blocks"')) throw new Error(`our server answered ${sample.status}: ${answer.slice(0, 200)}`);
      // The bare server answers these exact bytes, so both sides send the same response.
      const answerFile = join(mkdtempSync(join(tmpdir(), 'slack-bench-')), 'answer.json');
      writeFileSync(answerFile, answer);
      const bare = await startChild(['--serve', 'bare', '--body-file', answerFile]);
      const results: Record<'bare' | 'ours', Measured[]> = { bare: [], ours: [] };
      try {
        for (const target of [bare, ours]) await load(target, body, 2); // warm-up: JIT, connection pools
        for (let round = 1; round <= rounds; round += 1) {
          for (const [name, target] of [['bare', bare], ['ours', ours]] as const) {
            const result = await load(target, body, duration);
            if (result.non2xx || result.errors || result.timeouts) {
              throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
            }
            results[name].push(result);
            console.error(`${line} round ${round} ${name}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, ${result.cpuUsPerRequest?.toFixed(0) ?? '?'} µs CPU/request (${result.systemUsPerRequest?.toFixed(0) ?? '?'} in the kernel)`);
          }
        }
      } finally {
        bare.child.kill();
      }
      rows.push({ line, answerBytes: Buffer.byteLength(answer), bare: summarise(results.bare), ours: summarise(results.ours) });
    }
  } finally {
    ours.child.kill();
    await fake.close();
  }

  console.log(`${CONNECTIONS} connections, ${rounds} × ${duration} s per server, bare and ours alternating, ours run with node ${OUR_FLAGS.join(' ') || '(no flags)'}, chart uploads ${values.charts ? 'on' : 'off'}; Node ${process.versions.node}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} at the end.`);
  console.log('');
  console.log('| signed command (answer size) | bare req/s | ours req/s | ours / bare | bare p50 / p99 (ms) | ours p50 / p99 (ms) | server CPU µs/request, bare / ours |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const size = `${(r.answerBytes / 1024).toFixed(1)} KB`;
    const ratio = `${((100 * r.ours.rps) / r.bare.rps).toFixed(0)} %`;
    console.log(`| \`${r.line}\` (${size}) | ${Math.round(r.bare.rps)} | ${Math.round(r.ours.rps)} | ${ratio} | ${r.bare.p50.toFixed(0)} / ${r.bare.p99} | ${r.ours.p50.toFixed(0)} / ${r.ours.p99} | ${r.bare.cpu.toFixed(0)} / ${r.ours.cpu.toFixed(0)} |`);
  }
  console.log('');
  for (const r of rows) {
    const ratioOk = r.ours.rps / r.bare.rps >= 0.27;
    console.log(`${r.line}: ≥ 27 % of bare ${ratioOk ? 'met' : 'NOT met'}; p99 ≤ 20 ms ${r.ours.p99 <= 20 ? 'met' : 'NOT met'}.`);
  }
}

// Exit normally on kill so a requested CPU profile gets written.
if (values.serve) process.once('SIGTERM', () => process.exit(0));
if (values.serve === 'ours') await serveOurs(values['api-url']!, Boolean(values.charts));
else if (values.serve === 'bare') await serveBare((await import('node:fs')).readFileSync(values['body-file']!, 'utf8'));
else await main();
