/**
 * The SQLite store (better-sqlite3): one file, WAL mode so readers never block the writer, migrations
 * at open. better-sqlite3 is synchronous and each statement takes microseconds, so the async interface
 * simply wraps results; transactions are real SQLite transactions.
 */
import type { Database } from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { openSqlite, type SqliteDatabase } from './sqlite-database.js';
import { parseDatabaseUrl } from './url.js';
import type {
  AuditEntry,
  ClaimRequest,
  DeliveryRecord,
  NewAuditEntry,
  NewSchedule,
  ScheduleRecord,
  ScheduleStatus,
  ScheduleSummary,
  Store,
} from './types.js';

interface ScheduleRow {
  id: number;
  channel_id: string;
  kind: 'time' | 'cron';
  time: string | null;
  days: string | null;
  cron: string | null;
  zone: string;
  status: ScheduleStatus;
  status_reason: string | null;
  created_by: string;
  created_by_name: string | null;
  created_at: number;
  armed_from: number;
  updated_at: number;
  chart: number;
}

interface DeliveryRow {
  id: number;
  schedule_id: number;
  slot: string;
  kind: 'scheduled' | 'manual';
  due_at: number;
  channel_id: string;
  status: DeliveryRecord['status'];
  late: number;
  attempts: number;
  recoveries: number;
  claimed_at: number;
  next_attempt_at: number;
  delivered_at: number | null;
  error: string | null;
  seen_figure_ids: string;
}

const toSchedule = (r: ScheduleRow): ScheduleRecord => ({
  id: r.id,
  channelId: r.channel_id,
  kind: r.kind,
  time: r.time,
  days: r.days,
  cron: r.cron,
  zone: r.zone,
  status: r.status,
  statusReason: r.status_reason,
  createdBy: r.created_by,
  createdByName: r.created_by_name,
  createdAt: r.created_at,
  armedFrom: r.armed_from,
  updatedAt: r.updated_at,
  chart: r.chart === 1,
});

const toDelivery = (r: DeliveryRow): DeliveryRecord => ({
  id: r.id,
  scheduleId: r.schedule_id,
  slot: r.slot,
  kind: r.kind,
  dueAt: r.due_at,
  channelId: r.channel_id,
  status: r.status,
  late: r.late === 1,
  attempts: r.attempts,
  recoveries: r.recoveries,
  claimedAt: r.claimed_at,
  nextAttemptAt: r.next_attempt_at,
  deliveredAt: r.delivered_at,
  error: r.error,
  seenFigureIds: JSON.parse(r.seen_figure_ids) as string[],
});

/**
 * Errors (and failure reasons) are stored for `list`; a platform's error text is capped so a hostile or huge one
 * cannot bloat the row. Shared by every store in the file (digests, alerts, news feeds).
 */
export const capError = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

/**
 * Prepares the one way an audit_log row is written. The digest, alert and news stores share the table and
 * write through this, so every row has the same shape (null name/schedule when absent, details as JSON).
 */
export function prepareAuditWriter(db: Database): (entry: NewAuditEntry) => void {
  const insert = db.prepare(
    `INSERT INTO audit_log (at, actor, actor_name, action, schedule_id, details) VALUES (@at, @actor, @actorName, @action, @scheduleId, @details)`,
  );
  return (entry) => {
    insert.run({
      at: entry.at,
      actor: entry.actor,
      actorName: entry.actorName ?? null,
      action: entry.action,
      scheduleId: entry.scheduleId ?? null,
      details: JSON.stringify(entry.details ?? {}),
    });
  };
}

/** The SQLite file DATABASE_URL names ("./data/x.sqlite", "sqlite:x.sqlite", ":memory:" …). */
export function sqlitePathOf(databaseUrl: string): string {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind !== 'sqlite') throw new Error('DATABASE_URL names PostgreSQL: open it with openDatabase()');
  return target.path;
}

export class SqliteStore implements Store {
  readonly db: Database;
  readonly database: SqliteDatabase;
  private readonly stmts;
  private readonly writeAudit: (entry: NewAuditEntry) => void;

  constructor(readonly path: string) {
    this.database = openSqlite(path, { migrations: MIGRATIONS });
    this.db = this.database.handle;
    this.stmts = this.prepare();
    this.writeAudit = prepareAuditWriter(this.db);
  }

