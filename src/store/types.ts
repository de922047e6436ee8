/**
 * The store interface the scheduler, the digest service and the commands use, implemented once (store.ts,
 * Kysely) for SQLite and PostgreSQL. Digests' exactly-once guarantee lives in the delivery engine's ledger
 * (src/store/ledger.ts). Alerts and news live in the same database and are reached through `store.alerts` and
 * `store.news`.
 */
import type { AlertStore } from './alerts.js';
import type { Database, DatabaseHealth } from './database.js';
import type { NewsStore } from './news.js';


export type ScheduleStatus = 'active' | 'paused' | 'failing' | 'removed';

export interface ScheduleRecord {
  id: number;
  /** Platform-prefixed channel id: `slack:C123`, `discord:123`, `console:local`. */
  channelId: string;
  /** 'time' (HH:MM on some weekdays) or 'cron'. */
  kind: 'time' | 'cron';
  /** "09:00" for kind 'time'. */
  time: string | null;
  /** "daily", "weekdays" or "mon,wed,fri" for kind 'time'. */
  days: string | null;
  /** The cron expression for kind 'cron'. */
  cron: string | null;
  /** IANA zone the times are in. */
  zone: string;
  status: ScheduleStatus;
  /** Why it is failing (e.g. "channel not found"), when it is. */
  statusReason: string | null;
  /** Platform-prefixed user id of the admin who created it: told by DM when it starts failing. */
  createdBy: string;
  createdByName: string | null;
  createdAt: number;
  /**
   * Slots due after this instant are owed. Set at creation and on resume, so the time a schedule was
   * paused (or failing) is not "missed", and a new schedule does not post slots from before it existed.
   */
  armedFrom: number;
  updatedAt: number;
  /** Digests of this schedule carry the top-spenders chart as an image (an admin switch; off by default). */
  chart?: boolean;
  /** Digests are one short post plus their thread (an admin switch; on by default); off: one message. */
  thread?: boolean;
}

export interface NewSchedule {
  channelId: string;
  kind: 'time' | 'cron';
  time?: string;
  days?: string;
  cron?: string;
  zone: string;
  createdBy: string;
  createdByName?: string;
}

/**
 * claimed: owed and not yet handed to the platform (safe to (re)try);
 * sending: a post request is (or was, if the bot died) in flight;
 * delivered: the platform accepted it; missed: the bot was down past the grace window;
 * failed: the platform refused for good (channel gone) or retries ran out.
 */
export type DeliveryStatus = 'claimed' | 'sending' | 'delivered' | 'missed' | 'failed';

export interface DeliveryRecord {
  id: number;
  scheduleId: number;
  /** Local wall-clock slot "2025-03-30T02:30", or "manual:<iso>" for `/capex-digest send`. */
  slot: string;
  kind: 'scheduled' | 'manual';
  dueAt: number;
  channelId: string;
  status: DeliveryStatus;
  /** Claimed more than a minute after it was due (the bot was down or busy at slot time). */
  late: boolean;
  attempts: number;
  /** How many times start-up recovery has re-queued it after the bot died mid-delivery. */
  recoveries: number;
  claimedAt: number;
  nextAttemptAt: number;
  deliveredAt: number | null;
  error: string | null;
  /**
   * Ids of the recent figures (announced on or after the previous digest's date) this digest knew about:
   * the next digest in the channel reports only recent figures not in this list, so nothing repeats.
   */
  seenFigureIds: string[];
}

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  actorName: string | null;
  action: string;
  scheduleId: number | null;
  details: Record<string, unknown>;
}

export interface NewAuditEntry {
  at: number;
  actor: string;
  actorName?: string;
  action: string;
  scheduleId?: number;
  details?: Record<string, unknown>;
}

export interface ScheduleSummary {
  last?: DeliveryRecord;
  missed: number;
}

export interface Store {
  /** Creates a schedule and writes its audit entry in one transaction. */
  createSchedule(input: NewSchedule, now: number): Promise<ScheduleRecord>;
  getSchedule(id: number): Promise<ScheduleRecord | undefined>;
  /** All schedules except removed ones, oldest first; optionally only those whose channel starts with `channelPrefix`. */
  listSchedules(channelPrefix?: string): Promise<ScheduleRecord[]>;
  /** Schedules the scheduler runs (status active). */
  activeSchedules(): Promise<ScheduleRecord[]>;
  /** Changes status (and re-arms on resume) and writes the audit entry in one transaction. */
  setScheduleStatus(id: number, status: ScheduleStatus, change: { now: number; reason?: string; rearm?: boolean; audit?: NewAuditEntry }): Promise<ScheduleRecord | undefined>;
  /** Turns the chart image of a schedule's digests on or off and writes the audit entry in one transaction. */
  setScheduleChart(id: number, chart: boolean, change: { now: number; audit?: NewAuditEntry }): Promise<ScheduleRecord | undefined>;
  /** Turns a schedule's digest thread on or off and writes the audit entry in one transaction. */
  setScheduleThread(id: number, thread: boolean, change: { now: number; audit?: NewAuditEntry }): Promise<ScheduleRecord | undefined>;

  audit(entry: NewAuditEntry): Promise<void>;
  auditLog(limit?: number): Promise<AuditEntry[]>;

  /** Revision alerts: subscriptions, their announcement ledger, the figures seen, data-version state. */
  readonly alerts: AlertStore;
  /** News feeds, kept headlines, the headlines each channel was shown. */
  readonly news: NewsStore;
  /** The open database, for the stores inside src/store (no module outside it touches a handle). */
  readonly database: Database;
  /** Dialect, migration version, location, and whether writes can still be kept (for /healthz). */
  health(): DatabaseHealth;
  close(): Promise<void>;
}
