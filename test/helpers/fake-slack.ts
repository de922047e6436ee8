/**
 * A fake Slack Web API on 127.0.0.1 that really answers HTTP, for tests of anything that talks to Slack
 * (Bolt's start-up auth.test, users.info lookups, slash-command answers sent to response_url, scheduled
 * posts). Point the SDK at it with `SLACK_API_URL=fake.apiUrl` (WebClient `slackApiUrl`), and put
 * `fake.responseUrl()` in a slash-command payload's `response_url`.
 *
 * What it answers (Web API methods are `POST /api/<method>`, form-encoded or JSON, token in `Authorization`):
 * - auth.test              → `{ ok, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0FAKE', … }`
 * - chat.postMessage       → `{ ok, channel, ts, message: { text, blocks } }`
 * - chat.postEphemeral     → `{ ok, message_ts }`
 * - users.info {user}      → the user added with `addUser` (admin flags, `tz`), else `user_not_found`
 * - conversations.open {users} → a DM channel `D<user>` (stable per user)
 * - apps.connections.open  → `{ ok, url }`: the fake's own Socket Mode WebSocket endpoint (`ws://…/socket-mode`)
 * - files.getUploadURLExternal {filename, length, alt_txt} → `{ ok, upload_url, file_id }` (an upload URL on this server).
 *   As in Slack, the alt text is read from `alt_txt` only; an `alt_text` argument is ignored (the SDK's spelling).
 * - conversations.info {channel} → the channel added with `addChannel` (is_private, is_member, is_im, is_mpim);
 *   an unknown `C…` channel is a public one the bot may post in; a private channel the bot is not in, like any
 *   unknown `G…`/`D…` id, is `channel_not_found` (Slack hides private conversations from non-members)
 * - POST /upload/<file_id>  → `OK - <length>` (Slack's answer); the bytes (raw, or the file part of a multipart
 *   form, as the WebClient sends them) are kept in `fake.uploads`
 * - files.completeUploadExternal {files, channel_id} → `{ ok, files }`; the shared files are in `fake.sharedFiles`
 *   (with their bytes). `failChannel` applies to its channel_id too (e.g. `not_in_channel`).
 * - views.open {trigger_id, view} → `{ ok, view }` only for a trigger from `fake.triggerId()`, once, within 3 s
 *   (`invalid_trigger_id` / `exchanged_trigger_id` / `expired_trigger_id`); the view is checked (type modal, title/submit
 *   ≤ 24 plain_text, ≤ 100 blocks, input blocks with block_id/action_id/label) → `invalid_arguments`
 * - views.publish {user_id, view} → `{ ok, view }` for a `home` view within the same limits
 * - oauth.v2.access {code, client_id, client_secret, redirect_uri} → exchanges a code from `fake.oauth.approve(team)`
 *   (the user clicked "Allow" in that workspace) for that team's own bot token (`xoxb-<team>-…`, different per
 *   team and per install), once; a wrong client, a used or unknown code, or another redirect_uri is refused as
 *   Slack does (`invalid_client_id`, `bad_client_secret`, `invalid_code`, `bad_redirect_uri`).
 * - anything else          → `{ ok: false, error: 'unknown_method' }`
 * - POST /response/<id>    → `{ ok: true }` (what Slack's response_url answers); the sixth post to one URL → 404 `used_url`
 * A token that is missing, or is not `validToken` when one was given, gets `{ ok: false, error: 'invalid_auth' }`.
 * Workspaces: a token issued by oauth.v2.access belongs to its team — auth.test answers that team, and a channel or
 * user added with `team: 'T1'` is `channel_not_found` / `user_not_found` to any other team's token (as in Slack,
 * where one workspace's bot cannot see another's). `fake.oauth.uninstall('T1')` revokes T1's token only.
 *
 * Every request is recorded in `requests` (HTTP method, path, Web API method, token, parsed body; form values
 * holding JSON such as `blocks` are decoded). Failures can be scripted:
 * - `fake.failChannel('C123', 'channel_not_found' | 'is_archived' | 'not_in_channel' | …)`: every chat.* call
 *   to that channel answers `{ ok: false, error }` (HTTP 200, as Slack does).
 * - `fake.failNext({ kind: 'rate-limit', retryAfterSeconds: 3 })`: 429 with `Retry-After: 3`.
 * - `fake.failNext({ kind: 'server-error', status?: 500 })`: an HTTP 5xx.
 * - `fake.failNext({ kind: 'platform-error', error: 'internal_error' })`: `{ ok: false, error }` with HTTP 200.
 * - `fake.failNext({ kind: 'drop-connection' })`: the socket is destroyed without an answer (a network error).
 *   `failNext` takes `{ times, method }` too: how many requests (default 1), and which Web API method
 *   (`'chat.postMessage'`) or predicate they must match (default: any Web API call, never response_url posts).
 * - `fake.delay('users.info', 300)`: answers of that method wait 300 ms (for ack-deadline tests).
 * - `fake.revokeToken()`: the bot token is revoked (app uninstalled): every Web API call answers `token_revoked`.
 * - `fake.reset()` forgets recorded requests, scripted failures, delays and a revocation (users and channels stay).
 *
 * Socket Mode: a Bolt app started with an `xapp-` token connects to `ws://127.0.0.1:<port>/socket-mode` (the URL
 * apps.connections.open hands out) and gets Slack's `hello`. `await fake.socketMode.connected()` waits for it;
 * `fake.socketMode.send('slash_commands', payload)` delivers an envelope the way Slack does and resolves with
 * the payload the app acked it with (its answer to the slash command).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SlackRecordedRequest {
  httpMethod: string;
  path: string;
  /** Web API method for `/api/<method>` paths (`chat.postMessage`); undefined for response_url posts. */
  api?: string;
  /** The id of a `/response/<id>` post. */
  responseId?: string;
  /** Bearer token from the Authorization header, or the `token` body field. */
  token?: string;
  headers: IncomingMessage['headers'];
  /** Parsed body: form fields (JSON-valued ones decoded) or the JSON object. */
  body: Record<string, unknown>;
  /** HTTP status the fake answered with (0 for a dropped connection). */
  status: number;
  /** False while the fake still holds the answer (a `delay`): the request is in flight for the caller. */
  answered?: boolean;
}

