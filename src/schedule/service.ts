/**
 * The digest service the commands talk to (through `ctx.services.digest`) and main.ts starts and stops:
 * it owns the store, the delivery engine every outbound post shares (digests, alerts, admin notices; the
 * ledger lives in the same database) and the scheduler, and keeps every admin change in the audit log.
 *
 * Schedules are scoped by platform: a Slack admin sees and changes Slack schedules, a Discord admin
 * Discord ones, so an id typed on one platform can never touch another platform's channels.
 */
import type { Caller } from '../core/command.js';
import { callerScope } from '../core/workspace.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { DataSet } from '../data/dataset.js';
import type { Config } from '../config.js';
import { DeliveryEngine } from '../delivery/engine.js';
import type { Ledger } from '../delivery/ledger.js';
import { MemoryLedger } from '../delivery/memory-ledger.js';
import { AdminNotices } from '../delivery/notify-admin.js';
import type { RetryPolicy } from '../delivery/retry.js';
import type { Database } from '../store/database.js';
import { KyselyLedger } from '../store/ledger.js';
import type { DeliveryRecord, ScheduleRecord, ScheduleStatus, ScheduleSummary, Store } from '../store/types.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Digest, FigureArrivals, HeadlineSource } from './digest.js';
import { Scheduler, toDeliveryRecord, type DeliveryOutcome } from './scheduler.js';
import type { Slot } from './slots.js';
import { daysToText, formatTime, type When } from './when.js';

export interface DigestServiceOptions {
  store: Store;
  data: () => DataSet;
  outbounds?: readonly OutboundChannel[];
  /** DEFAULT_TIMEZONE, DIGEST_GRACE_MINUTES and DELIVERY_LEASE_SECONDS. */
  config?: Partial<Pick<Config, 'DEFAULT_TIMEZONE' | 'DIGEST_GRACE_MINUTES' | 'DELIVERY_LEASE_SECONDS'>>;
  clock?: Clock;
  logger?: Logger;
  policy?: RetryPolicy;
  concurrency?: number;
  /** The minute tick and the engine's ledger polling and lease renewal (off in tests: tick()/idle() on a fake clock). */
  heartbeat?: boolean;
  /** The delivery ledger (default: the store's database; in memory for a store without one). */
  ledger?: Ledger;
  /** This replica's lease owner name (tests run several "replicas" in one process). */
  owner?: string;
  /** News headlines for the digests (the NewsService from src/news). */
  headlines?: HeadlineSource;
  /** Figures that entered the data late (src/alerts), for "what changed". */
  arrivals?: FigureArrivals;
}

export interface ScheduleView {
  schedule: ScheduleRecord;
  summary: ScheduleSummary;
  next?: Slot;
}

export type ChangeResult = { ok: true; schedule: ScheduleRecord } | { ok: false; reason: 'not_found' | 'already'; schedule?: ScheduleRecord };

/** The ledger in the store's database (SQLite file or PostgreSQL); in memory for a store without a database. */
export function ledgerOf(store: Store): Ledger {
  const database = (store as Store & { database?: Database }).database;
  return database ? new KyselyLedger(database) : new MemoryLedger();
}

export class DigestService {
  readonly store: Store;
  readonly engine: DeliveryEngine;
  readonly notices: AdminNotices;
  readonly scheduler: Scheduler;
  readonly defaultZone: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private closed = false;

  constructor(options: DigestServiceOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.defaultZone = options.config?.DEFAULT_TIMEZONE ?? 'UTC';
    this.engine = new DeliveryEngine({
      ledger: options.ledger ?? ledgerOf(options.store),
      clock: this.clock,
      logger: this.logger,
      outbounds: options.outbounds ?? [],
      policy: options.policy,
      concurrency: options.concurrency,
      owner: options.owner,
      ...(options.config?.DELIVERY_LEASE_SECONDS ? { leaseMs: options.config.DELIVERY_LEASE_SECONDS * 1_000 } : {}),
    });
    this.notices = new AdminNotices(this.engine);
    this.scheduler = new Scheduler({
      store: options.store,
      engine: this.engine,
      notifyAdmin: this.notices.notifyAdmin,
      data: options.data,
      clock: this.clock,
      logger: this.logger,
      graceMs: (options.config?.DIGEST_GRACE_MINUTES ?? 120) * 60_000,
      heartbeat: options.heartbeat,
      headlines: options.headlines,
      arrivals: options.arrivals,
    });
    this.heartbeat = options.heartbeat !== false;
  }

