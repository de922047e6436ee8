/**
 * The scheduler: every minute (a node-cron heartbeat) it computes, per active schedule, the slots owed
 * since the last one in the ledger, claims each in the ledger and posts it. Exactly once rests on the
 * ledger, not on timers:
 *
 * 1. Claim: INSERT … ON CONFLICT DO NOTHING against UNIQUE(schedule_id, slot). Only the claimer posts.
 * 2. Before each request the row goes to `sending`; a 429 puts it back to `claimed` (the platform said
 *    it did not post); success makes it `delivered`.
 * 3. On start, rows a dead process left behind are recovered:
 *    - `claimed` rows were never handed to the platform: posted now if within the grace window (else missed).
 *      A crash between claim and post therefore neither loses nor doubles the slot.
 *    - `sending` rows died with a request in flight, and nobody can know whether the platform got it.
 *      We retry such a row once (if within grace), preferring a possible duplicate to a silent loss. The
 *      window is one HTTP round trip; a row found `sending` a second time is marked failed, never looped.
 * 4. Slots the bot was down for: within DIGEST_GRACE_MINUTES posted once, marked late; older ones are
 *    recorded as missed and shown in `list`.
 *
 * Schedules are re-read from the store every tick, so a change (also by another process, such as the
 * one-shot CLI) takes effect without a restart.
 */
import { setMaxListeners } from 'node:events';
import cron, { type ScheduledTask } from 'node-cron';
import type { Platform } from '../core/command.js';
import type { Reply } from '../core/reply.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { DataSet } from '../data/dataset.js';
import type { ClaimRequest, DeliveryRecord, ScheduleRecord, Store } from '../store/types.js';
import { AbortedError, settleWithin, systemClock, type Clock } from './clock.js';
import { DEFAULT_RETRY_POLICY, PlatformGate, postWithRetry, type RetryPolicy } from './delivery.js';
import { buildDigest, FIRST_DIGEST_LOOKBACK_DAYS, type Digest, type DigestHeadline, type FigureArrivals, type HeadlineSource } from './digest.js';
import { channelLabel, describeSchedule, matcherOf, platformOf } from './schedule-record.js';
import { nextSlots, slotsBetween, type Slot } from './slots.js';

export interface SchedulerOptions {
  store: Store;
  outbounds?: readonly OutboundChannel[];
  data: () => DataSet;
  clock?: Clock;
  logger?: Logger;
  /** DIGEST_GRACE_MINUTES in ms: how late a slot may still be posted after downtime. */
  graceMs?: number;
  policy?: RetryPolicy;
  /** Posts in flight per platform. */
  concurrency?: number;
  /** Run the node-cron minute heartbeat (off in tests, which call tick() on a fake clock). */
  heartbeat?: boolean;
  /** News headlines for the digests (src/news); a failure there never stops a digest. */
  headlines?: HeadlineSource;
  /** Figures that entered the data late (src/alerts): listed under "what changed" whatever their date. */
  arrivals?: FigureArrivals;
  /** After retries run out, try the slot again this much later (while within grace). */
  retryLaterMs?: number;
  /** A slot claimed more than this after it was due is marked late. */
  lateAfterMs?: number;
}

export interface TickResult {
  claimed: number;
  missed: number;
  retried: number;
}

export type DeliveryOutcome =
  | { status: 'delivered'; delivery: DeliveryRecord }
  | { status: 'failing'; reason: string }
  | { status: 'retry_later'; reason: string }
  | { status: 'not_posted'; reason: string };

const MINUTE = 60_000;
/**
 * Posts in flight per platform. A fan-out is bound by the platform's rate limit; the faster a window's
 * quota goes out, the less of the next window a whole-second Retry-After wastes — but each post costs about
 * a millisecond of CPU, and every finished post starts the next one in the same callback, so with N in
 * flight one event-loop turn can hold up to N posts' work before a slash command gets read. 32 held the
 * loop ~35 ms at a time during the unpaced first window (command p99 33–90 ms in bench:digest); 8 keeps
 * that turn short and still sends a window's 100 posts in ~0.4 s on loopback (ratio unchanged, fewer 429s).
 */
