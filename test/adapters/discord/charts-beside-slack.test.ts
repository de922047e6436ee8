/**
 * Discord's chart images in a process that serves Slack too. Importing Bolt loads @slack/socket-mode's
 * undici 7, which installs its Agent as undici's global dispatcher when none is set yet; @discordjs/rest
 * (undici 6) used to send through that global Agent, so every multipart upload — each chart edit — failed
 * with "action is not a function" (an undici 6 FormData body in an undici 7 Agent) and the text answer stood
 * alone. Found by running the test files in one module graph; production escaped only because the registry
 * happens to start Discord first. Here undici 7's Agent is made the global dispatcher on purpose, then put back.
 */
import { createRequire } from 'node:module';
import { REST } from 'discord.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../../src/app.js';
import { attachChartToInteraction, createChartRest } from '../../../src/adapters/discord/charts.js';
import { loadDataFile } from '../../../src/data/loader.js';
import { startFakeDiscord, type FakeDiscord } from '../../helpers/fake-discord.js';
import { decodePng } from '../../helpers/png.js';

interface UndiciGlobals {
  Agent: new () => object;
  getGlobalDispatcher(): object;
  setGlobalDispatcher(agent: object): void;
}

/** The undici copy Bolt's Socket Mode client loads (7.x), not the one discord.js uses (6.x). */
const fromBolt = createRequire(createRequire(import.meta.url).resolve('@slack/bolt'));
const boltUndiciPath = createRequire(fromBolt.resolve('@slack/socket-mode'));
const boltUndici = boltUndiciPath('undici') as UndiciGlobals;
const boltUndiciVersion = (boltUndiciPath('undici/package.json') as { version: string }).version;

const core = createCore({ data: loadDataFile(), now: () => new Date('2026-05-15T12:00:00Z') });
const caller = { platform: 'discord', userId: 'discord:1', isAdmin: false, channelId: 'discord:2' };
const logLines: string[] = [];
const logger = pino({ level: 'warn' }, { write: (l: string) => void logLines.push(l) });
let fake: FakeDiscord;
let previous: object;

beforeAll(async () => {
  fake = await startFakeDiscord();
  previous = boltUndici.getGlobalDispatcher();
  boltUndici.setGlobalDispatcher(new boltUndici.Agent());
});
afterAll(async () => {
  boltUndici.setGlobalDispatcher(previous);
  await fake.close();
});

describe("Discord chart edits while Bolt's undici is the global dispatcher", () => {
  it('GIVEN undici 7 installed globally THEN the chart edit still uploads the PNG (our REST brings its own Agent)', async () => {
    expect(boltUndiciVersion).toMatch(/^7\./);
    const reply = await core.handleText('/compare meta amazon', caller);
    expect(reply.chart).toBeDefined();
    const attached = await attachChartToInteraction(createChartRest(fake.url), '500000000000000005', 'token-a', reply, logger);
    expect(logLines.join('')).toBe('');
    expect(attached).toBe(true);
    const edit = fake.requests.find((r) => r.method === 'PATCH' && decodeURIComponent(r.route).endsWith('/token-a/messages/@original'));
    expect(edit?.files[0]?.filename).toBe('chart.png');
    expect(decodePng(edit!.files[0]!.bytes).width).toBeGreaterThan(0);
  });

  it('GIVEN the same edit through a REST client without our Agent THEN it fails as it did before (the premise holds)', async () => {
    const reply = await core.handleText('/compare meta amazon', caller);
    const attached = await attachChartToInteraction(new REST({ api: fake.url, retries: 0 }), '500000000000000005', 'token-b', reply, logger);
    expect(attached).toBe(false);
    expect(logLines.join('')).toContain('action is not a function');
  });
});
