/**
 * A real HTTP server on 127.0.0.1 serving feed documents the way news sites do, for the news tests:
 * - `serve(path, doc)` serves a document with a strong ETag and a Last-Modified date, answering 304 to a
 *   matching If-None-Match / If-Modified-Since (the conditional GET a polite reader sends); replacing the
 *   document changes both.
 * - `route(path, handler)` for anything else: 404s, redirects, slow or endless bodies, gzip.
 * Every request is recorded (path, headers, status) so tests see what the bot sent and got.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/news/', import.meta.url));
export const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

export interface ServedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  status: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

interface Doc {
  body: Buffer;
  etag: string;
  lastModified: string;
  contentType: string;
}

export class FeedServer {
  readonly requests: ServedRequest[] = [];
  private readonly docs = new Map<string, Doc>();
  private readonly handlers = new Map<string, Handler>();
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  base = '';
  /** Moves Last-Modified forward for each new document version. */
  private version = 0;

  static async start(): Promise<FeedServer> {
    const s = new FeedServer();
    s.server = createServer((req, res) => void s.handle(req, res));
    s.server.on('connection', (socket) => {
      s.sockets.add(socket);
      socket.on('close', () => s.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.base = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** Serves `body` at `path` with ETag and Last-Modified (conditional GETs answered with 304). */
  serve(path: string, body: string | Buffer, contentType = 'application/rss+xml; charset=utf-8'): void {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    this.version++;
    this.docs.set(path, {
      body: bytes,
      etag: `"${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}"`,
      lastModified: new Date(Date.UTC(2026, 4, 1) + this.version * 60_000).toUTCString(),
      contentType,
    });
    this.handlers.delete(path);
  }

  route(path: string, handler: Handler): void {
    this.handlers.set(path, handler);
    this.docs.delete(path);
  }

  requestsTo(path: string): ServedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const record: ServedRequest = { path, headers: req.headers, status: 0 };
    this.requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    res.on('close', () => (record.status ||= res.statusCode));
    const handler = this.handlers.get(path);
    if (handler) return void (await handler(req, res));
    const doc = this.docs.get(path);
    if (!doc) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
      return;
    }
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    if ((inm && inm === doc.etag) || (!inm && ims && ims === doc.lastModified)) {
      res.writeHead(304, { etag: doc.etag, 'last-modified': doc.lastModified }).end();
      return;
    }
    res.writeHead(200, { 'content-type': doc.contentType, 'content-length': doc.body.length, etag: doc.etag, 'last-modified': doc.lastModified });
    res.end(doc.body);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
