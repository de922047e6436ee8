/**
 * What is left of the digest ledger of release 0.1 (table `deliveries`). The bot no longer uses it: the delivery
 * engine (src/delivery, over ledger.ts, table `delivery_ledger`) took over, and migration 6 copied the rows. The
 * claim and the two status writes stay only because `npm run bench:store` measures them (the Kysely layer against
 * release 0.1's hand-prepared claim); the table stays for old databases. One row per (schedule, slot):
 * UNIQUE(schedule_id, slot) — a second claim inserts nothing; status changes only touch rows still in flight.
 */
import type { Selectable } from 'kysely';
import type { Database } from './database.js';
import type { DeliveriesTable } from './schema.js';
import type { ClaimRequest, DeliveryRecord } from './types.js';
import { chunks, transaction, writeOnce } from './write.js';

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
}
