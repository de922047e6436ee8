/**
 * The scheduler: every minute (a node-cron heartbeat, on the replica that leads the background loops) it
 * computes, per active schedule, the slots owed since the last one in the ledger and records each as a `digest`
 * row of the delivery ledger — UNIQUE (digest, schedule, channel, slot), so a slot is owed once however many
 * replicas or restarts look at it. Posting is the delivery engine's (src/delivery/engine.ts): every replica claims
 * due rows under a lease, posts them through the shared gates, and takes over rows a dead replica left. This
 * file is the digest's handler there: what a row posts, what a delivered digest records, what a channel that is
 * gone does to its schedule.
 *
 * - Slots the bot was down for: within DIGEST_GRACE_MINUTES posted once, marked late; older ones are recorded
 *   as missed and shown in `list`. A row still unposted past the grace window is failed (never posted late).
 * - A schedule paused or removed before its row was posted: the row is recorded missed.
 * - A channel gone, or a permission/token refused: the schedule goes `failing` (other schedules carry on) and
 *   its creator is told once (one admin notice per failure episode, src/delivery/notify-admin.ts).
 *
 * Schedules are re-read from the store every tick, so a change (also by another replica, or the one-shot CLI)
 * takes effect without a restart.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Reply } from '../core/reply.js';
import { digestActions, withActions } from '../core/interaction.js';
import { splitDigest } from './digest-thread.js';
import { commandRef } from '../core/syntax.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { DataSet } from '../data/dataset.js';
import type { DeliveryEngine, DeliveryHandler, Preparation } from '../delivery/engine.js';
import type { Json, LedgerRow, NewLedgerRow } from '../delivery/ledger.js';
import type { NotifyAdmin } from '../delivery/notify-admin.js';
import type { FinalFailure } from '../delivery/retry.js';
import type { DeliveryRecord, ScheduleRecord, Store } from '../store/types.js';
import { systemClock, type Clock } from '../core/clock.js';
import { buildDigest, FIRST_DIGEST_LOOKBACK_DAYS, type Digest, type DigestHeadline, type FigureArrivals, type HeadlineSource } from './digest.js';
import { channelLabel, describeSchedule, matcherOf, platformOf } from './schedule-record.js';
import { nextSlots, slotsBetween, type Slot } from './slots.js';

export interface SchedulerOptions {
  store: Store;
  engine: DeliveryEngine;
  notifyAdmin: NotifyAdmin;
  data: () => DataSet;
  clock?: Clock;
  logger?: Logger;
  /** DIGEST_GRACE_MINUTES in ms: how late a slot may still be posted after downtime. */
  graceMs?: number;
  /** Run the node-cron minute heartbeat (off in tests, which call tick() on a fake clock). */
  heartbeat?: boolean;
  /** News headlines for the digests (src/news); a failure there never stops a digest. */
  headlines?: HeadlineSource;
  /** Figures that entered the data late (src/alerts): listed under "what changed" whatever their date. */
  arrivals?: FigureArrivals;
  /** A slot recorded more than this after it was due is marked late. */
  lateAfterMs?: number;
}

export interface TickResult {
  claimed: number;
  missed: number;
}

export type DeliveryOutcome =
  | { status: 'delivered'; delivery: DeliveryRecord }
  | { status: 'failing'; reason: string }
  | { status: 'retry_later'; reason: string }
  | { status: 'not_posted'; reason: string };

const MINUTE = 60_000;
/** A tick gives the event loop back (slash commands first) after this much work in one go. */
const YIELD_AFTER_MS = 5;
/** Slots recorded per transaction (a few milliseconds of inserts). */
const CLAIM_BATCH = 200;
/** Schedules looked up by the handler are reused this long (a fan-out reads each once, not per retry). */
const SCHEDULE_MEMO_MS = 2_000;
/** The slot prefix of `/capex-digest send` rows: never where slot enumeration resumes. */
const MANUAL = 'manual:';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A digest ledger row as the commands and tests read it (the shape of the digest ledger before issue 12). */
export function toDeliveryRecord(row: LedgerRow): DeliveryRecord {
  const status = row.status === 'pending' ? 'claimed' : row.status === 'skipped' ? 'missed' : row.status;
  return {
    id: row.id,
    scheduleId: Number(row.subject),
    slot: row.slot,
    kind: row.slot.startsWith(MANUAL) ? 'manual' : 'scheduled',
    dueAt: row.dueAt,
    channelId: row.target,
    status,
    late: row.payload.late === true,
    attempts: row.attempts,
    recoveries: row.takeovers,
    claimedAt: row.createdAt,
    nextAttemptAt: row.notBefore,
    deliveredAt: row.deliveredAt,
    error: row.error,
    seenFigureIds: Array.isArray(row.result?.seenFigureIds) ? (row.result.seenFigureIds as string[]) : [],
  };
}

