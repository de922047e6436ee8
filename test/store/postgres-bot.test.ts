/**
 * The running bot (`capex-bot start`, a child process) on PostgreSQL: DATABASE_URL=postgres://… is opened and
 * migrated at start-up, /healthz names the kind and migration version, and a digest added by a signed Slack
 * slash command is a row in PostgreSQL that a second bot process on the same database lists.
 */
import { afterEach, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { startBotProcess, type BotProcess } from '../http/bot-process.js';
import { BOT_TOKEN, postSlash, SIGNING_SECRET } from '../adapters/slack/harness.js';
import { startFakeSlack } from '../helpers/fake-slack.js';
import { createTestDatabase } from '../helpers/postgres.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

it('GIVEN DATABASE_URL=postgres://… THEN the bot migrates it, reports it in /healthz and keeps schedules there', async () => {
  const db = await createTestDatabase('bot');
  cleanups.push(() => db.drop());
  const slack = await startFakeSlack({ validToken: BOT_TOKEN });
  cleanups.push(() => slack.close());
  slack.addUser({ id: 'U0ADMIN', is_admin: true, tz: 'UTC' });
  const env = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, DATABASE_URL: db.url };
  const start = async (): Promise<BotProcess> => {
    const bot = await startBotProcess({ env });
    cleanups.push(() => bot.stop());
    return bot;
  };
  const first = await start();

  const health = (await (await fetch(`${first.base}/healthz`)).json()) as Record<string, any>;
  expect(health.database).toEqual({ kind: 'postgres', migrationVersion: MIGRATIONS.length, location: db.url, ok: true });

  const added = await postSlash(`${first.base}/slack/events`, { command: '/capex-digest', text: 'add 09:30 weekdays Europe/Berlin', user_id: 'U0ADMIN', channel_id: 'C0GENERAL', response_url: slack.responseUrl() });
  expect(added.status).toBe(200);
  const deadline = Date.now() + 10_000;
  while (!JSON.stringify([added.text, ...slack.responses().map((r) => r.body)]).includes('09:30') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

  const store = await openStore({ DATABASE_URL: db.url });
  cleanups.push(() => store.close());
  expect((await store.listSchedules('slack:')).map((s) => [s.channelId, s.time, s.days, s.zone, s.createdBy])).toEqual([
    ['slack:C0GENERAL', '09:30', 'weekdays', 'Europe/Berlin', 'slack:U0ADMIN'],
  ]);
  expect((await store.auditLog()).map((e) => e.action)).toContain('add');

  // Another replica on the same database sees the same schedule.
  const second = await start();
  const listed = await postSlash(`${second.base}/slack/events`, { command: '/capex-digest', text: 'list', user_id: 'U0ADMIN', channel_id: 'C0GENERAL', response_url: slack.responseUrl('list') });
  expect(listed.status).toBe(200);
  const until = Date.now() + 10_000;
  const said = () => JSON.stringify([listed.text, ...slack.responses('list').map((r) => r.body)]);
  while (!said().includes('09:30') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  expect(said()).toContain('09:30');
}, 120_000);
