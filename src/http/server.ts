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
 *   Content-Length already tells), and all bodies being read at once share one byte budget: beyond it the
 *   oldest unfinished body is dropped (503), and large bodies are refused on their headers.
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
 * both platforms open at once; the byte budget holds 8 maximal bodies or thousands of real ones.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 2048,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  maxBufferedBytes: 8 * MAX_BODY_BYTES,
};

export class BodyTooLargeError extends Error {}
/** A body read given up to keep total memory bounded: answered 503 (the platform retries). */
export class ServerBusyError extends Error {}

interface BodyRead {
  startedAt: number;
  held: number;
  evict(): void;
}

/**
 * Bytes of request bodies held at once, process-wide. When a new chunk would go over the limit, the reads
 * that started longest ago give way first: a real Slack or Discord body arrives in one go within
 * milliseconds, so the oldest unfinished reads are the ones trickling in on purpose (held bodies), and
 * evicting them keeps memory bounded without turning the real requests away.
 */
class BodyBudget {
  private used = 0;
  private readonly reads = new Set<BodyRead>();
  constructor(public limit: number) {}

  add(read: BodyRead): void {
    this.reads.add(read);
  }

  remove(read: BodyRead): void {
    if (!this.reads.delete(read)) return;
    this.used -= read.held;
    read.held = 0;
  }

  /** Counts `bytes` more for `read`, evicting older reads if needed; false when even that cannot make room. */
  take(read: BodyRead, bytes: number): boolean {
    while (this.used + bytes > this.limit) {
      let oldest: BodyRead | undefined;
      for (const r of this.reads) if (r !== read && r.held > 0 && r.startedAt <= read.startedAt && (!oldest || r.startedAt < oldest.startedAt)) oldest = r;
      if (!oldest) return false;
      this.remove(oldest);
      oldest.evict();
    }
    this.used += bytes;
    read.held += bytes;
    return true;
  }

  /**
   * Whether a body this large is turned away before it is read: once half the budget is held, only bodies the
   * size real platforms send (up to 64 KB) are read. Held-body attackers declare large bodies; refusing those
   * on their headers costs nothing, where reading and then evicting them would cost a megabyte of reading each.
   */
  underPressure(declared: number): boolean {
    return declared > LARGE_BODY_BYTES && this.used + declared > this.limit / 2;
  }

  get inUse(): number {
    return this.used;
  }
}

/** Real Slack and Discord bodies are a few KB; above this a body is "large" for the budget's pressure rule. */
const LARGE_BODY_BYTES = 64 * 1024;

const bodyBudget = new BodyBudget(DEFAULT_HTTP_LIMITS.maxBufferedBytes);

/** Bytes of request bodies being held right now (for tests and the connection benchmark). */
export function bufferedBodyBytes(): number {
  return bodyBudget.inUse;
}

/**
 * Reads the raw body (signatures are computed over the exact bytes), at most `limit` bytes and within the
 * process-wide body budget. Rejects with BodyTooLargeError / ServerBusyError, which the server answers as
 * 413 / 503; a too-large body is then drained unread so the client sees the 413 rather than a reset.
 */
export function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new BodyTooLargeError(`body of ${declared} bytes is over ${limit}`));
  }
  if (Number.isFinite(declared) && bodyBudget.underPressure(declared)) {
    return Promise.reject(new ServerBusyError(`a ${declared}-byte body while bodies are over half the server-wide budget`));
  }
  return new Promise((resolve, reject) => new BodyReader(req as ReadingRequest, limit, resolve, reject));
}

/** A request whose body a BodyReader is reading: the shared listeners below find their reader on it. */
type ReadingRequest = IncomingMessage & { [READER]?: BodyReader };
const READER = Symbol('body reader');

/**
 * One body being read. Its listeners are the four module-level functions below, shared by every request
 * (each request's own closures cost an allocation apiece on every interaction, and more under tsx, which
 * names each one).
 */
class BodyReader implements BodyRead {
  readonly startedAt = performance.now();
  held = 0;
  private readonly chunks: Buffer[] = [];
  private done = false;

  constructor(
    private readonly req: ReadingRequest,
    private readonly limit: number,
    private readonly resolve: (body: Buffer) => void,
    private readonly reject: (error: Error) => void,
  ) {
    bodyBudget.add(this);
    req[READER] = this;
    req.on('data', onBodyData);
    req.on('end', onBodyEnd);
    req.on('error', onBodyError);
    req.on('close', onBodyClose);
  }

  data(chunk: Buffer): void {
    if (this.held + chunk.length > this.limit) return this.finish(new BodyTooLargeError(`body over ${this.limit} bytes`));
    if (!bodyBudget.take(this, chunk.length)) return this.finish(new ServerBusyError('request bodies are over the server-wide budget'));
    this.chunks.push(chunk);
  }

