/**
 * The digest ledger of release 0.1 (table `deliveries`), ported query for query from the hand-written SQLite
 * store so the scheduler keeps its behaviour on both dialects until the delivery engine (src/delivery, over
 * ledger.ts) replaces it. One row per (schedule, slot): UNIQUE(schedule_id, slot) is the exactly-once
 * guarantee — a slot is claimed with INSERT … ON CONFLICT DO NOTHING RETURNING before anything is posted, and
 * a second claim inserts nothing. Status changes only touch rows still in flight (claimed or sending).
 */
import type { Selectable } from 'kysely';
import type { Database } from './database.js';
import type { DeliveriesTable } from './schema.js';
import type { ClaimRequest, DeliveryRecord, ScheduleSummary } from './types.js';
import { capError, chunks, transaction, writeOnce } from './write.js';

const IN_FLIGHT = ['claimed', 'sending'] as const;
/** Rows per multi-row claim INSERT: 9 parameters each, well under both dialects' parameter limits. */
const CLAIM_BATCH = 200;

const toDelivery = (r: Selectable<DeliveriesTable>): DeliveryRecord => ({
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

const slotKey = (scheduleId: number, slot: string) => `${scheduleId}\u0000${slot}`;

const claimRow = (req: ClaimRequest) => ({
  schedule_id: req.scheduleId,
  slot: req.slot,
  kind: req.kind,
  due_at: req.dueAt,
  channel_id: req.channelId,
  status: 'claimed' as const,
  late: req.late ? 1 : 0,
  claimed_at: req.now,
  next_attempt_at: req.now,
});

export class DigestLedger {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.kysely;
  }

  /** The due time of the newest scheduled (not manual) row per schedule: where slot enumeration resumes. */
  async lastScheduledDueAt(scheduleIds: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const ids of chunks(scheduleIds)) {
      const rows = await this.db
        .selectFrom('deliveries')
        .select(['schedule_id', (eb) => eb.fn.max('due_at').as('due')])
        .where('schedule_id', 'in', ids)
        .where('kind', '=', 'scheduled')
        .groupBy('schedule_id')
        .execute();
      for (const r of rows) if (r.due !== null) out.set(r.schedule_id, Number(r.due));
    }
    return out;
  }

  /** One INSERT, atomic on its own (no transaction round trips): the row, or undefined when the slot is taken. */
  async claimSlot(req: ClaimRequest): Promise<DeliveryRecord | undefined> {
    const row = await writeOnce(this.database, (db) =>
      db
        .insertInto('deliveries')
        .values(claimRow(req))
        .onConflict((oc) => oc.columns(['schedule_id', 'slot']).doNothing())
        .returningAll()
        .executeTakeFirst(),
    );
    return row ? toDelivery(row) : undefined;
  }

  /**
   * Claims many slots in one transaction, a multi-row INSERT per batch (a thousand claims cost a few
   * statements and one commit); the result is aligned with `reqs` (undefined = already in the ledger).
   */
  async claimSlots(reqs: ClaimRequest[]): Promise<(DeliveryRecord | undefined)[]> {
    if (reqs.length === 0) return [];
    const inserted = await transaction(this.database, async (trx) => {
      const rows: Selectable<DeliveriesTable>[] = [];
      for (const batch of chunks(reqs, CLAIM_BATCH)) {
        const returned = await trx
          .insertInto('deliveries')
          .values(
            batch.map(claimRow),
          )
          .onConflict((oc) => oc.columns(['schedule_id', 'slot']).doNothing())
          .returningAll()
          .execute();
        rows.push(...returned);
      }
      return rows;
    });
    const byKey = new Map(inserted.map((r) => [slotKey(r.schedule_id, r.slot), r]));
    // The same slot twice in one call: only the first request gets the row, as with one INSERT each.
    return reqs.map((req) => {
      const key = slotKey(req.scheduleId, req.slot);
      const row = byKey.get(key);
      byKey.delete(key);
      return row ? toDelivery(row) : undefined;
    });
  }

  /** Records owed slots the bot was down for past the grace window; existing rows are left alone. */
  async recordMissed(rows: Omit<ClaimRequest, 'late' | 'kind'>[]): Promise<number> {
    if (rows.length === 0) return 0;
    return transaction(this.database, async (trx) => {
      let n = 0;
      for (const batch of chunks(rows, CLAIM_BATCH)) {
        const inserted = await trx
          .insertInto('deliveries')
          .values(
            batch.map((row) => ({
              schedule_id: row.scheduleId,
              slot: row.slot,
              kind: 'scheduled' as const,
              due_at: row.dueAt,
              channel_id: row.channelId,
              status: 'missed' as const,
              claimed_at: row.now,
              next_attempt_at: row.now,
              error: 'the bot was not running within the grace window',
            })),
          )
          .onConflict((oc) => oc.columns(['schedule_id', 'slot']).doNothing())
          .returning('id')
          .execute();
        n += inserted.length;
      }
      return n;
    });
  }

  async markSending(id: number): Promise<void> {
    await writeOnce(this.database, (db) =>
      db
        .updateTable('deliveries')
        .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .where('status', 'in', IN_FLIGHT)
        .execute(),
    );
  }

  /** Back to claimed (the platform said it did not post, e.g. 429), to be tried at `nextAttemptAt`. */
  async release(id: number, nextAttemptAt: number, error?: string): Promise<void> {
    await writeOnce(this.database, (db) =>
      db
        .updateTable('deliveries')
        .set({ status: 'claimed', next_attempt_at: nextAttemptAt, error: error ? capError(error) : null })
        .where('id', '=', id)
        .where('status', 'in', IN_FLIGHT)
        .execute(),
    );
  }

  async markDelivered(id: number, now: number, seenFigureIds: string[]): Promise<void> {
    await writeOnce(this.database, (db) =>
      db
        .updateTable('deliveries')
        .set({ status: 'delivered', delivered_at: now, seen_figure_ids: JSON.stringify(seenFigureIds), error: null })
        .where('id', '=', id)
        .where('status', 'in', IN_FLIGHT)
        .execute(),
    );
  }

  async markFailed(id: number, error: string): Promise<void> {
    await this.finish(id, 'failed', error);
  }

  async markMissed(id: number, error: string): Promise<void> {
    await this.finish(id, 'missed', error);
  }

  private async finish(id: number, status: 'failed' | 'missed', error: string): Promise<void> {
    await writeOnce(this.database, (db) =>
      db.updateTable('deliveries').set({ status, error: capError(error) }).where('id', '=', id).where('status', 'in', IN_FLIGHT).execute(),
    );
  }

  /** Re-queues a row left in flight by a dead process. */
  async requeueRecovered(id: number, now: number): Promise<void> {
    await writeOnce(this.database, (db) =>
      db
        .updateTable('deliveries')
        .set((eb) => ({ status: 'claimed', recoveries: eb('recoveries', '+', 1), next_attempt_at: now }))
        .where('id', '=', id)
        .where('status', 'in', IN_FLIGHT)
        .execute(),
    );
  }

  /** Rows not final (claimed or sending), by due time. */
  async unfinished(): Promise<DeliveryRecord[]> {
    const rows = await this.db.selectFrom('deliveries').selectAll().where('status', 'in', IN_FLIGHT).orderBy('due_at').orderBy('id').execute();
    return rows.map(toDelivery);
  }

  /** The newest delivered digest in a channel before `before` (any schedule, scheduled or manual). */
  async previous(channelId: string, before: number): Promise<DeliveryRecord | undefined> {
    const row = await this.db
      .selectFrom('deliveries')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('status', '=', 'delivered')
      .where('delivered_at', '<', before)
      .orderBy('delivered_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toDelivery(row) : undefined;
  }

  /** Last row (by due time) and the number of missed slots, per schedule. */
  async summaries(scheduleIds: number[]): Promise<Map<number, ScheduleSummary>> {
    const missed = new Map<number, number>();
    for (const ids of chunks(scheduleIds)) {
      const rows = await this.db
        .selectFrom('deliveries')
        .select(['schedule_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('schedule_id', 'in', ids)
        .where('status', '=', 'missed')
        .groupBy('schedule_id')
        .execute();
      for (const r of rows) missed.set(r.schedule_id, Number(r.n));
    }
    const out = new Map<number, ScheduleSummary>();
    for (const id of scheduleIds) {
      const last = await this.db
        .selectFrom('deliveries')
        .selectAll()
        .where('schedule_id', '=', id)
        .orderBy('due_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      out.set(id, { last: last ? toDelivery(last) : undefined, missed: missed.get(id) ?? 0 });
    }
    return out;
  }

  async of(scheduleId: number): Promise<DeliveryRecord[]> {
    const rows = await this.db.selectFrom('deliveries').selectAll().where('schedule_id', '=', scheduleId).orderBy('due_at').orderBy('id').execute();
    return rows.map(toDelivery);
  }
}
