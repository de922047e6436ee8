/**
 * Starts what production starts for Slack in HTTP mode — the shared HttpServer on 127.0.0.1:0, the real Core
 * with the real commands (plus any test commands) on the bundled data, and `startSlack` pointed at a fake Slack
 * Web API — and signs slash-command requests the way Slack does, computed here independently of src/.
 */
import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { commands as realCommands } from '../../../src/commands/index.js';
import { loadConfig } from '../../../src/config.js';
import type { CommandSpec, Services } from '../../../src/core/command.js';
import { Core } from '../../../src/core/core.js';
import { HttpServer } from '../../../src/http/server.js';
import { startSlack, type SlackAdapter } from '../../../src/adapters/slack/index.js';
import { bundledData, TODAY } from '../../helpers/core.js';
import { startFakeSlack, type FakeSlack, type FakeSlackUser } from '../../helpers/fake-slack.js';

export const SIGNING_SECRET = 'test-signing-secret-8f14e45fceea167a5a36dedd4bea2543';
export const BOT_TOKEN = 'xoxb-test-token';

export interface HarnessOptions {
  extraCommands?: CommandSpec[];
  adminUserIds?: string;
  users?: FakeSlackUser[];
  ackBudgetMs?: number;
  /** Use this fake Slack instead of starting one (e.g. when an outbound channel already points at it). */
  fake?: FakeSlack;
  services?: Services;
  now?: () => Date;
  /** Upload chart images after answers (default false here, so other tests see no background file uploads). */
  charts?: boolean;
}

export interface Harness {
  url: string;
  fake: FakeSlack;
  core: Core;
  adapter: SlackAdapter;
  /** Parsed pino log lines (info and above). */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const fake = options.fake ?? (await startFakeSlack({ validToken: BOT_TOKEN }));
  for (const user of options.users ?? []) fake.addUser(user);
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const core = new Core({ commands: [...realCommands, ...(options.extraCommands ?? [])], data: () => bundledData, logger, services: options.services, now: options.now ?? (() => TODAY) });
  const http = new HttpServer(() => ({ adapters: ['slack'] }));
  const config = loadConfig(
    {},
    {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      ...(options.adminUserIds ? { SLACK_ADMIN_USER_IDS: options.adminUserIds } : {}),
    },
  );
  const adapter = await startSlack({ core, config, http, logger, ackBudgetMs: options.ackBudgetMs, charts: options.charts ?? false });
  const address = await http.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}/slack/events`,
    fake,
    core,
    adapter,
    logs,
    close: async () => {
      await adapter.stop();
      await http.close();
      if (!options.fake) await fake.close();
    },
  };
}

export interface SlashFields {
  command: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  response_url?: string;
  /** Slack makes one per invocation; default: a fresh one each call (a retry or a replay repeats it). */
  trigger_id?: string;
}

let triggerCounter = 0;

/**
 * Text as Slack sends what a user typed in a command with `should_escape: true`: `&`, `<`, `>` entity-encoded,
 * then every URL wrapped as `<url>` — or `<url|label>` when `labels` gives one (a pasted link with display text).
 */
export function slackTyped(typed: string, labels: Record<string, string> = {}): string {
  const escaped = typed.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped.replace(/https?:\/\/[^\s]+/g, (url) => {
    const label = labels[url.replace(/&amp;/g, '&')];
    return label ? `<${url}|${label}>` : `<${url}>`;
  });
}

/** A form body shaped like Slack's slash-command payload. */
export function slashBody(fields: SlashFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0FAKE',
    team_domain: 'fake',
    channel_id: fields.channel_id ?? 'C0GENERAL',
    channel_name: 'general',
    user_id: fields.user_id ?? 'U0MEMBER',
    user_name: fields.user_name ?? 'member',
    command: fields.command,
    text: fields.text ?? '',
    api_app_id: 'A0CAPEX',
    is_enterprise_install: 'false',
    response_url: fields.response_url ?? 'http://127.0.0.1:9/unused',
    trigger_id: fields.trigger_id ?? `${Date.now()}.${++triggerCounter}.abc`,
  }).toString();
}

export function sign(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface PostOptions {
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  secret?: string;
  /** Overrides the computed signature. */
  signature?: string;
  omitTimestamp?: boolean;
  omitSignature?: boolean;
  /** Changes the body after signing (a tampered request). */
  tamper?: (body: string) => string;
  /** Extra headers, e.g. `{ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }`. */
  headers?: Record<string, string>;
  /** Send this exact body instead of building one from the fields (the same request twice). */
  body?: string;
}

export interface SlackHttpAnswer {
  status: number;
  /** The parsed JSON body, or undefined when the body was empty or not JSON. */
  json: Record<string, unknown> | undefined;
  text: string;
}

/** Sends a signed slash command like Slack does and returns the HTTP answer. */
export async function postSlash(url: string, fields: SlashFields, options: PostOptions = {}): Promise<SlackHttpAnswer> {
  const body = options.body ?? slashBody(fields);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...options.headers };
  if (!options.omitTimestamp) headers['x-slack-request-timestamp'] = timestamp;
  if (!options.omitSignature) headers['x-slack-signature'] = options.signature ?? sign(options.secret ?? SIGNING_SECRET, timestamp, body);
  const response = await fetch(url, { method: 'POST', headers, body: options.tamper ? options.tamper(body) : body });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** Every piece of text a Slack user would see in a message: fallback, header, sections, fields, context. */
export function visibleText(message: Record<string, unknown> | undefined): string {
  if (!message) return '';
  const parts: string[] = [String(message.text ?? '')];
  for (const block of (message.blocks as Record<string, any>[] | undefined) ?? []) {
    if (block.text?.text) parts.push(block.text.text);
    for (const field of block.fields ?? []) parts.push(field.text);
    for (const element of block.elements ?? []) if (element.text) parts.push(element.text);
  }
  return parts.join('\n');
}
