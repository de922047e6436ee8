/**
 * Fetching real documents from a local HTTP server on 127.0.0.1: conditional GET with ETag and
 * Last-Modified (304s), errors, the size cap (declared, streamed, and a gzip bomb), the timeout (slow
 * headers, a trickling body), gzip, charsets and the User-Agent.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressPolicy } from '../../src/news/address-policy.js';
import { FeedFetchError, fetchFeed, USER_AGENT, type FetchFeedOptions } from '../../src/news/fetch.js';
import { parseFeedDocument } from '../../src/news/parse.js';
import { FeedServer, fixture } from './feed-server.js';

let server: FeedServer;
const opts: FetchFeedOptions = { policy: addressPolicy({ allowPrivate: true }) };
/** Bytes the "huge" handlers managed to write before the reader hung up. */
const written: Record<string, number> = {};
const HUGE_TOTAL = 3 * 1024 * 1024;
/** Far more than socket buffers hold, so a reader that kept going would make the server write it all. */
const STREAM_TOTAL = 64 * 1024 * 1024;

const rssItem = (i: number) =>
  `<item><title>AI data center story ${i} ${'x'.repeat(400)}</title><link>https://huge.example/${i}</link><guid>huge-${i}</guid></item>`;

beforeAll(async () => {
  server = await FeedServer.start();
  server.serve('/ai.rss', fixture('ai-capex.rss'));
  server.serve('/ai.atom', fixture('ai-capex.atom'), 'application/atom+xml');
  server.route('/last-modified-only', (req, res) => {
    const stamp = 'Wed, 13 May 2026 10:00:00 GMT';
    if (req.headers['if-modified-since'] === stamp) return void res.writeHead(304).end();
    res.writeHead(200, { 'content-type': 'application/rss+xml', 'last-modified': stamp }).end(fixture('ai-capex.rss'));
  });
  server.route('/gone', (_req, res) => void res.writeHead(404, 'Not Found', { 'content-type': 'text/html' }).end('<h1>nope</h1>'));
  server.route('/broken', (_req, res) => void res.writeHead(503, 'Service Unavailable').end());
  // 64 MB of valid RSS, streamed in chunks without Content-Length: only the streaming cap can stop it.
  server.route('/huge-stream', async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    written['/huge-stream'] = 0;
    res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>');
    for (let i = 0; written['/huge-stream'] < STREAM_TOTAL; i++) {
      if (res.destroyed) return;
      const chunk = Array.from({ length: 50 }, (_, j) => rssItem(i * 50 + j)).join('');
      // Whichever comes first; the other listener is removed so waits do not pile up on the response.
      if (!res.write(chunk)) await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
      written['/huge-stream'] += chunk.length;
    }
    res.end('</channel></rss>');
  });
  server.route('/huge-declared', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-length': String(HUGE_TOTAL) });
    res.write('<?xml version="1.0"?><rss version="2.0">');
    // Never finishes: the reader must refuse from the header alone.
  });
  server.route('/gzip-bomb', (_req, res) => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('<?xml version="1.0"?><rss version="2.0"><channel><title>'), Buffer.alloc(5 * 1024 * 1024, 0x61)]));
    res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb);
  });
  server.route('/gzip', (_req, res) => {
    const body = gzipSync(fixture('ai-capex.atom'));
    res.writeHead(200, { 'content-type': 'application/atom+xml', 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
  });
  server.route('/slow-headers', (_req, res) => {
    const timer = setTimeout(() => res.writeHead(200).end(fixture('ai-capex.rss')), 5_000);
    res.on('close', () => clearTimeout(timer));
  });
  server.route('/trickle', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    const timer = setInterval(() => res.write('<!-- . -->'), 50);
    res.on('close', () => clearInterval(timer));
  });
  server.route('/latin1', (_req, res) => {
    const doc = '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Société Générale Wire</title><item><title>Capex : 5 milliards de plus pour les data centers à Marseille</title><link>https://fr.example/a</link></item></channel></rss>';
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(Buffer.from(doc, 'latin1'));
  });
});
afterAll(() => server.close());

async function failure(path: string, extra: Partial<FetchFeedOptions> = {}): Promise<string> {
  try {
    await fetchFeed(server.url(path), {}, { ...opts, ...extra });
  } catch (error) {
    expect(error).toBeInstanceOf(FeedFetchError);
    return (error as Error).message;
  }
  throw new Error(`${path} did not fail`);
}

