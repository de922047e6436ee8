/**
 * Upgrading a one-workspace deployment to OAuth: the running bot (startBot) opened on a database file written by
 * the previous release (schema 4: `slack:C1` ids), with SLACK_BOT_TOKEN still set beside the new OAuth settings.
 * Its workspace (auth.test: T0FAKE) becomes an installation and every schedule, ledger, alert and news row is
 * kept, now team-scoped; its admin still sees and runs the schedule. Then the workspace revokes the token
 * (tokens_revoked) — or Slack simply refuses it at a post — and its digests and alerts pause, marked.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { postSlash, sign, SIGNING_SECRET, visibleText } from '../adapters/slack/harness.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';

const RELEASE_V4 = new URL('../store/fixtures/release-v4.sqlite', import.meta.url).pathname;
const OLD_TOKEN = 'xoxb-the-one-workspace-token';

let slack: FakeSlack | undefined;
let bot: RunningBot | undefined;
let dir: string | undefined;

afterEach(async () => {
  await bot?.stop();
  await slack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  bot = slack = dir = undefined;
});

async function startUpgraded(): Promise<{ file: string; base: string; slack: FakeSlack; bot: RunningBot }> {
  dir = mkdtempSync(join(tmpdir(), 'capex-upgrade-'));
  const file = join(dir, 'capex-bot.sqlite');
  copyFileSync(RELEASE_V4, file);
  slack = await startFakeSlack({ validToken: OLD_TOKEN, users: [{ id: 'U1', is_admin: true, tz: 'Europe/Berlin' }] });
  bot = await startBot(
    loadConfig({}, {
      SLACK_BOT_TOKEN: OLD_TOKEN,
      SLACK_CLIENT_ID: slack.oauth.clientId,
      SLACK_CLIENT_SECRET: slack.oauth.clientSecret,
      SLACK_STATE_SECRET: 'state-secret-0123456789abcdef',
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: file,
      DATA_REFRESH_MINUTES: '0',
      WEB: 'false',
    } as never),
  );
  const port = (bot.http as unknown as { server: { address(): { port: number } } }).server.address().port;
  return { file, base: `http://127.0.0.1:${port}`, slack, bot };
}

function rows(file: string, query: string): unknown[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.prepare(query).all();
  } finally {
    db.close();
  }
}

function slash(base: string, text: string) {
  const body = new URLSearchParams({ team_id: 'T0FAKE', channel_id: 'C1', user_id: 'U1', user_name: 'ada', command: '/capex-digest', text, response_url: 'http://127.0.0.1:9/unused', trigger_id: `${Date.now()}.${Math.random()}` }).toString();
  return postSlash(`${base}/slack/events`, { command: '/capex-digest' }, { body });
}

async function until(check: () => Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('upgrading a one-workspace database to many workspaces', () => {
  it('GIVEN the previous release’s file and SLACK_BOT_TOKEN THEN its workspace is an installation and every row is kept, team-scoped', async () => {
    const before = {
      deliveries: rows(RELEASE_V4, 'SELECT id, slot, status FROM deliveries ORDER BY id'),
      alerts: rows(RELEASE_V4, 'SELECT id, figure_id, status FROM alert_deliveries ORDER BY id'),
    };
    const { file, base } = await startUpgraded();
    expect(rows(file, 'SELECT id, channel_id, created_by, status FROM schedules ORDER BY id')).toEqual([
      { id: 1, channel_id: 'slack:T0FAKE:C1', created_by: 'slack:T0FAKE:U1', status: 'active' },
      { id: 2, channel_id: 'discord:42', created_by: 'discord:7', status: 'active' },
    ]);
    expect(rows(file, 'SELECT id, slot, status FROM deliveries ORDER BY id')).toEqual(before.deliveries);
    expect(rows(file, "SELECT DISTINCT channel_id FROM deliveries WHERE channel_id LIKE 'slack%'")).toEqual([{ channel_id: 'slack:T0FAKE:C1' }]);
    expect(rows(file, "SELECT target FROM delivery_ledger WHERE target LIKE 'slack%' AND target NOT LIKE 'slack:T0FAKE:%'")).toEqual([]);
    expect(rows(file, 'SELECT id, figure_id, status FROM alert_deliveries ORDER BY id')).toEqual(before.alerts);
    expect(rows(file, 'SELECT channel_id FROM alert_subscriptions')).toEqual([{ channel_id: 'slack:T0FAKE:C1' }]);
    expect(rows(file, 'SELECT channel_id FROM news_digest_items')).toEqual([{ channel_id: 'slack:T0FAKE:C1' }]);
    const installs = rows(file, 'SELECT id, bot_token FROM slack_installations') as { id: string; bot_token: string }[];
    expect(installs.map((i) => i.id)).toEqual(['T:T0FAKE']);
    expect(installs[0]!.bot_token).not.toContain(OLD_TOKEN);

    // The admin who made the schedule still sees it, and can send it: with the workspace's token, to its channel.
    const list = visibleText((await slash(base, 'list')).json);
    expect(list).toContain('1 · #C1 · on weekdays (Mon–Fri) at 09:00 (Europe/Berlin) · active');
    slack!.reset();
    expect(visibleText((await slash(base, 'send 1')).json)).toContain('Posted the digest of schedule 1');
    const posts = slack!.callsTo('chat.postMessage');
    expect(posts.filter((p) => p.body.thread_ts === undefined).map((p) => [p.body.channel, p.token])).toEqual([['C1', OLD_TOKEN]]);
    expect(posts.every((p) => p.token === OLD_TOKEN)).toBe(true);
  });

  it('GIVEN tokens_revoked for the bot THEN the workspace’s digests and alerts pause, marked, and its installation is gone', async () => {
    const { file, base } = await startUpgraded();
    const body = JSON.stringify({ team_id: 'T0FAKE', api_app_id: 'A0FAKE', type: 'event_callback', event_id: 'Ev1', event_time: 1, event: { type: 'tokens_revoked', tokens: { bot: ['UBOT'] } } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign(SIGNING_SECRET, timestamp, body) }, body });
    expect(res.status).toBe(200);
    expect(rows(file, "SELECT status, status_reason FROM schedules WHERE channel_id LIKE 'slack:%'")).toEqual([
      { status: 'paused', status_reason: 'workspace uninstalled the app (tokens_revoked); resumed when it is installed again' },
    ]);
    expect(rows(file, 'SELECT status FROM alert_subscriptions')).toEqual([{ status: 'failing' }]);
    expect(rows(file, 'SELECT id FROM slack_installations')).toEqual([]);
    // The Discord schedule is not Slack's business.
    expect(rows(file, "SELECT status FROM schedules WHERE channel_id LIKE 'discord:%'")).toEqual([{ status: 'active' }]);
  });

  it('GIVEN Slack refuses the token at a post THEN that post is not retried, nothing more is sent there, and the workspace is paused', async () => {
    const { file, base } = await startUpgraded();
    slack!.revokeToken();
    await slash(base, 'send 1');
    await until(async () => (rows(file, 'SELECT id FROM slack_installations') as unknown[]).length === 0);
    await until(async () => (rows(file, "SELECT status FROM schedules WHERE id = 1") as { status: string }[])[0]!.status === 'paused');
    const posts = slack!.callsTo('chat.postMessage').length;
    // The digest's one attempt, refused: not retried, and nothing threaded under a post that did not happen.
    expect(posts).toBe(1);
    // Later posts to that workspace stop before Slack.
    const outbound = bot!.outbound.find((o) => o.platform === 'slack')!;
    await expect(outbound.post('slack:T0FAKE:C1', { kind: 'answer', visibility: 'public', title: 'x', summary: 'x', lines: ['x'] } as never)).rejects.toThrow(/not installed in Slack workspace T0FAKE/);
    expect(slack!.callsTo('chat.postMessage')).toHaveLength(posts);
  });
});