  private prepare() {
    const db = this.db;
    return {
      insertSchedule: db.prepare(
        `INSERT INTO schedules (channel_id, kind, time, days, cron, zone, status, created_by, created_by_name, created_at, armed_from, updated_at)
         VALUES (@channelId, @kind, @time, @days, @cron, @zone, 'active', @createdBy, @createdByName, @now, @now, @now)`,
      ),
      getSchedule: db.prepare<[number], ScheduleRow>('SELECT * FROM schedules WHERE id = ?'),
      listSchedules: db.prepare<[{ prefix: string }], ScheduleRow>(
        `SELECT * FROM schedules WHERE status != 'removed' AND substr(channel_id, 1, length(@prefix)) = @prefix ORDER BY id`,
      ),
      activeSchedules: db.prepare<[], ScheduleRow>(`SELECT * FROM schedules WHERE status = 'active' ORDER BY id`),
      setStatus: db.prepare(
        `UPDATE schedules SET status = @status, status_reason = @reason, updated_at = @now,
           armed_from = CASE WHEN @rearm THEN @now ELSE armed_from END
         WHERE id = @id AND status != 'removed'`,
      ),
      setChart: db.prepare(`UPDATE schedules SET chart = @chart, updated_at = @now WHERE id = @id AND status != 'removed'`),
      lastDue: db.prepare<[number], { due: number | null }>(
        `SELECT MAX(due_at) AS due FROM deliveries WHERE schedule_id = ? AND kind = 'scheduled'`,
      ),
      claim: db.prepare(
        `INSERT INTO deliveries (schedule_id, slot, kind, due_at, channel_id, status, late, claimed_at, next_attempt_at)
         VALUES (@scheduleId, @slot, @kind, @dueAt, @channelId, 'claimed', @late, @now, @now)
         ON CONFLICT (schedule_id, slot) DO NOTHING
         RETURNING *`,
      ),
      missed: db.prepare(
        `INSERT INTO deliveries (schedule_id, slot, kind, due_at, channel_id, status, claimed_at, next_attempt_at, error)
         VALUES (@scheduleId, @slot, 'scheduled', @dueAt, @channelId, 'missed', @now, @now, 'the bot was not running within the grace window')
         ON CONFLICT (schedule_id, slot) DO NOTHING`,
      ),
      getDelivery: db.prepare<[number], DeliveryRow>('SELECT * FROM deliveries WHERE id = ?'),
      markSending: db.prepare(`UPDATE deliveries SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status IN ('claimed', 'sending')`),
      release: db.prepare(`UPDATE deliveries SET status = 'claimed', next_attempt_at = ?, error = ? WHERE id = ? AND status IN ('claimed', 'sending')`),
      delivered: db.prepare(
        `UPDATE deliveries SET status = 'delivered', delivered_at = ?, seen_figure_ids = ?, error = NULL WHERE id = ? AND status IN ('claimed', 'sending')`,
      ),
      failed: db.prepare(`UPDATE deliveries SET status = 'failed', error = ? WHERE id = ? AND status IN ('claimed', 'sending')`),
      markMissed: db.prepare(`UPDATE deliveries SET status = 'missed', error = ? WHERE id = ? AND status IN ('claimed', 'sending')`),
      requeue: db.prepare(
        `UPDATE deliveries SET status = 'claimed', recoveries = recoveries + 1, next_attempt_at = ? WHERE id = ? AND status IN ('claimed', 'sending')`,
      ),
      unfinished: db.prepare<[], DeliveryRow>(`SELECT * FROM deliveries WHERE status IN ('claimed', 'sending') ORDER BY due_at, id`),
      previous: db.prepare<[string, number], DeliveryRow>(
        `SELECT * FROM deliveries WHERE channel_id = ? AND status = 'delivered' AND delivered_at < ? ORDER BY delivered_at DESC LIMIT 1`,
      ),
      lastRow: db.prepare<[number], DeliveryRow>(`SELECT * FROM deliveries WHERE schedule_id = ? ORDER BY due_at DESC, id DESC LIMIT 1`),
      missedCount: db.prepare<[number], { n: number }>(`SELECT COUNT(*) AS n FROM deliveries WHERE schedule_id = ? AND status = 'missed'`),
      deliveriesOf: db.prepare<[number], DeliveryRow>(`SELECT * FROM deliveries WHERE schedule_id = ? ORDER BY due_at, id`),
      auditLog: db.prepare<[number], { id: number; at: number; actor: string; actor_name: string | null; action: string; schedule_id: number | null; details: string }>(
        `SELECT * FROM audit_log ORDER BY id DESC LIMIT ?`,
      ),
    };
  }

  async createSchedule(input: NewSchedule, now: number): Promise<ScheduleRecord> {
    return this.db.transaction(() => {
      const result = this.stmts.insertSchedule.run({
        channelId: input.channelId,
        kind: input.kind,
        time: input.time ?? null,
        days: input.days ?? null,
        cron: input.cron ?? null,
        zone: input.zone,
        createdBy: input.createdBy,
        createdByName: input.createdByName ?? null,
        now,
      });
      const id = Number(result.lastInsertRowid);
      const record = toSchedule(this.stmts.getSchedule.get(id)!);
      this.writeAudit({
        at: now,
        actor: input.createdBy,
        actorName: input.createdByName,
        action: 'add',
        scheduleId: id,
        details: { channelId: input.channelId, kind: input.kind, time: input.time, days: input.days, cron: input.cron, zone: input.zone },
      });
      return record;
    })();
  }

  async getSchedule(id: number): Promise<ScheduleRecord | undefined> {
    const row = this.stmts.getSchedule.get(id);
    return row ? toSchedule(row) : undefined;
  }

  async listSchedules(channelPrefix = ''): Promise<ScheduleRecord[]> {
    return this.stmts.listSchedules.all({ prefix: channelPrefix }).map(toSchedule);
  }

