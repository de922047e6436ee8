/**
 * The one HTTP server the bot runs: Slack's `/slack/events`, Discord's `/discord/interactions` and
 * `/healthz` share it, so a team opens one port. Adapters mount routes; the server owns none of their logic.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Slack and Discord payloads are small; anything bigger is not one of theirs. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** Reads the raw body (signatures are computed over the exact bytes). */
export function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError(`body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class HttpServer {
  private readonly routes = new Map<string, RouteHandler>();
  private readonly server: Server;

  constructor(private readonly status: () => Record<string, unknown>) {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    this.route('GET', '/healthz', (_req, res) => sendJson(res, 200, { ok: true, ...this.status() }));
  }

  route(method: string, path: string, handler: RouteHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeIdleConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const handler = this.routes.get(`${req.method} ${path}`);
    if (!handler) {
      sendJson(res, 404, { ok: false, error: 'not_found' });
      return;
    }
    try {
      await handler(req, res);
    } catch (error) {
      if (!res.headersSent) sendJson(res, error instanceof BodyTooLargeError ? 413 : 500, { ok: false });
      else res.end();
    }
  }
}
