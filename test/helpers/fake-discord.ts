/**
 * A fake Discord REST API on 127.0.0.1 that really answers HTTP, for tests of anything that talks to
 * Discord (registration, interaction replies through discord.js, scheduled posts). Point the SDK at it with
 * `DISCORD_API_URL=fake.url` (discord.js / @discordjs/rest: `rest: { api: fake.url }`; the SDK appends `/v10`).
 *
 * What it answers (paths below are relative to `/api/v10`):
 * - PUT  /applications/:app/commands, PUT /applications/:app/guilds/:guild/commands → the commands with ids
 * - POST /channels/:channel/messages                → a message object echoing the body
 * - PATCH /channels/:channel/messages/:message       → the edited message (multipart with files too)
 * - POST /channels/:channel/messages/:message/threads → a thread with the message's id (the message must exist; a
 *   second start → 400 code 160004; a DM channel `dm-…` → 400 code 50024); post into it at /channels/<thread id>/messages
 * - POST /users/@me/channels {recipient_id}          → a DM channel (`id` = `dm-<recipient_id>`, stable)
 * - POST /interactions/:id/:token/callback           → 204 (200 with a body when `?with_response=true`)
 * - POST /webhooks/:app/:token, PATCH /webhooks/:app/:token/messages/@original → a message object
 *   (multipart bodies as Discord takes them with files: `payload_json` becomes `body`, each `files[n]` part is kept
 *   in the request's `files` with its bytes, and the answered message lists them as `attachments`)
 * - GET  /gateway/bot, GET /users/@me                → plausible bot data
 * Anything else: 404 `{ message: '404: Not Found', code: 0 }`. Bot routes without `Authorization: Bot …`: 401.
 *
 * Every request is recorded in `requests` (method, route without the `/api/v10` prefix, query, headers, parsed
 * JSON body). Failures can be scripted:
 * - `fake.failChannel('123', 'unknown-channel' | 'missing-access')`: every POST to that channel (or a DM
 *   channel `dm-<user>`) gets Discord's 404 `{code:10003,"Unknown Channel"}` / 403 `{code:50001,"Missing Access"}`.
 * - `fake.failNext({ kind: 'rate-limit', retryAfterSeconds: 2, global?: true })`: the next matching request gets
 *   429 with `Retry-After` and Discord's JSON body `{ message, retry_after, global }`.
 * - `fake.failNext({ kind: 'server-error', status?: 500 })`: the next matching request gets a 5xx.
 * - `fake.failNext({ kind: 'api-error', status: 403, code: 50007, message: 'Cannot send messages to this user' })`.
 *   `failNext` takes `{ times, route }` too: how many requests, and a route prefix or predicate to match.
 * - `fake.delay('/channels/', 5_000)`: answers on routes with that prefix (or matching a predicate) wait that long.
 * - `fake.revokeToken()`: the bot token is revoked, as after Bot → Reset Token: every bot route answers 401
 *   (`{ message: '401: Unauthorized', code: 0 }`), and a gateway session is closed with 4004 Authentication failed.
 * - `fake.reset()` forgets recorded requests, scripted failures, delays and a revocation.
 *
 * Channel messages as Discord keeps them: `fake.messages` lists every message actually created (a request that
 * failed, or was answered with an existing message, creates none). A `nonce` longer than 25 characters is a 400
 * (50035 Invalid Form Body). With `enforce_nonce: true`, a nonce the same bot used within the last few minutes
 * (`NONCE_WINDOW_MS`) returns the message it created then, and no new one — what makes a retried post safe.
 *
 * Interaction webhooks as Discord keeps them: a type-5 (deferred) callback, then PATCH/DELETE of
 * `@original` and follow-up POSTs, are recorded; `fake.interactionMessages(token)` lists them in order.
 *
 * Gateway: `GET /gateway/bot` hands out `ws://127.0.0.1:<port>/gateway`, a real WebSocket speaking Discord's
 * JSON protocol (HELLO → IDENTIFY → READY, heartbeats acked). `fake.gateway.connected()` waits for a READY
 * session; `fake.gateway.dispatch('INTERACTION_CREATE', raw)` delivers an event; `fake.gateway.close(4004)`
 * closes the sessions with a close code; an IDENTIFY with a revoked token is closed with 4004.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RecordedRequest {
  method: string;
  /** Path after the `/api/v10` prefix, e.g. `/channels/123/messages`. */
  route: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body (for multipart, the `payload_json` part); `undefined` when there was none; the raw text when it was not JSON. */
  body: unknown;
  /** Uploaded files of a multipart request, in form order. */
  files: UploadedFile[];
}

