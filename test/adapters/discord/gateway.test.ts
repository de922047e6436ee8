/**
 * Gateway mode: real discord.js interaction objects (built from raw API payloads by discord.js's own
 * classes) are emitted on a real Client; the adapter's replies travel through discord.js to the fake
 * Discord API on 127.0.0.1, where the test reads them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AutocompleteInteraction, ChatInputCommandInteraction, Client, ClientApplication, Events, type Interaction } from 'discord.js';
import { pino } from 'pino';
import { createCore } from '../../../src/app.js';
import { loadDataFile } from '../../../src/data/loader.js';
import { buildDiscordCommands } from '../../../src/adapters/discord/commands.js';
import { attachGatewayHandler, createGatewayClient } from '../../../src/adapters/discord/gateway.js';
import { startFakeDiscord, type FakeDiscord } from '../../helpers/fake-discord.js';
import { ADMIN, autocomplete, command } from './signing.js';

const core = createCore({ data: loadDataFile(), now: () => new Date('2026-05-15T12:00:00Z') });
const logLines: string[] = [];
let fake: FakeDiscord;

/**
 * discord.js builds these objects from gateway payloads; their constructors are internal in the typings
 * but are exactly what the library calls, with (client, raw API data).
 */
function construct<T>(cls: unknown, ...args: unknown[]): T {
  return new (cls as new (...a: unknown[]) => T)(...args);
}
let client: Client;

beforeAll(async () => {
  fake = await startFakeDiscord();
  client = createGatewayClient(fake.url);
  // Normally set by the READY event after login; interactions read it to attach entitlements.
  Object.assign(client, { application: construct<ClientApplication>(ClientApplication, client, { id: '500000000000000005' }) });
  attachGatewayHandler(client, { core, commands: buildDiscordCommands(core.commands), logger: pino({ level: 'error' }, { write: (l: string) => void logLines.push(l) }) });
});

afterEach(() => fake.reset());

afterAll(async () => {
  await client.destroy();
  await fake.close();
});

/** Emits the interaction as the gateway would and returns the callback body Discord received. */
async function deliver(interaction: Interaction): Promise<any> {
  client.emit(Events.InteractionCreate, interaction);
  const route = `/interactions/${interaction.id}/`;
  for (let i = 0; i < 200; i++) {
    const hit = fake.requestsTo('POST', route)[0];
    if (hit) return hit.body;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no reply to interaction ${interaction.id}`);
}

const chatInput = (raw: Record<string, unknown>) => construct<ChatInputCommandInteraction>(ChatInputCommandInteraction, client, raw);

describe('gateway interactions', () => {
  it('/capex replies with the embed, no mentions, publicly', async () => {
    const body = await deliver(chatInput(command('capex', [{ name: 'company', type: 3, value: 'BABA' }])));
    expect(body.type).toBe(4);
    expect(body.data.allowed_mentions).toEqual({ parse: [] });
    expect(body.data.flags ?? 0).toBe(0);
    expect(body.data.embeds[0].title).toContain('Alibaba');
    expect(body.data.embeds[0].footer.text).toMatch(/^As of /);
  });

  it('/compare reassembles the numbered options', async () => {
    const body = await deliver(chatInput(command('compare', [
      { name: 'company1', type: 3, value: 'google' },
      { name: 'company2', type: 3, value: 'amazon' },
    ])));
    expect(body.data.embeds[0].title).toMatch(/^Alphabet vs Amazon/);
  });

  it('errors and help are ephemeral', async () => {
    const help = await deliver(chatInput(command('capex-help', [], ADMIN)));
    expect(help.data.flags).toBe(64);
    const unknown = await deliver(chatInput(command('capex', [{ name: 'company', type: 3, value: 'no-such-co' }])));
    expect(unknown.data.flags).toBe(64);
    expect(unknown.data.embeds[0].title).toBe('Sorry');
  });

  it('autocomplete responds with up to 25 companies', async () => {
    const body = await deliver(construct<AutocompleteInteraction>(AutocompleteInteraction, client, autocomplete('capex', [{ name: 'company', type: 3, value: 'micro', focused: true }])));
    expect(body).toEqual({ type: 8, data: { choices: [{ name: 'Microsoft (MSFT)', value: 'microsoft' }] } });
  });

  it('a reply Discord refuses is logged, not thrown', async () => {
    fake.failNext({ kind: 'api-error', status: 404, code: 10062, message: 'Unknown interaction' }, { route: '/interactions/' });
    const interaction = chatInput(command('capex-companies'));
    await deliver(interaction);
    for (let i = 0; i < 100 && !logLines.some((l) => l.includes('Unknown interaction')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(logLines.some((l) => l.includes('discord reply failed') && l.includes('Unknown interaction'))).toBe(true);
  });
});
