/**
 * The pacing gates every outbound post waits at — digests, alerts and admin notices alike — one per platform,
 * with a pause per channel inside it:
 *
 * - At most `concurrency` posts of a platform in flight.
 * - A 429 with scope 'global' (Discord's `global: true`, any Slack 429) pauses the whole platform for its
 *   Retry-After: a rate limit is per app or workspace, so a fan-out must pause together instead of every post
 *   collecting its own 429. A 429 with scope 'channel' (Discord's per-route limits) pauses that channel only:
 *   posts to other channels go on.
 * - After a global 429 the gate paces posts to what the platform just showed it accepts, as QUOTA posts per
 *   WINDOW: platforms count posts in fixed windows (Slack: per minute or second; the benchmark's fake: per
 *   second), and Retry-After comes in whole seconds. Pacing one post every window/quota wastes the part of the
 *   window lost to the first pause for good (the old gate's 1.17–1.19× the bound); sending the quota as a burst
 *   at each window start uses every window fully. Window boundaries are guessed from the first 429: a window
 *   began when the platform received the run's first post (by the time its answer came back at the latest), and
 *   ends on a whole second no later than the Retry-After says.
 * - Pacing RELAXES: each window that passes without a 429 gives back a tenth of the best quota seen, and after
 *   RELAX_AFTER_MS without any 429 the gate forgets the pacing altogether (the old gate only ever slowed down,
 *   for the life of the process — issue 19 item 1). The next 429 learns the limit afresh.
 */
import { AbortedError, type Clock } from '../core/clock.js';

/** Without a 429 for this long, pacing is dropped: a storm that stopped must not slow the bot for good. */
export const RELAX_AFTER_MS = 30_000;
/** Accepted posts are remembered this long (the longest window we learn). */
const MEMORY_MS = 5 * 60_000;
/** Retry-After values are whole seconds on Slack; window boundaries are guessed on that grid. */
const SECOND = 1_000;
/** A run of posts starts afresh (for the window guess) after this long without a post. */
const RUN_GAP_MS = 2 * SECOND;
/** The last share of a window in which no post starts (see waitForPlatform). */
const WINDOW_GUARD = 0.1;
/** Our window starts this long after the platform's guessed boundary: requests do not all take the same time. */
const ALIGN_MARGIN_MS = 20;

export type RateLimitScope = 'global' | 'channel';

/** Joins `line`; resolves when someone shifts the waiter off and calls it. On abort it leaves the line. */
function waitInLine(line: (() => void)[], signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const wake = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      const i = line.indexOf(wake);
      if (i >= 0) line.splice(i, 1);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    line.push(wake);
  });
}

interface Window {
  /** Epoch ms a window boundary falls on; windows are [end + k·ms, end + (k+1)·ms). */
  end: number;
  ms: number;
  quota: number;
  /** The best quota seen since pacing began: relaxation climbs back towards it. */
  ceiling: number;
  /** Starts granted in the window that began at `grantedIn`. */
  grantedIn: number;
  granted: number;
}

export class PlatformGate {
  private blockedUntil = 0;
  private readonly channelBlocks = new Map<string, number>();
  private running = 0;
  private readonly waiters: (() => void)[] = [];
  /** When accepted posts came back (ascending), for the quota estimate. */
  private readonly accepted: number[] = [];
  private runStart = -Infinity;
  /** When the first post of this run came back accepted: the platform's window had begun by then. */
  private runFirstAccepted: number | undefined;
  /** A global 429 came during this run. */
  private limitedInRun = false;
  private lastStart = -Infinity;
  private lastLimitedAt = -Infinity;
  private window: Window | undefined;
  /** A global 429 whose quota is estimated when the pause ends (answers to earlier posts still arrive meanwhile). */
  private pending: { at: number; retryAfterMs: number; from: number; anchored: boolean } | undefined;

  constructor(
    private readonly clock: Clock,
    readonly concurrency: number,
  ) {}

  /** The pacing now, for logs, /healthz and tests: undefined when not paced. */
  get pacing(): { quota: number; windowMs: number } | undefined {
    this.settle(this.clock.now());
    return this.window ? { quota: this.window.quota, windowMs: this.window.ms } : undefined;
  }

