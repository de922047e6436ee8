/**
 * Fetches one feed document, politely and defensively:
 *
 * - Conditional GET: the ETag / Last-Modified of the previous answer go out as If-None-Match /
 *   If-Modified-Since, so an unchanged feed costs a 304 and no parsing.
 * - One deadline (`timeoutMs`) covers DNS, connect, headers and the whole body, so a server that trickles
 *   bytes forever cannot hold a fetch open.
 * - A size cap on the decoded body (a declared Content-Length over the cap is refused before reading;
 *   otherwise the stream is aborted as soon as the cap is passed, also for gzip bombs).
 * - Redirects are followed by hand (at most 5), each hop re-checked against the address policy; the socket
 *   itself only ever connects to checked addresses (see address-policy.ts).
 *
 * Built on node:http/https rather than fetch(): only the raw `lookup` hook lets us pin the connection to
 * the addresses we checked, which is what makes the SSRF guard hold against DNS rebinding.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { checkFeedUrl, FeedUrlError, guardedLookup, type AddressPolicy } from './address-policy.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
export const MAX_REDIRECTS = 5;
export const USER_AGENT = 'capex-bot/0.1 (AI-capex news headlines; RSS/Atom reader)';

export interface FetchFeedOptions {
  policy: AddressPolicy;
  timeoutMs?: number;
  maxBytes?: number;
  userAgent?: string;
  /** Aborted on shutdown: the fetch stops with FetchAbortedError (not a feed failure). */
  signal?: AbortSignal;
}

export interface ConditionalHeaders {
  etag?: string | null;
  lastModified?: string | null;
}

export type FetchFeedResult =
  | { status: 'not-modified'; finalUrl: string }
  | { status: 'ok'; body: string; etag: string | null; lastModified: string | null; finalUrl: string; bytes: number };

/** A fetch that failed for a reason worth showing to an admin ("HTTP 404 Not Found", "timed out after 10 s"). */
export class FeedFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedFetchError';
  }
}

/** The bot is shutting down: not the feed's fault. */
export class FetchAbortedError extends Error {
  constructor() {
    super('fetch aborted');
    this.name = 'FetchAbortedError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

export async function fetchFeed(url: string, conditional: ConditionalHeaders, options: FetchFeedOptions): Promise<FetchFeedResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const explain = (error: unknown): Error => {
    if (options.signal?.aborted) return new FetchAbortedError();
    if (timeout.aborted) return new FeedFetchError(`no complete answer within ${Math.round(timeoutMs / 100) / 10} s (timed out)`);
    return describeNetworkError(error);
  };

  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let checked: URL;
    try {
      ({ url: checked } = await untilAborted(checkFeedUrl(current, options.policy), signal));
    } catch (error) {
      if (error instanceof FeedUrlError) throw hop === 0 ? error : new FeedUrlError(`Redirected to ${current}, which is refused: ${error.message}`);
      throw explain(error);
    }
    const headers: Record<string, string> = {
      'User-Agent': options.userAgent ?? USER_AGENT,
      Accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
      'Accept-Encoding': 'gzip, deflate, br',
    };
    if (conditional.etag) headers['If-None-Match'] = conditional.etag;
    if (conditional.lastModified) headers['If-Modified-Since'] = conditional.lastModified;

    let response: IncomingMessage;
    try {
      response = await request(checked, headers, options.policy, signal);
    } catch (error) {
      throw explain(error);
    }
    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      response.resume();
      const location = response.headers.location;
      if (!location) throw new FeedFetchError(`HTTP ${status} redirect without a Location header`);
      try {
        current = new URL(location, checked).href;
      } catch {
        throw new FeedFetchError(`HTTP ${status} redirect to an invalid URL`);
      }
      continue;
    }
    if (status === 304) {
      response.resume();
      return { status: 'not-modified', finalUrl: checked.href };
    }
    if (status < 200 || status >= 300) {
      response.resume();
      throw new FeedFetchError(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage.slice(0, 60)}` : ''}`);
    }
    let body: Buffer;
    try {
      body = await readCapped(response, maxBytes);
    } catch (error) {
      if (error instanceof FeedFetchError) throw error;
      throw explain(error);
    }
    return {
      status: 'ok',
      body: decodeText(body, response.headers['content-type']),
      etag: headerText(response.headers.etag),
      lastModified: headerText(response.headers['last-modified']),
      finalUrl: checked.href,
      bytes: body.length,
    };
  }
  throw new FeedFetchError(`more than ${MAX_REDIRECTS} redirects`);
}

function request(url: URL, headers: Record<string, string>, policy: AddressPolicy, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    // agent: false — one connection per fetch, nothing kept alive between the bot's half-hourly fetches.
    const req = client.request(url, { method: 'GET', headers, lookup: guardedLookup(policy), signal, agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Reads the (decompressed) body, refusing more than `maxBytes`. */
async function readCapped(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooBig = (seen: string) => new FeedFetchError(`the feed is larger than the ${formatBytes(maxBytes)} limit (${seen})`);
  const declared = Number(response.headers['content-length']);
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') {
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.destroy();
      throw tooBig(`${formatBytes(declared)} announced`);
    }
  }
  let stream: Readable = response;
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (decoder) stream = pipeline(response, decoder, () => {});
  else if (encoding !== '' && encoding !== 'identity') {
    response.destroy();
    throw new FeedFetchError(`unsupported Content-Encoding '${encoding.slice(0, 20)}'`);
  }

  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) throw tooBig('stopped reading there');
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    response.destroy();
    stream.destroy();
    if (error instanceof FeedFetchError) throw error;
    if (decoder && (error as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new FeedFetchError(`the ${encoding} body is corrupt`);
    throw error;
  }
  return Buffer.concat(chunks);
}

/**
 * Bytes to text: the charset from Content-Type, else the XML declaration's encoding, else UTF-8.
 * TextDecoder knows the WHATWG encodings (ISO-8859-1, windows-1252, Shift_JIS, GB18030…).
 */
function decodeText(body: Buffer, contentType: string | undefined): string {
  const fromHeader = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  const fromDeclaration = /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(body.subarray(0, 200).toString('latin1'))?.[1];
  for (const label of [fromHeader, fromDeclaration, 'utf-8']) {
    if (!label) continue;
    try {
      return new TextDecoder(label).decode(body);
    } catch {
      // unknown label: try the next source
    }
  }
  return body.toString('utf8');
}

function headerText(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value[0] : value;
  return text && text.length <= 500 ? text : null;
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'the connection was closed',
  UND_ERR_SOCKET: 'the connection was closed',
};

function describeNetworkError(error: unknown): Error {
  if (error instanceof FeedUrlError || error instanceof FeedFetchError) return error;
  const err = error as NodeJS.ErrnoException;
  if (err?.code === 'EFEEDFORBIDDEN') return new FeedUrlError(err.message);
  if (err?.code && NETWORK_WORDS[err.code]) return new FeedFetchError(NETWORK_WORDS[err.code]!);
  if (err?.code?.startsWith('ERR_TLS') || /certificate|SSL|TLS/i.test(err?.message ?? '')) {
    return new FeedFetchError(`TLS error: ${(err.message ?? '').slice(0, 120)}`);
  }
  if (err?.message === 'aborted' || err?.code === 'ECONNABORTED') return new FeedFetchError('the connection was closed mid-answer');
  return new FeedFetchError(`network error: ${String(err?.message ?? error).slice(0, 120)}`);
}
