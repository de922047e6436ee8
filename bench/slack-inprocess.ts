/**
 * CPU per signed slash command through our Slack path without sockets: the route that startSlack mounts on the
 * shared HttpServer is called with an in-memory request (signed body, headers) and a response that records the
 * answer. No HTTP parsing, no writev and no load generator in the way, so on a shared machine it shows what the
 * receiver, Bolt, the core and the renderer cost, and `node --cpu-prof` of this process profiles only them
 * (BENCHMARKS.md, Slack: the breakdown by part).
 *
 *   node --import tsx bench/slack-inprocess.ts ['/capex help'] [requests=20000] [in flight=50] [rounds=3]
 *   node --cpu-prof --cpu-prof-dir /tmp/prof --import tsx bench/slack-inprocess.ts
 */
import { Readable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino } from 'pino';
import { createCore } from '../src/app.js';
import { loadDataFile } from '../src/data/loader.js';
import { loadConfig } from '../src/config.js';
import { HttpServer, type RouteHandler } from '../src/http/server.js';
import { startSlack } from '../src/adapters/slack/index.js';
import { SLACK_EVENTS_PATH } from '../src/adapters/slack/receiver.js';
import { startFakeSlack } from '../test/helpers/fake-slack.js';
import { signedSlackRequest } from './slack-signed.js';

const SECRET = 'bench-signing-secret-0123456789abcdef';
const TOKEN = 'xoxb-bench';
const [line = '/capex help', requests = '20000', inFlight = '50', rounds = '3'] = process.argv.slice(2);

const fake = await startFakeSlack({ validToken: TOKEN });
const logger = pino({ level: 'warn' }, pino.destination(2));
const http = new HttpServer(() => ({ adapters: ['slack'] }));
// Keep the handler the adapter mounts, to call it directly.
let handler: RouteHandler | undefined;
const route = http.route.bind(http);
http.route = (method, path, routeHandler, guard) => {
  if (method === 'POST' && path === SLACK_EVENTS_PATH) handler = routeHandler;
  route(method, path, routeHandler, guard);
};
const config = loadConfig({}, { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LOG_LEVEL: 'warn' });
await startSlack({ core: createCore({ data: loadDataFile(), logger }), config, http, logger, charts: false });
if (!handler) throw new Error(`startSlack mounted no ${SLACK_EVENTS_PATH}`);
const slackRoute = handler;

const [command, ...words] = line.split(' ');
let sequence = 0;

/** One signed command with a fresh trigger_id (a repeat is refused as a Slack retry); resolves with "status body". */
function send(): Promise<string> {
  sequence += 1;
  const body = new URLSearchParams({
    token: 'x', team_id: 'T0BENCH', team_domain: 'bench', channel_id: 'C0BENCH', channel_name: 'general', user_id: 'U0BENCH', user_name: 'bench',
    command: command!, text: words.join(' '), api_app_id: 'A0BENCH', response_url: `${fake.baseUrl}/response/bench`, trigger_id: `bench.${sequence}`,
  }).toString();
  const signed = signedSlackRequest(SECRET, body);
  const req = Object.assign(Readable.from([Buffer.from(body)]), {
    headers: { ...signed.headers, 'content-length': String(Buffer.byteLength(body)) },
    socket: { remoteAddress: '127.0.0.1' },
    method: 'POST',
    url: SLACK_EVENTS_PATH,
  });
  return new Promise((resolve) => {
    const res = {
      headersSent: false,
      statusCode: 0,
      writeHead(status: number) {
        this.statusCode = status;
        this.headersSent = true;
        return this;
      },
      end(text?: string) {
        resolve(`${this.statusCode} ${text ?? ''}`);
      },
    };
    void slackRoute(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
}

async function run(count: number): Promise<void> {
  let left = count;
  await Promise.all(Array.from({ length: Number(inFlight) }, async () => {
    while (left-- > 0) await send();
  }));
}

const first = await send();
if (!first.startsWith('200') || !first.includes('"blocks"')) throw new Error(`unexpected answer: ${first.slice(0, 200)}`);
await run(5_000); // warm-up: JIT
const perRequest: string[] = [];
for (let round = 0; round < Number(rounds); round += 1) {
  const before = process.cpuUsage();
  await run(Number(requests));
  const used = process.cpuUsage(before);
  perRequest.push(((used.user + used.system) / Number(requests)).toFixed(1));
}
// What this driver itself spends per request (signing, the form, the stream), included in the figures above.
const before = process.cpuUsage();
for (let i = 0; i < Number(requests); i += 1) {
  const body = `trigger_id=bench.${i}&${'x'.repeat(250)}`;
  signedSlackRequest(SECRET, new URLSearchParams(body).toString());
  Readable.from([Buffer.from(body)]);
}
const driver = process.cpuUsage(before);
console.log(`${line}: ${perRequest.join(' / ')} µs CPU per command (${inFlight} in flight; of which the driver ≈ ${((driver.user + driver.system) / Number(requests)).toFixed(1)})`);
await fake.close();
process.exit(0);