  async activeSchedules(): Promise<ScheduleRecord[]> {
    return this.stmts.activeSchedules.all().map(toSchedule);
  }

  async setScheduleStatus(
    id: number,
    status: ScheduleStatus,
    change: { now: number; reason?: string; rearm?: boolean; audit?: NewAuditEntry },
  ): Promise<ScheduleRecord | undefined> {
    return this.db.transaction(() => {
      const result = this.stmts.setStatus.run({ id, status, reason: change.reason ?? null, now: change.now, rearm: change.rearm ? 1 : 0 });
      if (result.changes === 0) return undefined;
      if (change.audit) this.writeAudit(change.audit);
      return toSchedule(this.stmts.getSchedule.get(id)!);
    })();
  }

  async setScheduleChart(id: number, chart: boolean, change: { now: number; audit?: NewAuditEntry }): Promise<ScheduleRecord | undefined> {
    return this.db.transaction(() => {
      const result = this.stmts.setChart.run({ id, chart: chart ? 1 : 0, now: change.now });
      if (result.changes === 0) return undefined;
      if (change.audit) this.writeAudit(change.audit);
      return toSchedule(this.stmts.getSchedule.get(id)!);
    })();
  }

  async lastScheduledDueAt(scheduleIds: number[]): Promise<Map<number, number>> {
    // One read transaction for all of them (an index lookup each), instead of one implicit transaction per id.
    return this.db.transaction(() => {
      const out = new Map<number, number>();
      for (const id of scheduleIds) {
        const due = this.stmts.lastDue.get(id)?.due;
        if (due !== null && due !== undefined) out.set(id, due);
      }
      return out;
    })();
  }

  async claimSlot(req: ClaimRequest): Promise<DeliveryRecord | undefined> {
    return this.claimOne(req);
  }

  async claimSlots(reqs: ClaimRequest[]): Promise<(DeliveryRecord | undefined)[]> {
    // One transaction: a thousand claims cost one commit instead of a thousand.
    return this.db.transaction(() => reqs.map((req) => this.claimOne(req)))();
  }

  private claimOne(req: ClaimRequest): DeliveryRecord | undefined {
    // RETURNING gives the new row, or nothing when the slot is already in the ledger (DO NOTHING).
    const row = this.stmts.claim.get({
      scheduleId: req.scheduleId,
      slot: req.slot,
      kind: req.kind,
      dueAt: req.dueAt,
      channelId: req.channelId,
      late: req.late ? 1 : 0,
      now: req.now,
    }) as DeliveryRow | undefined;
    return row ? toDelivery(row) : undefined;
  }

  async recordMissed(rows: Omit<ClaimRequest, 'late' | 'kind'>[]): Promise<number> {
    return this.db.transaction(() => {
      let n = 0;
      for (const row of rows) {
        n += this.stmts.missed.run({ scheduleId: row.scheduleId, slot: row.slot, dueAt: row.dueAt, channelId: row.channelId, now: row.now }).changes;
      }
      return n;
    })();
  }

  async markSending(id: number): Promise<void> {
    this.stmts.markSending.run(id);
  }

  async release(id: number, nextAttemptAt: number, error?: string): Promise<void> {
    this.stmts.release.run(nextAttemptAt, error ? capError(error) : null, id);
  }

  async markDelivered(id: number, now: number, seenFigureIds: string[]): Promise<void> {
    this.stmts.delivered.run(now, JSON.stringify(seenFigureIds), id);
  }

  async markFailed(id: number, error: string): Promise<void> {
    this.stmts.failed.run(capError(error), id);
  }

  async markMissed(id: number, error: string): Promise<void> {
    this.stmts.markMissed.run(capError(error), id);
  }

  async requeueRecovered(id: number, now: number): Promise<void> {
    this.stmts.requeue.run(now, id);
  }

  async unfinishedDeliveries(): Promise<DeliveryRecord[]> {
    return this.stmts.unfinished.all().map(toDelivery);
  }

  async previousDelivery(channelId: string, before: number): Promise<DeliveryRecord | undefined> {
    const row = this.stmts.previous.get(channelId, before);
    return row ? toDelivery(row) : undefined;
  }

  async summaries(scheduleIds: number[]): Promise<Map<number, ScheduleSummary>> {
    const out = new Map<number, ScheduleSummary>();
    for (const id of scheduleIds) {
      const last = this.stmts.lastRow.get(id);
      out.set(id, { last: last ? toDelivery(last) : undefined, missed: this.stmts.missedCount.get(id)?.n ?? 0 });
    }
    return out;
  }

  async deliveriesOf(scheduleId: number): Promise<DeliveryRecord[]> {
    return this.stmts.deliveriesOf.all(scheduleId).map(toDelivery);
  }

  async audit(entry: NewAuditEntry): Promise<void> {
    this.writeAudit(entry);
  }

  async auditLog(limit = 100): Promise<AuditEntry[]> {
    return this.stmts.auditLog.all(limit).map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      actorName: r.actor_name,
      action: r.action,
      scheduleId: r.schedule_id,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  }

  async close(): Promise<void> {
    if (this.db.open) await this.database.close();
  }
}
