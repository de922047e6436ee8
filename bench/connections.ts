/**
 * Connection-exhaustion benchmark: the real bot (`capex-bot start`, a child process, Slack pointed at the fake
 * Slack API and Discord HTTP interactions on) while an attacker holds 1,000 connections open — 500 slow-loris
 * (headers trickled a byte at a time, never finished) and 500 held bodies (signed-looking Discord headers,
 * Content-Length 1 MB, 900 KB sent, the rest trickled) — reopening each one as soon as the bot closes it.
 * Meanwhile valid signed requests (Discord /capex alibaba and Slack /capex alibaba, 4 at a time) are timed.
 * The same requests are timed first with no attacker: both runs are in this one process, so compare the ratio.
 * The bot's memory is its resident set size (/proc/<pid>/status VmRSS), sampled every 100 ms.
 *   npm run bench:connections [-- <seconds under attack, default 20>]
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeSlack } from '../test/helpers/fake-slack.js';
import { signedSlackRequest } from './slack-signed.js';

const BIN = fileURLToPath(new URL('../bin/capex-bot.js', import.meta.url));
const SLACK_SECRET = 'bench-signing-secret';
const SLACK_TOKEN = 'xoxb-bench';
const SLOW_LORIS = 500;
const HELD_BODIES = 500;
const IN_FLIGHT = 2;

const seconds = Number(process.argv[2] ?? 20);
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const publicKeyHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** CPU seconds (user + system) a process has used so far: /proc/<pid>/stat fields 14 and 15, in clock ticks (100 Hz). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startBot(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [BIN, 'start'], { env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start:\n${log}`)), 60_000);
    child.stderr!.on('data', (c: Buffer) => {
      log += c.toString();
      const port = /"port":(\d+)[^\n]*HTTP server listening/.exec(log)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ child, port: Number(port) });
      }
    });
    child.once('exit', (code) => reject(new Error(`bot exited (${code}):\n${log}`)));
  });
}

function discordRequest(): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify({
    id: String(Date.now()) + String(Math.random()).slice(2, 8),
    application_id: '500000000000000005',
    type: 2,
    token: 'bench',
    version: 1,
    channel_id: '300000000000000003',
    member: { user: { id: '200000000000000002', username: 'bench' }, permissions: '0', roles: [] },
    guild_id: '600000000000000006',
    data: { id: '700000000000000007', name: 'capex', type: 1, options: [{ name: 'company', type: 3, value: 'alibaba' }] },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
  return { headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp }, body };
}

let triggers = 0;
/** A slash command with its own trigger_id: the bot answers a repeated trigger_id once (Slack retries). */
const slackBody = () =>
  new URLSearchParams({ command: '/capex', text: 'alibaba', user_id: 'U0BENCH', user_name: 'bench', channel_id: 'C0BENCH', team_id: 'T0BENCH', response_url: 'http://127.0.0.1:9/unused', trigger_id: `${process.pid}.${++triggers}.bench` }).toString();

