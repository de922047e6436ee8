/**
 * A lean Bolt receiver that mounts `POST /slack/events` on the bot's one shared HTTP server instead of
 * starting its own (Bolt's HTTPReceiver owns a server and does far more per request than we need).
 * It checks the signature over the raw bytes first, so nothing runs for an unsigned, forged or stale
 * request (Slack's unsigned `ssl_check` gets its 200 and nothing else), then hands the parsed body to Bolt's `App.processEvent`, which still does all the routing.
 * `ack` writes the HTTP response, so Slack's 3-second window is met as soon as a listener acks.
 *
 * Slash commands can go to an App of their own (`commandReceiver`): Bolt runs every request through every
 * listener's middleware chain, so with the App Home, the digest form, buttons and lifecycle events on the same
 * App a command paid for five listeners that never match it (≈ 45 of 125 µs per command, BENCHMARKS.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { readRawBody, sendJson, type HttpServer } from '../../http/server.js';
import type { Logger } from '../../core/log.js';
import { derivedOncePerFrozen } from '../../core/reply.js';
import { verifySlackSignature } from './signature.js';
import { ReplayGuard } from '../replay-guard.js';

export const SLACK_EVENTS_PATH = '/slack/events';

/** Slash-command payloads are a few KB (Slack caps the text at 4,000 characters); refuse anything far bigger. */
const MAX_SLACK_BODY_BYTES = 64 * 1024;

export interface SharedHttpReceiverOptions {
  http: HttpServer;
  signingSecret: string;
  logger: Logger;
  path?: string;
  /** Injected clock (ms) for the timestamp window, for tests. */
  now?: () => number;
}

/**
 * The receiver of an App that takes only what SharedHttpReceiver hands it (slash commands): it mounts nothing,
 * and the shared receiver's start/stop govern the endpoint.
 */
export class HandedOverReceiver implements Receiver {
  app: App | undefined;

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}

export class SharedHttpReceiver implements Receiver {
  private app: App | undefined;
  /** Give this to the App that should get the slash commands (the other App then gets everything else). */
  readonly commandReceiver = new HandedOverReceiver();
  private accepting = false;
  private readonly inFlight = new Set<Promise<void>>();
  private mounted = false;
  /** event_ids already handled (Slack retries an event up to three times within minutes). */
  private readonly events = new ReplayGuard();

  constructor(private readonly options: SharedHttpReceiverOptions) {}

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {
    this.accepting = true;
    if (this.mounted) return;
    // The shared server has no "unroute": stop() only makes the route answer 503.
    this.options.http.route('POST', this.options.path ?? SLACK_EVENTS_PATH, (req, res) => this.handle(req, res));
    this.mounted = true;
  }

  /** Stops taking requests, then waits (up to `drainMs`) for those in progress: late answers, follow-up uploads. */
  async stop(drainMs = 5_000): Promise<void> {
    this.accepting = false;
    await Promise.race([this.idle(), new Promise((resolve) => setTimeout(resolve, drainMs).unref())]);
  }

