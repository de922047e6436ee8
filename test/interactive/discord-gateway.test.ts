/**
 * Gateway mode (DISCORD_TOKEN, no interactions URL): buttons, the form and its submission arrive over the fake
 * gateway as INTERACTION_CREATE and are answered through discord.js with the same responses as over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createCore } from '../../src/app.js';
import { startDiscord, type DiscordAdapter } from '../../src/adapters/discord/index.js';
import { bundledData } from '../helpers/core.js';
import { startFakeDiscord, type FakeDiscord } from '../helpers/fake-discord.js';
import { ADMIN, command } from '../adapters/discord/signing.js';
import { componentPress, discordComponents } from './bot.js';

let fake: FakeDiscord;
let adapter: DiscordAdapter;

beforeAll(async () => {
  fake = await startFakeDiscord();
  adapter = await startDiscord({ core: createCore({ data: bundledData }), config: { DISCORD_TOKEN: 'bot-token', DISCORD_API_URL: fake.url }, logger: pino({ level: 'silent' }), charts: false });
  await fake.gateway.connected();
}, 30_000);
afterAll(async () => {
  await adapter?.stop();
  await fake?.close();
});

async function callbackOf(interaction: Record<string, unknown>): Promise<any> {
  fake.gateway.dispatch('INTERACTION_CREATE', interaction);
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = fake.requestsTo('POST', `/interactions/${String(interaction.id)}/`)[0];
    if (found) return found.body;
    if (Date.now() > deadline) throw new Error('no interaction callback');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A message as discord.js needs it to build the pressed message. */
function onMessage(press: Record<string, any>): Record<string, unknown> {
  return { ...press, message: { ...press.message, type: 0, author: { id: '500000000000000005', username: 'capex-bot', discriminator: '0', avatar: null, bot: true }, timestamp: new Date().toISOString(), edited_timestamp: null, tts: false, mention_everyone: false, mentions: [], mention_roles: [], attachments: [], pinned: false } };
}

describe('Discord gateway: buttons and the form', () => {
  it('GIVEN /capex meta over the gateway THEN its answer carries components, and pressing Compare with… Amazon answers with the comparison', async () => {
    const answer = await callbackOf(command('capex', [{ name: 'company', type: 3, value: 'meta' }]));
    expect(answer.type).toBe(4);
    const components = discordComponents(answer.data);
    expect([...components.keys()]).toEqual(['Sources', 'History', 'Compare with…']);
    const pressed = await callbackOf(onMessage(componentPress(components.get('Compare with…')!, { picked: 'amazon' })));
    expect(pressed.type).toBe(4);
    expect(pressed.data.embeds[0].title).toMatch(/^Meta Platforms vs Amazon/);
    expect(pressed.data.allowed_mentions).toEqual({ parse: [] });
  });

  it('GIVEN a bare /digest add over the gateway THEN the form (type 9)', async () => {
    const opened = await callbackOf(command('digest', [{ name: 'add', type: 1, options: [] }], ADMIN));
    expect(opened.type).toBe(9);
    expect(opened.data.custom_id).toBe('cxm|digest-add');
  });
});
