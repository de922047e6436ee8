/**
 * The REST client for everything the bot sends on its own (scheduled posts, DMs, command registration).
 * It never waits out a rate limit silently or retries by itself: a 429 surfaces as an error at once so the
 * scheduler's single retry policy decides, with Discord's Retry-After.
 */
import { REST } from 'discord.js';
import { discordAgent } from './agent.js';

export interface DiscordRestOptions {
  token: string;
  /** `DISCORD_API_URL`: another base URL without `/v10` (a local fake in tests). */
  apiUrl?: string;
  /** Milliseconds before a request counts as failed (default 15 s). */
  timeoutMs?: number;
}

export function createDiscordRest({ token, apiUrl, timeoutMs = 15_000 }: DiscordRestOptions): REST {
  return new REST({
    ...(apiUrl ? { api: apiUrl } : {}),
    agent: discordAgent(),
    rejectOnRateLimit: () => true,
    retries: 0,
    // Retry-After is reported as Discord sent it, without the library's safety margin.
    offset: 0,
    timeout: timeoutMs,
  }).setToken(token);
}
