/**
 * The digest service the commands talk to (through `ctx.services.digest`) and main.ts starts and stops:
 * it owns the store and the scheduler and keeps every admin change in the audit log.
 *
 * Schedules are scoped by platform: a Slack admin sees and changes Slack schedules, a Discord admin
 * Discord ones, so an id typed on one platform can never touch another platform's channels.
 */
import type { Caller } from '../core/command.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { DataSet } from '../data/dataset.js';
import type { Config } from '../config.js';
import type { ScheduleRecord, ScheduleStatus, ScheduleSummary, Store } from '../store/types.js';
import { systemClock, type Clock } from './clock.js';
import type { Digest, FigureArrivals, HeadlineSource } from './digest.js';
import type { RetryPolicy } from './delivery.js';
import { Scheduler, type DeliveryOutcome } from './scheduler.js';
import type { Slot } from './slots.js';
import { daysToText, formatTime, type When } from './when.js';

export interface DigestServiceOptions {
  store: Store;
  data: () => DataSet;
  outbounds?: readonly OutboundChannel[];
  /** DEFAULT_TIMEZONE and DIGEST_GRACE_MINUTES. */
  config?: Partial<Pick<Config, 'DEFAULT_TIMEZONE' | 'DIGEST_GRACE_MINUTES'>>;
  clock?: Clock;
  logger?: Logger;
  policy?: RetryPolicy;
  concurrency?: number;
  heartbeat?: boolean;
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

export class DigestService {
  readonly store: Store;
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
    this.scheduler = new Scheduler({
      store: options.store,
      outbounds: options.outbounds ?? [],
      data: options.data,
      clock: this.clock,
      logger: this.logger,
      graceMs: (options.config?.DIGEST_GRACE_MINUTES ?? 120) * 60_000,
      policy: options.policy,
      concurrency: options.concurrency,
      heartbeat: options.heartbeat,
      headlines: options.headlines,
      arrivals: options.arrivals,
    });
  }

  now(): number {
    return this.clock.now();
  }

  /** Starts delivering (after the adapters are up): recovery, catch-up, then the minute heartbeat. */
  async start(outbounds: readonly OutboundChannel[] = []): Promise<void> {
    for (const outbound of outbounds) this.scheduler.connect(outbound);
    await this.scheduler.start();
  }

  /** SIGTERM: stop taking work, finish posts in flight (bounded), close the database. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.scheduler.stop(timeoutMs);
    await this.store.close();
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
    if (!schedule || schedule.status === 'removed' || !schedule.channelId.startsWith(`${caller.platform}:`)) return undefined;
    return schedule;
  }

  async list(caller: Caller): Promise<ScheduleView[]> {
    const schedules = await this.store.listSchedules(`${caller.platform}:`);
    const summaries = await this.store.summaries(schedules.map((s) => s.id));
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

/** The service over the store the runtime opened (openStore: DATABASE_URL); main.ts and the CLI call this. */
export function createDigestService(
  config: Pick<Config, 'DEFAULT_TIMEZONE' | 'DIGEST_GRACE_MINUTES'>,
  options: Omit<DigestServiceOptions, 'config'>,
): DigestService {
  return new DigestService({ ...options, config });
}
