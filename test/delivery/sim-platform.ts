/**
 * A platform for pacing simulations on a SimClock: a fixed-window rate limiter on posts (at most `limit` per
 * `windowMs`, windows aligned to the first post; over it → a 429 with Retry-After in whole seconds until the
 * window resets, at least one — as Slack answers and as bench:digest's fake does), a request latency, and
 * optional chaos (random 429s and 500s, as a fault-injecting proxy would add).
 */
import { RateLimitedError, TransientError, type OutboundChannel, type PostedMessage } from '../../src/core/outbound.js';
import type { Reply } from '../../src/core/reply.js';
import type { SimClock } from './sim-clock.js';

export interface SimOptions {
  limit: number;
  windowMs: number;
  latencyMs?: number;
  /** Extra latency, drawn per request between 0 and this (a loaded machine, a slow network). */
  jitterMs?: number;
  platform?: 'slack' | 'discord';
}

export class SimPlatform implements OutboundChannel {
  readonly platform: 'slack' | 'discord';
  /** Accepted posts per channel. */
  readonly accepted = new Map<string, number>();
  readonly acceptedAt: number[] = [];
  rateLimited = 0;
  readonly rateLimitedAt: number[] = [];
  firstPostAt: number | undefined;
  serverErrors = 0;
  attempts = 0;
  /** Chaos while set: the share of requests answered 429 (Retry-After 1 s) and 500 regardless of the limit. */
  chaos: { rateLimited: number; serverError: number } | undefined;
  private windowStart: number | undefined;
  private inWindow = 0;
  private seed = 42;

  constructor(
    private readonly clock: SimClock,
    private readonly options: SimOptions,
  ) {
    this.platform = options.platform ?? 'slack';
  }

  /** Deterministic pseudo-random numbers (a failing run can be replayed). */
  private random(): number {
    this.seed = (this.seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return this.seed / 2 ** 31;
  }

  async post(channelId: string, _reply: Reply): Promise<PostedMessage> {
    this.attempts++;
    const latency = (this.options.latencyMs ?? 4) + this.random() * (this.options.jitterMs ?? 0);
    await this.clock.sleep(latency / 2);
    const now = this.clock.now();
    this.firstPostAt ??= now;
    if (this.chaos) {
      const roll = this.random();
      if (roll < this.chaos.rateLimited) {
        this.rateLimited++;
        throw new RateLimitedError(1_000, { scope: 'global' });
      }
      if (roll < this.chaos.rateLimited + this.chaos.serverError) {
        this.serverErrors++;
        throw new TransientError('HTTP 500');
      }
    }
    const { limit, windowMs } = this.options;
    if (this.windowStart === undefined || now >= this.windowStart + windowMs) {
      // Fixed windows, aligned to the first post after the limiter was idle.
      this.windowStart = this.windowStart === undefined || now >= this.windowStart + 2 * windowMs ? now : this.windowStart + windowMs * Math.floor((now - this.windowStart) / windowMs);
      this.inWindow = 0;
    }
    if (this.inWindow >= limit) {
      this.rateLimited++;
      this.rateLimitedAt.push(now);
      const left = this.windowStart + windowMs - now;
      throw new RateLimitedError(Math.max(1, Math.ceil(left / 1_000)) * 1_000, { scope: 'global' });
    }
    this.inWindow++;
    await this.clock.sleep(latency / 2);
    this.accepted.set(channelId, (this.accepted.get(channelId) ?? 0) + 1);
    this.acceptedAt.push(this.clock.now());
    return { channelId, messageId: `m${this.acceptedAt.length}` };
  }

  async sendDirect(): Promise<void> {}

  /** The fixed window's lower bound for `n` posts: (ceil(n / limit) − 1) whole windows after the first post. */
  boundMs(n: number): number {
    return (Math.ceil(n / this.options.limit) - 1) * this.options.windowMs;
  }
}
