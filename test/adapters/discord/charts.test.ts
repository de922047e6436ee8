/**
 * Chart images in Discord, both ways interactions arrive: signed HTTP interactions to the running endpoint
 * (answer in the HTTP response, then a webhook edit adds the image), and real discord.js interaction objects
 * on a gateway client (reply, then editReply). The edits go to the fake Discord API on 127.0.0.1, where the
 * uploaded bytes are decoded.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChatInputCommandInteraction, Client, ClientApplication, Events } from 'discord.js';
import { pino } from 'pino';
import { createCore } from '../../../src/app.js';
import { loadDataFile } from '../../../src/data/loader.js';
import { HttpServer } from '../../../src/http/server.js';
import { startDiscord } from '../../../src/adapters/discord/index.js';
import { buildDiscordCommands } from '../../../src/adapters/discord/commands.js';
import { attachGatewayHandler, createGatewayClient } from '../../../src/adapters/discord/gateway.js';
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from '../../helpers/fake-discord.js';
import { decodePng } from '../../helpers/png.js';
import { command, generateKeys, signedHeaders, type TestKeys } from './signing.js';

vi.setConfig({ testTimeout: 20_000 });

const core = createCore({ data: loadDataFile(), now: () => new Date('2026-05-15T12:00:00Z') });
const logLines: string[] = [];
const logger = pino({ level: 'warn' }, { write: (l: string) => void logLines.push(l) });
let fake: FakeDiscord;
let keys: TestKeys;
let server: HttpServer;
let base: string;

beforeAll(async () => {
  fake = await startFakeDiscord();
  keys = generateKeys();
  server = new HttpServer(() => ({}));
  await startDiscord({ core, config: { DISCORD_PUBLIC_KEY: keys.publicKeyHex, DISCORD_API_URL: fake.url }, http: server, logger });
  base = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}`;
});
afterEach(() => {
  fake.reset();
  logLines.length = 0;
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

async function post(payload: Record<string, unknown>): Promise<any> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${base}/discord/interactions`, { method: 'POST', headers: signedHeaders(keys, body), body });
  expect(res.status).toBe(200);
  return res.json();
}

async function editOf(payload: Record<string, unknown>): Promise<RecordedRequest> {
  const route = `/webhooks/${payload.application_id}/${payload.token}/messages/@original`;
  for (let i = 0; i < 1500; i++) {
    // discord.js sends `@original` percent-encoded.
    const hit = fake.requests.find((r) => r.method === 'PATCH' && decodeURIComponent(r.route) === route);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no edit of ${route}`);
}

function expectChartEdit(edit: RecordedRequest, answeredEmbed: any) {
  expect(String(edit.headers['content-type'])).toMatch(/^multipart\/form-data/);
  // Webhook edits authenticate with the interaction token in the URL, never the bot token.
  expect(edit.headers.authorization).toBeUndefined();
  const body = edit.body as any;
  expect(body.allowed_mentions).toEqual({ parse: [] });
  expect(body.embeds).toHaveLength(1);
  expect(body.embeds[0].image).toEqual({ url: 'attachment://chart.png' });
  // The same answer as before, now with the picture: nothing of the text is lost.
  expect({ ...body.embeds[0], image: undefined }).toEqual({ ...answeredEmbed, image: undefined });
  // One attachment, matched to files[0] by id, with alt text for screen readers.
  expect(body.attachments).toHaveLength(1);
  expect(String(body.attachments[0].id)).toBe('0');
  expect(body.attachments[0].description).toMatch(/^AI capex|: AI capex/);
  expect(edit.files).toHaveLength(1);
  expect(edit.files[0]).toMatchObject({ field: 'files[0]', filename: 'chart.png', contentType: 'image/png' });
  return decodePng(edit.files[0]!.bytes);
}

describe('HTTP interactions', () => {
  it('/compare: the text embed answers at once, then the message is edited to carry the chart as its image', async () => {
    const payload = command('compare', [
      { name: 'company1', type: 3, value: 'meta' },
      { name: 'company2', type: 3, value: 'amazon' },
    ]);
    const answer = await post(payload);
    expect(answer.type).toBe(4);
    expect(answer.data.embeds[0].image).toBeUndefined();
    const img = expectChartEdit(await editOf(payload), answer.data.embeds[0]);
    expect([img.width, img.height]).toEqual([900, 500]);
  });

  it('/capex meta and /capex top: charts too, each its own picture', async () => {
    const meta = command('capex', [{ name: 'company', type: 3, value: 'meta' }]);
    const top = command('capex-top', []);
    const [metaAnswer, topAnswer] = [await post(meta), await post(top)];
    const a = expectChartEdit(await editOf(meta), metaAnswer.data.embeds[0]);
    const b = expectChartEdit(await editOf(top), topAnswer.data.embeds[0]);
    expect(a.data.equals(b.data)).toBe(false);
  });

  it('answers without a chart (alibaba) or errors are never edited', async () => {
    await post(command('capex', [{ name: 'company', type: 3, value: 'alibaba' }]));
    await post(command('capex', [{ name: 'company', type: 3, value: 'no-such-company' }]));
    const marker = command('compare', [
      { name: 'company1', type: 3, value: 'meta' },
      { name: 'company2', type: 3, value: 'amazon' },
    ]);
    await post(marker);
    await editOf(marker);
    expect(fake.requestsTo('PATCH', '/webhooks/')).toHaveLength(1);
  });

  it('GIVEN the edit fails THEN the text answer stands and the failure is logged', async () => {
    fake.failNext({ kind: 'server-error', status: 500 }, { route: '/webhooks/' });
    const payload = command('capex', [{ name: 'company', type: 3, value: 'meta' }]);
    const answer = await post(payload);
    expect(answer.data.embeds[0].title).toContain('Meta Platforms');
    for (let i = 0; i < 1500 && !logLines.some((l) => l.includes('could not add the chart')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(logLines.some((l) => l.includes('could not add the chart'))).toBe(true);
  });
});

describe('gateway', () => {
  let client: Client;
  beforeAll(() => {
    client = createGatewayClient(fake.url);
    Object.assign(client, { application: new (ClientApplication as unknown as new (...a: unknown[]) => ClientApplication)(client, { id: '500000000000000005' }) });
    attachGatewayHandler(client, { core, commands: buildDiscordCommands(core.commands), logger, charts: true });
  });
  afterAll(async () => client.destroy());

  it('/compare: reply with the text embed, then editReply adds the chart as attachment://chart.png', async () => {
    const raw = command('compare', [
      { name: 'company1', type: 3, value: 'google' },
      { name: 'company2', type: 3, value: 'amazon' },
    ]);
    client.emit(Events.InteractionCreate, new (ChatInputCommandInteraction as unknown as new (...a: unknown[]) => ChatInputCommandInteraction)(client, raw));
    const edit = await editOf(raw);
    const reply = fake.requestsTo('POST', `/interactions/${raw.id}/`)[0]!.body as any;
    expect(reply.data.embeds[0].image).toBeUndefined();
    const img = expectChartEdit(edit, reply.data.embeds[0]);
    expect(img.width).toBe(900);
  });
});

describe('posts without an interaction (digests, when a digest carries a chart)', () => {
  it('GIVEN a reply with a chart THEN the message is posted, then edited to carry the image; a failed edit never fails the post', async () => {
    const { createDiscordOutbound } = await import('../../../src/adapters/discord/outbound.js');
    const { createDiscordRest } = await import('../../../src/adapters/discord/rest.js');
    const outbound = createDiscordOutbound(createDiscordRest({ token: 'bot-token', apiUrl: fake.url }), { charts: { logger } });
    const reply = await core.handleText('/capex top', { platform: 'discord', userId: 'discord:1', isAdmin: false, channelId: 'discord:300' });
    await outbound.post('discord:300', reply);
    const [posted] = fake.requestsTo('POST', '/channels/300/messages');
    const [edit] = fake.requestsTo('PATCH', '/channels/300/messages/');
    expect((posted!.body as any).embeds[0].image).toBeUndefined();
    expect(edit!.headers.authorization).toBe('Bot bot-token');
    expect((edit!.body as any).embeds[0].image).toEqual({ url: 'attachment://chart.png' });
    expect(decodePng(edit!.files[0]!.bytes).width).toBe(900);

    fake.failNext({ kind: 'api-error', status: 403, code: 50013, message: 'Missing Permissions' }, { route: (r) => r.method === 'PATCH' });
    await expect(outbound.post('discord:300', reply)).resolves.toMatchObject({ channelId: 'discord:300' });
    expect(fake.requestsTo('POST', '/channels/300/messages')).toHaveLength(2);
    expect(logLines.some((l) => l.includes('could not add the chart to the Discord post'))).toBe(true);
  });
});
