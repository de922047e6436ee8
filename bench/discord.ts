/**
 * Discord HTTP interactions benchmark: Ed25519-signed interactions per second through our endpoint (the
 * shared HTTP server, the adapter, the real core on the real data) next to a bare `node:http` server doing
 * the same signature check and answering with the SAME bytes — `{"type":1}` to a PING, and to `/capex` the
 * exact response body our endpoint returned for it (captured once before the runs) — so the ratio is the
 * cost of everything between the verified bytes and the answer: routing, parsing, the core, rendering.
 * Measured in one run with autocannon at 100 connections. Each server runs in its own child process;
 * autocannon runs here. Our endpoint runs without the chart follow-up edit (it goes out after the answer,
 * to Discord's API, which a benchmark without the internet cannot reach; bench:charts times the image).
 *   npm run bench:discord [-- <seconds per scenario, default 10>]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { autocannon, type AutocannonResult } from './autocannon.js';

const CONNECTIONS = 100;
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Child mode: `--serve ours|bare <public key hex> [answer body, base64]` starts one server and reports its port. */
async function serve(kind: string, publicKeyHex: string, answerBase64 = ''): Promise<void> {
  let port: number;
  if (kind === 'bare') {
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]), format: 'der', type: 'spki' });
    const answer = Buffer.from(answerBase64, 'base64');
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const signature = String(req.headers['x-signature-ed25519'] ?? '');
        const timestamp = String(req.headers['x-signature-timestamp'] ?? '');
        const raw = Buffer.concat(chunks);
        const ok = verify(null, Buffer.concat([Buffer.from(timestamp), raw]), key, Buffer.from(signature, 'hex'));
        // The same parse our endpoint does first, then the fixed answer: PING → pong, a command → the captured bytes.
        const type = ok ? (JSON.parse(raw.toString('utf8')) as { type: number }).type : 0;
        const body = !ok ? '{"error":"invalid request signature"}' : type === 1 ? '{"type":1}' : answer;
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  } else {
    const { HttpServer } = await import('../src/http/server.js');
    const { createCore } = await import('../src/app.js');
    const { loadDataFile } = await import('../src/data/loader.js');
    const { silentLogger } = await import('../src/core/log.js');
    const { startDiscord } = await import('../src/adapters/discord/index.js');
    const http = new HttpServer(() => ({}));
    await startDiscord({ core: createCore({ data: loadDataFile() }), config: { DISCORD_PUBLIC_KEY: publicKeyHex }, http, logger: silentLogger, charts: false });
    port = (await http.listen(0, '127.0.0.1')).port;
  }
  process.send?.({ port });
  process.once('SIGTERM', () => process.exit(0)); // a normal exit, so --cpu-prof writes its profile
}

function startChild(kind: string, publicKeyHex: string, answer = Buffer.alloc(0)): Promise<{ child: ChildProcess; port: number }> {
  // BENCH_CPU_PROF=<dir> writes a CPU profile of each server (where the time goes under load).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/discord-${kind}`] : [];
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind, publicKeyHex, answer.toString('base64')], { execArgv: ['--import', 'tsx', ...profile], stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc (as bench/slack.ts); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signed = (payload: unknown) => {
    const body = JSON.stringify(payload);
    const signature = sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
    return { body, headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp } };
  };
  const member = { user: { id: '2', username: 'bench' }, permissions: '0' };
  const base = { id: '1', application_id: '3', token: 't', version: 1, channel_id: '4', guild_id: '5', member };
  // Every request a new interaction id, signed anew (in this process, for both servers alike): the bot answers
  // an id once, so one fixed body would measure the replay refusal after the first request.
  let sequence = 0;
  const fresh = (payload: Record<string, unknown>) => ({
    ...signed(payload),
    requests: [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, ...signed({ ...payload, id: String(1_000_000 + ++sequence) }) }) }],
  });
  const ping = fresh({ ...base, type: 1 });
  const capex = fresh({ ...base, type: 2, data: { id: '6', name: 'capex', type: 1, options: [{ name: 'company', type: 3, value: 'alibaba' }] } });
  const suggest = fresh({ ...base, type: 4, data: { id: '6', name: 'capex', type: 1, options: [{ name: 'company', type: 3, value: 'al', focused: true }] } });

  const ours = await startChild('ours', publicKeyHex);
  // Our answer to /capex company:alibaba, byte for byte: the bare server returns exactly these bytes.
  const probe = signed({ ...base, id: '999', type: 2, data: { id: '6', name: 'capex', type: 1, options: [{ name: 'company', type: 3, value: 'alibaba' }] } });
  const answered = await fetch(`http://127.0.0.1:${ours.port}/discord/interactions`, { method: 'POST', headers: probe.headers, body: probe.body });
  const answer = Buffer.from(await answered.arrayBuffer());
  if (answered.status !== 200 || !answer.toString().includes('Alibaba')) throw new Error(`our endpoint answered /capex with ${answered.status}: ${answer.toString().slice(0, 200)}`);
  const bare = await startChild('bare', publicKeyHex, answer);
  const scenarios = [
    { name: 'bare node:http, PING', server: bare, request: ping },
    { name: 'our endpoint, PING', server: ours, request: ping },
    { name: `bare node:http, /capex (our ${answer.length} answer bytes)`, server: bare, request: capex },
    { name: 'our endpoint, /capex company:alibaba', server: ours, request: capex },
    { name: 'our endpoint, autocomplete "al"', server: ours, request: suggest },
  ];
  // Server CPU per answered request (from /proc) is steadier than req/s when other jobs share the cores.
  const results: { name: string; result: AutocannonResult; cpuUs: number }[] = [];
  try {
    for (const s of scenarios) {
      const options = { url: `http://127.0.0.1:${s.server.port}/discord/interactions`, connections: CONNECTIONS, method: 'POST', ...s.request };
      await autocannon({ ...options, duration: 2 }); // warm-up: JIT and connection set-up
      const before = cpuMs(s.server.child.pid);
      const result = await autocannon({ ...options, duration: seconds });
      results.push({ name: s.name, result, cpuUs: ((cpuMs(s.server.child.pid) - before) * 1000) / result.requests.total });
    }
  } finally {
    bare.child.kill();
    ours.child.kill();
  }

  // Each row against the bare server answering the same request type: PING rows vs bare PING, the rest vs bare /capex.
  const bareOf = (name: string) => results[name.includes('PING') ? 0 : 2]!;
  console.log(`Discord interactions: ${CONNECTIONS} connections, ${seconds} s per scenario, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(', ')} at the end`);
  console.log('| scenario | req/s | vs bare (req/s) | server CPU µs/request | vs bare (capacity: bare CPU / ours) | p50 (ms) | p99 (ms) | errors / non-2xx |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const { name, result, cpuUs } of results) {
    const bare = bareOf(name);
    const ratio = (result.requests.average / bare.result.requests.average).toFixed(2);
    const capacity = (bare.cpuUs / cpuUs).toFixed(2);
    console.log(`| ${name} | ${Math.round(result.requests.average)} | ${ratio}× | ${cpuUs.toFixed(0)} | ${capacity}× | ${result.latency.p50} | ${result.latency.p99} | ${result.errors + result.timeouts} / ${result.non2xx} |`);
  }
  if (results.some((r) => r.result.non2xx > 0 || r.result.errors > 0)) process.exitCode = 1;
}

if (process.argv[2] === '--serve') await serve(process.argv[3]!, process.argv[4]!, process.argv[5]);
else await main();
