/**
 * The Store over any open Database: each area keeps its own queries (schedules.ts, audit.ts,
 * alerts.ts, news.ts, data-state.ts) and this class only puts them behind the one interface the services use.
 */
import type { AlertStore } from './alerts.js';
import { KyselyAlertStore } from './alerts.js';
import { readAuditLog, writeAudit } from './audit.js';
import type { Database, DatabaseHealth } from './database.js';
import { KyselyNewsStore, type NewsStore } from './news.js';
import { ScheduleStore } from './schedules.js';
import type {
  AuditEntry,
  NewAuditEntry,
  NewSchedule,
  ScheduleRecord,
  ScheduleStatus,
  Store,
} from './types.js';
import { writeOnce } from './write.js';

export class KyselyStore implements Store {
  readonly schedules: ScheduleStore;
  readonly alerts: AlertStore;
  readonly news: NewsStore;

  constructor(readonly database: Database) {
    this.schedules = new ScheduleStore(database);
    this.alerts = new KyselyAlertStore(database);
    this.news = new KyselyNewsStore(database);
  }

  health(): DatabaseHealth {
    return this.database.health();
  }

  createSchedule(input: NewSchedule, now: number): Promise<ScheduleRecord> {
    return this.schedules.create(input, now);
  }
  getSchedule(id: number): Promise<ScheduleRecord | undefined> {
    return this.schedules.get(id);
  }
  listSchedules(channelPrefix?: string): Promise<ScheduleRecord[]> {
    return this.schedules.list(channelPrefix);
  }
  activeSchedules(): Promise<ScheduleRecord[]> {
    return this.schedules.active();
  }
  setScheduleStatus(id: number, status: ScheduleStatus, change: { now: number; reason?: string; rearm?: boolean; audit?: NewAuditEntry }) {
    return this.schedules.setStatus(id, status, change);
  }
  setScheduleChart(id: number, chart: boolean, change: { now: number; audit?: NewAuditEntry }) {
    return this.schedules.setChart(id, chart, change);
  }
  setScheduleThread(id: number, thread: boolean, change: { now: number; audit?: NewAuditEntry }) {
    return this.schedules.setThread(id, thread, change);
  }

  audit(entry: NewAuditEntry): Promise<void> {
    return writeOnce(this.database, (db) => writeAudit(db, entry));
  }
  auditLog(limit = 100): Promise<AuditEntry[]> {
    return readAuditLog(this.database.kysely, limit);
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
