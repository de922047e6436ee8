/**
 * The one HTTP server the bot runs: Slack's `/slack/events`, Discord's `/discord/interactions` and
 * `/healthz` share it, so a team opens one port. Adapters mount routes; the server owns none of their logic.
 *
 * It is on the public internet, so what a stranger can make it hold is bounded in total, not per request:
 * - connections: at most `maxConnections` open at once (more are dropped by Node before any work);
 * - time: a request must deliver its headers within `headersTimeoutMs` and all of it within
 *   `requestTimeoutMs` (Node answers 408 and closes), so slow-loris connections do not pile up;
 * - memory: bodies are read only for a known route, after the route's required headers are present
 *   (Discord's signature headers), only up to the route's size (413, said before a byte is read when
 *   Content-Length already tells), and all bodies being read at once share one byte budget (503 beyond it).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Slack and Discord payloads are small; anything bigger is not one of theirs. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** What a route needs before its handler runs: checked on the headers alone, before the body is read. */
export interface RouteGuard {
  /** Headers that must be present and match (e.g. a signature's hex format); 401 otherwise. */
  requireHeaders?: Record<string, RegExp>;
  /** The largest body the route takes (default MAX_BODY_BYTES): a larger Content-Length gets 413 at once. */
  maxBodyBytes?: number;
}

export interface HttpLimits {
  maxConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Bytes of request bodies held in memory at once, over all requests. */
  maxBufferedBytes: number;
}

/**
 * Slack and Discord send each request in one go within milliseconds and wait at most 3 s for the answer, so
 * 10 s for headers and 15 s for a whole request lose nothing real. The connection cap sits well above what
 * both platforms open at once; the byte budget holds 16 maximal bodies or thousands of real ones.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 2048,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  maxBufferedBytes: 16 * MAX_BODY_BYTES,
};

export class BodyTooLargeError extends Error {}
/** The shared body budget is spent: answered 503, the platform retries. */
export class ServerBusyError extends Error {}

/** Bytes of request bodies held at once, process-wide (one server per process; tests may run several). */
class BodyBudget {
  private used = 0;
  constructor(public limit: number) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}

const bodyBudget = new BodyBudget(DEFAULT_HTTP_LIMITS.maxBufferedBytes);

/** Bytes of request bodies being held right now (for tests and the connection benchmark). */
export function bufferedBodyBytes(): number {
  return bodyBudget.inUse;
}

/**
 * Reads the raw body (signatures are computed over the exact bytes), at most `limit` bytes and within the
 * process-wide body budget. Rejects with BodyTooLargeError / ServerBusyError, which the server answers as
 * 413 / 503; the rest of the body is then drained unread rather than the connection reset.
 */
export function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLargeError(`body of ${declared} bytes is over ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let held = 0;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      bodyBudget.give(held);
      held = 0;
      if (error) {
        chunks.length = 0;
        reject(error);
      } else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      if (held + chunk.length > limit) return finish(new BodyTooLargeError(`body over ${limit} bytes`));
      if (!bodyBudget.take(chunk.length)) return finish(new ServerBusyError('request bodies are over the server-wide budget'));
      held += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(error);
    const onClose = () => finish(new Error('the client went away before sending the whole body'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** How long, and how much, of a refused body is read and thrown away so the client sees the answer, not a reset. */
const DRAIN_MS = 5_000;
const DRAIN_BYTES = 16 * MAX_BODY_BYTES;

/**
 * Answers a request whose body will not be read. The client may still be sending: closing the connection
 * now would make its TCP stack see a reset before it reads the answer (Node closes right after a response
 * marked `Connection: close`), so the rest of the body is read and discarded (never held), and the
 * connection is closed only after a few seconds or megabytes of that.
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const complete = req.complete;
  sendJson(res, status, body, headers);
  if (complete) return;
  let drained = 0;
  const stop = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(stop, DRAIN_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_BYTES) stop();
  });
  req.once('end', () => clearTimeout(timer));
  req.resume();
}

export class HttpServer {
  private readonly routes = new Map<string, { handler: RouteHandler; guard: RouteGuard }>();
  private fallbackHandler: RouteHandler | undefined;
  private readonly server: Server;
  readonly limits: HttpLimits;

  constructor(
    private readonly status: () => Record<string, unknown>,
    limits: Partial<HttpLimits> = {},
  ) {
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...limits };
    bodyBudget.limit = this.limits.maxBufferedBytes;
    this.server = createServer(
      {
        headersTimeout: this.limits.headersTimeoutMs,
        requestTimeout: this.limits.requestTimeoutMs,
        keepAliveTimeout: this.limits.keepAliveTimeoutMs,
        // How often Node looks for requests past their deadline (default 30 s would let them live 45 s).
        connectionsCheckingInterval: Math.min(1_000, this.limits.headersTimeoutMs),
      },
      (req, res) => void this.dispatch(req, res),
    );
    this.server.maxConnections = this.limits.maxConnections;
    this.route('GET', '/healthz', (_req, res) => sendJson(res, 200, { ok: true, ...this.status() }));
  }

  route(method: string, path: string, handler: RouteHandler, guard: RouteGuard = {}): void {
    this.routes.set(`${method} ${path}`, { handler, guard });
  }

  /** Handles every request no exact route matches (the web pages' /company/<id> paths); default: JSON 404. */
  fallback(handler: RouteHandler): void {
    this.fallbackHandler = handler;
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
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Connections still mid-request (a slow client) would hold shutdown up to requestTimeoutMs.
    const timer = setTimeout(() => this.server.closeAllConnections?.(), 2_000);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const route = this.routes.get(`${req.method} ${path}`);
    const handler = route?.handler ?? this.fallbackHandler;
    if (!handler) {
      refuse(req, res, 404, { ok: false, error: 'not_found' });
      return;
    }
    const guard = route?.guard ?? {};
    for (const [name, pattern] of Object.entries(guard.requireHeaders ?? {})) {
      const value = req.headers[name];
      if (typeof value !== 'string' || !pattern.test(value)) {
        refuse(req, res, 401, { ok: false, error: 'missing_or_malformed_signature_headers' });
        return;
      }
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > (guard.maxBodyBytes ?? MAX_BODY_BYTES)) {
      refuse(req, res, 413, { ok: false, error: 'body_too_large' });
      return;
    }
    try {
      await handler(req, res);
    } catch (error) {
      if (error instanceof BodyTooLargeError) refuse(req, res, 413, { ok: false, error: 'body_too_large' });
      else if (error instanceof ServerBusyError) refuse(req, res, 503, { ok: false, error: 'busy' }, { 'retry-after': '1' });
      else if (!res.headersSent) sendJson(res, 500, { ok: false });
      else res.end();
    }
  }
}