  /** Resolves when no request is being processed (an ack may be long sent while a listener still works). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.accepting || !this.app) {
      sendJson(res, 503, { ok: false, error: 'slack_adapter_stopped' });
      return;
    }
    const rawBody = await readRawBody(req, MAX_SLACK_BODY_BYTES);
    const contentType = header(req, 'content-type');
    // Slack checks the endpoint's certificate with an UNSIGNED `ssl_check=1` POST and wants a 200. Bolt answers it
    // before verification too; nothing else runs for it, so a forged one gains nothing.
    if (isSslCheck(contentType, rawBody)) {
      res.writeHead(200, { 'content-length': 0 }).end();
      return;
    }
    const check = verifySlackSignature({
      signingSecret: this.options.signingSecret,
      timestamp: header(req, 'x-slack-request-timestamp'),
      signature: header(req, 'x-slack-signature'),
      rawBody,
      nowMs: this.options.now?.(),
    });
    if (!check.ok) {
      this.options.logger.warn({ reason: check.reason, ip: req.socket.remoteAddress }, 'refused unverified Slack request');
      sendJson(res, 401, { ok: false, error: 'invalid_request_signature' });
      return;
    }

    const body = parseBody(contentType, rawBody);
    if (!body) {
      sendJson(res, 400, { ok: false, error: 'unreadable_body' });
      return;
    }
    // Slack's own endpoint check, answered without bothering the App.
    if (body.type === 'url_verification' && typeof body.challenge === 'string') {
      sendJson(res, 200, { challenge: body.challenge });
      return;
    }

    const retryNum = header(req, 'x-slack-retry-num');
    // Events API retries (X-Slack-Retry-Num) repeat the event_id: handled once. Slash commands are
    // de-duplicated on trigger_id by their listener, which also covers Socket Mode.
    if (typeof body.event_id === 'string' && !this.events.firstTime(body.event_id)) {
      this.options.logger.info({ event: body.event_id, retry: retryNum, reason: header(req, 'x-slack-retry-reason') }, 'ignored a repeated Slack event');
      res.writeHead(200, { 'content-length': 0 }).end();
      return;
    }
    const acknowledgement = new HttpAck(res, this.options.logger);
    const event: ReceiverEvent = {
      body,
      // bind, not an arrow: tsx (esbuild keepNames) names every named closure with a defineProperty per request.
      ack: acknowledgement.ack.bind(acknowledgement),
      retryNum: retryNum === undefined ? undefined : Number(retryNum),
      retryReason: header(req, 'x-slack-retry-reason'),
    };
    const app = this.commandReceiver.app && typeof body.command === 'string' && body.event === undefined ? this.commandReceiver.app : this.app;
    const processing = app.processEvent(event);
    this.inFlight.add(processing);
    try {
      await processing;
    } catch (error) {
      this.options.logger.error({ err: error }, 'Bolt failed to process a Slack request');
      if (!acknowledgement.sent) acknowledgement.fail();
      return;
    } finally {
      this.inFlight.delete(processing);
    }
    // processEvent awaits every listener, so no ack by now means no listener took the request.
    if (!acknowledgement.sent) {
      this.options.logger.warn({ command: body.command, type: body.type }, 'no Slack listener acknowledged the request');
      acknowledgement.fail(404);
    }
  }
}

/** Writes the HTTP answer the first time a listener acks; later acks are ignored (and logged). */
class HttpAck {
  sent = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly logger: Logger,
  ) {}

  async ack(response?: unknown): Promise<void> {
    if (this.sent) {
      this.logger.warn('a Slack request was acknowledged twice; the second ack is ignored');
      return;
    }
    this.sent = true;
    if (response === undefined || response === '') {
      this.res.writeHead(200, { 'content-length': 0 }).end();
    } else if (typeof response === 'string') {
      this.res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(response) });
      this.res.end(response);
    } else if (typeof response === 'object' && response !== null) {
      const bytes = jsonBytesOf(response);
      this.res.writeHead(200, ['content-type', 'application/json; charset=utf-8', 'content-length', String(bytes.length)]);
      this.res.end(bytes);
    } else {
      const text = JSON.stringify(response);
      this.res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      this.res.end(text);
    }
  }

  fail(status = 500): void {
    this.sent = true;
    if (!this.res.headersSent) sendJson(this.res, status, { ok: false });
    else this.res.end();
  }
}

/**
 * UTF-8 JSON of an answer, kept with it when frozen (shared, cached ones: see renderSlashResponse); they cannot change.
 * Bytes, not a string: answers hold "·", "…" and box drawing, so a string would be measured (Buffer.byteLength)
 * and encoded again by the socket on every response.
 */
const jsonBytesOf = derivedOncePerFrozen((value: object): Buffer => Buffer.from(JSON.stringify(value), 'utf8'));

/** `ssl_check=1` in a form body: the only request Slack sends unsigned. */
function isSslCheck(contentType: string | undefined, rawBody: Buffer): boolean {
  // Decoding every form to look for one field cost as much as parsing it for Bolt: only a body naming the field is decoded.
  if (contentType?.startsWith('application/json') || rawBody.length > 512 || !rawBody.includes(SSL_CHECK_FIELD)) return false;
  return parseQuery(rawBody.toString('utf8')).ssl_check === '1';
}

const SSL_CHECK_FIELD = Buffer.from('ssl_check=');

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Slash commands are form-encoded; interactive payloads are a form field holding JSON; events are JSON. */
function parseBody(contentType: string | undefined, rawBody: Buffer): Record<string, unknown> | undefined {
  const text = rawBody.toString('utf8');
  try {
    if (contentType?.startsWith('application/json')) {
      const parsed: unknown = JSON.parse(text);
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    }
    // node:querystring decodes form bodies several times faster than URLSearchParams (hot path).
    const parsed = parseQuery(text);
    const form: Record<string, string> = {};
    for (const key of Object.keys(parsed)) {
      const value = parsed[key];
      form[key] = Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
    }
    if (typeof form.payload === 'string') {
      // A signed `payload=null` (or a number, an array) is JSON but no payload.
      const payload: unknown = JSON.parse(form.payload);
      return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
    }
    return form;
  } catch {
    return undefined;
  }
}
