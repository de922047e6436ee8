/**
 * Issue 14's interactive surfaces when capex-bot is installed in many workspaces (OAuth), on the running bot
 * (startBot, SQLite in a temp dir) with signed requests and the fake Slack API: with T1 and T2 installed, a T2
 * "Sources" press is answered; T2's App Home is published with T2's token and shows T2's schedules only; a T2
 * member or admin pressing "Pause this digest" on T1's digest cannot pause T1's schedule.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBot } from '../../src/main.js';
import { visibleText } from '../adapters/slack/harness.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { slackElements } from '../interactive/bot.js';
import { eventFrom, install, pressFrom, REDIRECT, slashFrom, startOAuthBot } from './flow.js';


let slack: FakeSlack;
let bot: RunningBot;
let dir: string;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capex-oauth-interactive-'));
  slack = await startFakeSlack({ validToken: `xoxb-never-issued-${randomBytes(4).toString('hex')}` });
  for (const team of ['T1', 'T2']) {
    slack.addUser({ id: `UADMIN${team}`, is_admin: true, tz: 'Europe/Berlin', team });
    slack.addUser({ id: `UMEMBER${team}`, team });
    slack.addChannel({ id: `C${team}GEN`, team });
  }
  ({ bot, base } = await startOAuthBot(slack, join(dir, 'capex-bot.sqlite')));
  for (const team of ['T1', 'T2']) expect((await install(base, slack, team, REDIRECT)).status).toBe(200);
  // One schedule per workspace, each in its own general channel.
  expect(visibleText((await slashFrom(base, slack, 'T1', '/capex-digest', 'add 10:00')).json)).toContain('added');
  expect(visibleText((await slashFrom(base, slack, 'T2', '/capex-digest', 'add 09:00')).json)).toContain('added');
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await slack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const lastResponse = (id: string) => slack.responses(id).at(-1)?.body as Record<string, any> | undefined;
const apiCalls = () => slack.requests.filter((r) => r.api);

describe('buttons, the App Home and digest presses per workspace (OAuth)', () => {
  it('GIVEN a /capex meta answer in T2 WHEN a T2 member presses Sources THEN the sources come back through response_url', async () => {
    const answer = await slashFrom(base, slack, 'T2', '/capex', 'meta', 'UMEMBERT2');
    const sources = slackElements(answer.json).get('Sources');
    expect(sources).toBeDefined();
    const pressed = await pressFrom(base, slack, 'T2', sources!);
    expect(pressed.status).toBe(200);
    expect(pressed.text).toBe('');
    const response = await slack.waitFor(() => lastResponse(pressed.responseUrlId));
    expect(response.response_type).toBe('ephemeral');
    expect(visibleText(response)).toMatch(/Meta/);
    expect(visibleText(response)).toMatch(/<https?:\/\/[^|>]+\|/);
    expect(visibleText(response)).not.toContain('not installed');
  });

  it('GIVEN T2 opens the App Home THEN views.publish goes out with T2’s token and shows T2’s schedule, not T1’s', async () => {
    slack.reset();
    expect(await eventFrom(base, 'T2', { type: 'app_home_opened', user: 'UADMINT2', channel: 'DADMINT2', tab: 'home', event_ts: '1.1' })).toBe(200);
    const call = await slack.waitFor(() => slack.callsTo('views.publish').find((c) => c.body.user_id === 'UADMINT2'));
    expect(call.status).toBe(200);
    expect(slack.oauth.teamOf(call.token)).toBe('T2');
    const text = visibleText({ text: '', blocks: (call.body.view as any).blocks });
    expect(text).toContain('CT2GEN');
    expect(text).toContain('09:00');
    expect(text).not.toContain('CT1GEN');
    // An admin of T2 (users.info with T2's token) gets the admin buttons of T2's Home.
    expect([...slackElements(call.body.view as any).keys()]).toContain('New digest');
    expect(apiCalls().length).toBeGreaterThan(0);
    expect(apiCalls().every((r) => slack.oauth.teamOf(r.token) === 'T2')).toBe(true);
  });

  it('GIVEN T1’s posted digest WHEN a T2 member or admin presses "Pause this digest" THEN refused, and T1’s schedule stays active', async () => {
    const [t1] = await bot.runtime.store!.listSchedules('slack:T1:');
    expect(t1).toBeDefined();
    slack.reset();
    expect(visibleText((await slashFrom(base, slack, 'T1', '/capex-digest', `send ${t1!.id}`)).json)).toContain('Posted the digest');
    const post = await slack.waitFor(() => slack.callsTo('chat.postMessage').find((c) => c.body.channel === 'CT1GEN' && slackElements(c.body).has('Pause this digest')), 15_000);
    const pause = slackElements(post.body).get('Pause this digest')!;

    const member = await pressFrom(base, slack, 'T2', pause, { user: 'UMEMBERT2' });
    const memberAnswer = await slack.waitFor(() => lastResponse(member.responseUrlId));
    expect(memberAnswer.response_type).toBe('ephemeral');
    expect(visibleText(memberAnswer)).toMatch(/Only admins|There is no digest schedule/);

    const admin = await pressFrom(base, slack, 'T2', pause, { user: 'UADMINT2' });
    const adminAnswer = await slack.waitFor(() => lastResponse(admin.responseUrlId));
    expect(adminAnswer.response_type).toBe('ephemeral');
    expect(visibleText(adminAnswer)).toContain(`There is no digest schedule ${t1!.id} here`);
    expect((await bot.runtime.store!.getSchedule(t1!.id))?.status).toBe('active');

    // The same press by T1's admin pauses it: the refusal above was the workspace, not the button.
    const own = await pressFrom(base, slack, 'T1', pause, { user: 'UADMINT1' });
    expect(visibleText(await slack.waitFor(() => lastResponse(own.responseUrlId)))).toMatch(/paused/);
    expect((await bot.runtime.store!.getSchedule(t1!.id))?.status).toBe('paused');
    const audit = (await bot.runtime.store!.auditLog()).find((a) => a.scheduleId === t1!.id && a.action === 'pause');
    expect(audit?.actor).toBe('slack:T1:UADMINT1');
  }, 30_000);

  it('GIVEN a bare /capex-digest add from a T2 admin THEN the form opens with T2’s token', async () => {
    slack.reset();
    const answer = await slashFrom(base, slack, 'T2', '/capex-digest', 'add');
    expect(answer.status).toBe(200);
    const opened = slack.callsTo('views.open');
    // The fake honours only its own trigger ids; the point here is which token views.open was called with.
    expect(opened).toHaveLength(1);
    expect(slack.oauth.teamOf(opened[0]!.token)).toBe('T2');
    expect((opened[0]!.body.view as any).callback_id).toBe('capex_digest_add');
  });
});