describe('conditional GET', () => {
  it('sends the ETag back and gets 304 Not Modified; a new version comes back as 200 with a new ETag', async () => {
    const first = await fetchFeed(server.url('/ai.rss'), {}, opts);
    if (first.status !== 'ok') throw new Error('expected a body');
    expect(first.etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(first.lastModified).toMatch(/GMT$/);
    expect(parseFeedDocument(first.body, first.finalUrl).items.length).toBeGreaterThan(3);

    const second = await fetchFeed(server.url('/ai.rss'), { etag: first.etag, lastModified: first.lastModified }, opts);
    expect(second).toEqual({ status: 'not-modified', finalUrl: server.url('/ai.rss') });
    const sent = server.requestsTo('/ai.rss').at(-1)!;
    expect(sent.headers['if-none-match']).toBe(first.etag);
    expect(sent.headers['if-modified-since']).toBe(first.lastModified);
    expect(sent.status).toBe(304);

    server.serve('/ai.rss', fixture('update.rss'));
    const third = await fetchFeed(server.url('/ai.rss'), { etag: first.etag, lastModified: first.lastModified }, opts);
    if (third.status !== 'ok') throw new Error('expected the new version');
    expect(third.etag).not.toBe(first.etag);
    expect(third.body).toContain('Pennsylvania');
    server.serve('/ai.rss', fixture('ai-capex.rss'));
  });

  it('uses Last-Modified alone when the server sends no ETag', async () => {
    const first = await fetchFeed(server.url('/last-modified-only'), {}, opts);
    if (first.status !== 'ok') throw new Error('expected a body');
    expect(first.etag).toBeNull();
    const second = await fetchFeed(server.url('/last-modified-only'), { etag: first.etag, lastModified: first.lastModified }, opts);
    expect(second.status).toBe('not-modified');
  });

  it('identifies itself with a User-Agent and asks for feeds, compressed', async () => {
    await fetchFeed(server.url('/ai.atom'), {}, opts);
    const headers = server.requestsTo('/ai.atom').at(-1)!.headers;
    expect(headers['user-agent']).toBe(USER_AGENT);
    expect(headers.accept).toContain('application/rss+xml');
    expect(headers['accept-encoding']).toContain('gzip');
  });
});

describe('failures an admin can act on', () => {
  it('HTTP errors carry the status', async () => {
    expect(await failure('/gone')).toBe('HTTP 404 Not Found');
    expect(await failure('/broken')).toBe('HTTP 503 Service Unavailable');
  });

  it('a refused connection says so', async () => {
    const closed = await FeedServer.start();
    const url = closed.url('/feed');
    await closed.close();
    await expect(fetchFeed(url, {}, opts)).rejects.toThrow('connection refused');
  });

  it('stops reading a streamed body past the 2 MB cap, without waiting for the rest', async () => {
    expect(await failure('/huge-stream')).toBe('the feed is larger than the 2 MB limit (stopped reading there)');
    // The server was cut off long before its 64 MB were out (what it wrote is the cap plus socket buffers).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(written['/huge-stream']).toBeLessThan(STREAM_TOTAL / 4);
  });

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    expect(await failure('/huge-declared')).toBe('the feed is larger than the 2 MB limit (3 MB announced)');
  });

  it('applies the cap to the decompressed size (a gzip bomb)', async () => {
    expect(await failure('/gzip-bomb')).toBe('the feed is larger than the 2 MB limit (stopped reading there)');
  });

  it('honours a smaller cap', async () => {
    expect(await failure('/ai.rss', { maxBytes: 1024 })).toBe('the feed is larger than the 1 KB limit (3 KB announced)');
  });

  it('times out when the headers do not come', async () => {
    expect(await failure('/slow-headers', { timeoutMs: 300 })).toBe('no complete answer within 0.3 s (timed out)');
  });

  it('times out when the body trickles forever', async () => {
    expect(await failure('/trickle', { timeoutMs: 300 })).toBe('no complete answer within 0.3 s (timed out)');
  });

  it('a shutdown abort is not reported as the feed failing', async () => {
    const controller = new AbortController();
    const pending = fetchFeed(server.url('/slow-headers'), {}, { ...opts, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow('fetch aborted');
  });
});

describe('encodings', () => {
  it('decompresses gzip', async () => {
    const result = await fetchFeed(server.url('/gzip'), {}, opts);
    if (result.status !== 'ok') throw new Error('expected a body');
    expect(parseFeedDocument(result.body, result.finalUrl).title).toBe('Example Infrastructure Journal');
  });

  it('decodes the charset named in the XML declaration', async () => {
    const result = await fetchFeed(server.url('/latin1'), {}, opts);
    if (result.status !== 'ok') throw new Error('expected a body');
    const parsed = parseFeedDocument(result.body, result.finalUrl);
    expect(parsed.title).toBe('Société Générale Wire');
    expect(parsed.items[0]!.title).toBe('Capex : 5 milliards de plus pour les data centers à Marseille');
  });
});
