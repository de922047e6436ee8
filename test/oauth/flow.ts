/**
 * What a browser and Slack do around an OAuth install, and what Slack sends a multi-workspace bot, for the tests
 * in test/oauth: the install page, Slack's redirect back (code + state + the browser's cookie), slash commands
 * and Events API callbacks from a given team, signed with the signing secret.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { postSlash, sign, SIGNING_SECRET, type SlackHttpAnswer } from '../adapters/slack/harness.js';
import type { FakeSlack } from '../helpers/fake-slack.js';

export const PUBLIC_URL = 'https://capex.example.test';
export const REDIRECT = `${PUBLIC_URL}/slack/oauth_redirect`;

/**
 * The running bot (startBot) in OAuth mode against the fake Slack API, on the SQLite file `database`, with no
 * configured bot token and the web pages off; `extra` adds or overrides variables (e.g. a known TOKEN_ENCRYPTION_KEY).
 */
export async function startOAuthBot(slack: FakeSlack, database: string, extra: Record<string, string> = {}): Promise<{ bot: RunningBot; base: string }> {
  const bot = await startBot(
    loadConfig({}, {
      SLACK_CLIENT_ID: slack.oauth.clientId,
      SLACK_CLIENT_SECRET: slack.oauth.clientSecret,
      SLACK_STATE_SECRET: 'state-secret-0123456789abcdef',
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PUBLIC_URL,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database,
      DATA_REFRESH_MINUTES: '0',
      WEB: 'false',
      ...extra,
    } as never),
  );
  const port = (bot.http as unknown as { server: { address(): { port: number } } }).server.address().port;
  return { bot, base: `http://127.0.0.1:${port}` };
}

let counter = 0;

/** GET /slack/install as a browser: the page, its Add to Slack link, and the state cookie Slack's redirect must come back with. */
export async function startInstall(base: string): Promise<{ page: string; authorizeUrl: URL; cookie: string }> {
  const res = await fetch(`${base}/slack/install`);
  expect(res.status).toBe(200);
  const page = await res.text();
  const href = /href="([^"]+)"/.exec(page)?.[1]?.replace(/&#38;/g, '&');
  const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
  return { page, authorizeUrl: new URL(href!), cookie };
}

/** Slack sending the browser back to GET /slack/oauth_redirect. */
export async function redirect(base: string, query: Record<string, string>, cookie?: string): Promise<{ status: number; page: string }> {
  const res = await fetch(`${base}/slack/oauth_redirect?${new URLSearchParams(query)}`, { headers: cookie ? { cookie } : {} });
  return { status: res.status, page: await res.text() };
}

/** The whole flow for one workspace: install page → the user allows in Slack → Slack redirects back with code and state. */
export async function install(base: string, slack: FakeSlack, team: string, redirectUri?: string): Promise<{ status: number; page: string }> {
  const { authorizeUrl, cookie } = await startInstall(base);
  const code = slack.oauth.approve(team, { ...(redirectUri ? { redirectUri } : {}), user: `UADMIN${team}` });
  return redirect(base, { code, state: authorizeUrl.searchParams.get('state')! }, cookie);
}

/** A signed slash command typed in `team` (default: its admin, in its general channel); `orgWide`: in a workspace of that Enterprise Grid org with an org-wide install. */
export function slashFrom(base: string, slack: FakeSlack, team: string, command: string, text: string, user = `UADMIN${team}`, channel = `C${team}GEN`, orgWide?: string): Promise<SlackHttpAnswer> {
  const body = new URLSearchParams({
    token: 'deprecated',
    team_id: team,
    team_domain: team.toLowerCase(),
    channel_id: channel,
    channel_name: 'general',
    user_id: user,
    user_name: user.toLowerCase(),
    command,
    text,
    api_app_id: 'A0FAKE',
    is_enterprise_install: orgWide ? 'true' : 'false',
    ...(orgWide ? { enterprise_id: orgWide, enterprise_name: `Org ${orgWide}` } : {}),
    response_url: slack.responseUrl(),
    trigger_id: `${Date.now()}.${++counter}.oauth`,
  }).toString();
  return postSlash(`${base}/slack/events`, { command }, { body });
}

/** A signed Events API callback from `team`; resolves with the HTTP status once the bot answered. */
export async function eventFrom(base: string, team: string, inner: Record<string, unknown>): Promise<number> {
  const body = JSON.stringify({ token: 'deprecated', team_id: team, api_app_id: 'A0FAKE', type: 'event_callback', event_id: `Ev${Date.now()}${++counter}`, event_time: Math.floor(Date.now() / 1000), event: inner });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`${base}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign(SIGNING_SECRET, timestamp, body) },
    body,
  });
  await res.text();
  return res.status;
}

/**
 * A signed block_actions payload from `team`: `user` pressing `element` (a button, or a select with `picked`) on a
 * message in `channel`; the answer is expected at the fake's response_url `responseUrlId`.
 */
export async function pressFrom(base: string, slack: FakeSlack, team: string, element: Record<string, any>, o: { user?: string; channel?: string; picked?: string } = {}): Promise<{ status: number; text: string; responseUrlId: string }> {
  const responseUrlId = `oauth-press${++counter}`;
  const user = o.user ?? `UMEMBER${team}`;
  const channel = o.channel ?? `C${team}GEN`;
  const action =
    element.type === 'static_select'
      ? { type: 'static_select', action_id: element.action_id, block_id: 'b1', selected_option: { text: { type: 'plain_text', text: o.picked }, value: o.picked }, action_ts: '1.2' }
      : { type: 'button', action_id: element.action_id, block_id: 'b1', text: element.text, value: element.value, action_ts: '1.2' };
  const payload = {
    type: 'block_actions',
    team: { id: team, domain: team.toLowerCase() },
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: team },
    api_app_id: 'A0FAKE',
    token: 'deprecated',
    trigger_id: `${Date.now()}.${counter}.oauth-press`,
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'general' },
    message: { type: 'message', ts: '1700000000.000100', text: 'answer' },
    response_url: slack.responseUrl(responseUrlId),
    actions: [action],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await fetch(`${base}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign(SIGNING_SECRET, timestamp, body) },
    body,
  });
  return { status: res.status, text: await res.text(), responseUrlId };
}
