/**
 * Digests from Discord end to end: signed `/digest add` and `/digest send` interactions on the running
 * endpoint, the real digest service on a SQLite file, and the post going out through the Discord outbound
 * channel to the fake Discord API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createCore } from '../../../src/app.js';
import { HttpServer } from '../../../src/http/server.js';
import { startDiscord } from '../../../src/adapters/discord/index.js';
import { createDiscordOutbound } from '../../../src/adapters/discord/outbound.js';
import { createDiscordRest } from '../../../src/adapters/discord/rest.js';
import { Harness } from '../../schedule/harness.js';
import { bundledData } from '../../helpers/core.js';
import { startFakeDiscord, type FakeDiscord } from '../../helpers/fake-discord.js';
import { ADMIN, command, generateKeys, signedHeaders } from './signing.js';

const keys = generateKeys();
let fake: FakeDiscord;
let harness: Harness;
let server: HttpServer;
let url: string;

beforeAll(async () => {
  fake = await startFakeDiscord();
  harness = new Harness({ start: '2026-05-15T08:00:00Z', outbounds: [createDiscordOutbound(createDiscordRest({ token: 'bot-token', apiUrl: fake.url }))] });
  const core = createCore({ data: bundledData, services: { digest: harness.service }, now: () => new Date(harness.clock.now()) });
  server = new HttpServer(() => ({}));
  await startDiscord({ core, config: { DISCORD_PUBLIC_KEY: keys.publicKeyHex }, http: server, logger: pino({ level: 'silent' }), charts: false });
  url = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}/discord/interactions`;
});
afterEach(() => fake.reset());
afterAll(async () => {
  await server.close();
  await harness.cleanup();
  await fake.close();
});

async function interact(payload: unknown): Promise<any> {
  const body = JSON.stringify(payload);
  const res = await fetch(url, { method: 'POST', headers: signedHeaders(keys, body), body });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).data;
}

const sub = (name: string, options: unknown[] = []) => [{ name, type: 1, options }];

describe('/digest on Discord', () => {
  it('an admin schedules a digest in a picked channel and sends it now; the post reaches Discord', async () => {
    const added = await interact(command('digest', sub('add', [{ name: 'time', type: 3, value: '09:00' }, { name: 'channel', type: 7, value: '880000000000000088' }]), ADMIN));
    const text = JSON.stringify(added.embeds[0]);
    const id = /Schedule (\d+)/.exec(text)?.[1];
    expect(id, text).toBeDefined();
    expect(text).toContain('880000000000000088');

    const sent = await interact(command('digest', sub('send', [{ name: 'id', type: 3, value: id }]), ADMIN));
    expect(sent.embeds[0].title).toBe('Digest posted');
    const [post] = fake.requestsTo('POST', '/channels/880000000000000088/messages');
    expect(post, JSON.stringify(fake.requests.map((r) => r.route))).toBeDefined();
    const body = post!.body as any;
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds[0].title).toMatch(/digest/i);
    expect(post!.headers.authorization).toBe('Bot bot-token');
  });

  it('a channel the bot cannot see is reported, not retried forever', async () => {
    fake.failChannel('990000000000000099', 'missing-access');
    const added = await interact(command('digest', sub('add', [{ name: 'time', type: 3, value: '10:00' }, { name: 'channel', type: 7, value: '990000000000000099' }]), ADMIN));
    const id = /Schedule (\d+)/.exec(JSON.stringify(added.embeds[0]))?.[1];
    const sent = await interact(command('digest', sub('send', [{ name: 'id', type: 3, value: id }]), ADMIN));
    expect(sent.flags).toBe(64);
    expect(sent.embeds[0].description).toContain('Could not post');
    expect(fake.requestsTo('POST', '/channels/990000000000000099/messages')).toHaveLength(1);
  });

  it('outside a server (where Discord does not gate /digest) nobody may add digests', async () => {
    const refused = await interact(command('digest', sub('add', [{ name: 'time', type: 3, value: '09:00' }]), { dm: true }));
    expect(refused.flags).toBe(64);
    expect(refused.embeds[0].description).toContain('Only admins');
  });
});