export class Scheduler implements DeliveryHandler {
  readonly kind = 'digest' as const;
  private readonly store: Store;
  private readonly engine: DeliveryEngine;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly graceMs: number;
  private readonly lateAfterMs: number;
  /** Per schedule: the next due instant, cached until the schedule or its cursor changes. */
  private readonly nextDue = new Map<number, { key: string; dueAt: number | undefined }>();
  private readonly schedules = new Map<number, { at: number; schedule: ScheduleRecord | undefined }>();
  /** Per schedule: the due time of its newest scheduled ledger row (where slot enumeration resumes). */
  private readonly lastDue = new Map<number, number>();
  private readonly warnedNoOutbound = new Set<string>();
  private readonly digestCache = new Map<string, Digest>();
  /** Local-date formatters per zone (building one costs far more than using it). */
  private readonly dayFormats = new Map<string, Intl.DateTimeFormat>();
  private task: ScheduledTask | undefined;
  private ticking: Promise<TickResult> | undefined;
  private tickAgain = false;
  private stopping = false;

  constructor(private readonly options: SchedulerOptions) {
    this.store = options.store;
    this.engine = options.engine;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.graceMs = options.graceMs ?? 120 * MINUTE;
    this.lateAfterMs = options.lateAfterMs ?? MINUTE;
    this.engine.register(this);
  }

  /** Adds a platform's outbound channel (adapters start after the store is open). */
  connect(outbound: OutboundChannel): void {
    this.engine.connect(outbound);
    this.warnedNoOutbound.delete(outbound.platform);
  }

  get running(): boolean {
    return this.task !== undefined;
  }

  /** Catches up (slots owed while no replica led), then ticks every minute. Called on the replica that leads. */
  async start(): Promise<void> {
    this.stopping = false;
    // A new leader reads where every schedule resumes afresh: the previous one may have recorded slots since.
    this.lastDue.clear();
    this.nextDue.clear();
    await this.tick();
    if (this.options.heartbeat !== false && !this.stopping && !this.task) {
      // node-cron drives the heartbeat; which slots are due is computed here, in the schedule's zone.
      this.task = cron.schedule('* * * * *', () => void this.tick().catch((err) => this.logger.error({ err }, 'digest tick failed')), {
        name: 'capex-digest-heartbeat',
        noOverlap: true,
      });
    }
  }