export const DEFAULT_CONCURRENCY = 8;
/** A tick gives the event loop back (slash commands first) after this much work in one go. */
const YIELD_AFTER_MS = 5;
/** Slots claimed per transaction (a few milliseconds of inserts), and deliveries started per turn. */
const CLAIM_BATCH = 200;
const STARTS_PER_TURN = 8;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Scheduler {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly graceMs: number;
  private readonly policy: RetryPolicy;
  private readonly retryLaterMs: number;
  private readonly lateAfterMs: number;
  private readonly outbounds = new Map<Platform, OutboundChannel>();
  private readonly gates = new Map<Platform, PlatformGate>();
  /** Delivery ids being worked on by this process, with their promises (for shutdown). */
  private readonly inFlight = new Map<number, Promise<DeliveryOutcome>>();
  /** Per schedule: the next due instant, cached until the schedule or its cursor changes. */
  private readonly nextDue = new Map<number, { key: string; dueAt: number | undefined }>();
  private readonly warnedNoOutbound = new Set<string>();
  private readonly abort = new AbortController();
  private readonly digestCache = new Map<string, Digest>();
  /** Local-date formatters per zone (building one costs far more than using it). */
  private readonly dayFormats = new Map<string, Intl.DateTimeFormat>();
  private task: ScheduledTask | undefined;
  private ticking: Promise<TickResult> | undefined;
  private tickAgain = false;
  private stopping = false;

  constructor(private readonly options: SchedulerOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.graceMs = options.graceMs ?? 120 * MINUTE;
    this.policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.retryLaterMs = options.retryLaterMs ?? 5 * MINUTE;
    this.lateAfterMs = options.lateAfterMs ?? MINUTE;
    // Every delivery waiting at a gate listens for shutdown on this one signal: a fan-out has thousands.
    setMaxListeners(0, this.abort.signal);
    for (const outbound of options.outbounds ?? []) this.connect(outbound);
  }

  /** Adds a platform's outbound channel (adapters start after the store is open). */
  connect(outbound: OutboundChannel): void {
    this.outbounds.set(outbound.platform, outbound);
    if (!this.gates.has(outbound.platform)) this.gates.set(outbound.platform, new PlatformGate(this.clock, this.options.concurrency ?? DEFAULT_CONCURRENCY));
    this.warnedNoOutbound.delete(outbound.platform);
  }

  get running(): boolean {
    return this.task !== undefined;
  }

  /** Recovers what a previous process left unfinished, catches up, then ticks every minute. */
  async start(): Promise<void> {
    await this.recover();
    await this.tick();
    if (this.options.heartbeat !== false && !this.stopping) {
      // node-cron drives the heartbeat; which slots are due is computed here, in the schedule's zone.
      this.task = cron.schedule('* * * * *', () => void this.tick().catch((err) => this.logger.error({ err }, 'digest tick failed')), {
        name: 'capex-digest-heartbeat',
        noOverlap: true,
      });
    }
  }

  /** Rows left `claimed` or `sending` by a process that died. Called once at start, before any tick. */
  async recover(): Promise<void> {
    const now = this.clock.now();
    for (const row of await this.store.unfinishedDeliveries()) {
      if (this.inFlight.has(row.id)) continue;
      const tooOld = now - row.dueAt > this.graceMs;
      if (row.status === 'sending') {
        const why = 'the bot stopped while this digest was being posted; it may or may not have appeared';
        if (row.recoveries >= 1) await this.store.markFailed(row.id, `${why} (already retried once after a restart)`);
        else if (tooOld) await this.store.markFailed(row.id, `${why}, and the grace window has passed`);
        else {
          await this.store.requeueRecovered(row.id, now);
          this.logger.warn({ delivery: row.id, schedule: row.scheduleId, slot: row.slot }, 'retrying a digest that was in flight when the bot stopped');
        }
      } else if (tooOld) {
        await this.store.markMissed(row.id, 'the bot was not running within the grace window');
      }
    }
  }

  /**
   * One pass: claim owed slots, record missed ones, start deliveries (not awaited: `idle()` waits for
   * them). Overlapping calls coalesce into one extra pass.
   */
  async tick(): Promise<TickResult> {
    if (this.stopping) return { claimed: 0, missed: 0, retried: 0 };
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      let total: TickResult = { claimed: 0, missed: 0, retried: 0 };
      do {
        this.tickAgain = false;
        const r = await this.tickOnce();
        total = { claimed: total.claimed + r.claimed, missed: total.missed + r.missed, retried: total.retried + r.retried };
      } while (this.tickAgain && !this.stopping);
      return total;
    })();
    try {
      return await this.ticking;
    } finally {
      this.ticking = undefined;
    }
  }

  private async tickOnce(): Promise<TickResult> {
    const result: TickResult = { claimed: 0, missed: 0, retried: 0 };
    const now = this.clock.now();
    const schedules = await this.store.activeSchedules();
    const byId = new Map(schedules.map((s) => [s.id, s]));
    const lastDue = await this.store.lastScheduledDueAt(schedules.map((s) => s.id));
    const owed: { schedule: ScheduleRecord; req: ClaimRequest }[] = [];
    const missed: Omit<ClaimRequest, 'late' | 'kind'>[] = [];
    let lastYield = performance.now();
    for (const schedule of schedules) {
      if (this.stopping) break;
      if (!this.outboundFor(schedule.channelId)) continue;
      const from = Math.max(schedule.armedFrom, lastDue.get(schedule.id) ?? -Infinity);
      const cached = this.nextDue.get(schedule.id);
      if (cached?.key === `${schedule.updatedAt}|${from}` && (cached.dueAt === undefined || cached.dueAt > now)) continue;
      if (performance.now() - lastYield > YIELD_AFTER_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }

      let slots: Slot[];
      try {
        slots = slotsBetween(matcherOf(schedule), schedule.zone, from, now);
      } catch (err) {
        this.logger.error({ err, schedule: schedule.id }, 'cannot compute slots for a stored schedule');
        continue;
      }
      for (const slot of slots) {
        const row = { scheduleId: schedule.id, slot: slot.key, dueAt: slot.dueAt, channelId: schedule.channelId, now };
        if (now - slot.dueAt > this.graceMs) missed.push(row);
        else owed.push({ schedule, req: { ...row, kind: 'scheduled', late: now - slot.dueAt > this.lateAfterMs } });
      }
      const newFrom = slots.at(-1)?.dueAt ?? from;
      const next = nextSlots(matcherOf(schedule), schedule.zone, Math.max(newFrom, now), 1)[0];
      this.nextDue.set(schedule.id, { key: `${schedule.updatedAt}|${newFrom}`, dueAt: next?.dueAt });
    }
    if (missed.length > 0) {
      result.missed = await this.store.recordMissed(missed);
      this.logger.warn({ missed: missed.length }, 'digest slots missed while the bot was down (past the grace window)');
    }
    // Claim owed slots a batch per transaction (a row that already exists belongs to whoever inserted it),
    // and start their deliveries a few per event-loop turn: the first posts of a fan-out each cost about a
    // millisecond to prepare, and slash commands must get their turns in between.
    for (let from = 0; from < owed.length && !this.stopping; from += CLAIM_BATCH) {
      const batch = owed.slice(from, from + CLAIM_BATCH);
      const claimed = await this.store.claimSlots(batch.map((o) => o.req));
      for (let i = 0; i < claimed.length; i++) {
        const row = claimed[i];
        if (!row) continue;
        result.claimed++;
        this.startDelivery(row, batch[i]!.schedule);
        if (result.claimed % STARTS_PER_TURN === 0) await yieldToEventLoop();
      }
      await yieldToEventLoop();
    }

    // Claimed rows waiting for a retry (retries ran out earlier, or recovered after a restart).
    for (const row of await this.store.unfinishedDeliveries()) {
      if (this.stopping) break;
      if (row.status !== 'claimed' || this.inFlight.has(row.id) || row.nextAttemptAt > now) continue;
      const schedule = byId.get(row.scheduleId);
      if (!schedule) {
        await this.store.markMissed(row.id, 'the schedule was paused or removed before this digest could be posted');
        continue;
      }
      if (!this.outboundFor(row.channelId)) continue;
      if (now - row.dueAt > this.graceMs) {
        await this.store.markFailed(row.id, `could not post within the grace window${row.error ? `: ${row.error}` : ''}`);
        continue;
      }
      result.retried++;
      this.startDelivery(row, schedule);
    }
    return result;
  }

  private outboundFor(channelId: string): OutboundChannel | undefined {
    const platform = platformOf(channelId);
    const outbound = platform ? this.outbounds.get(platform) : undefined;
    if (!outbound && !this.warnedNoOutbound.has(platform ?? channelId)) {
      this.warnedNoOutbound.add(platform ?? channelId);
      this.logger.warn({ channel: channelId }, `digests for ${platform ?? 'this'} channels wait: that platform is not connected in this run`);
    }
    return outbound;
  }

  private startDelivery(row: DeliveryRecord, schedule: ScheduleRecord): Promise<DeliveryOutcome> {
    const promise = this.deliver(row, schedule).finally(() => this.inFlight.delete(row.id));
    this.inFlight.set(row.id, promise);
    return promise;
  }

  /** Posts a claimed ledger row. Never throws: every failure ends in a ledger state and an outcome. */
  private async deliver(row: DeliveryRecord, schedule: ScheduleRecord): Promise<DeliveryOutcome> {
    const outbound = this.outboundFor(row.channelId);
    const platform = platformOf(row.channelId);
    const gate = platform ? this.gates.get(platform) : undefined;
    if (!outbound || !gate) return { status: 'not_posted', reason: 'that platform is not connected' };
    try {
      // Built when this delivery gets its turn at the gate, so a fan-out's queue costs nothing while it waits.
      let digest: Digest | undefined;
      const send = async () => {
        digest ??= await this.digestFor(row.channelId, schedule.zone, row.late ? row.dueAt : undefined);
        // The chart switch: the adapter adds the image after the post, and its failure never fails the post.
        await outbound.post(row.channelId, schedule.chart && digest.topChart ? { ...digest.reply, chart: digest.topChart } : digest.reply);
      };
      const outcome = await postWithRetry(send, {
        gate,
        clock: this.clock,
        policy: this.policy,
        signal: this.abort.signal,
        hooks: {
          beforeAttempt: () => this.store.markSending(row.id, this.clock.now()),
          afterRateLimited: (wait) => this.store.release(row.id, this.clock.now() + wait, 'rate limited by the platform'),
        },
      });
      if (outcome.ok && digest) {
        const now = this.clock.now();
        const posted = digest;
        await this.store.markDelivered(row.id, now, posted.seenFigureIds);
        if (posted.headlineIds.length > 0 && this.options.headlines) {
          const source = this.options.headlines;
          await this.safely(() => source.recordShown(row.channelId, posted.headlineIds, row.id, now));
        }
        this.logger.info({ schedule: schedule.id, slot: row.slot, channel: row.channelId, late: row.late, attempts: outcome.attempts }, 'digest delivered');
        return { status: 'delivered', delivery: { ...row, status: 'delivered', deliveredAt: now, seenFigureIds: digest.seenFigureIds } };
      }
      if (outcome.ok) throw new Error('posted without a digest');
      if (outcome.reason === 'unreachable') {
        const reason = outcome.error.message || 'the channel is gone or the bot is no longer in it';
        await this.store.markFailed(row.id, reason);
        await this.markFailing(schedule, reason);
        return { status: 'failing', reason };
      }
      await this.store.release(row.id, this.clock.now() + this.retryLaterMs, outcome.error.message);
      this.logger.warn({ err: outcome.error, schedule: schedule.id, slot: row.slot }, 'digest not posted yet; retrying later');
      return { status: 'retry_later', reason: outcome.error.message };
    } catch (err) {
      if (err instanceof AbortedError) {
        // Shutdown while waiting (backoff, rate limit, queue): nothing is in flight, the next start retries it.
        await this.safely(() => this.store.release(row.id, this.clock.now(), 'the bot stopped before posting'));
        return { status: 'not_posted', reason: 'the bot is shutting down' };
      }
      this.logger.error({ err, schedule: schedule.id, slot: row.slot }, 'digest delivery failed unexpectedly');
      await this.safely(() => this.store.release(row.id, this.clock.now() + this.retryLaterMs, 'internal error'));
      return { status: 'retry_later', reason: 'internal error' };
    }
  }

  private async safely(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.logger.error({ err }, 'could not update the delivery ledger');
    }
  }

  /**
   * The digest for a channel now. Identical inputs (same data version, local date, zone, previous
   * digest) give identical digests, so a fan-out to many channels builds it once.
   */
  async digestFor(channelId: string, zone: string, lateDueAt?: number): Promise<Digest> {
    const now = this.clock.now();
    const previous = await this.store.previousDelivery(channelId, now + 1);
    const data = this.options.data();
    let dayFormat = this.dayFormats.get(zone);
    if (!dayFormat) this.dayFormats.set(zone, (dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: zone, dateStyle: 'short' })));
    const localDay = dayFormat.format(now);
    const headlines = await this.headlinesFor(channelId, previous?.deliveredAt ?? undefined, now);
    const arrivedIds = await this.arrivalsSince(previous?.deliveredAt ?? now - FIRST_DIGEST_LOOKBACK_DAYS * 24 * 60 * MINUTE);
    const key = [
      data.version, zone, localDay, lateDueAt ?? '', previous?.deliveredAt ?? '', previous?.seenFigureIds.join(',') ?? '', headlines.map((h) => h.id).join(','),
      arrivedIds.join(','),
    ].join('|');
    let digest = this.digestCache.get(key);
    if (!digest) {
      if (this.digestCache.size > 200) this.digestCache.clear();
      digest = buildDigest({
        data,
        now: new Date(now),
        zone,
        previous: previous?.deliveredAt ? { deliveredAt: previous.deliveredAt, seenFigureIds: previous.seenFigureIds } : undefined,
        late: lateDueAt !== undefined ? { dueAt: lateDueAt } : undefined,
        headlines,
        arrivedIds,
      });
      this.digestCache.set(key, digest);
    }
    return digest;
  }

  /** Figures that entered the data since `since`; on any failure the digest goes out with the date window only. */
  private async arrivalsSince(since: number): Promise<string[]> {
    if (!this.options.arrivals) return [];
    try {
      return await this.options.arrivals.since(since);
    } catch (err) {
      this.logger.error({ err }, 'could not read which figures arrived since the previous digest; using the date window only');
      return [];
    }
  }

  /** The channel's new headlines; on any failure the digest goes out without them (and it is logged). */
  private async headlinesFor(channelId: string, since: number | undefined, now: number): Promise<DigestHeadline[]> {
    if (!this.options.headlines) return [];
    try {
      return await this.options.headlines.forDigest(channelId, { since, now });
    } catch (err) {
      this.logger.error({ err, channel: channelId }, 'could not read news headlines for a digest; sending it without them');
      return [];
    }
  }

  /** A channel is gone: stop the schedule (other schedules carry on) and tell its creator directly. */
  private async markFailing(schedule: ScheduleRecord, reason: string): Promise<void> {
    const now = this.clock.now();
    const updated = await this.store.setScheduleStatus(schedule.id, 'failing', {
      now,
      reason,
      audit: { at: now, actor: 'system', action: 'failing', scheduleId: schedule.id, details: { reason } },
    });
    this.logger.warn({ schedule: schedule.id, channel: schedule.channelId, reason }, 'digest schedule failing');
    if (!updated) return;
    const platform = platformOf(schedule.createdBy);
    const outbound = platform ? this.outbounds.get(platform) : undefined;
    if (!outbound) return;
    const channel = channelLabel(schedule.channelId);
    const dm: Reply = {
      kind: 'error',
      visibility: 'private',
      title: `Digest schedule ${schedule.id} stopped: cannot post in ${channel}`,
      lines: [
        `The digest ${describeSchedule(schedule)} could not be posted in ${channel}: ${reason}.`,
        `It is paused so nothing piles up. Add the bot to the channel (or pick another one), then run /capex-digest resume ${schedule.id}; or remove it with /capex-digest remove ${schedule.id}.`,
      ],
      summary: `Digest schedule ${schedule.id} cannot post in ${channel}.`,
    };
    try {
      await outbound.sendDirect(schedule.createdBy, dm);
    } catch (err) {
      this.logger.error({ err, schedule: schedule.id, admin: schedule.createdBy }, 'could not tell the admin that a digest schedule is failing');
    }
  }

  /** `/capex-digest send`: claims a manual ledger row and posts it now through the same retry policy. */
  async sendNow(schedule: ScheduleRecord, waitMs = 10_000): Promise<DeliveryOutcome> {
    if (this.stopping) return { status: 'not_posted', reason: 'the bot is shutting down' };
    if (!this.outboundFor(schedule.channelId)) {
      return { status: 'not_posted', reason: `${platformOf(schedule.channelId) ?? 'that'} is not connected in this run of the bot` };
    }
    const now = this.clock.now();
    const row = await this.store.claimSlot({
      scheduleId: schedule.id,
      slot: `manual:${new Date(now).toISOString()}:${Math.random().toString(36).slice(2, 8)}`,
      kind: 'manual',
      dueAt: now,
      channelId: schedule.channelId,
      late: false,
      now,
    });
    if (!row) return { status: 'not_posted', reason: 'could not record the send; try again' };
    const delivery = this.startDelivery(row, schedule);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<DeliveryOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'retry_later', reason: 'the platform is slow; it will post as soon as it can' }), waitMs);
    });
    try {
      return await Promise.race([delivery, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The next `count` runs of a schedule from now (or from when it is re-armed). */
  nextRuns(schedule: ScheduleRecord, count: number): Slot[] {
    return nextSlots(matcherOf(schedule), schedule.zone, Math.max(this.clock.now(), schedule.armedFrom), count);
  }

  /** Resolves when every delivery started so far has finished (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.ticking) {
      await Promise.allSettled([...this.inFlight.values(), this.ticking]);
    }
  }

  /**
   * SIGTERM: take no new work, let posts already in flight finish (bounded), and abort waits (backoff,
   * rate-limit pauses) so their rows stay `claimed` for the next start. The caller closes the store after.
   */
  async stop(timeoutMs = 10_000): Promise<{ unfinished: number }> {
    this.stopping = true;
    await this.task?.destroy();
    this.task = undefined;
    this.abort.abort();
    const settled = await settleWithin([...this.inFlight.values(), this.ticking], timeoutMs);
    if (!settled) this.logger.warn({ inFlight: this.inFlight.size }, 'stopped with digest posts still in flight; the next start recovers them');
    return { unfinished: this.inFlight.size };
  }
}
