/**
 * What the bot needs to know about a Slack user beyond the slash-command payload: whether they are a
 * workspace admin or owner (admin-only commands) and their time zone (digest schedules). Both come from
 * `users.info`, which is a network call, so it is made only for commands that need it and its answer is
 * cached for a few minutes; concurrent lookups of one user share a single request.
 */
import type { webApi } from '@slack/bolt';

export interface SlackUserFacts {
  isAdmin: boolean;
  /** IANA zone from the user's Slack profile, e.g. `Europe/Berlin`. */
  timeZone?: string;
}

export interface SlackUserDirectoryOptions {
  /** How long a users.info answer is trusted; a demoted admin loses rights within this time. */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

const DEFAULT_TTL_MS = 5 * 60_000;
const DEFAULT_MAX_ENTRIES = 5_000;

export class SlackUserDirectory {
  private readonly cache = new Map<string, { facts: SlackUserFacts; expires: number }>();
  private readonly inFlight = new Map<string, Promise<SlackUserFacts>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly client: webApi.WebClient,
    options: SlackUserDirectoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
  }

  /** Throws the Web API error when Slack cannot answer; failures are not cached. */
  async lookup(userId: string): Promise<SlackUserFacts> {
    const cached = this.cache.get(userId);
    if (cached && cached.expires > this.now()) return cached.facts;
    const pending = this.inFlight.get(userId);
    if (pending) return pending;
    const request = this.fetch(userId).finally(() => this.inFlight.delete(userId));
    this.inFlight.set(userId, request);
    return request;
  }

  private async fetch(userId: string): Promise<SlackUserFacts> {
    const result = await this.client.users.info({ user: userId });
    const user = result.user;
    const facts: SlackUserFacts = {
      isAdmin: Boolean(user?.is_admin || user?.is_owner || user?.is_primary_owner),
      timeZone: user?.tz || undefined,
    };
    if (this.cache.size >= this.maxEntries) {
      // Maps iterate in insertion order: dropping the first entry evicts the oldest lookup.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(userId, { facts, expires: this.now() + this.ttlMs });
    return facts;
  }
}