  evict(): void {
    this.finish(new ServerBusyError('evicted: the oldest unfinished body while bodies were over the server-wide budget'));
  }

  finish(error?: Error): void {
    if (this.done) return;
    this.done = true;
    const req = this.req;
    req.off('data', onBodyData);
    req.off('end', onBodyEnd);
    req.off('error', onBodyError);
    req.off('close', onBodyClose);
    req[READER] = undefined;
    bodyBudget.remove(this);
    if (error) {
      this.chunks.length = 0;
      this.reject(error);
    } else this.resolve(this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks));
  }
}

function onBodyData(this: ReadingRequest, chunk: Buffer): void {
  this[READER]?.data(chunk);
}
function onBodyEnd(this: ReadingRequest): void {
  this[READER]?.finish();
}
function onBodyError(this: ReadingRequest, error: Error): void {
  this[READER]?.finish(error);
}
function onBodyClose(this: ReadingRequest): void {
  this[READER]?.finish(new Error('the client went away before sending the whole body'));
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * A JSON body already serialized to UTF-8 (an answer cached as bytes): written as is, with its Content-Length.
 * For a large answer that is sent again and again: a string body (answers hold "·", "…", box drawing) would
 * be serialized, measured by Buffer.byteLength and encoded again by the socket on every response.
 */
export function sendJsonBytes(res: ServerResponse, status: number, bytes: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(bytes.length), ...headers });
  res.end(bytes);
}

/** How much of a refused body is read and thrown away (so the client reads the answer, not a reset), and for how long. */
interface Drain {
  bytes: number;
  ms: number;
}
/** A body over the limit: a client that meant well may be mid-upload of a few megabytes. */
const DRAIN_TOO_LARGE: Drain = { bytes: 4 * MAX_BODY_BYTES, ms: 5_000 };
/** Unsigned or unknown path: only what a real request could carry. */
const DRAIN_SHORT: Drain = { bytes: 64 * 1024, ms: 1_000 };
/** Shed to keep memory bounded (a held or large body while the budget is spent): answered, then closed at once. */
const DRAIN_NONE: Drain = { bytes: 0, ms: 0 };

/**
 * Answers a request whose body will not be read. The client may still be sending: closing the connection
 * now would make its TCP stack see a reset before it reads the answer (Node closes right after a response
 * marked `Connection: close`), so the rest of the body is read and discarded (never held), and the
 * connection is closed once the drain allowance is used up.
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, drain: Drain, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const complete = req.complete;
  sendJson(res, status, body, headers);
  if (complete) return;
  if (drain.bytes === 0) {
    res.once('finish', () => req.socket.destroy());
    return;
  }
  let drained = 0;
  const stop = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(stop, drain.ms);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > drain.bytes) stop();
  });
  req.once('end', () => clearTimeout(timer));
  req.resume();
}

/** A mounted route, its guard unpacked once at mount time (dispatch runs for every request). */
interface Route {
  handler: RouteHandler;
  requiredHeaders: [string, RegExp][];
  maxBodyBytes: number;
}

export class HttpServer {
  private readonly routes = new Map<string, Route>();
  private fallbackRoute: Route | undefined;
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
    const requiredHeaders = Object.entries(guard.requireHeaders ?? {});
    this.routes.set(`${method} ${path}`, { handler, requiredHeaders, maxBodyBytes: guard.maxBodyBytes ?? MAX_BODY_BYTES });
  }

  /** Handles every request no exact route matches (the web pages' /company/<id> paths); default: JSON 404. */
  fallback(handler: RouteHandler): void {
    this.fallbackRoute = { handler, requiredHeaders: [], maxBodyBytes: MAX_BODY_BYTES };
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
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const route = this.routes.get(`${req.method} ${query < 0 ? url : url.slice(0, query)}`) ?? this.fallbackRoute;
    if (!route) {
      refuse(req, res, 404, { ok: false, error: 'not_found' }, DRAIN_SHORT);
      return;
    }
    const { handler, requiredHeaders, maxBodyBytes } = route;
    for (const [name, pattern] of requiredHeaders) {
      const value = req.headers[name];
      if (typeof value !== 'string' || !pattern.test(value)) {
        refuse(req, res, 401, { ok: false, error: 'missing_or_malformed_signature_headers' }, DRAIN_SHORT);
        return;
      }
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      refuse(req, res, 413, { ok: false, error: 'body_too_large' }, DRAIN_TOO_LARGE);
      return;
    }
    try {
      await handler(req, res);
    } catch (error) {
      if (error instanceof BodyTooLargeError) refuse(req, res, 413, { ok: false, error: 'body_too_large' }, DRAIN_TOO_LARGE);
      else if (error instanceof ServerBusyError) refuse(req, res, 503, { ok: false, error: 'busy' }, DRAIN_NONE, { 'retry-after': '1' });
      else if (!res.headersSent) sendJson(res, 500, { ok: false });
      else res.end();
    }
  }
}
