/**
 * An OutboundChannel test double that really records what was posted (channel, reply, time) and can be
 * scripted to fail the way adapters fail (RateLimitedError, TransientError, ChannelUnreachableError), or to
 * hang until released (to simulate a crash mid-request). For platform-level behaviour use the fake
 * Slack/Discord APIs with the real adapters instead.
 */
import type { Platform } from '../../src/core/command.js';
import type { OutboundChannel } from '../../src/core/outbound.js';
import type { Reply } from '../../src/core/reply.js';

export interface RecordedPost {
  channelId: string;
  reply: Reply;
  at: number;
}

export class RecordingOutbound implements OutboundChannel {
  readonly posts: RecordedPost[] = [];
  readonly directs: RecordedPost[] = [];
  /** Failures thrown by the next posts, in order (undefined = succeed). */
  readonly script: (Error | undefined)[] = [];
  /** Channels whose posts always fail with this error. */
  readonly channelErrors = new Map<string, Error>();
  private holds: { release: () => void }[] = [];
  private holding = false;

  constructor(
    readonly platform: Platform = 'console',
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** From now on, posts hang (not recorded) until `releaseHeld()`; used to stop the bot mid-request. */
  holdPosts(): void {
    this.holding = true;
  }

  releaseHeld(): void {
    this.holding = false;
    for (const h of this.holds.splice(0)) h.release();
  }

  get heldCount(): number {
    return this.holds.length;
  }

  async post(channelId: string, reply: Reply): Promise<void> {
    const channelError = this.channelErrors.get(channelId);
    if (channelError) throw channelError;
    const scripted = this.script.shift();
    if (scripted) throw scripted;
    if (this.holding) await new Promise<void>((release) => this.holds.push({ release }));
    this.posts.push({ channelId, reply, at: this.now() });
  }

  async sendDirect(userId: string, reply: Reply): Promise<void> {
    this.directs.push({ channelId: userId, reply, at: this.now() });
  }

  postsTo(channelId: string): RecordedPost[] {
    return this.posts.filter((p) => p.channelId === channelId);
  }
}
