/**
 * Issue 19 items 8–9 on real files, through the bot's own start path (`capex-bot start` as a child process):
 * - a read-only database stops start-up with exit code 2 and a message naming the file and the fix, before the
 *   HTTP server or the scheduler start (as root every file is writable, so the bot runs as `nobody` here);
 * - a database file deleted while the bot runs is noticed within a minute and reported in the log, /healthz and
 *   to the admin by DM, and a later change is not confirmed.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { BIN, startBotProcess, type BotProcess } from '../http/bot-process.js';
import { runCli } from '../helpers/cli.js';
import { BOT_TOKEN, postSlash, SIGNING_SECRET } from '../adapters/slack/harness.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { generateKeys } from '../adapters/discord/signing.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'capex-db-faults-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** `capex-bot start` as an unprivileged user (root writes read-only files regardless), to completion. */
function startUnprivileged(env: Record<string, string>, cwd: string): Promise<{ code: number | null; output: string }> {
  const asRoot = process.getuid?.() === 0;
  const [cmd, args] = asRoot ? ['runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'start']] : [process.execPath, [BIN, 'start']];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH, HOME: cwd, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`capex-bot start did not exit:\n${output}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('a read-only database', () => {
  async function expectRefusedAtStart(file: string, cwd: string, because: RegExp) {
    const port = await freePort();
    const keys = generateKeys();
    const { code, output } = await startUnprivileged(
      { DATABASE_URL: file, DISCORD_PUBLIC_KEY: keys.publicKeyHex, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      cwd,
    );
    expect(code).toBe(2);
    expect(output).toContain(`The database file ${file} cannot be written`);
    expect(output).toMatch(because);
    expect(output).toContain('Fix: make the file and its directory writable by the user running the bot');
    // Nothing started: no HTTP server, no scheduler, and no stack trace for the operator to decode.
    expect(output).not.toMatch(/HTTP server listening|digest scheduler started/);
    expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(await listening(port)).toBe(false);
  }

  it('GIVEN a database file the bot cannot write THEN start exits 2 naming the file and the fix, before anything starts', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    const file = join(dir, 'bot.sqlite');
    const seed = new SqliteStore(file);
    await seed.createSchedule({ channelId: 'slack:C1', kind: 'time', time: '09:00', days: 'daily', zone: 'UTC', createdBy: 'slack:U1' }, Date.now());
    await seed.close();
    chmodSync(file, 0o444);
    await expectRefusedAtStart(file, dir, /the file is not writable: EACCES/);
  }, 60_000);

  it('GIVEN a writable file in a directory the bot cannot write (where SQLite keeps its -wal file) THEN the same', async () => {
    const dir = tempDir();
    const file = join(dir, 'bot.sqlite');
    const seed = new SqliteStore(file);
    await seed.close();
    chmodSync(file, 0o666);
    chmodSync(dir, 0o555);
    cleanups.push(() => chmodSync(dir, 0o755));
    await expectRefusedAtStart(file, dir, /its directory .* is not writable: EACCES/);
  }, 60_000);
});

describe('a database written by a newer release', () => {
  it('GIVEN a file at a schema version this bot does not know THEN the CLI exits 2 naming both versions, and the file is untouched', async () => {
    const dir = tempDir();
    const file = join(dir, 'bot.sqlite');
    await new SqliteStore(file).close();
    const raw = new BetterSqlite3(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 2}`);
    raw.close();
    const { code, stderr } = await runCli(['ask', '/capex-digest list'], { env: { DATABASE_URL: file, HOME: dir }, cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain(`The database ${file} is at schema version ${MIGRATIONS.length + 2}, newer than this bot knows (${MIGRATIONS.length})`);
    expect(stderr).toContain('Upgrade the bot, or point DATABASE_URL at another database.');
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const after = new BetterSqlite3(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 2);
    after.close();
  });
});

describe('a database file deleted while the bot runs', () => {
  let slack: FakeSlack;
  let bot: BotProcess;

  it('is noticed within a minute: logged as an error, /healthz degraded, the admin told by DM; a later change is not confirmed', async () => {
    const dir = tempDir();
    const file = join(dir, 'bot.sqlite');
    const seed = new SqliteStore(file);
    await seed.createSchedule({ channelId: 'slack:C0GENERAL', kind: 'time', time: '09:00', days: 'daily', zone: 'UTC', createdBy: 'slack:U0ADMIN', createdByName: 'ada' }, Date.now());
    await seed.close();
    slack = await startFakeSlack({ validToken: BOT_TOKEN });
    cleanups.push(() => slack.close());
    slack.addUser({ id: 'U0ADMIN', is_admin: true, tz: 'UTC' });
    bot = await startBotProcess({ env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, DATABASE_URL: file } });
    cleanups.push(async () => void (await bot.stop()));

    const health = async () => (await (await fetch(`${bot.base}/healthz`)).json()) as Record<string, any>;
    expect((await health()).database).toEqual({ kind: 'sqlite', migrationVersion: MIGRATIONS.length, location: file, ok: true });

    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    // Nobody asks anything: the bot's own periodic check must notice (the log line is the first sign).
    const deletedAt = Date.now();
    while (!bot.log().includes('DATABASE LOST') && Date.now() - deletedAt < 65_000) await new Promise((r) => setTimeout(r, 100));
    const noticedAfterMs = Date.now() - deletedAt;
    console.log(`database deletion noticed after ${noticedAfterMs} ms`);
    expect(noticedAfterMs).toBeLessThan(60_000);
    const lost = bot.logLines().filter((l) => l.level === 50 && String(l.msg).startsWith('DATABASE LOST'));
    expect(lost).toHaveLength(1);
    expect(lost[0]!.problem).toContain(`The database file ${file} was deleted while the bot was running`);

    const body = await health();
    expect(body).toMatchObject({ ok: false, status: 'degraded', database: { ok: false, problem: expect.stringContaining(`The database file ${file} was deleted`) } });
    expect(body.degraded).toContainEqual(expect.stringMatching(/^database: The database file .* was deleted while the bot was running/));

    // The admin who set up the digest is told on their platform.
    const deadline = Date.now() + 10_000;
    while (!slack.callsTo('chat.postMessage').some((c) => JSON.stringify(c.body).includes('database')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(slack.callsTo('conversations.open').map((c) => c.body.users)).toContain('U0ADMIN');
    const dm = slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.body).includes('cannot save changes'));
    expect(JSON.stringify(dm?.body)).toContain('was deleted while the bot was running');

    // A change now would go to a file no restart will find: it is refused, never answered "added".
    const responseUrl = slack.responseUrl();
    const answer = await postSlash(`${bot.base}/slack/events`, { command: '/capex-digest', text: 'add 10:00 daily UTC', user_id: 'U0ADMIN', channel_id: 'C0GENERAL', response_url: responseUrl });
    expect(answer.status).toBe(200);
    const until = Date.now() + 10_000;
    while (slack.responses().length === 0 && !answer.text && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const said = JSON.stringify([answer.text, ...slack.responses().map((r) => r.body)]);
    expect(said).toMatch(/Something went wrong/);
    expect(said).not.toMatch(/added|will post/i);
  }, 120_000);
});
