/** Digest schedules: created, listed, paused/resumed/removed (status) and switched (chart), each change audited. */
import type { Selectable } from 'kysely';
import { writeAudit } from './audit.js';
import type { Database, Executor } from './database.js';
import type { SchedulesTable } from './schema.js';
import type { NewAuditEntry, NewSchedule, ScheduleRecord, ScheduleStatus } from './types.js';
import { transaction } from './write.js';

const toSchedule = (r: Selectable<SchedulesTable>): ScheduleRecord => ({
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
  thread: r.thread !== 0,
});

async function byId(db: Executor, id: number): Promise<ScheduleRecord | undefined> {
  const row = await db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toSchedule(row) : undefined;
}

export class ScheduleStore {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.kysely;
  }

  /** Creates a schedule and writes its audit entry in one transaction. */
  create(input: NewSchedule, now: number): Promise<ScheduleRecord> {
    return transaction(this.database, async (trx) => {
      const row = await trx
        .insertInto('schedules')
        .values({
          channel_id: input.channelId,
          kind: input.kind,
          time: input.time ?? null,
          days: input.days ?? null,
          cron: input.cron ?? null,
          zone: input.zone,
          status: 'active',
          created_by: input.createdBy,
          created_by_name: input.createdByName ?? null,
          created_at: now,
          armed_from: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await writeAudit(trx, {
        at: now,
        actor: input.createdBy,
        actorName: input.createdByName,
        action: 'add',
        scheduleId: row.id,
        details: { channelId: input.channelId, kind: input.kind, time: input.time, days: input.days, cron: input.cron, zone: input.zone },
      });
      return toSchedule(row);
    });
  }

  get(id: number): Promise<ScheduleRecord | undefined> {
    return byId(this.db, id);
  }

  /** All but removed ones, oldest first; optionally only channels starting with `channelPrefix` (a platform). */
  async list(channelPrefix = ''): Promise<ScheduleRecord[]> {
    let query = this.db.selectFrom('schedules').selectAll().where('status', '!=', 'removed');
    if (channelPrefix) query = query.where((eb) => eb.fn('substr', ['channel_id', eb.lit(1), eb.lit(channelPrefix.length)]), '=', channelPrefix);
    return (await query.orderBy('id').execute()).map(toSchedule);
  }

  async active(): Promise<ScheduleRecord[]> {
    return (await this.db.selectFrom('schedules').selectAll().where('status', '=', 'active').orderBy('id').execute()).map(toSchedule);
  }

  /** Changes status (and re-arms on resume) and writes the audit entry in one transaction; undefined if removed or unknown. */
  setStatus(
    id: number,
    status: ScheduleStatus,
    change: { now: number; reason?: string; rearm?: boolean; audit?: NewAuditEntry },
  ): Promise<ScheduleRecord | undefined> {
    return transaction(this.database, async (trx) => {
      const result = await trx
        .updateTable('schedules')
        .set({ status, status_reason: change.reason ?? null, updated_at: change.now, ...(change.rearm ? { armed_from: change.now } : {}) })
        .where('id', '=', id)
        .where('status', '!=', 'removed')
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return undefined;
      if (change.audit) await writeAudit(trx, change.audit);
      return byId(trx, id);
    });
  }

  /** Turns the chart image of a schedule's digests on or off and writes the audit entry in one transaction. */
  setChart(id: number, chart: boolean, change: { now: number; audit?: NewAuditEntry }): Promise<ScheduleRecord | undefined> {
    return this.setSwitch(id, 'chart', chart, change);
  }

  /** Digests as a parent post plus a thread (on) or one message (off); the audit entry in the same transaction. */
  setThread(id: number, thread: boolean, change: { now: number; audit?: NewAuditEntry }): Promise<ScheduleRecord | undefined> {
    return this.setSwitch(id, 'thread', thread, change);
  }

  /** One of a schedule's admin switches (0/1 columns), unless it was removed, with its audit entry in one transaction. */
  private setSwitch(id: number, column: 'chart' | 'thread', on: boolean, change: { now: number; audit?: NewAuditEntry }): Promise<ScheduleRecord | undefined> {
    return transaction(this.database, async (trx) => {
      const result = await trx
        .updateTable('schedules')
        .set({ [column]: on ? 1 : 0, updated_at: change.now })
        .where('id', '=', id)
        .where('status', '!=', 'removed')
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return undefined;
      if (change.audit) await writeAudit(trx, change.audit);
      return byId(trx, id);
    });
  }
}