  /**
   * Rate limited before a single post of this run got through, with no pace learned: the platform's window is
   * being filled by others — typically another replica that learned the window first and sends its whole quota
   * at each window start. Posts waiting here would only collect 429s: one request probes at a time (it waits
   * out each Retry-After), and the engine hands the other rows back to the ledger for the replicas that get
   * posts through and claims none for this platform until a post is accepted here (then the gate learns its
   * share of the window from the next 429, as usual). It ends too when the probe stops (its retries ran out):
   * once the pause is over and no post started for RUN_GAP_MS, the next claim starts a new run.
   */
  get starved(): boolean {
    const now = this.clock.now();
    const probing = this.blockedUntil > now || now - this.lastStart <= RUN_GAP_MS;
    return probing && this.limitedInRun && this.runFirstAccepted === undefined && !this.window;
  }

  /** Until when a channel (or, without one, the platform) is paused; 0 when it is not. */
  pausedUntil(channelId?: string): number {
    const until = channelId === undefined ? this.blockedUntil : Math.max(this.blockedUntil, this.channelBlocks.get(channelId) ?? 0);
    return until > this.clock.now() ? until : 0;
  }

  /** Posts this gate saw accepted since the process started (the engine divides it by rows delivered). */
  acceptedTotal = 0;

  recordAccepted(): void {
    this.acceptedTotal++;
    const now = this.clock.now();
    this.runFirstAccepted ??= now;
    this.accepted.push(now);
    if (this.accepted.length > 8_192 && this.accepted[0]! < now - MEMORY_MS) {
      const keepFrom = this.accepted.findIndex((t) => t >= now - MEMORY_MS);
      this.accepted.splice(0, keepFrom === -1 ? this.accepted.length : keepFrom);
    }
  }

  /** A 429. 'channel' pauses that channel; 'global' pauses the platform and paces it from then on. */
  rateLimited(retryAfterMs: number, scope: RateLimitScope = 'global', channelId?: string): void {
    const now = this.clock.now();
    const until = now + Math.max(0, retryAfterMs);
    if (scope === 'channel' && channelId !== undefined) {
      this.channelBlocks.set(channelId, Math.max(this.channelBlocks.get(channelId) ?? 0, until));
      return;
    }
    // Posts in flight when the limit was hit all come back 429: one event, not many.
    const sameEvent = this.blockedUntil > now;
    this.blockedUntil = Math.max(this.blockedUntil, until);
    this.lastLimitedAt = now;
    this.limitedInRun = true;
    if (sameEvent || retryAfterMs <= 0) return;
    // Where the overflowing window began: the current paced window, or when the platform accepted the first post
    // of this run — not when our gate let it through: that post may have taken a while to build and send (a cold
    // start), and a grid guessed from the gate runs ahead of the platform's; its next window then meets a full one,
    // and a whole-second Retry-After costs that window. A run going on for long gives no clue, so the estimate
    // falls back to the posts accepted within one Retry-After.
    let from = this.window ? this.windowStartAt(now) : (this.runFirstAccepted ?? this.runStart);
    // That guess holds when the limit came within the run's first Retry-After — the run filled its first window.
    // Later (a slow start: a loaded machine filled no window until its fifth second) it would make the window as
    // long as the run so far (5 s, sending its quota once per 5 s); the estimate then counts the posts accepted
    // within one Retry-After, and the window is one Retry-After long.
    const anchored = this.window !== undefined || now - from <= Math.max(SECOND, retryAfterMs);
    if (!anchored) from = now - Math.max(SECOND, retryAfterMs);
    this.pending = { at: now, retryAfterMs, from, anchored };
  }

  /** Applies a pending estimate once its pause is over, and relaxes pacing that has not been needed. */
  private settle(now: number): void {
    if (this.pending && this.blockedUntil <= now) {
      const { at, retryAfterMs, from, anchored } = this.pending;
      this.pending = undefined;
      const w = this.window;
      let quota = 0;
      for (let i = this.accepted.length - 1; i >= 0 && this.accepted[i]! >= from; i--) if (this.accepted[i]! <= at + retryAfterMs) quota++;
      if (w && at - from < w.ms / 2) {
        if (quota === 0) {
          // Limited early in one of our windows before any post got through: the platform's window had not reset
          // yet when ours began (our grid runs ahead of its by a request's latency or more). The quota is right;
          // move the grid to just after now.
          this.window = { ...w, end: at + ALIGN_MARGIN_MS, grantedIn: -Infinity, granted: 0 };
        } else {
          // Posts got through in this window, then it was full: others (another replica) share the platform's
          // window. The grid is right; our share is what got through.
          this.window = { ...w, quota, ceiling: Math.max(quota, w.ceiling) };
        }
        return this.relax(now);
      }
      // Nothing accepted before the limit (a pause on a cold start, or a storm of 429s): no rate to pace to.
      if (quota === 0) return this.relax(now);
      // The window that overflowed began at `from`; it ends on a whole second no later than Retry-After said.
      let end = at + retryAfterMs;
      let ms = this.window?.ms ?? Math.max(SECOND, retryAfterMs);
      if (anchored && Number.isFinite(from) && retryAfterMs % SECOND === 0) {
        const whole = Math.floor((at + retryAfterMs - from) / SECOND) * SECOND;
        if (whole >= SECOND && from + whole > at + retryAfterMs - SECOND) {
          // A little after the guessed boundary (later posts may reach the platform faster than the first one
          // did), but never after the instant Retry-After names: the platform's window has reset by then.
          end = Math.min(from + whole + ALIGN_MARGIN_MS, at + retryAfterMs);
          if (!this.window) ms = whole;
        }
      }
      const ceiling = Math.max(quota, this.window?.ceiling ?? 0);
      this.window = { end, ms, quota, ceiling, grantedIn: -Infinity, granted: 0 };
    }
    this.relax(now);
  }

