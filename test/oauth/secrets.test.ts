/**
 * No token or secret ever reaches a log line, a page or /healthz: the real bot as a child process
 * (`capex-bot start`, LOG_LEVEL=debug so Bolt's and the WebClient's own debug lines are written too), installed in a
 * workspace through OAuth, used, refused a code, and uninstalled; then its whole log is searched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_SECRET } from '../adapters/slack/harness.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startBotProcess, type BotProcess } from '../http/bot-process.js';
import { eventFrom, install, redirect, slashFrom, startInstall } from './flow.js';

const STATE_SECRET = `state-${randomBytes(12).toString('hex')}`;
const KEY = randomBytes(32).toString('base64');

let slack: FakeSlack;
let bot: BotProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capex-secrets-'));
  slack = await startFakeSlack({ validToken: 'xoxb-none', users: [{ id: 'UADMINT1', is_admin: true, team: 'T1' }] });
  bot = await startBotProcess({
    env: {
      LOG_LEVEL: 'debug',
      SLACK_CLIENT_ID: slack.oauth.clientId,
      SLACK_CLIENT_SECRET: slack.oauth.clientSecret,
      SLACK_STATE_SECRET: STATE_SECRET,
      TOKEN_ENCRYPTION_KEY: KEY,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      DATABASE_URL: join(dir, 'bot.sqlite'),
      WEB: 'false',
    },
  });
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await slack?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('secrets stay out of logs, pages and /healthz', () => {
  it('GIVEN an install, commands, a refused code and an uninstall THEN no log line, page or /healthz holds a token or secret', async () => {
    const pages: string[] = [];
    const installed = await install(bot.base, slack, 'T1');
    expect(installed.status).toBe(200);
    pages.push(installed.page);
    const token = slack.oauth.tokenOf('T1')!;
    expect(token).toMatch(/^xoxb-T1-/);
    const answer = await slashFrom(bot.base, slack, 'T1', '/capex-digest', 'add 09:00');
    expect(JSON.stringify(answer.json)).toContain('Digest schedule 1 added');
    // A code Slack refuses (already used): the failure page and the log line.
    const { authorizeUrl, cookie } = await startInstall(bot.base);
    const refused = await redirect(bot.base, { code: 'code-never-issued', state: authorizeUrl.searchParams.get('state')! }, cookie);
    expect(refused.status).toBe(502);
    expect(refused.page).toContain('Slack did not confirm the installation (invalid_code)');
    pages.push(refused.page);
    expect(await eventFrom(bot.base, 'T1', { type: 'app_uninstalled' })).toBe(200);
    pages.push(await (await fetch(`${bot.base}/healthz`)).text());

    await new Promise((resolve) => setTimeout(resolve, 200));
    const log = bot.log();
    // The log is really there, at debug level, and tells the story…
    expect(log).toContain('capex-bot installed in a Slack workspace');
    expect(log).toContain('capex-bot was removed from a Slack workspace');
    expect(log).toContain('a Slack install did not complete');
    // …without any secret.
    for (const secret of [token, slack.oauth.clientSecret, STATE_SECRET, KEY, SIGNING_SECRET]) {
      expect(log.includes(secret), `log holds ${secret.slice(0, 8)}…`).toBe(false);
      for (const page of pages) expect(page.includes(secret)).toBe(false);
    }
    expect(log).not.toMatch(/xoxb-/);
  }, 30_000);
});
