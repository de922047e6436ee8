/** The app manifest comes from the command registry, matches the committed file, and asks for few scopes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSlackManifest, slackManifestJson } from '../../../src/adapters/slack/manifest.js';
import { commands } from '../../../src/commands/index.js';
import { startHarness } from './harness.js';

const committed = readFileSync(new URL('../../../slack/manifest.json', import.meta.url), 'utf8');

describe('slack/manifest.json', () => {
  it('is exactly what `npm run manifest` generates from the command registry', () => {
    expect(committed).toBe(slackManifestJson(commands));
  });

  it('declares one slash command per first word of the command paths, each with a usage hint from the specs', () => {
    const manifest = buildSlackManifest(commands);
    const declared = manifest.features?.slash_commands ?? [];
    const expected = [...new Set(commands.map((c) => `/${c.path[0]}`))];
    expect(declared.map((c) => c.command)).toEqual(expected);
    const capex = declared.find((c) => c.command === '/capex')!;
    expect(capex.usage_hint).toContain('<company>');
    for (const sub of commands.filter((c) => c.path[0] === 'capex' && c.path.length === 2)) expect(capex.usage_hint).toContain(sub.path[1]);
    for (const entry of declared) {
      expect(entry.command.length).toBeLessThanOrEqual(32);
      expect(entry.description.length).toBeGreaterThan(10);
      expect(entry.should_escape).toBe(true);
      expect(entry.url).toBe('https://capex-bot.example.com/slack/events');
    }
  });

  it('asks only for the scopes the features use', () => {
    expect(buildSlackManifest(commands).oauth_config?.scopes?.bot).toEqual([
      'commands', 'chat:write', 'chat:write.public', 'users:read', 'im:write', 'files:write',
      // conversations.info when a digest is set up: public, private, DM and group-DM conversations.
      'channels:read', 'groups:read', 'im:read', 'mpim:read',
    ]);
  });

  it('subscribes to the events that say the token is gone (HTTP request URL, or Socket Mode)', () => {
    expect(buildSlackManifest(commands, { baseUrl: 'https://bot.example.org' }).settings?.event_subscriptions).toEqual({
      request_url: 'https://bot.example.org/slack/events',
      bot_events: ['app_uninstalled', 'tokens_revoked', 'app_home_opened'],
    });
    expect(buildSlackManifest(commands, { socketMode: true }).settings?.event_subscriptions).toEqual({ bot_events: ['app_uninstalled', 'tokens_revoked', 'app_home_opened'] });
  });

  it('Socket Mode variant has no request URLs; a custom URL gets the events path', () => {
    const socket = buildSlackManifest(commands, { socketMode: true });
    expect(socket.settings?.socket_mode_enabled).toBe(true);
    expect(socket.features?.slash_commands?.every((c) => c.url === undefined)).toBe(true);
    const custom = buildSlackManifest(commands, { baseUrl: 'https://capex.example.org/' });
    expect(custom.features?.slash_commands?.[0]?.url).toBe('https://capex.example.org/slack/events');
  });

  it('every declared command is routed by the running adapter', async () => {
    const h = await startHarness();
    try {
      const declared = (buildSlackManifest(commands).features?.slash_commands ?? []).map((c) => c.command.slice(1));
      expect(h.adapter.commands).toEqual(declared);
    } finally {
      await h.close();
    }
  });
});