  private readonly heartbeat: boolean;

  now(): number {
    return this.clock.now();
  }

  /**
   * Starts posting on this replica (after the adapters are up): the engine claims due rows — new ones, retries,
   * and any a dead replica left — and, unless `lead` is false, the scheduler's catch-up and minute tick run here
   * too (one replica leads them; see src/delivery/leader.ts and src/schedule/wire.ts).
   */
  async start(outbounds: readonly OutboundChannel[] = [], options: { lead?: boolean } = {}): Promise<void> {
    for (const outbound of outbounds) this.scheduler.connect(outbound);
    if (this.heartbeat) this.engine.startTimers();
    if (options.lead !== false) await this.scheduler.start();
    await this.engine.pump();
  }

  /** This replica now leads (or no longer leads) the minute tick. */
  async lead(leading: boolean): Promise<void> {
    if (leading) await this.scheduler.start();
    else await this.scheduler.stop();
  }

  /** SIGTERM: stop taking work, finish posts in flight (bounded), close the database. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.scheduler.stop();
    await this.engine.stop(timeoutMs);
    await this.store.close();
  }

  /** The digest ledger rows of one schedule, oldest first (for tests and `list`). */
  deliveriesOf(scheduleId: number): Promise<DeliveryRecord[]> {
    return this.scheduler.deliveriesOf(scheduleId);
  }

  async add(input: { when: When; zone: string; channelId: string }, caller: Caller): Promise<{ schedule: ScheduleRecord; next: Slot[] }> {
    const { when } = input;
    const schedule = await this.store.createSchedule(
      {
        channelId: input.channelId,
        kind: when.kind,
        ...(when.kind === 'time' ? { time: formatTime(when.hour, when.minute), days: daysToText(when.days) } : { cron: when.expr }),
        zone: input.zone,
        createdBy: caller.userId,
        createdByName: caller.userName,
      },
      this.clock.now(),
    );
    // Takes effect at once: the next heartbeat re-reads schedules; a tick now costs nothing and logs nothing.
    return { schedule, next: this.scheduler.nextRuns(schedule, 1) };
  }

  /** A schedule the caller may see: same platform, not removed. */
  async find(id: number, caller: Caller): Promise<ScheduleRecord | undefined> {
    const schedule = await this.store.getSchedule(id);
    if (!schedule || schedule.status === 'removed' || !schedule.channelId.startsWith(callerScope(caller))) return undefined;
    return schedule;
  }

  /** Per schedule: its newest ledger row and how many slots were missed (from the delivery ledger). */
  async summaries(scheduleIds: readonly number[]): Promise<Map<number, ScheduleSummary>> {
    const rows = await this.engine.ledger.summaries('digest', scheduleIds.map(String));
    return new Map(scheduleIds.map((id) => [id, summaryOf(rows.get(String(id)))]));
  }

  async list(caller: Caller): Promise<ScheduleView[]> {
    const schedules = await this.store.listSchedules(callerScope(caller));
    const summaries = await this.summaries(schedules.map((s) => s.id));
    return schedules.map((schedule) => ({
      schedule,
      summary: summaries.get(schedule.id) ?? { missed: 0 },
      next: schedule.status === 'active' ? this.scheduler.nextRuns(schedule, 1)[0] : undefined,
    }));
  }

