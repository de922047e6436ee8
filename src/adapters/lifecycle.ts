/**
 * Start-up that survives a platform being down: `KeepTrying` runs an adapter's connect step, and when it
 * fails marks the adapter degraded with the reason and tries again in the background with growing delays,
 * until it works or the adapter stops. The process, the other platforms and the HTTP endpoint carry on.
 */
import { HealthState, type Adapter, type AdapterHealth, type Endpoint } from '../core/adapter.js';
import { settleWithin } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { TransientError, type OutboundChannel } from '../core/outbound.js';
import type { Reply } from '../core/reply.js';
import { localize, type Syntax } from '../core/syntax.js';

/** First retry after 1 s, doubling: a platform that blips is back quickly, one that is down is not hammered. */
export const FIRST_RETRY_MS = 1_000;
/** Unreachable (network, 5xx): retry at least every minute, so the bot is back soon after the platform. */
export const MAX_RETRY_MS = 60_000;
/** Rejected credentials only change when someone fixes them: every 10 minutes is enough (and polite). */
export const MAX_RETRY_REJECTED_MS = 10 * 60_000;
/**
 * How long start-up waits for a platform's first attempt before going on without it. A black-holed API (the
 * connection accepted, never answered) holds discord.js's login for 4 × 15 s and Bolt's auth.test for 5 s:
 * measured, the HTTP server then opened after 66 s, so Slack and Discord HTTP interactions went unanswered.
 * The attempt keeps running in the background and sets the adapter's health when it ends.
 */
export const FIRST_ATTEMPT_WAIT_MS = 5_000;
/** How long stopping waits for an attempt in flight; one that connects later is closed at once (retryingAdapter). */
export const STOP_WAIT_MS = 2_000;

export interface Failure {
  /** For /healthz and the log: what is wrong and what to do, e.g. "Slack did not accept SLACK_BOT_TOKEN (invalid_auth)". */
  reason: string;
  /** The platform refused our credentials (as opposed to being unreachable): retried less often. */
  rejected?: boolean;
}

export interface KeepTryingOptions {
  name: string;
  health: HealthState;
  logger: Logger;
  /** One connect attempt; resolves when connected. */
  attempt: () => Promise<void>;
  /** Turns an attempt's error into words an operator acts on. */
  describe: (error: unknown) => Failure;
  /** Tests shorten the waits. */
  firstRetryMs?: number;
  maxRetryMs?: number;
  firstAttemptWaitMs?: number;
}

export class KeepTrying {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  private running: Promise<void> | undefined;

  constructor(private readonly options: KeepTryingOptions) {}

  /**
   * The first attempt; never rejects. Resolves when it ends or after `firstAttemptWaitMs`, whichever is first:
   * a platform that has not answered by then is marked degraded and the attempt goes on in the background.
   * Later attempts run in the background until one works.
   */
  async start(): Promise<void> {
    const { name, health, logger } = this.options;
    const waitMs = this.options.firstAttemptWaitMs ?? FIRST_ATTEMPT_WAIT_MS;
    const first = this.tryOnce();
    if ((await settleWithin([first], waitMs)) || this.stopped) return;
    // Only while nothing is known yet: an attempt that ended in the meantime has set the health itself.
    if (health.get().status !== 'starting') return;
    const reason = `${name} has not answered for ${waitMs / 1000} s (still trying; the bot serves everything else meanwhile)`;
    health.degrade(reason);
    logger.warn({ adapter: name, waitedMs: waitMs }, reason);
  }

