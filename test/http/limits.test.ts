/**
 * What a stranger can make the HTTP endpoint hold. Against the running bot (child process): bodies over the
 * limit get 413 (not a reset), unsigned Discord requests are refused on their headers before the body is
 * sent, and slow-loris / held-body connections are closed by the header and request deadlines. On the
 * server alone, with small limits so the test stays small: the connection cap and the server-wide body budget.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bufferedBodyBytes, DEFAULT_HTTP_LIMITS, HttpServer, readRawBody, sendJson } from '../../src/http/server.js';
import { postSlash, visibleText } from '../adapters/slack/harness.js';
import { command, signedHeaders } from '../adapters/discord/signing.js';
import { botWithSlackForTests } from './bot-process.js';

/** Opens a raw TCP connection and writes `head`; resolves with the socket and everything it receives. */
async function rawRequest(port: number, head: string): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let data = '';
  socket.on('data', (c: Buffer) => (data += c.toString()));
  socket.on('error', () => {});
  const opened = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  socket.write(head);
  return { socket, received: () => data, closed };
}

const portOf = (base: string) => Number(new URL(base).port);

describe('the running bot', () => {
  const bot = botWithSlackForTests();

  it('answers 413 (not a connection reset) to a signed Discord body over 1 MB, with or without Content-Length', async () => {
    const body = JSON.stringify({ ...command('capex', [{ name: 'company', type: 3, value: 'alibaba' }]), pad: 'x'.repeat(2 * 1024 * 1024) });
    const sized = await fetch(`${bot().base}/discord/interactions`, { method: 'POST', headers: signedHeaders(bot().keys, body), body });
    expect(sized.status).toBe(413);
    const bytes = new TextEncoder().encode(body);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const chunked = await fetch(`${bot().base}/discord/interactions`, { method: 'POST', headers: signedHeaders(bot().keys, body), body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    // The bot is fine afterwards.
    expect((await bot().discord('capex', [{ name: 'company', type: 3, value: 'alibaba' }])).status).toBe(200);
  });

  it('answers 413 to a Slack body over its 64 KB limit', async () => {
    const res = await postSlash(`${bot().base}/slack/events`, { command: '/capex', text: 'alibaba' }, { tamper: (b) => `${b}&pad=${'x'.repeat(200 * 1024)}` });
    expect(res.status).toBe(413);
    expect(visibleText((await postSlash(`${bot().base}/slack/events`, { command: '/capex', text: 'alibaba' })).json)).toContain('Alibaba');
  });

  it('refuses a Discord request without signature headers before its body arrives', async () => {
    const { received, socket } = await rawRequest(
      portOf(bot().base),
      'POST /discord/interactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{',
    );
    await expect.poll(received, { timeout: 3_000, interval: 20 }).toMatch(/^HTTP\/1\.1 401/);
    socket.destroy();
  });

  it('closes slow-loris (headers never finished) and held-body connections at the header and request deadlines', { timeout: 40_000 }, async () => {
    const port = portOf(bot().base);
    const loris = await rawRequest(port, 'POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const loris2 = await rawRequest(port, 'POST /discord/interactions HTTP/1.1\r\nHost: x\r\n');
    const sig = signedHeaders(bot().keys, 'x');
    const held = await rawRequest(
      port,
      `POST /discord/interactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Signature-Ed25519: ${sig['x-signature-ed25519']}\r\nX-Signature-Timestamp: ${sig['x-signature-timestamp']}\r\nContent-Length: 500000\r\n\r\n${'{'.repeat(1000)}`,
    );
    // Keep trickling bytes, as a slow-loris does, so no idle timeout could be what closes them.
    const trickle = setInterval(() => {
      for (const c of [loris, loris2]) if (!c.socket.destroyed) c.socket.write('a');
      if (!held.socket.destroyed) held.socket.write('{');
    }, 500);
    try {
      const [a, b, c] = await Promise.all([loris.closed, loris2.closed, held.closed]);
      const headersDeadline = DEFAULT_HTTP_LIMITS.headersTimeoutMs;
      const requestDeadline = DEFAULT_HTTP_LIMITS.requestTimeoutMs;
      // Node checks deadlines every second; allow that and a loaded machine's slack, far below the old 300 s.
      for (const ms of [a, b]) expect(ms).toBeLessThan(headersDeadline + 3_000);
      expect(c).toBeGreaterThanOrEqual(requestDeadline - 1_000);
      expect(c).toBeLessThan(requestDeadline + 3_000);
      expect(held.received()).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(trickle);
    }
    expect((await bot().discord('capex', [{ name: 'company', type: 3, value: 'alibaba' }])).status).toBe(200);
  });
});

describe('HttpServer limits', () => {
  it('drops connections over the cap and takes new ones once they close', async () => {
    const server = new HttpServer(() => ({}), { maxConnections: 5 });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const open = await Promise.all(Array.from({ length: 5 }, () => rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n')));
      const extra = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await extra.closed;
      expect(extra.received()).toBe('');
      for (const c of open) c.socket.destroy();
      await Promise.all(open.map((c) => c.closed));
      await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status, { timeout: 3_000 }).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('holds at most maxBufferedBytes of bodies over all requests: the oldest unfinished body gives way (503), a quick one gets through', async () => {
    const server = new HttpServer(() => ({}), { maxBufferedBytes: 1_000_000 });
    server.route('POST', '/in', async (req, res) => sendJson(res, 200, { bytes: (await readRawBody(req)).length }));
    const { port } = await server.listen(0, '127.0.0.1');
    // Chunked, so nothing is declared up front: 480 KB sent of a body that never ends (a held-body attacker).
    const held = (fill: string) => `POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${(480_000).toString(16)}\r\n${fill.repeat(480_000)}\r\n`;
    try {
      const a = await rawRequest(port, held('a'));
      await expect.poll(() => bufferedBodyBytes(), { timeout: 3_000 }).toBeGreaterThanOrEqual(480_000);
      const b = await rawRequest(port, held('b'));
      await expect.poll(() => bufferedBodyBytes(), { timeout: 3_000 }).toBeGreaterThanOrEqual(960_000);
      // Over half the budget held: a large declared body is turned away on its headers, unread.
      const large = await rawRequest(port, `POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n`);
      await expect.poll(large.received, { timeout: 3_000 }).toMatch(/^HTTP\/1\.1 503/);
      // A real-sized request arrives whole: the oldest held body (a) is evicted to make room, never the newcomer.
      const ok = await fetch(`http://127.0.0.1:${port}/in`, { method: 'POST', body: 'z'.repeat(60_000) });
      expect(await ok.json()).toEqual({ bytes: 60_000 });
      await expect.poll(a.received, { timeout: 3_000 }).toMatch(/^HTTP\/1\.1 503/);
      expect(b.received()).toBe('');
      large.socket.destroy();
      expect(bufferedBodyBytes()).toBeLessThanOrEqual(1_000_000);
      for (const x of [a, b]) x.socket.destroy();
      await Promise.all([a, b].map((x) => x.closed));
      await expect.poll(() => bufferedBodyBytes(), { timeout: 3_000 }).toBe(0);
    } finally {
      await server.close();
    }
  });
});