  private async change(id: number, caller: Caller, to: ScheduleStatus, from: readonly ScheduleStatus[], action: string): Promise<ChangeResult> {
    const schedule = await this.find(id, caller);
    if (!schedule) return { ok: false, reason: 'not_found' };
    if (!from.includes(schedule.status)) return { ok: false, reason: 'already', schedule };
    const now = this.clock.now();
    const updated = await this.store.setScheduleStatus(id, to, {
      now,
      rearm: to === 'active',
      audit: { at: now, actor: caller.userId, actorName: caller.userName, action, scheduleId: id, details: { from: schedule.status, to } },
    });
    return updated ? { ok: true, schedule: updated } : { ok: false, reason: 'not_found' };
  }

  /** The admin switch for the top-spenders chart in this schedule's digests. */
  async setChart(id: number, on: boolean, caller: Caller): Promise<ChangeResult> {
    const schedule = await this.find(id, caller);
    if (!schedule) return { ok: false, reason: 'not_found' };
    if (Boolean(schedule.chart) === on) return { ok: false, reason: 'already', schedule };
    const now = this.clock.now();
    const updated = await this.store.setScheduleChart(id, on, {
      now,
      audit: { at: now, actor: caller.userId, actorName: caller.userName, action: on ? 'chart-on' : 'chart-off', scheduleId: id, details: { chart: on } },
    });
    return updated ? { ok: true, schedule: updated } : { ok: false, reason: 'not_found' };
  }

  /** The admin switch for digests as a short parent post plus their thread (on, the default) or one message. */
  async setThread(id: number, on: boolean, caller: Caller): Promise<ChangeResult> {
    const schedule = await this.find(id, caller);
    if (!schedule) return { ok: false, reason: 'not_found' };
    if ((schedule.thread ?? true) === on) return { ok: false, reason: 'already', schedule };
    const now = this.clock.now();
    const updated = await this.store.setScheduleThread(id, on, {
      now,
      audit: { at: now, actor: caller.userId, actorName: caller.userName, action: on ? 'thread-on' : 'thread-off', scheduleId: id, details: { thread: on } },
    });
    return updated ? { ok: true, schedule: updated } : { ok: false, reason: 'not_found' };
  }

  remove(id: number, caller: Caller): Promise<ChangeResult> {
    return this.change(id, caller, 'removed', ['active', 'paused', 'failing'], 'remove');
  }

  pause(id: number, caller: Caller): Promise<ChangeResult> {
    return this.change(id, caller, 'paused', ['active', 'failing'], 'pause');
  }

  /** Also how an admin clears a failing schedule once the channel is fixed. Slots during the pause are not owed. */
  resume(id: number, caller: Caller): Promise<ChangeResult> {
    return this.change(id, caller, 'active', ['paused', 'failing'], 'resume');
  }

  nextRuns(schedule: ScheduleRecord, count: number): Slot[] {
    return this.scheduler.nextRuns(schedule, count);
  }

  /** The digest the caller's channel would get now (not recorded: the next real digest still reports the same changes). */
  preview(caller: Caller): Promise<Digest> {
    return this.scheduler.digestFor(caller.channelId, caller.timeZone ?? this.defaultZone);
  }

  async send(schedule: ScheduleRecord, caller: Caller): Promise<DeliveryOutcome> {
    const now = this.clock.now();
    await this.store.audit({ at: now, actor: caller.userId, actorName: caller.userName, action: 'send', scheduleId: schedule.id });
    return this.scheduler.sendNow(schedule);
  }
}

function summaryOf(entry: { last?: Parameters<typeof toDeliveryRecord>[0]; missed: number } | undefined): ScheduleSummary {
  return { ...(entry?.last ? { last: toDeliveryRecord(entry.last) } : {}), missed: entry?.missed ?? 0 };
}

/** The service over the store the runtime opened (openStore: DATABASE_URL); main.ts and the CLI call this. */
export function createDigestService(
  config: Pick<Config, 'DEFAULT_TIMEZONE' | 'DIGEST_GRACE_MINUTES'>,
  options: Omit<DigestServiceOptions, 'config'>,
): DigestService {
  return new DigestService({ ...options, config });
}