  private relax(now: number): void {
    if (this.window && now - this.lastLimitedAt > RELAX_AFTER_MS && !this.pending) this.window = undefined;
  }

  private windowStartAt(now: number): number {
    const w = this.window!;
    return w.end + Math.floor((now - w.end) / w.ms) * w.ms;
  }

  /**
   * Waits for: the channel's pause, a free slot, the platform's pause and a place in the current window.
   * Returns the release function. A post waiting on its channel's pause holds no slot, so other channels go on.
   */
  async acquire(channelId?: string, signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      const channelUntil = channelId === undefined ? 0 : (this.channelBlocks.get(channelId) ?? 0);
      if (channelUntil > this.clock.now()) {
        await this.clock.sleep(channelUntil - this.clock.now(), signal);
        continue;
      }
      if (channelId !== undefined) this.channelBlocks.delete(channelId);
      while (this.running >= this.allowedInFlight()) await waitInLine(this.waiters, signal);
      this.running++;
      try {
        if (await this.waitForPlatform(channelId, signal)) break;
      } catch (error) {
        this.releaseOne();
        throw error;
      }
      this.releaseOne(); // the channel was paused meanwhile: wait for it without holding a slot
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.releaseOne();
    };
  }

  /** Holding a slot: waits out the platform pause and the window quota. False when the channel got paused. */
  private async waitForPlatform(channelId: string | undefined, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      const now = this.clock.now();
      if (channelId !== undefined && (this.channelBlocks.get(channelId) ?? 0) > now) return false;
      if (this.blockedUntil > now) {
        await this.clock.sleep(this.blockedUntil - now, signal);
        continue;
      }
      this.settle(now);
      const w = this.window;
      if (w) {
        const start = this.windowStartAt(now);
        if (w.grantedIn !== start) {
          // A new window: one that passed without a 429 gives back some of the quota an earlier storm took.
          if (w.grantedIn !== -Infinity && w.quota < w.ceiling) w.quota = Math.min(w.ceiling, w.quota + Math.max(1, Math.round(w.ceiling / 10)));
          w.grantedIn = start;
          w.granted = 0;
        }
        // A window that began before the last 429 was spent already (the platform said so): wait for the next.
        // Nor does a post start in a window's last tenth: on a busy machine a late burst would spill into the
        // platform's next window, fill it early, and cost a whole-second Retry-After there.
        if (w.granted >= w.quota || start < this.lastLimitedAt || now - start > w.ms * (1 - WINDOW_GUARD)) {
          await this.clock.sleep(start + w.ms - now, signal);
          continue;
        }
        w.granted++;
      }
      if (now - this.lastStart > RUN_GAP_MS) {
        this.runStart = now;
        this.runFirstAccepted = undefined;
        this.limitedInRun = false;
      }
      this.lastStart = now;
      return true;
    }
  }

  /** Starved: one request probes at a time instead of `concurrency` collecting 429s. */
  private allowedInFlight(): number {
    return this.starved ? 1 : this.concurrency;
  }

  private releaseOne(): void {
    this.running--;
    // Every free slot gets a waiter: after a probe gets through, the full concurrency is back at once.
    for (let free = this.allowedInFlight() - this.running; free > 0 && this.waiters.length > 0; free--) this.waiters.shift()!();
  }
}

/** One gate per platform, made on first use; every kind of post shares them. */
export class Gates {
  private readonly gates = new Map<string, PlatformGate>();

  constructor(
    private readonly clock: Clock,
    private readonly concurrency: number,
  ) {}

  of(platform: string): PlatformGate {
    let gate = this.gates.get(platform);
    if (!gate) this.gates.set(platform, (gate = new PlatformGate(this.clock, this.concurrency)));
    return gate;
  }
}
