/**
 * The pages in the running bot (startBot, as `npm start` runs it): served on PORT even when no adapter needs
 * HTTP (Slack over Socket Mode against the local fake Slack), absent with WEB=off, and a taken port costs
 * only the pages — the bot still starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startBot } from '../../src/main.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';

const BOT_TOKEN = 'xoxb-web-startup';
let fake: FakeSlack;
let dir: string;

beforeAll(async () => {
  fake = await startFakeSlack({ validToken: BOT_TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'capex-web-start-'));
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const config = (port: number, extra: Record<string, string> = {}) =>
  loadConfig({}, {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_APP_TOKEN: 'xapp-1-A0FAKE-web',
    SLACK_API_URL: fake.apiUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: join(dir, `bot-${port}.sqlite`),
    DATA_REFRESH_MINUTES: '0',
    LOG_LEVEL: 'silent',
    ...extra,
  });

describe('GIVEN the bot on Slack Socket Mode (no adapter needs HTTP)', { timeout: 60_000 }, () => {
  it('THEN the web pages are served on PORT, beside /healthz', async () => {
    const port = await freePort();
    const bot = await startBot(config(port));
    try {
      const page = await fetch(`http://127.0.0.1:${port}/company/meta`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<h1>Meta Platforms');
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await bot.stop();
    }
  });

  it('THEN WEB=off opens no port at all', async () => {
    const port = await freePort();
    const bot = await startBot(config(port, { WEB: 'off' }));
    try {
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    } finally {
      await bot.stop();
    }
  });

  it('THEN a taken PORT costs the pages, not the bot: it starts with Slack up', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const bot = await startBot(config(port));
      try {
        expect(bot.adapters.some((a) => a.startsWith('slack'))).toBe(true);
      } finally {
        await bot.stop();
      }
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});
