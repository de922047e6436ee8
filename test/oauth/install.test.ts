/**
 * capex-bot installed in two Slack workspaces through OAuth, end to end on the running bot (startBot, SQLite in a
 * temp dir) against the fake Slack API: the install pages and the state check, two installations with their own
 * tokens, signed slash commands answered per workspace with that workspace's token at the fake, digests of T1
 * and T2 posted with their own tokens, T2 unable to reach T1's schedules by id, app_uninstalled for T1 stopping
 * T1 only, a re-install resuming it, and no token on any page, in /healthz, or in the database file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { SlackInstallationStore } from '../../src/store/installations.js';
import { TokenCipher } from '../../src/store/token-cipher.js';
import type { RunningBot } from '../../src/main.js';
import { visibleText, type SlackHttpAnswer } from '../adapters/slack/harness.js';
import { eventFrom, install as installTeam, redirect as redirectBack, REDIRECT, slashFrom, startInstall as startInstallPage, startOAuthBot } from './flow.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';

const KEY = randomBytes(32).toString('base64');

let slack: FakeSlack;
let bot: RunningBot;
let dir: string;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capex-oauth-'));
  // Only tokens the fake issued through oauth.v2.access are accepted: no configured bot token exists.
  slack = await startFakeSlack({ validToken: `xoxb-never-issued-${randomBytes(4).toString('hex')}` });
  for (const team of ['T1', 'T2']) {
    slack.addUser({ id: `UADMIN${team}`, is_admin: true, tz: 'Europe/Berlin', team });
    slack.addUser({ id: `UMEMBER${team}`, team });
    slack.addChannel({ id: `C${team}GEN`, team });
  }
  ({ bot, base } = await startOAuthBot(slack, join(dir, 'capex-bot.sqlite'), { TOKEN_ENCRYPTION_KEY: KEY }));
});

afterAll(async () => {
  await bot?.stop();
  await slack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const startInstall = () => startInstallPage(base);
const redirect = (query: Record<string, string>, cookie?: string) => redirectBack(base, query, cookie);
const install = (team: string) => installTeam(base, slack, team, REDIRECT);
const slash = (team: string, command: string, text: string, user?: string, channel?: string) => slashFrom(base, slack, team, command, text, user, channel);
const event = (team: string, inner: Record<string, unknown>) => eventFrom(base, team, inner);

const answerText = (a: SlackHttpAnswer) => visibleText(a.json);

describe('installing capex-bot to many Slack workspaces', () => {
  it('GIVEN the install page THEN it has an Add to Slack link to Slack with our client id, scopes, redirect URL and a state bound to a cookie', async () => {
    const { page, authorizeUrl, cookie } = await startInstall();
    expect(page).toContain('Add to Slack');
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe('https://slack.com/oauth/v2/authorize');
    expect(authorizeUrl.searchParams.get('client_id')).toBe(slack.oauth.clientId);
    expect(authorizeUrl.searchParams.get('scope')?.split(',')).toEqual(expect.arrayContaining(['commands', 'chat:write', 'users:read', 'files:write']));
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(authorizeUrl.searchParams.get('state')).toBeTruthy();
    expect(cookie).toMatch(/^slack-app-oauth-state=.+/);
  });

  it('GIVEN a forged, missing, or another browser’s state, or a cancelled install THEN nothing is installed and the page says so in plain words', async () => {
    const { cookie } = await startInstall();
    const forged = await redirect({ code: slack.oauth.approve('T9', { redirectUri: REDIRECT }), state: 'forged-state' }, cookie);
    expect(forged.status).toBe(400);
    expect(forged.page).toContain('not valid for this browser');
    expect(forged.page).toContain('Nothing was installed');

    const missing = await redirect({ code: slack.oauth.approve('T9', { redirectUri: REDIRECT }) }, cookie);
    expect(missing.status).toBe(400);
    expect(missing.page).toContain('Nothing was installed');

    // A real state, but from a browser that never opened the install page (no cookie): a CSRF attempt.
    const other = await startInstall();
    const noCookie = await redirect({ code: slack.oauth.approve('T9', { redirectUri: REDIRECT }), state: other.authorizeUrl.searchParams.get('state')! });
    expect(noCookie.status).toBe(400);

    const cancelled = await redirect({ error: 'access_denied', state: other.authorizeUrl.searchParams.get('state')! }, other.cookie);
    expect(cancelled.page).toContain('You cancelled the installation');
    // None of these reached oauth.v2.access.
    expect(slack.callsTo('oauth.v2.access')).toHaveLength(0);
    // T9 was never installed: its commands get no answer from capex-bot (Bolt's authorize finds no installation).
    const t9 = await slash('T9', '/capex', 'microsoft', 'UX', 'CX');
    expect(answerText(t9)).toContain('capex-bot is not installed in this Slack workspace');
    expect(answerText(t9)).not.toContain('Microsoft');
  });

  it('GIVEN T1 and T2 install THEN each gets its own token from oauth.v2.access, the pages say where it is installed, and no token is shown', async () => {
    const t1 = await install('T1');
    expect(t1.status).toBe(200);
    expect(t1.page).toContain('capex-bot is now installed in <strong>Team T1</strong>');
    const t2 = await install('T2');
    expect(t2.page).toContain('Team T2');
    const exchanges = slack.callsTo('oauth.v2.access');
    expect(exchanges).toHaveLength(2);
    expect(exchanges.every((r) => r.body.redirect_uri === REDIRECT)).toBe(true);
    expect(slack.oauth.tokenOf('T1')).not.toBe(slack.oauth.tokenOf('T2'));
    for (const page of [t1.page, t2.page]) expect(page).not.toContain('xoxb');
    const health = await (await fetch(`${base}/healthz`)).text();
    expect(health).not.toContain('xoxb');
    // The database file holds no token in clear text.
    expect(readFileSync(join(dir, 'capex-bot.sqlite')).includes(Buffer.from(slack.oauth.tokenOf('T1')!))).toBe(false);
  });

  it('GIVEN a signed command from T2 THEN it is answered, and every Slack call it causes uses T2’s token', async () => {
    slack.reset();
    const answer = await slash('T2', '/capex-digest', 'add 09:00');
    expect(answer.status).toBe(200);
    expect(answerText(answer)).toContain('Digest schedule 1 added: <#CT2GEN> every day at 09:00 (Europe/Berlin)');
    const calls = slack.requests.filter((r) => r.api);
    expect(calls.map((r) => r.api)).toEqual(expect.arrayContaining(['users.info', 'conversations.info']));
    expect(calls.every((r) => r.token === slack.oauth.tokenOf('T2'))).toBe(true);
    const t2List = await slash('T2', '/capex-digest', 'list');
    expect(answerText(t2List)).toContain('CT2GEN');
  });

  it('GIVEN T2 asks for a chart and a T2 admin is sent a DM THEN the upload and the DM go out with T2’s token', async () => {
    slack.reset();
    await slash('T2', '/compare', 'meta amazon', 'UMEMBERT2');
    const [shared] = await slack.waitFor(() => (slack.sharedFiles.length ? slack.sharedFiles : undefined), 15_000);
    expect(shared!.channelId).toBe('CT2GEN');
    const uploads = slack.requests.filter((r) => r.api?.startsWith('files.'));
    expect(uploads.map((r) => r.api)).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(uploads.every((r) => slack.oauth.teamOf(r.token) === 'T2')).toBe(true);
    slack.reset();
    const outbound = bot.outbound.find((o) => o.platform === 'slack')!;
    await outbound.sendDirect('slack:T2:UADMINT2', { kind: 'answer', visibility: 'private', title: 'Digest failing', summary: 'x', lines: ['x'] } as never);
    expect(slack.requests.filter((r) => r.api).map((r) => [r.api, slack.oauth.teamOf(r.token)])).toEqual([
      ['conversations.open', 'T2'],
      ['chat.postMessage', 'T2'],
    ]);
  });

  it('GIVEN a schedule in each workspace WHEN both digests are sent THEN T1’s goes out with T1’s token and T2’s with T2’s', async () => {
    await slash('T1', '/capex-digest', 'add 10:00');
    const ids = { T1: await idOf('T1'), T2: await idOf('T2') };
    slack.reset();
    expect(answerText(await slash('T1', '/capex-digest', `send ${ids.T1}`))).toContain('Posted the digest');
    expect(answerText(await slash('T2', '/capex-digest', `send ${ids.T2}`))).toContain('Posted the digest');
    const posts = slack.callsTo('chat.postMessage');
    // One digest per channel (and whatever it threads under it), each with its workspace's token.
    expect(topLevel(posts).map((p) => [p.body.channel, slack.oauth.teamOf(p.token)])).toEqual([
      ['CT1GEN', 'T1'],
      ['CT2GEN', 'T2'],
    ]);
    expect(posts.every((p) => `CT${slack.oauth.teamOf(p.token)?.slice(1)}GEN` === p.body.channel)).toBe(true);
  });

  it('GIVEN T1’s schedule id THEN a T2 admin can neither list, preview, pause, remove, send nor switch it', async () => {
    const t1 = await idOf('T1');
    const list = answerText(await slash('T2', '/capex-digest', 'list'));
    expect(list).not.toContain('CT1GEN');
    for (const attempt of [`next ${t1}`, `pause ${t1}`, `remove ${t1}`, `send ${t1}`, `chart ${t1} on`]) {
      expect(answerText(await slash('T2', '/capex-digest', attempt)), attempt).toContain(`There is no digest schedule ${t1} here`);
    }
    // The status counts the caller's workspace only: T2 has one schedule (T1's is not counted).
    expect(answerText(await slash('T2', '/capex-digest', 'status'))).toMatch(/Digest schedules\W+1 \(1 active\)/);
    // T1's schedule is untouched: still active, and T1 sees it.
    expect(answerText(await slash('T1', '/capex-digest', 'list'))).toContain('CT1GEN');
    expect(answerText(await slash('T1', '/capex-digest', `next ${t1}`))).not.toContain('paused');
    // A channel picked by T2 is a T2 channel: T1's channel id typed in T2 is not T1's channel.
    const picked = answerText(await slash('T2', '/capex-digest', 'add 08:00 <#CT1GEN|general>'));
    expect(picked).toContain('not a member of that private channel');
  });

  it('GIVEN app_uninstalled from T1 THEN T1’s installation is gone and its digests paused (marked), nothing is posted with T1’s token, and T2 keeps running', async () => {
    const t1 = await idOf('T1');
    const t2 = await idOf('T2');
    slack.oauth.uninstall('T1');
    expect(await event('T1', { type: 'app_uninstalled' })).toBe(200);
    // Bolt acks the event after its listener ran: the uninstall is recorded by now.
    const store = bot.runtime.store!;
    const paused = await store.getSchedule(t1);
    expect(paused?.statusReason).toContain('workspace uninstalled the app (app_uninstalled)');
    slack.reset();
    // A post for T1 (e.g. a digest already queued) never reaches Slack.
    const outbound = bot.outbound.find((o) => o.platform === 'slack')!;
    await expect(outbound.post('slack:T1:CT1GEN', { kind: 'answer', visibility: 'public', title: 'x', summary: 'x', lines: ['x'] } as never)).rejects.toThrow(/not installed in Slack workspace T1/);
    expect(slack.requests.filter((r) => slack.oauth.teamOf(r.token) === 'T1')).toHaveLength(0);
    // T2 goes on.
    expect(answerText(await slash('T2', '/capex-digest', `send ${t2}`))).toContain('Posted the digest');
    expect(topLevel(slack.callsTo('chat.postMessage')).map((p) => slack.oauth.teamOf(p.token))).toEqual(['T2']);
    expect(slack.requests.filter((r) => r.api && slack.oauth.teamOf(r.token) !== 'T2')).toEqual([]);
    expect(JSON.parse(await (await fetch(`${base}/healthz`)).text()).platforms.slack.status).toBe('ok');
  });

  it('GIVEN T2 re-installed through another replica (this one still holds the old token) THEN the refused post is sent once more with the new token, and nothing is paused', async () => {
    const t2 = await idOf('T2');
    const old = slack.oauth.tokenOf('T2')!;
    slack.reset();
    expect(answerText(await slash('T2', '/capex-digest', `send ${t2}`))).toContain('Posted the digest');
    // Another replica: T2 removed and added the app again; it stored the new token in the shared database.
    slack.oauth.uninstall('T2');
    const exchanged = (await (await fetch(`${slack.apiUrl}oauth.v2.access`, { method: 'POST', body: new URLSearchParams({ code: slack.oauth.approve('T2'), client_id: slack.oauth.clientId, client_secret: slack.oauth.clientSecret }) })).json()) as { access_token: string };
    const database = await openDatabase(join(dir, 'capex-bot.sqlite'));
    const replica = new SlackInstallationStore(database, TokenCipher.fromConfig({ TOKEN_ENCRYPTION_KEY: KEY }));
    await replica.save({ ...(await replica.find({ teamId: 'T2' }))!, botToken: exchanged.access_token });
    await database.close();
    slack.reset();
    expect(answerText(await slash('T2', '/capex-digest', `send ${t2}`))).toContain('Posted the digest');
    // The first attempt with the old token is refused (token_revoked, HTTP 200 as Slack answers), the second posts.
    const attempts = topLevel(slack.callsTo('chat.postMessage')).map((p) => (p.token === old ? 'old' : p.token === exchanged.access_token ? 'new' : '?'));
    expect(attempts).toEqual(['old', 'new']);
    expect(slack.callsTo('chat.postMessage').filter((p) => p.token === old)).toHaveLength(1);
    expect((await bot.runtime.store!.getSchedule(t2))?.status).toBe('active');
  });

  it('GIVEN an org-wide install in Enterprise Grid org E1 THEN commands from its workspaces and their digests use the org’s token, and T2 sees none of it', async () => {
    slack.addUser({ id: 'UADMINE1', is_admin: true, team: 'E1' });
    slack.addChannel({ id: 'CE1GEN', team: 'E1' });
    const { authorizeUrl, cookie } = await startInstall();
    const code = slack.oauth.approve('E1', { enterprise: 'E1', orgWide: true, redirectUri: REDIRECT });
    const page = await redirect({ code, state: authorizeUrl.searchParams.get('state')! }, cookie);
    expect(page.page).toContain('capex-bot is now installed in <strong>Org E1</strong>');
    slack.reset();
    // A workspace T5 of the organization, never installed on its own.
    const added = await slashFrom(base, slack, 'T5', '/capex-digest', 'add 07:00', 'UADMINE1', 'CE1GEN', 'E1');
    expect(answerText(added)).toContain('added: <#CE1GEN>');
    const [schedule] = await bot.runtime.store!.listSchedules('slack:E1:');
    expect(schedule?.channelId).toBe('slack:E1:CE1GEN');
    expect(answerText(await slashFrom(base, slack, 'T5', '/capex-digest', `send ${schedule!.id}`, 'UADMINE1', 'CE1GEN', 'E1'))).toContain('Posted the digest');
    expect(slack.requests.filter((r) => r.api).every((r) => slack.oauth.teamOf(r.token) === 'E1')).toBe(true);
    expect(answerText(await slash('T2', '/capex-digest', 'list'))).not.toContain('CE1GEN');
  });

  it('GIVEN T1 installs again THEN what the uninstall paused runs again, with the new token', async () => {
    const t1 = await idOf('T1');
    expect((await install('T1')).status).toBe(200);
    expect((await bot.runtime.store!.getSchedule(t1))?.status).toBe('active');
    slack.reset();
    expect(answerText(await slash('T1', '/capex-digest', `send ${t1}`))).toContain('Posted the digest');
    expect(topLevel(slack.callsTo('chat.postMessage')).map((p) => p.token)).toEqual([slack.oauth.tokenOf('T1')]);
  });
});

/** Messages posted in channels (not replies in their threads). */
const topLevel = (posts: FakeSlack['requests']) => posts.filter((p) => p.body.thread_ts === undefined);

/** The id of the workspace's first schedule, as its admin's list shows it. */
async function idOf(team: string): Promise<number> {
  const schedules = await bot.runtime.store!.listSchedules(`slack:${team}:`);
  expect(schedules.length).toBeGreaterThan(0);
  return schedules[0]!.id;
}
