/**
 * The running bot as `startBot` builds it (src/main.ts): Slack over HTTP at a fake Slack API, Discord HTTP
 * interactions signed with a generated Ed25519 key pair (webhook calls to a fake Discord API), SQLite in a temp
 * dir. Helpers send what Slack and Discord send when a button is pressed, signed the way they sign it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { generateKeys, rawInteraction, signedHeaders, command, type InteractionOverrides, type TestKeys } from '../adapters/discord/signing.js';
import { BOT_TOKEN, postSlash, sign, SIGNING_SECRET, type SlackHttpAnswer } from '../adapters/slack/harness.js';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';

export interface InteractiveBot {
  bot: RunningBot;
  slack: FakeSlack;
  discord: FakeDiscord;
  keys: TestKeys;
  slackUrl: string;
  discordUrl: string;
  /** A signed slash command; returns the HTTP answer (the rendered reply). */
  slash(command: string, text: string, user?: string, channel?: string): Promise<SlackHttpAnswer>;
  /** A signed block_actions payload pressing `element` (a button, or a select with `picked`) on `message`. */
  press(element: Record<string, any>, options?: { user?: string; channel?: string; picked?: string; ephemeral?: boolean; triggerId?: string }): Promise<{ status: number; text: string; responseUrlId: string }>;
  /** A signed slash command with a trigger_id the fake Slack issued `ageMs` ago (views.open checks it). */
  slashWithTrigger(command: string, text: string, user: string, channel?: string, ageMs?: number): Promise<SlackHttpAnswer>;
  /** A signed view_submission of `view` (as opened) with the given field values. */
  submit(view: Record<string, any>, values: Record<string, string | undefined>, user?: string): Promise<{ status: number; json: any }>;
  /** A signed Events API event (app_home_opened …). */
  event(event: Record<string, unknown>): Promise<number>;
  /** A signed Discord interaction; returns the interaction response. */
  interaction(body: Record<string, unknown>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

let triggers = 0;

export async function startInteractiveBot(env: Record<string, string> = {}): Promise<InteractiveBot> {
  const dir = mkdtempSync(join(tmpdir(), 'capex-interactive-'));
  const slack = await startFakeSlack({ validToken: BOT_TOKEN });
  const discord = await startFakeDiscord();
  const keys = generateKeys();
  const config = loadConfig(
    {},
    {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_ADMIN_USER_IDS: 'UADMIN',
      DISCORD_PUBLIC_KEY: keys.publicKeyHex,
      DISCORD_API_URL: discord.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: join(dir, 'capex-bot.sqlite'),
      DATA_REFRESH_MINUTES: '0',
      WEB: 'false',
      ...env,
    } as never,
  );
  const bot = await startBot(config);
  const port = (bot.http as unknown as { server: { address(): { port: number } } }).server.address().port;
  const slackUrl = `http://127.0.0.1:${port}/slack/events`;
  const discordUrl = `http://127.0.0.1:${port}/discord/interactions`;
  return {
    bot,
    slack,
    discord,
    keys,
    slackUrl,
    discordUrl,
    slash: (cmd, text, user = 'U0MEMBER', channel = 'C0GENERAL') => postSlash(slackUrl, { command: cmd, text, user_id: user, channel_id: channel, response_url: slack.responseUrl() }),
    press: async (element, o = {}) => {
      const responseUrlId = `press${++triggers}`;
      const action =
        element.type === 'static_select'
          ? { type: 'static_select', action_id: element.action_id, block_id: 'b1', selected_option: { text: { type: 'plain_text', text: o.picked }, value: o.picked }, action_ts: '1.2' }
          : { type: 'button', action_id: element.action_id, block_id: 'b1', text: element.text, value: element.value, action_ts: '1.2' };
      // A press in the App Home comes from a view, with no channel and no response_url.
      const home = 'channel' in o && o.channel === undefined;
      const payload = {
        type: 'block_actions',
        team: { id: 'T0FAKE', domain: 'fake' },
        user: { id: o.user ?? 'U0MEMBER', username: 'member', name: 'member', team_id: 'T0FAKE' },
        api_app_id: 'A0CAPEX',
        token: 'deprecated',
        trigger_id: o.triggerId ?? `${Date.now()}.${triggers}.press`,
        ...(home
          ? { container: { type: 'view', view_id: 'V0HOME' }, view: { id: 'V0HOME', type: 'home' } }
          : {
              container: { type: 'message', message_ts: '1700000000.000100', channel_id: o.channel ?? 'C0GENERAL', is_ephemeral: o.ephemeral ?? false },
              channel: { id: o.channel ?? 'C0GENERAL', name: 'general' },
              message: { type: 'message', ts: '1700000000.000100', text: 'answer' },
              response_url: slack.responseUrl(responseUrlId),
            }),
        actions: [action],
      };
      const res = await signedSlackPost(slackUrl, payloadForm(payload), 'application/x-www-form-urlencoded');
      return { status: res.status, text: await res.text(), responseUrlId };
    },
    slashWithTrigger: (cmd, text, user, channel = 'C0GENERAL', ageMs = 0) =>
      postSlash(slackUrl, { command: cmd, text, user_id: user, channel_id: channel, response_url: slack.responseUrl(), trigger_id: slack.triggerId(ageMs) }),
    submit: async (view, values, user = 'UADMIN') => {
      const state: Record<string, Record<string, unknown>> = {};
      for (const block of view.blocks) {
        if (block.type !== 'input') continue;
        const value = values[block.block_id];
        state[block.block_id] = {
          value: block.element.type === 'conversations_select' ? { type: 'conversations_select', selected_conversation: value ?? null } : { type: 'plain_text_input', value: value ?? null },
        };
      }
      const payload = {
        type: 'view_submission',
        team: { id: 'T0FAKE', domain: 'fake' },
        user: { id: user, username: 'alice', name: 'alice', team_id: 'T0FAKE' },
        api_app_id: 'A0CAPEX',
        token: 'deprecated',
        trigger_id: slack.triggerId(),
        view: { ...view, id: 'V0FORM', team_id: 'T0FAKE', state: { values: state }, hash: '1.abc', app_id: 'A0CAPEX', bot_id: 'BBOT' },
        response_urls: [],
      };
      const res = await signedSlackPost(slackUrl, payloadForm(payload), 'application/x-www-form-urlencoded');
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
    event: async (event) => {
      const body = JSON.stringify({ token: 'deprecated', team_id: 'T0FAKE', api_app_id: 'A0CAPEX', type: 'event_callback', event_id: `Ev${Date.now()}${++triggers}`, event_time: Math.floor(Date.now() / 1000), event });
      const res = await signedSlackPost(slackUrl, body, 'application/json');
      await res.text();
      return res.status;
    },
    interaction: async (body) => {
      const text = JSON.stringify(body);
      const res = await fetch(discordUrl, { method: 'POST', headers: signedHeaders(keys, text), body: text });
      const answer = await res.text();
      return { status: res.status, body: answer ? JSON.parse(answer) : undefined };
    },
    close: async () => {
      await bot.stop();
      await slack.close();
      await discord.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Interactive payloads travel as a form field holding JSON, as Slack sends them. */
function payloadForm(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A POST signed with the app's signing secret (v0 HMAC over timestamp and body), as Slack signs every request. */
function signedSlackPost(url: string, body: string, contentType: string): Promise<Response> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType, 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign(SIGNING_SECRET, timestamp, body) }, body });
}

/** A Discord MESSAGE_COMPONENT interaction pressing `component` on a message with `flags`. */
export function componentPress(component: Record<string, any>, o: InteractionOverrides & { picked?: string; messageFlags?: number } = {}): Record<string, unknown> {
  const base = rawInteraction(3, { custom_id: component.custom_id, component_type: component.type, ...(o.picked ? { values: [o.picked] } : {}) }, o);
  return { ...base, message: { id: '800000000000000008', channel_id: base.channel_id, flags: o.messageFlags ?? 0, content: '', embeds: [], components: [] } };
}

export { command };

/** Every action element of a Slack message, by its visible text (a select by its placeholder). */
export function slackElements(message: Record<string, any> | undefined): Map<string, Record<string, any>> {
  const found = new Map<string, Record<string, any>>();
  for (const block of message?.blocks ?? []) {
    if (block.type !== 'actions') continue;
    for (const element of block.elements) found.set(element.text?.text ?? element.placeholder?.text, element);
  }
  return found;
}

/** Every component of a Discord message, by label (a select by its placeholder). */
export function discordComponents(message: Record<string, any> | undefined): Map<string, Record<string, any>> {
  const found = new Map<string, Record<string, any>>();
  for (const row of message?.components ?? []) for (const c of row.components) found.set(c.label ?? c.placeholder, c);
  return found;
}
