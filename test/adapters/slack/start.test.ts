/**
 * Start-up: `capex-bot start` with the Slack variables (and SLACK_API_URL at the fake Slack API) serves signed
 * slash commands and reports Slack on /healthz; a token Slack rejects stops start-up with a clear error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlack, SlackStartError } from '../../../src/adapters/slack/index.js';
import { loadConfig } from '../../../src/config.js';
import { HttpServer } from '../../../src/http/server.js';
import { testCore } from '../../helpers/core.js';
import { startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';
import { BOT_TOKEN, postSlash, SIGNING_SECRET, visibleText } from './harness.js';

const BIN = fileURLToPath(new URL('../../../bin/capex-bot.js', import.meta.url));

describe('capex-bot start with Slack configured (HTTP mode)', () => {
  let fake: FakeSlack;
  let bot: ChildProcess;
  let base: string;
  const dir = mkdtempSync(join(tmpdir(), 'capex-slack-start-'));

  beforeAll(async () => {
    fake = await startFakeSlack({ validToken: BOT_TOKEN });
    bot = spawn(process.execPath, [BIN, 'start'], {
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: join(dir, 'bot.sqlite'),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // pino logs JSON lines on stderr; the listening line carries the port the OS picked.
    base = await new Promise<string>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`bot did not start:\n${log}`)), 20_000);
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
  }, 30_000);

  afterAll(async () => {
    if (bot.exitCode === null) {
      const exited = new Promise((resolve) => bot.once('exit', resolve));
      bot.kill('SIGTERM');
      await exited;
    }
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checked the token with auth.test at start-up', () => {
    expect(fake.callsTo('auth.test')[0]?.token).toBe(BOT_TOKEN);
  });

  it('/healthz lists Slack among the adapters', async () => {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { ok: boolean; adapters: string[] };
    expect(health.ok).toBe(true);
    expect(health.adapters).toContain('slack');
  });

  it('answers a signed /capex alibaba on /slack/events', async () => {
    const res = await postSlash(`${base}/slack/events`, { command: '/capex', text: 'alibaba' });
    expect(res.status).toBe(200);
    expect(visibleText(res.json)).toContain('380 billion yuan');
  });

  it('refuses an unsigned request', async () => {
    const res = await postSlash(`${base}/slack/events`, { command: '/capex', text: 'alibaba' }, { omitSignature: true });
    expect(res.status).toBe(401);
  });
});

describe('startSlack', () => {
  it('stops with a clear error when Slack rejects the bot token, and mounts nothing', async () => {
    const fake = await startFakeSlack({ validToken: 'xoxb-the-right-one' });
    const http = new HttpServer(() => ({}));
    try {
      const config = loadConfig({}, { SLACK_BOT_TOKEN: 'xoxb-wrong', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: fake.apiUrl });
      const error = await startSlack({ core: testCore(), config, http, logger: pino({ level: 'silent' }) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SlackStartError);
      expect((error as Error).message).toContain('invalid_auth');
      const address = await http.listen(0, '127.0.0.1');
      const res = await postSlash(`http://127.0.0.1:${address.port}/slack/events`, { command: '/capex', text: 'alibaba' });
      expect(res.status).toBe(404);
    } finally {
      await http.close();
      await fake.close();
    }
  });
});
