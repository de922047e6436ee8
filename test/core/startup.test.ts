/**
 * A platform unreachable at start-up never takes the bot down. The real bot (`capex-bot start`, a child process)
 * starts with Slack and Discord configured while both fake APIs are down (their port refuses connections):
 * it stays up, serves HTTP, reports `/healthz` degraded with each platform's reason, answers Discord HTTP
 * interactions (they need no API), and once the APIs come up it connects in the background — /healthz turns ok
 * and a signed Slack command is answered — with no restart. Once up, the same running bot answers a wrong
 * `/capex-digest add` on Slack and `/digest add` on Discord each in its own platform's syntax.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { BOT_TOKEN, postSlash, SIGNING_SECRET, visibleText } from '../adapters/slack/harness.js';
import { command, generateKeys, signedHeaders } from '../adapters/discord/signing.js';

const BIN = fileURLToPath(new URL('../../bin/capex-bot.js', import.meta.url));

/**
 * A loopback port that is "down" (every connection is reset at once, as a refused or dropped connection looks
 * to a client) until `up(target)`, then forwards every byte to the target port — HTTP and WebSocket alike.
 */
class Outage {
  private target: number | undefined;
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server) {}

  static async start(): Promise<Outage> {
    const server = createServer();
    const outage = new Outage(server);
    server.on('connection', (socket) => outage.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return outage;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  up(targetPort: number): void {
    this.target = targetPort;
  }

  private handle(socket: Socket): void {
    if (this.target === undefined) {
      socket.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target, '127.0.0.1');
    this.sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface Health {
  ok: boolean;
  status: string;
  adapters: string[];
  platforms: Record<string, { status: string; reason?: string }>;
  degraded?: string[];
}

async function health(base: string): Promise<{ code: number; body: Health }> {
  const res = await fetch(`${base}/healthz`);
  return { code: res.status, body: (await res.json()) as Health };
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
    last = await read();
  }
  return last;
}

/** Starts `capex-bot start` with `env`; resolves with its base URL once it listens, its log kept in `log()`. */
async function spawnBot(env: Record<string, string>): Promise<{ bot: ChildProcess; base: string; log: () => string }> {
  let log = '';
  const bot = spawn(process.execPath, [BIN, 'start'], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', WEB: 'off', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  bot.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start:\n${log}`)), 30_000);
    bot.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const port = /"port":(\d+)[^\n]*HTTP server listening/.exec(log)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    });
    bot.once('exit', (code) => reject(new Error(`bot exited (${code}):\n${log}`)));
  });
  return { bot, base, log: () => log };
}

async function stopBot(bot: ChildProcess | undefined): Promise<void> {
  if (!bot || bot.exitCode !== null) return;
  const exited = new Promise((resolve) => bot.once('exit', resolve));
  bot.kill('SIGTERM');
  await exited;
}