/** Valid signed requests, IN_FLIGHT at a time, for `ms`: latencies in ms and failures. */
async function timeValidRequests(base: string, ms: number): Promise<{ latencies: number[]; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  const end = Date.now() + ms;
  let n = 0;
  const worker = async () => {
    while (Date.now() < end) {
      const discord = n++ % 2 === 0;
      const started = performance.now();
      try {
        const res = discord
          ? await fetch(`${base}/discord/interactions`, { method: 'POST', ...discordRequest() })
          : await fetch(`${base}/slack/events`, signedSlackRequest(SLACK_SECRET, slackBody()));
        const text = await res.text();
        if (res.status !== 200 || !text.includes('Alibaba')) failures++;
        else latencies.push(performance.now() - started);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { latencies: latencies.sort((a, b) => a - b), failures };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Keeps `count` attacking connections of one kind open, reopening each as the bot closes it. */
class Attacker {
  readonly sockets = new Set<Socket>();
  opened = 0;
  closedByServer = 0;
  statuses = new Map<string, number>();
  private stopped = false;
  private trickle: NodeJS.Timeout;

  constructor(
    private readonly port: number,
    private readonly count: number,
    private readonly kind: 'slow-loris' | 'held-body',
  ) {
    this.trickle = setInterval(() => {
      for (const s of this.sockets) if (!s.destroyed) s.write(this.kind === 'slow-loris' ? 'a' : '{');
    }, 1_000);
  }

  async start(): Promise<void> {
    const batch = 50;
    for (let i = 0; i < this.count; i += batch) await Promise.all(Array.from({ length: Math.min(batch, this.count - i) }, () => this.open()));
  }

  private open(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      this.opened++;
      socket.on('error', () => {});
      socket.once('connect', () => {
        this.sockets.add(socket);
        if (this.kind === 'slow-loris') {
          socket.write('POST /slack/events HTTP/1.1\r\nHost: bench\r\nX-Slow: ');
        } else {
          // Well-formed signature headers (the signature cannot be checked before the body is in).
          const signature = randomBytes(64).toString('hex');
          const timestamp = String(Math.floor(Date.now() / 1000));
          socket.write(
            `POST /discord/interactions HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nX-Signature-Ed25519: ${signature}\r\nX-Signature-Timestamp: ${timestamp}\r\nContent-Length: 1048576\r\n\r\n`,
          );
          socket.write(Buffer.alloc(900 * 1024, 0x7b));
        }
        resolve();
      });
      socket.on('data', (d: Buffer) => {
        const status = /^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1];
        if (status) this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
      });
      socket.once('close', () => {
        this.sockets.delete(socket);
        if (this.stopped) return;
        this.closedByServer++;
        // A determined attacker reconnects at once.
        setTimeout(() => void this.open(), 50);
      });
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.trickle);
    for (const s of this.sockets) s.destroy();
  }
}

interface AttackStats {
  open: number;
  opened: number;
  closedByServer: number;
  statuses: Record<string, number>;
}

/** Child mode (`--attack <port>`): the attacker runs in its own process so its writes do not slow the timing loop. */
async function attack(port: number): Promise<void> {
  const loris = new Attacker(port, SLOW_LORIS, 'slow-loris');
  const held = new Attacker(port, HELD_BODIES, 'held-body');
  await Promise.all([loris.start(), held.start()]);
  const stats = (): AttackStats => {
    const statuses: Record<string, number> = {};
    for (const a of [loris, held]) for (const [k, v] of a.statuses) statuses[k] = (statuses[k] ?? 0) + v;
    return { open: loris.sockets.size + held.sockets.size, opened: loris.opened + held.opened, closedByServer: loris.closedByServer + held.closedByServer, statuses };
  };
  process.on('message', (m) => {
    if (m === 'stats') process.send?.({ stats: stats() });
    if (m === 'stop') {
      loris.stop();
      held.stop();
      process.send?.({ stats: stats() }, () => process.exit(0));
    }
  });
  process.send?.({ ready: stats() });
}

function startAttacker(port: number): Promise<{ child: ChildProcess; ask: (what: 'stats' | 'stop') => Promise<AttackStats> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--attack', String(port)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const ask = (what: 'stats' | 'stop') =>
    new Promise<AttackStats>((resolve) => {
      child.once('message', (m) => resolve((m as { stats: AttackStats }).stats));
      child.send(what);
    });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve({ child, ask }));
    child.once('exit', (code) => reject(new Error(`attacker exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capex-bench-conn-'));
  const fake = await startFakeSlack({ validToken: SLACK_TOKEN });
  // LOG_LEVEL info only for the start-up line; warnings about refused requests would flood stderr.
  const { child, port } = await startBot({
    LOG_LEVEL: 'info',
    DISCORD_PUBLIC_KEY: publicKeyHex,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    SLACK_API_URL: fake.apiUrl,
    DATABASE_URL: join(dir, 'bot.sqlite'),
  });
  child.stderr!.removeAllListeners('data');
  child.stderr!.resume();
  const base = `http://127.0.0.1:${port}`;
  const pid = child.pid!;
  try {
    await timeValidRequests(base, 2_000); // warm-up
    const rssIdle = rssMb(pid);
    let cpu = cpuSeconds(pid);
    const baseline = await timeValidRequests(base, seconds * 1000);
    const botCpuBaseline = (cpuSeconds(pid) - cpu) / seconds;

    let rssPeak = rssMb(pid);
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(pid))), 100);
    const attacker = await startAttacker(port);
    const rssAttacked = rssMb(pid);
    let openMin = Infinity;
    const openSampler = setInterval(() => void attacker.ask('stats').then((s) => (openMin = Math.min(openMin, s.open))), 500);
    cpu = cpuSeconds(pid);
    const attackerCpuStart = cpuSeconds(attacker.child.pid!);
    const attacked = await timeValidRequests(base, seconds * 1000);
    const botCpuAttacked = (cpuSeconds(pid) - cpu) / seconds;
    const attackerCpu = (cpuSeconds(attacker.child.pid!) - attackerCpuStart) / seconds;
    clearInterval(openSampler);
    clearInterval(sampler);
    const stats = await attacker.ask('stop');

    const row = (name: string, r: { latencies: number[]; failures: number }) =>
      `| ${name} | ${r.latencies.length} | ${r.failures} | ${pct(r.latencies, 50).toFixed(1)} | ${pct(r.latencies, 99).toFixed(1)} | ${(r.latencies.at(-1) ?? NaN).toFixed(1)} |`;
    console.log(`Valid signed requests (Discord + Slack /capex alibaba, ${IN_FLIGHT} in flight, ${seconds} s each):\n`);
    console.log('| run | answered | failed | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|---|');
    console.log(row('no attacker', baseline));
    console.log(row(`${SLOW_LORIS} slow-loris + ${HELD_BODIES} held bodies`, attacked));
    console.log(`\np99 under attack / p99 without: ${(pct(attacked.latencies, 99) / pct(baseline.latencies, 99)).toFixed(2)}×`);
    console.log(
      `Bot CPU: ${(botCpuBaseline * 100).toFixed(0)} % of a core without the attacker, ${(botCpuAttacked * 100).toFixed(0)} % with it; the attacker process itself used ${(attackerCpu * 100).toFixed(0)} % (same machine, ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)}).`,
    );
    console.log(`Bot RSS: ${rssIdle.toFixed(0)} MB idle, ${rssAttacked.toFixed(0)} MB with all attackers connected, peak ${rssPeak.toFixed(0)} MB while attacked.`);
    console.log(
      `Attacker connections: ${stats.opened} opened, ${stats.closedByServer} closed by the bot, at least ${openMin === Infinity ? 'n/a' : openMin} open at any ` +
        `sample, ${stats.open} open at the end; answers the attacker got: ${JSON.stringify(stats.statuses)}`,
    );
    const pass = pct(attacked.latencies, 99) < 100 && rssPeak < 300 && attacked.failures === 0;
    console.log(`\nTarget (p99 < 100 ms, RSS < 300 MB, no failed valid request): ${pass ? 'met' : 'NOT met'}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--attack') await attack(Number(process.argv[3]));
else await main();