  /**
   * One pass: record owed slots and missed ones in the ledger, then let the engine claim and post what is due
   * (not awaited: `idle()` waits). Overlapping calls coalesce into one extra pass.
   */
  async tick(): Promise<TickResult> {
    if (this.stopping) return { claimed: 0, missed: 0 };
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      const total: TickResult = { claimed: 0, missed: 0 };
      do {
        this.tickAgain = false;
        const r = await this.tickOnce();
        total.claimed += r.claimed;
        total.missed += r.missed;
      } while (this.tickAgain && !this.stopping);
      // New rows go out at once (every replica's poll would find them within a second anyway).
      if (total.claimed > 0) await this.engine.pump();
      return total;
    })();
    try {
      return await this.ticking;
    } finally {
      this.ticking = undefined;
    }
  }

  private async tickOnce(): Promise<TickResult> {
    const result: TickResult = { claimed: 0, missed: 0 };
    const now = this.clock.now();
    const schedules = await this.store.activeSchedules();
    // Where each schedule's slots resume: read from the ledger once per schedule while leading, then kept here
    // (only the leader records scheduled slots, so nobody else moves it).
    const unknown = schedules.filter((s) => !this.lastDue.has(s.id)).map((s) => String(s.id));
    if (unknown.length > 0) {
      const read = await this.engine.ledger.lastDueAt('digest', unknown, MANUAL);
      for (const id of unknown) this.lastDue.set(Number(id), read.get(id) ?? -Infinity);
    }
    const lastDue = this.lastDue;
    const owed: NewLedgerRow[] = [];
    const missed: NewLedgerRow[] = [];
    let lastYield = performance.now();
    for (const schedule of schedules) {
      if (this.stopping) break;
      if (!this.connected(schedule.channelId)) continue;
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
        const row = { kind: 'digest' as const, subject: String(schedule.id), target: schedule.channelId, slot: slot.key, dueAt: slot.dueAt };
        if (now - slot.dueAt > this.graceMs) missed.push({ ...row, status: 'missed', error: 'the bot was not running within the grace window' });
        else owed.push({ ...row, payload: { late: now - slot.dueAt > this.lateAfterMs } });
      }
      const newFrom = slots.at(-1)?.dueAt ?? from;
      if (slots.length > 0) this.lastDue.set(schedule.id, Math.max(this.lastDue.get(schedule.id) ?? -Infinity, newFrom));
      const next = nextSlots(matcherOf(schedule), schedule.zone, Math.max(newFrom, now), 1)[0];
      this.nextDue.set(schedule.id, { key: `${schedule.updatedAt}|${newFrom}`, dueAt: next?.dueAt });
    }
    if (missed.length > 0) {
      result.missed = (await this.engine.ledger.insert(missed, now)).filter(Boolean).length;
      this.logger.warn({ missed: missed.length }, 'digest slots missed while the bot was down (past the grace window)');
    }
    // Recorded a batch per transaction (a row that already exists belongs to whoever inserted it); the engine
    // then claims them — here and on every other replica — a share at a time.
    for (let i = 0; i < owed.length && !this.stopping; i += CLAIM_BATCH) {
      const inserted = await this.engine.offerQuietly(owed.slice(i, i + CLAIM_BATCH));
      result.claimed += inserted.filter(Boolean).length;
      await yieldToEventLoop();
    }
    return result;
  }

  private connected(channelId: string): boolean {
    const platform = platformOf(channelId);
    if (this.engine.isConnected(platform)) return true;
    if (!this.warnedNoOutbound.has(platform ?? channelId)) {
      this.warnedNoOutbound.add(platform ?? channelId);
      this.logger.warn({ channel: channelId }, `digests for ${platform ?? 'this'} channels wait: that platform is not connected in this run`);
    }
    return false;
  }

  private async scheduleOf(row: LedgerRow): Promise<ScheduleRecord | undefined> {
    const id = Number(row.subject);
    const now = this.clock.now();
    const memo = this.schedules.get(id);
    if (memo && now - memo.at < SCHEDULE_MEMO_MS && memo.at <= now) return memo.schedule;
    if (this.schedules.size > 5_000) this.schedules.clear();
    const schedule = await this.store.getSchedule(id);
    this.schedules.set(id, { at: now, schedule });
    return schedule;
  }

  // ---- the engine's handler for `digest` rows ------------------------------------------------------------

  async prepare(rows: readonly LedgerRow[], now: number): Promise<Preparation> {
    const row = rows[0]!;
    const schedule = await this.scheduleOf(row);
    const manual = row.slot.startsWith(MANUAL);
    if (!schedule || (!manual && schedule.status !== 'active')) {
      return { finish: 'missed', reason: 'the schedule was paused or removed before this digest could be posted' };
    }
    if (now - row.dueAt > this.graceMs) {
      return row.attempts === 0
        ? { finish: 'missed', reason: 'the bot was not running within the grace window' }
        : { finish: 'failed', reason: `could not post within the grace window${row.error ? `: ${row.error}` : ''}` };
    }
    const late = row.payload.late === true;
    return {
      post: {
        build: async () => {
          const digest = await this.digestFor(row.target, schedule.zone, late ? row.dueAt : undefined);
          // The chart switch: the adapter adds the image after the post, and its failure never fails the post.
          const reply: Reply = schedule.chart && digest.topChart ? { ...digest.reply, chart: digest.topChart } : digest.reply;
          const result = { seenFigureIds: digest.seenFigureIds, headlineIds: digest.headlineIds };
          // Sources and "Pause this digest" (admins; the core refuses others privately): src/core/interaction.ts.
          // Thread on (the default): a short parent post, the details in its thread (the engine resumes a thread).
          if (schedule.thread ?? true) {
            const { parent, thread } = splitDigest(reply);
            return { reply: withActions(parent, digestActions(schedule.id)), thread, result };
          }
          return { reply: withActions(reply, digestActions(schedule.id)), result };
        },
      },
    };
  }

  async delivered(rows: readonly LedgerRow[], result: Json | undefined, now: number): Promise<void> {
    const row = rows[0]!;
    const headlineIds = Array.isArray(result?.headlineIds) ? (result.headlineIds as number[]) : [];
    if (headlineIds.length > 0 && this.options.headlines) {
      try {
        await this.options.headlines.recordShown(row.target, headlineIds, row.id, now);
      } catch (err) {
        this.logger.error({ err, channel: row.target }, 'could not record which headlines a digest showed');
      }
    }
    this.logger.info({ schedule: row.subject, slot: row.slot, channel: row.target, late: row.payload.late === true, attempts: row.attempts + 1 }, 'digest delivered');
  }

  /** The channel is gone (or the bot may not post there): stop the schedule and tell its creator once. */
  async undeliverable(rows: readonly LedgerRow[], failure: { kind: FinalFailure; reason: string }): Promise<void> {
    const schedule = await this.store.getSchedule(Number(rows[0]!.subject));
    if (!schedule) return;
    if (failure.kind === 'token_revoked') {
      await this.tellCreator(schedule, `token-revoked:${platformOf(schedule.channelId)}`, failure.reason, false);
      return;
    }
    await this.markFailing(schedule, failure.reason);
  }

  /**
   * The digest for a channel now. Identical inputs (same data version, local date, zone, previous
   * digest) give identical digests, so a fan-out to many channels builds it once.
   */
  async digestFor(channelId: string, zone: string, lateDueAt?: number): Promise<Digest> {
    const now = this.clock.now();
    const previousRow = await this.engine.ledger.lastDelivered('digest', channelId, now + 1);
    const previous = previousRow ? toDeliveryRecord(previousRow) : undefined;
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

  /** A channel is gone: stop the schedule (other schedules carry on) and tell its creator once. */
  private async markFailing(schedule: ScheduleRecord, reason: string): Promise<void> {
    const now = this.clock.now();
    const updated = await this.store.setScheduleStatus(schedule.id, 'failing', {
      now,
      reason,
      audit: { at: now, actor: 'system', action: 'failing', scheduleId: schedule.id, details: { reason } },
    });
    this.logger.warn({ schedule: schedule.id, channel: schedule.channelId, reason }, 'digest schedule failing');
    this.schedules.delete(schedule.id);
    // Only the replica whose update made it failing tells the admin; the key makes it once per episode anyway.
    if (updated) await this.tellCreator(updated, `digest-failing:${schedule.id}:${updated.updatedAt}`, reason, true);
  }

  private async tellCreator(schedule: ScheduleRecord, onceKey: string, reason: string, paused: boolean): Promise<void> {
    const channel = channelLabel(schedule.channelId);
    const dm: Reply = {
      kind: 'error',
      visibility: 'private',
      title: `Digest schedule ${schedule.id} ${paused ? 'stopped' : 'cannot post'}: cannot post in ${channel}`,
      lines: paused
        ? [
            `The digest ${describeSchedule(schedule)} could not be posted in ${channel}: ${reason}.`,
            `It is paused so nothing piles up. Add the bot to the channel (or pick another one), then run ${commandRef(`/capex-digest resume ${schedule.id}`)}; or remove it with ${commandRef(`/capex-digest remove ${schedule.id}`)}.`,
          ]
        : [
            `The digest ${describeSchedule(schedule)} could not be posted in ${channel}: ${reason}.`,
            'The platform refused the bot token: nothing is posted there until the token is fixed and the bot restarted; owed digests are kept.',
          ],
      summary: `Digest schedule ${schedule.id} cannot post in ${channel}.`,
    };
    try {
      await this.options.notifyAdmin(schedule.createdBy, onceKey, dm);
    } catch (err) {
      this.logger.error({ err, schedule: schedule.id, admin: schedule.createdBy }, 'could not record the notice for the admin of a failing digest schedule');
    }
  }

  /** `/capex-digest send`: records a manual ledger row and posts it now through the same engine. */
  async sendNow(schedule: ScheduleRecord, waitMs = 10_000): Promise<DeliveryOutcome> {
    if (this.stopping) return { status: 'not_posted', reason: 'the bot is shutting down' };
    if (!this.engine.isConnected(platformOf(schedule.channelId))) {
      return { status: 'not_posted', reason: `${platformOf(schedule.channelId) ?? 'that'} is not connected in this run of the bot` };
    }
    const now = this.clock.now();
    const slot = `${MANUAL}${new Date(now).toISOString()}:${Math.random().toString(36).slice(2, 8)}`;
    const [queued] = await this.engine.enqueue([{ kind: 'digest', subject: String(schedule.id), target: schedule.channelId, slot, dueAt: now, payload: { late: false } }]);
    if (!queued) return { status: 'not_posted', reason: 'could not record the send; try again' };
    const delivery = queued.done.then(async (result): Promise<DeliveryOutcome> => {
      if (result.status === 'delivered') {
        const row = await this.engine.ledger.get(queued.row.id);
        return { status: 'delivered', delivery: toDeliveryRecord(row ?? result.rows[0]!) };
      }
      if (result.status === 'undeliverable') return { status: 'failing', reason: result.reason };
      return result;
    });
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

  /** The digest rows of one schedule, oldest due first. */
  async deliveriesOf(scheduleId: number): Promise<DeliveryRecord[]> {
    return (await this.engine.ledger.rows({ kind: 'digest', subject: String(scheduleId) })).map(toDeliveryRecord);
  }

  /** Resolves when every delivery started so far has finished and nothing is due (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.ticking) await this.ticking.catch(() => undefined);
    await this.engine.idle();
  }

  /**
   * Leadership lost or SIGTERM: no more ticks. Posting stops with the engine (DigestService.stop / engine.stop),
   * which waits for posts in flight; `_timeoutMs` is that wait's, kept for callers of the old scheduler.
   */
  async stop(_timeoutMs?: number): Promise<void> {
    this.stopping = true;
    await this.task?.destroy();
    this.task = undefined;
    await this.ticking?.catch(() => undefined);
  }
}