describe('capex-bot start while Slack and Discord are unreachable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capex-startup-'));
  const keys = generateKeys();
  let slackOutage: Outage;
  let discordOutage: Outage;
  let slack: FakeSlack | undefined;
  let discord: FakeDiscord | undefined;
  let bot: ChildProcess;
  let base: string;
  let log: () => string;

  beforeAll(async () => {
    slackOutage = await Outage.start();
    discordOutage = await Outage.start();
    ({ bot, base, log } = await spawnBot({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: `http://127.0.0.1:${slackOutage.port}/api/`,
      DISCORD_TOKEN: 'discord-bot-token',
      DISCORD_PUBLIC_KEY: keys.publicKeyHex,
      DISCORD_API_URL: `http://127.0.0.1:${discordOutage.port}/api`,
      DATABASE_URL: join(dir, 'bot.sqlite'),
    }));
  }, 40_000);

  afterAll(async () => {
    await stopBot(bot);
    await slack?.close();
    await discord?.close();
    await slackOutage?.close();
    await discordOutage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN both APIs down THEN the process serves HTTP and /healthz says degraded, with each platform and why', async () => {
    // On a loaded machine a refused attempt may outlast start-up's 5-s wait ("has not answered"): wait for its end.
    const unreachable = (h: { body: Health }) => Object.values(h.body.platforms).every((p) => /unreachable/.test(p.reason ?? ''));
    const { code, body } = await waitFor('both first attempts to fail', () => health(base), unreachable);
    expect(code).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.ok).toBe(false);
    expect(body.platforms.slack!.status).toBe('degraded');
    expect(body.platforms.slack!.reason).toMatch(/Slack is unreachable.*retrying in \d+ s/);
    expect(body.platforms.discord!.status).toBe('degraded');
    expect(body.platforms.discord!.reason).toMatch(/Discord is unreachable.*retrying in \d+ s/);
    expect(body.degraded!.join('\n')).toMatch(/slack: .*\n?.*discord: |discord: .*\n?.*slack: /s);
  });

  it('GIVEN the Discord API down THEN a signed Discord interaction is still answered (HTTP interactions need no API)', async () => {
    const body = JSON.stringify(command('capex-companies'));
    const res = await fetch(`${base}/discord/interactions`, { method: 'POST', headers: signedHeaders(keys, body), body });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { type: number; data?: { embeds?: { title?: string }[] } };
    expect([4, 5]).toContain(answer.type);
  });

  it('GIVEN the APIs come up THEN the bot connects by itself: /healthz ok, Slack commands answered, the process never exited', async () => {
    slack = await startFakeSlack({ validToken: BOT_TOKEN });
    discord = await startFakeDiscord();
    slackOutage.up(Number(new URL(slack.apiUrl).port));
    discordOutage.up(Number(new URL(discord.url).port));
    const { body } = await waitFor('both platforms connected', () => health(base), (h) => h.body.status === 'ok', 40_000);
    expect(body.platforms.slack!.status).toBe('ok');
    expect(body.platforms.discord!.status).toBe('ok');
    expect(slack.callsTo('auth.test').length).toBeGreaterThan(0);
    const res = await postSlash(`${base}/slack/events`, { command: '/capex', text: 'companies' });
    expect(res.status).toBe(200);
    expect(visibleText(res.json)).toContain('Alibaba');
    expect(bot.exitCode).toBeNull();
    expect(log()).toMatch(/slack is not connected: Slack is unreachable/);
    expect(log()).toMatch(/slack connected after retrying/);
  }, 60_000);

  it('GIVEN the running bot THEN Slack and Discord users are each told their own commands and channels', async () => {
    // Slack: signed slash command from a workspace admin; the answer names Slack's commands.
    slack!.addUser({ id: 'U0ADMIN', name: 'alice', is_admin: true, tz: 'Europe/Berlin' });
    const slackAnswer = await postSlash(`${base}/slack/events`, { command: '/capex-digest', text: 'add 09:00 #general', user_id: 'U0ADMIN' });
    const slackText = visibleText(slackAnswer.json);
    expect(slackText).toContain("pick the channel from Slack's list");
    expect(slackText).toContain('/capex-digest add &lt;HH:MM&gt;');
    expect(slackText).not.toMatch(/(^|[^\w-])\/digest |\/help\b|time:|Discord/);
    const noCommand = visibleText((await postSlash(`${base}/slack/events`, { command: '/capex', text: 'help zzz' })).json);
    expect(noCommand).toContain('/capex help lists them all');
    expect(noCommand).not.toMatch(/(^|[^\w])\/help\b/);

    // /capex-digest status names the data source without the server's file system, and lists each adapter's health.
    const status = visibleText((await postSlash(`${base}/slack/events`, { command: '/capex-digest', text: 'status', user_id: 'U0ADMIN' })).json);
    expect(status).toContain('file capex-data.yaml');
    expect(status).not.toContain(fileURLToPath(new URL('../../src/data/', import.meta.url)));
    expect(status).toMatch(/discord: ok.*slack: ok/s);

    // Discord: signed interaction; the answer (at once, or by editing a deferred one) names Discord's commands.
    discord!.reset();
    const body = JSON.stringify(command('capex-help', [{ name: 'command', type: 3, value: 'zzz' }]));
    const res = await fetch(`${base}/discord/interactions`, { method: 'POST', headers: signedHeaders(keys, body), body });
    const answer = (await res.json()) as { type: number; data?: { embeds?: unknown[] } };
    const embeds =
      answer.type === 4
        ? answer.data?.embeds
        : ((await waitFor('the deferred answer', async () => discord!.requestsTo('PATCH', '/webhooks/'), (r) => r.length > 0))[0]!.body as { embeds?: unknown[] }).embeds;
    const discordText = JSON.stringify(embeds);
    expect(discordText).toContain('/capex-help lists them all');
    expect(discordText).not.toMatch(/\/capex-digest|\/capex help|Slack/);
  }, 30_000);
});

