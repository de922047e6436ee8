/**
 * Discord as the registry knows it (src/adapters/registry.ts): on when DISCORD_TOKEN (gateway, and posting
 * digests) or DISCORD_PUBLIC_KEY (HTTP interactions at POST /discord/interactions) is set. discord.js is loaded
 * only when Discord is on.
 */
import type { AdapterDefinition } from '../../core/adapter.js';
import { discordSyntax } from './syntax.js';

export const discordAdapter: AdapterDefinition = {
  name: 'discord',
  syntax: discordSyntax,
  enabled: (config) => Boolean(config.DISCORD_TOKEN || config.DISCORD_PUBLIC_KEY),
  needsHttp: (config) => Boolean(config.DISCORD_PUBLIC_KEY),
  create: async (deps) => (await import('./index.js')).createDiscordAdapter(deps),
};