export interface UploadedFile {
  /** The form field, e.g. `files[0]`. */
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export type ScriptedFailure =
  | { kind: 'rate-limit'; retryAfterSeconds: number; global?: boolean }
  | { kind: 'server-error'; status?: number }
  /** Any Discord JSON error, e.g. `{ status: 403, code: 50007, message: 'Cannot send messages to this user' }`. */
  | { kind: 'api-error'; status: number; code: number; message: string };

export interface FailureMatch {
  /** How many requests fail this way (default 1). */
  times?: number;
  /** A route prefix (`/channels/123`) or a predicate; default: any request. */
  route?: string | ((request: RecordedRequest) => boolean);
}

export type ChannelFailure = 'unknown-channel' | 'missing-access';

/** A message the fake created in a channel (not the requests: retries answered from a nonce create none). */
export interface CreatedMessage {
  channelId: string;
  id: string;
  nonce?: string;
  at: number;
}

/** How long Discord remembers an enforced nonce ("the past few minutes"). */
export const NONCE_WINDOW_MS = 5 * 60_000;

export interface FakeDiscord {
  /** Base URL for `DISCORD_API_URL` / `rest.api` (no version suffix). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Every channel message created, in order. */
  readonly messages: CreatedMessage[];
  /** Recorded requests of one method whose route starts with `routePrefix`. */
  requestsTo(method: string, routePrefix: string): RecordedRequest[];
  failChannel(channelId: string, failure: ChannelFailure): void;
  failNext(failure: ScriptedFailure, match?: FailureMatch): void;
  /** Answers on routes starting with `route` (or matching the predicate) wait `ms` first. */
  delay(route: string | ((request: RecordedRequest) => boolean), ms: number): void;
  /** Revokes the bot token: bot routes answer 401 and gateway sessions close with 4004. */
  revokeToken(): void;
  /** Webhook calls made with one interaction token (callback, @original edits/deletes, follow-ups), in order. */
  interactionMessages(token: string): RecordedRequest[];
  readonly gateway: FakeGateway;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeGateway {
  readonly url: string;
  /** Resolves once a client has identified and been sent READY. */
  connected(timeoutMs?: number): Promise<void>;
  /** Sends a dispatch event (op 0) to every connected session. */
  dispatch(event: string, data: unknown): void;
  /** Closes every session with this close code (4004: Authentication failed). */
  close(code: number): void;
  /** Close codes sent so far, oldest first. */
  readonly closes: number[];
}

interface PendingFailure {
  failure: ScriptedFailure;
  remaining: number;
  matches: (request: RecordedRequest) => boolean;
}

const CHANNEL_ERRORS: Record<ChannelFailure, { status: number; body: { message: string; code: number } }> = {
  'unknown-channel': { status: 404, body: { message: 'Unknown Channel', code: 10003 } },
  'missing-access': { status: 403, body: { message: 'Missing Access', code: 50001 } },
};

export const FAKE_BOT_USER = { id: '100000000000000001', username: 'capex-bot', discriminator: '0', bot: true, global_name: null, avatar: null };

let snowflakeCounter = 1_000_000n;
function nextSnowflake(): string {
  snowflakeCounter += 1n;
  // A timestamp part keeps ids ordered and plausible (Discord epoch 2015).
  return ((BigInt(Date.now() - 1420070400000) << 22n) + snowflakeCounter).toString();
}

export async function startFakeDiscord(): Promise<FakeDiscord> {
  const requests: RecordedRequest[] = [];
  const failingChannels = new Map<string, ChannelFailure>();
  const messages: CreatedMessage[] = [];
  /** Enforced nonces per author (the bot token): the message each one created, and when. */
  const nonces = new Map<string, { message: Record<string, unknown>; at: number }>();
  /** Threads started from messages (by message id = thread id). */
  const threads = new Set<string>();
  let pending: PendingFailure[] = [];
  let delays: { matches: (request: RecordedRequest) => boolean; ms: number }[] = [];
  let tokenRevoked = false;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void record(req, Buffer.concat(chunks)).then(async (request) => {
        requests.push(request);
        const wait = delays.find((d) => d.matches(request))?.ms;
        if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
        answer(request, res);
      });
    });
  });

  async function record(req: IncomingMessage, raw: Buffer): Promise<RecordedRequest> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const contentType = String(req.headers['content-type'] ?? '');
    let text = raw.toString('utf8');
    const files: UploadedFile[] = [];
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
      text = '';
      for (const [field, value] of form) {
        if (typeof value === 'string') {
          if (field === 'payload_json') text = value;
        } else {
          files.push({ field, filename: value.name, contentType: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
        }
      }
    }
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return {
      method: req.method ?? 'GET',
      // discord.js percent-encodes `@original`; routes are recorded as Discord reads them.
      route: decodeURIComponent(url.pathname).replace(/^\/api/, '').replace(/^\/v\d+/, ''),
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      files,
    };
  }

  function answer(request: RecordedRequest, res: ServerResponse): void {
    const scripted = takeFailure(request);
    if (scripted) return sendFailure(res, scripted);

    const { method, route } = request;
    const isInteractionCallback = /^\/interactions\/[^/]+\/[^/]+\/callback$/.test(route);
    const isWebhook = route.startsWith('/webhooks/');
    if (!isInteractionCallback && !isWebhook && (tokenRevoked || !String(request.headers.authorization ?? '').startsWith('Bot '))) {
      return json(res, 401, { message: '401: Unauthorized', code: 0 });
    }

    let m: RegExpMatchArray | null;
    if (method === 'PUT' && (m = route.match(/^\/applications\/([^/]+)(?:\/guilds\/([^/]+))?\/commands$/))) {
      const [, applicationId, guildId] = m;
      const list = Array.isArray(request.body) ? (request.body as Record<string, unknown>[]) : [];
      return json(
        res,
        200,
        list.map((command) => ({
          id: nextSnowflake(),
          application_id: applicationId,
          ...(guildId ? { guild_id: guildId } : {}),
          version: nextSnowflake(),
          default_member_permissions: null,
          type: 1,
          ...command,
        })),
      );
    }
    if (method === 'POST' && (m = route.match(/^\/channels\/([^/]+)\/messages$/))) {
      const channelId = m[1]!;
      const failure = failingChannels.get(channelId);
      if (failure) return json(res, CHANNEL_ERRORS[failure].status, CHANNEL_ERRORS[failure].body);
      const body = (request.body ?? {}) as { nonce?: unknown; enforce_nonce?: unknown };
      const nonce = typeof body.nonce === 'number' ? String(body.nonce) : body.nonce;
      if (nonce !== undefined && (typeof nonce !== 'string' || nonce.length > 25)) {
        return json(res, 400, { message: 'Invalid Form Body', code: 50035, errors: { nonce: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] } } });
      }
      const author = String(request.headers.authorization ?? '');
      const key = `${author}\u0000${nonce}`;
      const seen = nonce !== undefined && body.enforce_nonce === true ? nonces.get(key) : undefined;
      if (seen && Date.now() - seen.at < NONCE_WINDOW_MS) return json(res, 200, seen.message);
      const created = message(channelId, request.body);
      messages.push({ channelId, id: String(created.id), ...(nonce !== undefined ? { nonce } : {}), at: Date.now() });
      if (nonce !== undefined && body.enforce_nonce === true) nonces.set(key, { message: created, at: Date.now() });
      return json(res, 200, created);
    }
    // Start a thread from a message: the thread has the message's id; a second start is 160004, as on Discord.
    if (method === 'POST' && (m = route.match(/^\/channels\/([^/]+)\/messages\/([^/]+)\/threads$/))) {
      const [, channelId, messageId] = m;
      const failure = failingChannels.get(channelId!);
      if (failure) return json(res, CHANNEL_ERRORS[failure].status, CHANNEL_ERRORS[failure].body);
      if (channelId!.startsWith('dm-')) return json(res, 400, { message: 'Cannot execute action on this channel type', code: 50024 });
      if (!messages.some((x) => x.channelId === channelId && x.id === messageId)) return json(res, 404, { message: 'Unknown Message', code: 10008 });
      if (threads.has(messageId!)) return json(res, 400, { message: 'A thread has already been created for this message', code: 160004 });
      threads.add(messageId!);
      return json(res, 201, { id: messageId, type: 11, parent_id: channelId, name: (request.body as { name?: string } | undefined)?.name ?? '' });
    }
    if (method === 'PATCH' && (m = route.match(/^\/channels\/([^/]+)\/messages\/([^/]+)$/))) {
      return json(res, 200, { ...message(m[1]!, request.body, request.files), id: m[2] });
    }
    if (method === 'POST' && route === '/users/@me/channels') {
      const recipient = String((request.body as { recipient_id?: unknown } | undefined)?.recipient_id ?? '');
      if (!/^\d+$/.test(recipient)) return json(res, 400, { message: 'Invalid Form Body', code: 50035 });
      return json(res, 200, { id: `dm-${recipient}`, type: 1, recipients: [{ id: recipient, username: 'user' }], last_message_id: null });
    }
    if (method === 'POST' && isInteractionCallback) {
      if (request.query.with_response === 'true') {
        return json(res, 200, { interaction: { id: route.split('/')[2], type: 2 }, resource: { type: 4, message: message('0', (request.body as { data?: unknown })?.data) } });
      }
      res.writeHead(204).end();
      return;
    }
    if ((method === 'POST' && /^\/webhooks\/[^/]+\/[^/]+$/.test(route)) || (method === 'PATCH' && /^\/webhooks\/[^/]+\/[^/]+\/messages\/[^/]+$/.test(route))) {
      return json(res, 200, message('0', request.body, request.files));
    }
    if (method === 'DELETE' && /^\/webhooks\/[^/]+\/[^/]+\/messages\/[^/]+$/.test(route)) {
      res.writeHead(204).end();
      return;
    }
    if (method === 'GET' && route === '/gateway/bot') {
      return json(res, 200, {
        url: gateway.url,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
      });
    }
    if (method === 'GET' && route === '/users/@me') return json(res, 200, FAKE_BOT_USER);
    return json(res, 404, { message: '404: Not Found', code: 0 });
  }

  function takeFailure(request: RecordedRequest): ScriptedFailure | undefined {
    const hit = pending.find((p) => p.remaining > 0 && p.matches(request));
    if (!hit) return undefined;
    hit.remaining -= 1;
    pending = pending.filter((p) => p.remaining > 0);
    return hit.failure;
  }

  function sendFailure(res: ServerResponse, failure: ScriptedFailure): void {
    if (failure.kind === 'rate-limit') {
      const headers: Record<string, string> = {
        'retry-after': String(failure.retryAfterSeconds),
        'x-ratelimit-scope': failure.global ? 'global' : 'user',
      };
      if (failure.global) headers['x-ratelimit-global'] = 'true';
      return json(res, 429, { message: 'You are being rate limited.', retry_after: failure.retryAfterSeconds, global: Boolean(failure.global) }, headers);
    }
    if (failure.kind === 'api-error') return json(res, failure.status, { message: failure.message, code: failure.code });
    const status = failure.status ?? 500;
    json(res, status, { message: `${status}: Internal Server Error`, code: 0 });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const gateway = startGateway(server, `ws://127.0.0.1:${port}/gateway`, () => tokenRevoked);

  return {
    url: `http://127.0.0.1:${port}/api`,
    requests,
    messages,
    requestsTo: (method, routePrefix) => requests.filter((r) => r.method === method && r.route.startsWith(routePrefix)),
    failChannel(channelId, failure) {
      failingChannels.set(channelId, failure);
    },
    failNext(failure, match = {}) {
      const { times = 1, route } = match;
      const matches = typeof route === 'function' ? route : (r: RecordedRequest) => route === undefined || r.route.startsWith(route);
      pending.push({ failure, remaining: times, matches });
    },
    delay(route, ms) {
      const matches = typeof route === 'function' ? route : (r: RecordedRequest) => r.route.startsWith(route);
      delays.push({ matches, ms });
    },
    revokeToken() {
      tokenRevoked = true;
      gateway.close(4004);
    },
    interactionMessages: (token) =>
      requests.filter((r) => r.route.split('/').includes(token) && (r.route.startsWith('/webhooks/') || r.route.startsWith('/interactions/'))),
    gateway: gateway.api,
    reset() {
      requests.length = 0;
      messages.length = 0;
      nonces.clear();
      failingChannels.clear();
      pending = [];
      delays = [];
      tokenRevoked = false;
    },
    async close() {
      await gateway.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function message(channelId: string, body: unknown, files: UploadedFile[] = []): Record<string, unknown> {
  const b = (body ?? {}) as Record<string, unknown>;
  return {
    id: nextSnowflake(),
    type: 0,
    channel_id: channelId,
    author: FAKE_BOT_USER,
    ...(b.nonce !== undefined ? { nonce: b.nonce } : {}),
    content: b.content ?? '',
    embeds: b.embeds ?? [],
    components: b.components ?? [],
    attachments: files.map((f) => ({ id: nextSnowflake(), filename: f.filename, size: f.bytes.length, content_type: f.contentType, url: `https://cdn.fake.test/${f.filename}`, proxy_url: `https://cdn.fake.test/${f.filename}` })),
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    flags: b.flags ?? 0,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Discord gateway opcodes the fake speaks. */
const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, Hello: 10, HeartbeatAck: 11 } as const;

function startGateway(server: Server, url: string, revoked: () => boolean) {
  const wss = new WebSocketServer({ noServer: true });
  const sessions = new Set<WebSocket>();
  const closes: number[] = [];
  let sequence = 0;
  let readyCount = 0;
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/gateway')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });
  const send = (ws: WebSocket, payload: unknown) => ws.send(JSON.stringify(payload));
  const closeWith = (ws: WebSocket, code: number) => {
    closes.push(code);
    ws.close(code, code === 4004 ? 'Authentication failed.' : 'closed by the fake');
  };
  wss.on('connection', (ws) => {
    send(ws, { op: Op.Hello, d: { heartbeat_interval: 41_250 }, s: null, t: null });
    ws.on('message', (raw) => {
      const packet = JSON.parse(String(raw)) as { op: number; d: { token?: string } };
      if (packet.op === Op.Heartbeat) return send(ws, { op: Op.HeartbeatAck, d: null, s: null, t: null });
      if (packet.op !== Op.Identify) return;
      if (revoked() || !packet.d.token) return closeWith(ws, 4004);
      sessions.add(ws);
      ws.on('close', () => sessions.delete(ws));
      readyCount += 1;
      send(ws, {
        op: Op.Dispatch,
        t: 'READY',
        s: ++sequence,
        d: { v: 10, user: FAKE_BOT_USER, guilds: [], session_id: `session-${readyCount}`, resume_gateway_url: url, shard: [0, 1], application: { id: '500000000000000005', flags: 0 } },
      });
    });
  });
  const api: FakeGateway = {
    url,
    closes,
    connected: async (timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (sessions.size === 0) {
        if (Date.now() > deadline) throw new Error(`fake Discord gateway: no session within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    dispatch: (event, data) => {
      for (const ws of sessions) send(ws, { op: Op.Dispatch, t: event, s: ++sequence, d: data });
    },
    close: (code) => {
      for (const ws of sessions) closeWith(ws, code);
      sessions.clear();
    },
  };
  return {
    url,
    api,
    close: api.close,
    stop: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