describe('capex-bot start with a Discord token Discord refuses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capex-startup-token-'));
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let bot: ChildProcess;
  let base: string;

  beforeAll(async () => {
    slack = await startFakeSlack({ validToken: BOT_TOKEN });
    discord = await startFakeDiscord();
    discord.revokeToken();
    ({ bot, base } = await spawnBot({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN: 'a-token-discord-refuses',
      DISCORD_API_URL: discord.url,
      DATABASE_URL: join(dir, 'bot.sqlite'),
    }));
  }, 40_000);

  afterAll(async () => {
    await stopBot(bot);
    await slack?.close();
    await discord?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN Discord refuses the token THEN Slack keeps working and /healthz says Discord is degraded and why', async () => {
    const { code, body } = await health(base);
    expect(code).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.platforms.slack!.status).toBe('ok');
    expect(body.platforms.discord!.status).toBe('degraded');
    expect(body.platforms.discord!.reason).toMatch(/Discord did not accept DISCORD_TOKEN/);
    const res = await postSlash(`${base}/slack/events`, { command: '/capex', text: 'companies' });
    expect(visibleText(res.json)).toContain('Alibaba');
    expect(bot.exitCode).toBeNull();
  });
});

describe('capex-bot start while the Slack and Discord APIs accept connections and never answer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capex-startup-blackhole-'));
  const keys = generateKeys();
  const held = new Set<Socket>();
  // A black hole: every connection is accepted and kept open, no byte ever comes back (a hung proxy or API).
  const blackhole = createServer((socket) => {
    held.add(socket);
    socket.on('error', () => undefined).on('close', () => held.delete(socket));
  });
  let bot: ChildProcess;
  let base: string;
  let startedInMs: number;

  beforeAll(async () => {
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as { port: number }).port;
    const spawned = Date.now();
    ({ bot, base } = await spawnBot({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
      DISCORD_TOKEN: 'discord-bot-token',
      DISCORD_PUBLIC_KEY: keys.publicKeyHex,
      DISCORD_API_URL: `http://127.0.0.1:${port}/api`,
      DATABASE_URL: join(dir, 'bot.sqlite'),
    }));
    startedInMs = Date.now() - spawned;
  }, 40_000);

  afterAll(async () => {
    await stopBot(bot);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => blackhole.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('GIVEN both APIs silent THEN HTTP is served within seconds (not after discord.js\'s 60 s), /healthz says which has not answered', async () => {
    // Measured before the bound: the HTTP server opened after 66 s. Start-up waits 5 s for the adapters' first attempts.
    expect(startedInMs).toBeLessThan(20_000);
    expect(held.size).toBeGreaterThan(0);
    const { code, body } = await health(base);
    expect(code).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.platforms.discord!.reason).toMatch(/^discord has not answered for 5 s \(still trying/);
    expect(body.platforms.slack!.reason).toMatch(/^slack has not answered for 5 s|^Slack is unreachable or failing \(Slack did not answer auth\.test/);
  });

  it('GIVEN the APIs silent THEN a signed Discord interaction is answered, and Slack\'s auth.test timeout is named as unreachable, not as a refused token', async () => {
    const body = JSON.stringify(command('capex', [{ name: 'company', type: 3, value: 'alibaba' }]));
    const res = await fetch(`${base}/discord/interactions`, { method: 'POST', headers: signedHeaders(keys, body), body });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('380');
    // Slack's auth.test times out after 5 s: then the reason says Slack did not answer (retrying), never a token problem.
    const { body: later } = await waitFor('Slack\'s first attempt to end', () => health(base), (h) => /unreachable/.test(h.body.platforms.slack!.reason ?? ''));
    expect(later.platforms.slack!.reason).toMatch(/^Slack is unreachable or failing \(Slack did not answer auth\.test \(.*\)\); retrying in \d+ s/);
    expect(later.platforms.slack!.reason).not.toMatch(/accept/);
  }, 30_000);

  it('GIVEN SIGTERM while Discord\'s login still hangs THEN the bot exits within seconds', async () => {
    const stopping = Date.now();
    await stopBot(bot);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    expect(bot.exitCode).toBe(0);
  }, 20_000);
});