  /** Stops retrying and waits, at most STOP_WAIT_MS, for an attempt in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.running) await settleWithin([this.running], STOP_WAIT_MS);
  }

  private async tryOnce(): Promise<void> {
    const { name, health, logger, attempt, describe } = this.options;
    this.running = attempt();
    try {
      await this.running;
      if (this.stopped) return;
      if (this.failures > 0) logger.info({ adapter: name, attempts: this.failures + 1 }, `${name} connected after retrying`);
      this.failures = 0;
      health.ok();
    } catch (error) {
      if (this.stopped) return;
      this.failures += 1;
      const failure = describe(error);
      const delay = this.delay(failure);
      const reason = `${failure.reason}; retrying in ${Math.round(delay / 1000)} s (attempt ${this.failures})`;
      health.degrade(reason);
      // The first failure is an error an operator must see; repeats are warnings, with the same reason.
      logger[this.failures === 1 ? 'error' : 'warn']({ adapter: name, err: error, retryInMs: delay }, `${name} is not connected: ${failure.reason}`);
      this.timer = setTimeout(() => void this.tryOnce(), delay);
      this.timer.unref();
    } finally {
      this.running = undefined;
    }
  }

  private delay(failure: Failure): number {
    const first = this.options.firstRetryMs ?? FIRST_RETRY_MS;
    const max = this.options.maxRetryMs ?? (failure.rejected ? MAX_RETRY_REJECTED_MS : MAX_RETRY_MS);
    return Math.min(max, first * 2 ** Math.min(this.failures - 1, 20));
  }
}

/**
 * An outbound channel whose replies are written in `syntax` before the adapter renders them, so digests,
 * alerts and admin DMs name commands and channels the way the receiving platform does.
 */
export function localizedOutbound(outbound: OutboundChannel, syntax: Syntax): OutboundChannel {
  const local = (reply: Reply) => localize(reply, syntax);
  return {
    platform: outbound.platform,
    post: (channelId, reply, options) => outbound.post(channelId, local(reply), options),
    sendDirect: (userId, reply) => outbound.sendDirect(userId, local(reply)),
    ...(outbound.edit && { edit: (message, reply) => outbound.edit!(message, local(reply)) }),
    ...(outbound.openDM && { openDM: (userId) => outbound.openDM!(userId) }),
    ...(outbound.replyInThread && { replyInThread: (parent, reply, options) => outbound.replyInThread!(parent, local(reply), options) }),
  };
}

/**
 * The outbound channel of an adapter whose connection may not be up yet: calls go to the connected one,
 * localized in `syntax`; before it connects they fail as TransientError, which the delivery engine retries
 * with backoff — nothing is lost while a platform is unreachable at start-up.
 */
export function deferredOutbound(platform: string, current: () => OutboundChannel | undefined, syntax: Syntax): OutboundChannel {
  const connected = (): OutboundChannel => {
    const outbound = current();
    if (!outbound) throw new TransientError(`${platform} is not connected yet`);
    return outbound;
  };
  const local = (reply: Reply) => localize(reply, syntax);
  return {
    platform,
    post: async (channelId, reply, options) => connected().post(channelId, local(reply), options),
    sendDirect: async (userId, reply) => connected().sendDirect(userId, local(reply)),
    edit: async (message, reply) => {
      const outbound = connected();
      // Fallback documented on OutboundChannel.edit: a platform that cannot edit posts anew.
      if (outbound.edit) await outbound.edit(message, local(reply));
      else await outbound.post(message.channelId, local(reply));
    },
    // Fallback documented on OutboundChannel.replyInThread: a platform without threads posts in the channel.
    replyInThread: async (parent, reply, options) => {
      const outbound = connected();
      return outbound.replyInThread ? outbound.replyInThread(parent, local(reply), options) : outbound.post(parent.channelId, local(reply), options);
    },
  };
}

/** Start-up's view wins while it is not `ok` (unreachable, refused); after that, what the running adapter reports (a revoked token). */
export function combinedHealth(startup: AdapterHealth, running: { status: string; reason?: string } | undefined): AdapterHealth {
  if (startup.status !== 'ok' || !running || running.status === 'ok') return startup;
  return { status: 'degraded', ...(running.reason ? { reason: running.reason } : {}), since: startup.since };
}

/** Tests shorten the start-up retry waits. */
export interface RetryTiming {
  firstRetryMs?: number;
  maxRetryMs?: number;
  firstAttemptWaitMs?: number;
}

/** What a platform's start function returns once connected (startSlack, startDiscord). */
export interface Running {
  outbound?: OutboundChannel;
  /** Degraded once the platform refuses the token later on (revoked, uninstalled). */
  health?(): { status: string; reason?: string };
  stop(): Promise<void>;
}

export interface RetryingAdapterOptions extends RetryTiming {
  name: string;
  label?: string;
  syntax: Syntax;
  endpoints: readonly Endpoint[];
  /** Whether this configuration can post on its own (a bot token): then the adapter has an outbound channel. */
  posts: boolean;
  logger: Logger;
  /** Throws for a configuration that can never work; checked before the first attempt. */
  check?: () => void;
  /** One start attempt (mounting routes, connecting); called again after each failure. */
  connect: () => Promise<Running>;
  describe: (error: unknown) => Failure;
}

/**
 * An Adapter around a platform's start function: started inside `KeepTrying`, its outbound channel deferred
 * and localized, its health the start-up state combined with what the running platform reports.
 */
export function retryingAdapter(options: RetryingAdapterOptions): Adapter {
  const { name, syntax, logger } = options;
  const health = new HealthState();
  let running: Running | undefined;
  let stopping = false;
  const connect = new KeepTrying({
    name,
    health,
    logger,
    firstRetryMs: options.firstRetryMs,
    maxRetryMs: options.maxRetryMs,
    firstAttemptWaitMs: options.firstAttemptWaitMs,
    attempt: async () => {
      const connected = await options.connect();
      // Connected after stop() stopped waiting for it (a slow platform at shutdown): close it, never keep it.
      if (stopping) await connected.stop();
      else running = connected;
    },
    describe: options.describe,
  });
  return {
    name,
    ...(options.label && { label: options.label }),
    syntax,
    endpoints: options.endpoints,
    // Before the platform answers at start-up, posts fail as transient and the delivery engine retries them.
    ...(options.posts && { outbound: deferredOutbound(name, () => running?.outbound, syntax) }),
    start: async () => {
      options.check?.();
      await connect.start();
    },
    stop: async () => {
      stopping = true;
      await connect.stop();
      await running?.stop();
      health.stopped();
    },
    health: () => combinedHealth(health.get(), running?.health?.()),
  };
}