export type SlackScriptedFailure =
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  | { kind: 'server-error'; status?: number }
  | { kind: 'platform-error'; error: string }
  | { kind: 'drop-connection' };

export interface SlackFailureMatch {
  /** How many requests fail this way (default 1). */
  times?: number;
  /** A Web API method name (`'chat.postMessage'`) or a predicate over the recorded request. */
  method?: string | ((request: SlackRecordedRequest) => boolean);
}

export interface FakeSlackUser {
  id: string;
  name?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  tz?: string;
  /** The workspace the user is in: other teams' tokens get `user_not_found`. */
  team?: string;
}

export interface FakeSlackChannel {
  id: string;
  is_private?: boolean;
  /** Whether the bot is a member. */
  is_member?: boolean;
  is_im?: boolean;
  is_mpim?: boolean;
  /** The workspace it belongs to: other teams' tokens cannot see it. */
  team?: string;
}

/** The OAuth side of the fake (installs to several workspaces). */
export interface FakeSlackOAuth {
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * The user allowed the install in `team`: a one-time code for oauth.v2.access (as on Slack's redirect). `orgWide`:
   * an Enterprise Grid org-wide install — pass the organization (`E…`) as `team` and `enterprise`; the answer has
   * no team and `is_enterprise_install: true`, and the token belongs to the organization.
   */
  approve(team: string, options?: { enterprise?: string; user?: string; redirectUri?: string; orgWide?: boolean }): string;
  /** The bot token most recently issued to `team`. */
  tokenOf(team: string): string | undefined;
  /** The team a token was issued to (undefined for tokens the fake did not issue). */
  teamOf(token: string | undefined): string | undefined;
  /** The app was removed from `team`: the tokens issued to it so far answer `token_revoked` (a later install gets a new one). */
  uninstall(team: string): void;
}

export interface FakeSlackOptions {
  /** When set, only this bot token is accepted; otherwise any `xoxb-`/`xapp-` token is. */
  validToken?: string;
  users?: FakeSlackUser[];
  /** The app's OAuth credentials oauth.v2.access checks (default `fake-client-id` / `fake-client-secret`). */
  oauth?: { clientId?: string; clientSecret?: string };
}

export interface FakeSlack {
  /** Base URL of the Web API for `SLACK_API_URL` / `slackApiUrl`, ending with `/api/`. */
  readonly apiUrl: string;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly requests: SlackRecordedRequest[];
  /** Recorded calls of one Web API method, oldest first. */
  callsTo(api: string): SlackRecordedRequest[];
  /** A fresh response_url on this server (or the one with the given id). */
  responseUrl(id?: string): string;
  /** Posts received on response URLs (optionally one id's). */
  responses(id?: string): SlackRecordedRequest[];
  /**
   * A trigger_id as Slack puts in a slash command or a press, issued `ageMs` ago. views.open takes only a trigger
   * this fake issued, once, within 3 s (else `invalid_trigger_id` / `exchanged_trigger_id` / `expired_trigger_id`).
   */
  triggerId(ageMs?: number): string;
  /** Resolves once `check` returns a truthy value (polled), or rejects after `timeoutMs`. */
  waitFor<T>(check: () => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  addUser(user: FakeSlackUser): void;
  addChannel(channel: FakeSlackChannel): void;
  /** Every later Web API call answers `token_revoked`, as after the app is uninstalled. */
  revokeToken(): void;
  failChannel(channel: string, error: string): void;
  failNext(failure: SlackScriptedFailure, match?: SlackFailureMatch): void;
  delay(api: string, ms: number): void;
  readonly socketMode: FakeSocketMode;
  readonly oauth: FakeSlackOAuth;
  /** Bytes received on upload URLs, by file id. */
  readonly uploads: Map<string, FakeSlackUpload>;
  /** Files completed with files.completeUploadExternal, oldest first. */
  readonly sharedFiles: FakeSlackSharedFile[];
  reset(): void;
  close(): Promise<void>;
}

export interface FakeSocketMode {
  readonly url: string;
  /** Resolves once a client has connected and been sent `hello`. */
  connected(timeoutMs?: number): Promise<void>;
  /** Sends an envelope (`slash_commands`, `interactive`, `events_api`) and resolves with the acked payload. */
  send(type: string, payload: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export interface FakeSlackUpload {
  fileId: string;
  filename: string;
  /** The length announced in files.getUploadURLExternal. */
  announcedLength: number;
  altText?: string;
  /** The bytes actually uploaded (undefined until the upload arrives). */
  bytes?: Buffer;
}

export interface FakeSlackSharedFile {
  id: string;
  title?: string;
  channelId?: string;
  initialComment?: string;
  upload: FakeSlackUpload;
}

interface ScriptedRule {
  failure: SlackScriptedFailure;
  remaining: number;
  matches: (request: SlackRecordedRequest) => boolean;
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const requests: SlackRecordedRequest[] = [];
  const users = new Map((options.users ?? []).map((u) => [u.id, u]));
  const channelFailures = new Map<string, string>();
  const delays = new Map<string, number>();
  const channels = new Map<string, FakeSlackChannel>();
  let tokenRevoked = false;
  let rules: ScriptedRule[] = [];
  let messageCounter = 0;
  let fileCounter = 0;
  let triggerCounter = 0;
  let viewCounter = 0;
  const triggers = new Map<string, { issuedAt: number; used: boolean }>();
  const responseUses = new Map<string, number>();
  const uploads = new Map<string, FakeSlackUpload>();
  const sharedFiles: FakeSlackSharedFile[] = [];
  const oauthClient = { clientId: options.oauth?.clientId ?? 'fake-client-id', clientSecret: options.oauth?.clientSecret ?? 'fake-client-secret' };
  const codes = new Map<string, { team: string; enterprise?: string; user: string; redirectUri?: string; orgWide?: boolean }>();
  const issuedTokens = new Map<string, string>();
  const latestToken = new Map<string, string>();
  const revokedTokens = new Set<string>();

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const sockets = startSocketMode(server, `ws://127.0.0.1:${port}/socket-mode`);

  const fake: FakeSlack = {
    apiUrl: `${baseUrl}/api/`,
    baseUrl,
    requests,
    callsTo: (api) => requests.filter((r) => r.api === api),
    responseUrl: (id = randomBytes(6).toString('hex')) => `${baseUrl}/response/${id}`,
    responses: (id) => requests.filter((r) => r.responseId !== undefined && (id === undefined || r.responseId === id)),
    triggerId: (ageMs = 0) => {
      const id = `${++triggerCounter}.${Date.now()}.${randomBytes(4).toString('hex')}`;
      triggers.set(id, { issuedAt: Date.now() - ageMs, used: false });
      return id;
    },
    waitFor: async (check, timeoutMs = 3_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = check();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`fake Slack: condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    addUser: (user) => void users.set(user.id, user),
    addChannel: (channel) => void channels.set(channel.id, channel),
    revokeToken: () => {
      tokenRevoked = true;
    },
    failChannel: (channel, error) => void channelFailures.set(channel, error),
    failNext: (failure, match = {}) => {
      const method = match.method;
      const matches =
        typeof method === 'function' ? method : (r: SlackRecordedRequest) => r.api !== undefined && (method === undefined || r.api === method);
      rules.push({ failure, remaining: match.times ?? 1, matches });
    },
    delay: (api, ms) => void delays.set(api, ms),
    socketMode: sockets.api,
    oauth: {
      ...oauthClient,
      approve: (team, { enterprise, user = 'UINSTALLER', redirectUri, orgWide } = {}) => {
        const code = `code-${team}-${randomBytes(6).toString('hex')}`;
        codes.set(code, { team, enterprise, user, redirectUri, orgWide });
        return code;
      },
      tokenOf: (team) => latestToken.get(team),
      teamOf: (token) => (token ? issuedTokens.get(token) : undefined),
      uninstall: (team) => {
        for (const [token, owner] of issuedTokens) if (owner === team) revokedTokens.add(token);
      },
    },
    uploads,
    sharedFiles,
    reset: () => {
      requests.length = 0;
      uploads.clear();
      sharedFiles.length = 0;
      rules = [];
      channelFailures.clear();
      delays.clear();
      tokenRevoked = false;
    },
    close: async () => {
      await sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bytes = await readBody(req);
    const raw = bytes.toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
    const uploadMatch = /^\/upload\/([A-Za-z0-9]+)$/.exec(path);
    const body = uploadMatch ? {} : parseBody(req.headers['content-type'], raw);
    const auth = req.headers.authorization;
    const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    const responseMatch = /^\/response\/([A-Za-z0-9_-]+)$/.exec(path);
    const request: SlackRecordedRequest = {
      httpMethod: req.method ?? 'GET',
      path,
      api: apiMatch?.[1],
      responseId: responseMatch?.[1],
      token: auth?.startsWith('Bearer ') ? auth.slice(7) : typeof body.token === 'string' ? body.token : undefined,
      headers: req.headers,
      body,
      status: 200,
      answered: false,
    };
    requests.push(request);

    const rule = rules.find((r) => r.remaining > 0 && r.matches(request));
    if (rule) {
      rule.remaining -= 1;
      rules = rules.filter((r) => r.remaining > 0);
      applyFailure(rule.failure, request, res);
      return;
    }
    if (request.responseId !== undefined) {
      // Slack takes at most five posts per response_url (within 30 minutes); the sixth is refused.
      const uses = (responseUses.get(request.responseId) ?? 0) + 1;
      responseUses.set(request.responseId, uses);
      reply(res, request, uses > 5 ? 404 : 200, uses > 5 ? { ok: false, error: 'used_url' } : { ok: true });
      return;
    }
    if (uploadMatch) {
      const upload = uploads.get(uploadMatch[1]!);
      if (!upload) {
        reply(res, request, 404, { ok: false, error: 'unknown_upload' });
        return;
      }
      upload.bytes = await uploadedBytes(req.headers['content-type'], bytes);
      request.status = 200;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${upload.bytes.length}`);
      return;
    }
    if (!request.api) {
      reply(res, request, 404, { ok: false, error: 'not_found' });
      return;
    }
    const wait = delays.get(request.api);
    if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
    reply(res, request, 200, answer(request));
  }

  function tokenValid(token: string | undefined): boolean {
    if (!token) return false;
    if (issuedTokens.has(token)) return true;
    if (options.validToken) return token === options.validToken || token.startsWith('xapp-');
    return token.startsWith('xoxb-') || token.startsWith('xapp-');
  }

  function answer(request: SlackRecordedRequest): Record<string, unknown> {
    if (request.api === 'oauth.v2.access') return exchangeCode(request.body, request.headers.authorization);
    if (!tokenValid(request.token)) return { ok: false, error: request.token ? 'invalid_auth' : 'not_authed' };
    if (tokenRevoked && !request.token?.startsWith('xapp-')) return { ok: false, error: 'token_revoked' };
    const tokenTeam = request.token ? issuedTokens.get(request.token) : undefined;
    if (request.token && revokedTokens.has(request.token)) return { ok: false, error: 'token_revoked' };
    const body = request.body;
    // One workspace's bot cannot see another's channels or users.
    const foreignChannel = (id: string) => Boolean(tokenTeam && channels.get(id)?.team && channels.get(id)?.team !== tokenTeam);
    if (['chat.postMessage', 'chat.postEphemeral', 'conversations.info'].includes(request.api ?? '') && foreignChannel(String(body.channel ?? ''))) return { ok: false, error: 'channel_not_found' };
    if (request.api === 'files.completeUploadExternal' && foreignChannel(String(body.channel_id ?? ''))) return { ok: false, error: 'channel_not_found' };
    switch (request.api) {
      case 'auth.test':
        return tokenTeam
          ? { ok: true, url: `https://${tokenTeam.toLowerCase()}.slack.test/`, team: `Team ${tokenTeam}`, user: 'capex-bot', team_id: tokenTeam, user_id: `UBOT${tokenTeam}`, bot_id: `BBOT${tokenTeam}` }
          : { ok: true, url: 'https://fake.slack.test/', team: 'Fake Team', user: 'capex-bot', team_id: 'T0FAKE', user_id: 'UBOT', bot_id: 'BBOT' };
      case 'chat.postMessage':
      case 'chat.postEphemeral': {
        const channel = String(body.channel ?? '');
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const failure = channelFailures.get(channel);
        if (failure) return { ok: false, error: failure };
        if (body.text === undefined && body.blocks === undefined) return { ok: false, error: 'no_text' };
        messageCounter += 1;
        const ts = `${Math.floor(Date.now() / 1000)}.${String(messageCounter).padStart(6, '0')}`;
        return request.api === 'chat.postEphemeral'
          ? { ok: true, message_ts: ts }
          : { ok: true, channel, ts, message: { type: 'message', text: body.text, blocks: body.blocks, bot_id: 'BBOT', ts } };
      }
      case 'users.info': {
        const user = users.get(String(body.user ?? ''));
        if (!user || (tokenTeam && user.team && user.team !== tokenTeam)) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: user.id,
            name: user.name ?? user.id.toLowerCase(),
            is_admin: user.is_admin ?? false,
            is_owner: user.is_owner ?? false,
            is_primary_owner: user.is_primary_owner ?? false,
            tz: user.tz ?? 'America/Los_Angeles',
          },
        };
      }
      case 'conversations.open': {
        const user = String(body.users ?? '').split(',')[0];
        if (!user) return { ok: false, error: 'users_list_not_supplied' };
        const channel = `D${user}`;
        const failure = channelFailures.get(channel) ?? channelFailures.get(user);
        if (failure) return { ok: false, error: failure };
        return { ok: true, channel: { id: channel } };
      }
      case 'files.getUploadURLExternal': {
        const filename = String(body.filename ?? '');
        const length = Number(body.length);
        if (!filename || !Number.isInteger(length) || length <= 0) return { ok: false, error: 'invalid_arguments' };
        fileCounter += 1;
        const fileId = `F${String(fileCounter).padStart(8, '0')}`;
        uploads.set(fileId, { fileId, filename, announcedLength: length, ...(body.alt_txt ? { altText: String(body.alt_txt) } : {}) });
        return { ok: true, upload_url: `${baseUrl}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(body.files) ? (body.files as { id?: string; title?: string }[]) : [];
        const channel = body.channel_id === undefined ? undefined : String(body.channel_id);
        const failure = channel ? channelFailures.get(channel) : undefined;
        if (failure) return { ok: false, error: failure };
        const done: FakeSlackSharedFile[] = [];
        for (const file of files) {
          const upload = uploads.get(String(file.id));
          // Slack refuses to complete a file whose bytes never arrived.
          if (!upload?.bytes) return { ok: false, error: 'file_not_found' };
          done.push({ id: upload.fileId, title: file.title, channelId: channel, initialComment: body.initial_comment as string | undefined, upload });
        }
        if (done.length === 0) return { ok: false, error: 'invalid_arguments' };
        sharedFiles.push(...done);
        return { ok: true, files: done.map((f) => ({ id: f.id, title: f.title ?? f.upload.filename, name: f.upload.filename, mimetype: 'image/png' })) };
      }
      case 'conversations.info': {
        const id = String(body.channel ?? '');
        const known = channels.get(id);
        if (!known) return id.startsWith('C') ? { ok: true, channel: { id, is_channel: true, is_private: false, is_member: false, is_im: false, is_mpim: false } } : { ok: false, error: 'channel_not_found' };
        if (known.is_private && !known.is_member && !known.is_im && !known.is_mpim) return { ok: false, error: 'channel_not_found' };
        return { ok: true, channel: { is_channel: !known.is_im && !known.is_mpim, is_private: false, is_member: false, is_im: false, is_mpim: false, ...known } };
      }
      case 'views.open': {
        // A modal opens only on a fresh trigger (under 3 s old, used once), as Slack enforces.
        const trigger = triggers.get(String(body.trigger_id ?? ''));
        if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
        if (trigger.used) return { ok: false, error: 'exchanged_trigger_id' };
        if (Date.now() - trigger.issuedAt > 3_000) return { ok: false, error: 'expired_trigger_id' };
        trigger.used = true;
        const problem = viewProblem(body.view, 'modal');
        if (problem) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: [problem] } };
        return { ok: true, view: { id: `V${String(++viewCounter).padStart(8, '0')}`, ...(body.view as object) } };
      }
      case 'views.publish': {
        if (!body.user_id) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] missing required field: user_id'] } };
        const problem = viewProblem(body.view, 'home');
        if (problem) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: [problem] } };
        return { ok: true, view: { id: `V${String(++viewCounter).padStart(8, '0')}`, ...(body.view as object) } };
      }
      case 'apps.connections.open':
        return request.token?.startsWith('xapp-') ? { ok: true, url: fake.socketMode.url } : { ok: false, error: 'not_allowed_token_type' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /** Slack's oauth.v2.access: client credentials in the body (or HTTP Basic), a one-time code, the same redirect_uri. */
  function exchangeCode(body: Record<string, unknown>, authorization: string | undefined): Record<string, unknown> {
    const basic = authorization?.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':') : [];
    const clientId = String(body.client_id ?? basic[0] ?? '');
    const clientSecret = String(body.client_secret ?? basic[1] ?? '');
    if (clientId !== oauthClient.clientId) return { ok: false, error: 'invalid_client_id' };
    if (clientSecret !== oauthClient.clientSecret) return { ok: false, error: 'bad_client_secret' };
    const grant = codes.get(String(body.code ?? ''));
    if (!grant) return { ok: false, error: 'invalid_code' };
    codes.delete(String(body.code));
    if (grant.redirectUri !== undefined && body.redirect_uri !== grant.redirectUri) return { ok: false, error: 'bad_redirect_uri' };
    const token = `xoxb-${grant.team}-${randomBytes(8).toString('hex')}`;
    issuedTokens.set(token, grant.team);
    latestToken.set(grant.team, token);
    return {
      ok: true,
      access_token: token,
      token_type: 'bot',
      scope: 'commands,chat:write,chat:write.public,users:read,im:write,files:write,channels:read,groups:read,im:read,mpim:read',
      bot_user_id: `UBOT${grant.team}`,
      app_id: 'A0FAKE',
      team: grant.orgWide ? null : { id: grant.team, name: `Team ${grant.team}` },
      enterprise: grant.enterprise ? { id: grant.enterprise, name: `Org ${grant.enterprise}` } : null,
      is_enterprise_install: Boolean(grant.orgWide),
      authed_user: { id: grant.user },
    };
  }

  return fake;
}

/** Slack's Socket Mode side: hello on connect, envelopes out, acks (by envelope_id) back. */
function startSocketMode(server: Server, url: string): { api: FakeSocketMode; close(): Promise<void> } {
  const wss = new WebSocketServer({ server, path: '/socket-mode' });
  let client: WebSocket | undefined;
  let envelopeCounter = 0;
  const waitingForClient: (() => void)[] = [];
  const pendingAcks = new Map<string, (payload: Record<string, unknown>) => void>();
  wss.on('connection', (ws) => {
    client = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { envelope_id?: string; payload?: Record<string, unknown> };
      if (message.envelope_id) pendingAcks.get(message.envelope_id)?.(message.payload ?? {});
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0FAKE' } }));
    for (const resolve of waitingForClient.splice(0)) resolve();
  });
  const within = <T>(promise: Promise<T>, ms: number, what: string) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`fake Slack Socket Mode: no ${what} within ${ms} ms`)), ms))]);
  const api: FakeSocketMode = {
    url,
    connected: (timeoutMs = 3_000) => (client ? Promise.resolve() : within(new Promise<void>((resolve) => waitingForClient.push(resolve)), timeoutMs, 'connection')),
    send: (type, payload, timeoutMs = 3_000) => {
      if (!client) return Promise.reject(new Error('fake Slack Socket Mode: no client connected'));
      envelopeCounter += 1;
      const envelopeId = `env-${envelopeCounter}`;
      const acked = new Promise<Record<string, unknown>>((resolve) => pendingAcks.set(envelopeId, resolve));
      client.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api' }));
      return within(acked, timeoutMs, `ack for ${envelopeId}`).finally(() => pendingAcks.delete(envelopeId));
    },
  };
  return {
    api,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

function applyFailure(failure: SlackScriptedFailure, request: SlackRecordedRequest, res: ServerResponse): void {
  switch (failure.kind) {
    case 'rate-limit':
      request.status = 429;
      res.writeHead(429, { 'retry-after': String(failure.retryAfterSeconds), 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    case 'server-error':
      reply(res, request, failure.status ?? 500, { ok: false, error: 'fake_server_error' });
      return;
    case 'platform-error':
      reply(res, request, 200, { ok: false, error: failure.error });
      return;
    case 'drop-connection':
      request.status = 0;
      res.socket?.destroy();
      return;
  }
}

function reply(res: ServerResponse, request: SlackRecordedRequest, status: number, body: unknown): void {
  request.status = status;
  request.answered = true;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** An upload's file bytes: the raw body, or the (first) file part of a multipart form. */
async function uploadedBytes(contentType: string | undefined, body: Buffer): Promise<Buffer> {
  if (!contentType?.startsWith('multipart/form-data')) return body;
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  for (const [, value] of form) if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  return Buffer.alloc(0);
}

/** What Slack's views.open / views.publish refuse in a view (docs.slack.dev/reference/views): the type, text lengths, 100 blocks. */
function viewProblem(view: unknown, type: 'modal' | 'home'): string | undefined {
  if (!view || typeof view !== 'object') return '[ERROR] missing required field: view';
  const v = view as Record<string, any>;
  if (v.type !== type) return `[ERROR] view type must be ${type}`;
  if (!Array.isArray(v.blocks) || v.blocks.length > 100) return '[ERROR] blocks: 1 to 100 blocks';
  if (typeof v.private_metadata === 'string' && v.private_metadata.length > 3000) return '[ERROR] private_metadata longer than 3000';
  if (type === 'modal') {
    for (const key of ['title', 'submit', 'close']) {
      const text = v[key];
      if (key === 'title' && !text) return '[ERROR] missing required field: title';
      if (text && (text.type !== 'plain_text' || String(text.text).length > 24)) return `[ERROR] ${key} must be plain_text of at most 24 characters`;
    }
    if (v.blocks.some((b: any) => b.type === 'input') && !v.submit) return '[ERROR] a modal with inputs needs submit';
    for (const b of v.blocks) {
      if (b.type === 'input' && (!b.block_id || !b.element?.action_id || String(b.label?.text ?? '').length === 0 || String(b.label.text).length > 2000)) return '[ERROR] input block needs block_id, element.action_id and a label';
    }
  }
  return undefined;
}

function parseBody(contentType: string | undefined, raw: string): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { value: parsed };
    } catch {
      return { raw };
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    // The WebClient JSON-encodes complex arguments (blocks, attachments) inside the form.
    if (/^[[{]/.test(value)) {
      try {
        out[key] = JSON.parse(value);
        continue;
      } catch {
        // not JSON after all: keep the text
      }
    }
    out[key] = value;
  }
  return out;
}
