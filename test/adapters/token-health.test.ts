/**
 * A revoked token, as the operator and users see it on the running bot (startBot with both platforms, the fake
 * Slack and Discord APIs, a real SQLite file): Discord's gateway closed with 4004 turns `/healthz` degraded with
 * the reason while Slack keeps answering; then Slack's `app_uninstalled` event degrades Slack too, and posting to
 * either platform stops before reaching it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Reply } from '../../src/core/reply.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { BOT_TOKEN, postSlash, sign, SIGNING_SECRET, visibleText } from './slack/harness.js';

let slack: FakeSlack;
let discord: FakeDiscord;
let bot: RunningBot;
let base: string;
const dir = mkdtempSync(join(tmpdir(), 'capex-token-health-'));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor<T>(check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const healthz = async () => (await (await fetch(`${base}/healthz`)).json()) as { status: string; platforms: Record<string, { status: string; reason?: string }> };

beforeAll(async () => {
  slack = await startFakeSlack({ validToken: BOT_TOKEN });
  discord = await startFakeDiscord();
  const port = await freePort();
  bot = await startBot(
    loadConfig({}, {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      WEB: 'off',
      DATABASE_URL: join(dir, 'bot.sqlite'),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN: 'bot-token',
      DISCORD_API_URL: discord.url,
    }),
  );
  base = `http://127.0.0.1:${port}`;
  await discord.gateway.connected();
}, 30_000);
afterAll(async () => {
  await bot?.stop();
  await slack.close();
  await discord.close();
  rmSync(dir, { recursive: true, force: true });
});

const digest: Reply = { kind: 'answer', visibility: 'public', title: 'Digest', lines: ['x'], summary: 'x' };
const outbound = (platform: string) => bot.outbound.find((o) => o.platform === platform)!;

describe('a revoked token on the running bot', () => {
  it('starts ok on both platforms', async () => {
    await waitFor(async () => (await healthz()).status === 'ok');
  });

  it('GIVEN Discord closes the gateway with 4004 THEN /healthz is degraded with the reason, Slack still answers, Discord posts stop', async () => {
    discord.revokeToken();
    const health = await waitFor(async () => {
      const h = await healthz();
      return h.platforms.discord?.status === 'degraded' && h;
    });
    expect(health.status).toBe('degraded');
    expect(health.platforms.discord!.reason).toContain('4004');
    expect(health.platforms.slack!.status).toBe('ok');

    const answer = await postSlash(`${base}/slack/events`, { command: '/capex', text: 'alibaba' });
    expect(visibleText(answer.json)).toContain('Alibaba');

    discord.reset();
    await expect(outbound('discord').post('discord:123', digest)).rejects.toMatchObject({ kind: 'token_revoked' });
    expect(discord.requestsTo('POST', '/channels/')).toHaveLength(0);
  });

  it('GIVEN Slack sends app_uninstalled THEN Slack is degraded too and its posts stop before reaching Slack', async () => {
    const event = JSON.stringify({ team_id: 'T0FAKE', api_app_id: 'A0CAPEX', type: 'event_callback', event_id: 'Ev0GONE', event_time: 1, event: { type: 'app_uninstalled' } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign(SIGNING_SECRET, timestamp, event) }, body: event });
    expect(res.status).toBe(200);
    const health = await waitFor(async () => {
      const h = await healthz();
      return h.platforms.slack?.status === 'degraded' && h;
    });
    expect(health.platforms.slack!.reason).toContain('app_uninstalled');
    slack.reset();
    await expect(outbound('slack').post('slack:C1', digest)).rejects.toMatchObject({ kind: 'token_revoked' });
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
  });
});
