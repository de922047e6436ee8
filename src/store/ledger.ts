/**
 * The delivery ledger (src/delivery/ledger.ts) on SQLite and PostgreSQL, written once with Kysely:
 *
 * - insert: `INSERT … ON CONFLICT (kind, subject, target, slot) DO NOTHING RETURNING *` — a second insert of
 *   the same post returns nothing; that is the exactly-once guarantee.
 * - claim: one `UPDATE … SET lease … WHERE id IN (SELECT … due, lease free or expired … LIMIT n) RETURNING *`.
 *   On PostgreSQL the subquery takes `FOR UPDATE SKIP LOCKED`, so replicas claiming at the same instant take
 *   disjoint rows instead of queueing on each other; a row whose lease a concurrent claim just renewed fails
 *   the re-checked WHERE. On SQLite the statement runs under the single writer lock: atomic as it is.
 * - every worker write is `UPDATE … WHERE id = ? AND lease_owner = ? AND status IN ('pending', 'sending')`: a
 *   replica that lost its lease changes nothing.
 * Writes go through `assertWritable()`, so a write to a deleted SQLite file is never confirmed.
 */
import { sql, type ExpressionBuilder, type Selectable, type UpdateObject } from 'kysely';
import {
  capText,
  UNFINISHED,
  type ClaimOptions,
  type DeliveryKind,
  type FinalStatus,
  type Json,
  type Lease,
  type Ledger,
  type LedgerRow,
  type NewLedgerRow,
  type RowFilter,
} from '../delivery/ledger.js';
import type { Database } from './database.js';
import type { DeliveryLedgerTable, Tables } from './schema.js';

type Row = Selectable<DeliveryLedgerTable>;

/** Rows per INSERT statement (columns × rows stays far below either dialect's parameter limit). */
const INSERT_CHUNK = 200;

const parse = (text: string | null): Json | null => (text === null ? null : (JSON.parse(text) as Json));

function toRow(r: Row): LedgerRow {
  return {
    id: Number(r.id),
    kind: r.kind,
    subject: r.subject,
    target: r.target,
    slot: r.slot,
    status: r.status,
    dueAt: Number(r.due_at),
    notBefore: Number(r.not_before),
    createdAt: Number(r.created_at),
    leaseOwner: r.lease_owner,
    leaseUntil: Number(r.lease_until),
    attempts: Number(r.attempts),
    takeovers: Number(r.takeovers),
    ambiguous: Number(r.ambiguous) === 1,
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
    error: r.error,
    payload: parse(r.payload) ?? {},
    result: parse(r.result),
    progress: parse(r.progress),
    messageRef: r.message_ref,
  };
}

const keyOf = (r: { kind: string; subject: string; target: string; slot: string }) => `${r.kind}\u0000${r.subject}\u0000${r.target}\u0000${r.slot}`;
const byDue = (a: LedgerRow, b: LedgerRow) => a.dueAt - b.dueAt || a.id - b.id;

export class KyselyLedger implements Ledger {
  constructor(private readonly db: Database) {}

  private get k() {
    return this.db.kysely;
  }

  private written<T>(value: T): T {
    this.db.assertWritable();
    return value;
  }

  async insert(rows: readonly NewLedgerRow[], now: number, lease?: Lease): Promise<(LedgerRow | undefined)[]> {
    if (rows.length === 0) return [];
    const inserted = new Map<string, LedgerRow>();
    await this.k.transaction().execute(async (tx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const values = rows.slice(i, i + INSERT_CHUNK).map((r) => {
          const status = r.status ?? 'pending';
          const leased = lease !== undefined && status === 'pending';
          return {
            kind: r.kind,
            subject: r.subject,
            target: r.target,
            slot: r.slot,
            status,
            due_at: r.dueAt,
            not_before: r.notBefore ?? r.dueAt,
            created_at: now,
            lease_owner: leased ? lease.owner : null,
            lease_until: leased ? lease.until : 0,
            error: r.error ? capText(r.error) : null,
            payload: JSON.stringify(r.payload ?? {}),
          };
        });
        const out = await tx
          .insertInto('delivery_ledger')
          .values(values)
          .onConflict((oc) => oc.columns(['kind', 'subject', 'target', 'slot']).doNothing())
          .returningAll()
          .execute();
        for (const r of out) inserted.set(keyOf(r), toRow(r));
      }
    });
    this.db.assertWritable();
    // Two equal keys in one call: only the first gets the row.
    const seen = new Set<string>();
    return rows.map((r) => {
      const key = keyOf(r);
      if (seen.has(key)) return undefined;
      seen.add(key);
      return inserted.get(key);
    });
  }

  async claim(o: ClaimOptions): Promise<LedgerRow[]> {
    if (o.limit <= 0 || o.kinds?.length === 0 || o.targetPrefixes?.length === 0) return [];
    let due = this.k
      .selectFrom('delivery_ledger')
      .select('id')
      .where('status', 'in', [...UNFINISHED])
      .where('not_before', '<=', o.now)
      .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_until', '<', o.now)]));
    if (o.kinds) due = due.where('kind', 'in', [...o.kinds]);
    if (o.targetPrefixes) {
      const prefixes = o.targetPrefixes;
      // substr(…) = prefix rather than LIKE: a prefix is data, never a pattern.
      due = due.where((eb) => eb.or(prefixes.map((p) => eb(sql<string>`substr(target, 1, ${p.length})`, '=', p))));
    }
    due = due.orderBy('due_at').orderBy('id').limit(o.limit);
    if (this.db.kind === 'postgres') due = due.forUpdate().skipLocked();
    const postgres = this.db.kind === 'postgres';
    const rows = await this.k
      .updateTable('delivery_ledger')
      .set((eb) => ({
        lease_owner: o.owner,
        lease_until: o.now + o.leaseMs,
        takeovers: eb.case().when('status', '=', 'sending').then(eb('takeovers', '+', 1)).else(eb.ref('takeovers')).end(),
      }))
      // PostgreSQL may run `id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` as a join that rescans the subquery,
      // each rescan skipping the rows just locked and returning others: one claim of 64 leased all 300 due rows
      // (every fan-out then sat on one replica). ARRAY(SELECT …) is evaluated once, so the LIMIT holds.
      .where(postgres ? sql<boolean>`id = any(array(${due}))` : (eb) => eb('id', 'in', due))
      .where('status', 'in', [...UNFINISHED])
      .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_until', '<', o.now)]))
      .returningAll()
      .execute();
    return this.written(rows.map(toRow).sort(byDue));
  }

  async renew(owner: string, ids: readonly number[], until: number): Promise<number[]> {
    if (ids.length === 0) return [];
    const kept: number[] = [];
    for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
      const out = await this.k
        .updateTable('delivery_ledger')
        .set({ lease_until: until })
        .where('id', 'in', ids.slice(i, i + INSERT_CHUNK))
        .where('lease_owner', '=', owner)
        .where('status', 'in', [...UNFINISHED])
        .returning('id')
        .execute();
      kept.push(...out.map((r) => Number(r.id)));
    }
    return this.written(kept);
  }

  /** One conditional update of a row this owner holds; true when it applied. */
  private async held(id: number, owner: string, set: UpdateObject<Tables, 'delivery_ledger'> | ((eb: ExpressionBuilder<Tables, 'delivery_ledger'>) => UpdateObject<Tables, 'delivery_ledger'>)): Promise<boolean> {
    const result = await this.k
      .updateTable('delivery_ledger')
      .set(set as UpdateObject<Tables, 'delivery_ledger'>)
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', 'in', [...UNFINISHED])
      .executeTakeFirst();
    return this.written(Number(result.numUpdatedRows) > 0);
  }

  markSending(id: number, owner: string): Promise<boolean> {
    return this.held(id, owner, (eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1) }));
  }

  complete(id: number, owner: string, outcome: { now: number; messageRef?: string | null; result?: Json }): Promise<boolean> {
    return this.held(id, owner, (eb) => ({
      status: 'delivered',
      delivered_at: outcome.now,
      error: null,
      lease_owner: null,
      lease_until: 0,
      ...(outcome.result !== undefined ? { result: JSON.stringify(outcome.result) } : {}),
      message_ref: outcome.messageRef ?? eb.ref('message_ref'),
    }));
  }

  release(id: number, owner: string, change: { notBefore: number; error?: string; ambiguous?: boolean; keepLease?: boolean }): Promise<boolean> {
    return this.held(id, owner, {
      status: 'pending',
      not_before: change.notBefore,
      error: change.error ? capText(change.error) : null,
      ...(change.keepLease ? {} : { lease_owner: null, lease_until: 0 }),
      ...(change.ambiguous ? { ambiguous: 1 } : {}),
    });
  }

  finish(id: number, owner: string, status: FinalStatus, error: string): Promise<boolean> {
    return this.held(id, owner, { status, error: capText(error), lease_owner: null, lease_until: 0 });
  }

  saveProgress(id: number, owner: string, progress: Json, messageRef?: string | null): Promise<boolean> {
    return this.held(id, owner, { progress: JSON.stringify(progress), ...(messageRef !== undefined ? { message_ref: messageRef } : {}) });
  }

  async get(id: number): Promise<LedgerRow | undefined> {
    const row = await this.k.selectFrom('delivery_ledger').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRow(row) : undefined;
  }

  async rows(f: RowFilter): Promise<LedgerRow[]> {
    let q = this.k.selectFrom('delivery_ledger').selectAll();
    if (f.kind !== undefined) q = q.where('kind', '=', f.kind);
    if (f.subject !== undefined) q = q.where('subject', '=', f.subject);
    if (f.target !== undefined) q = q.where('target', '=', f.target);
    if (f.statuses !== undefined) q = q.where('status', 'in', [...f.statuses]);
    return (await q.orderBy('due_at').orderBy('id').execute()).map(toRow);
  }

  async lastDueAt(kind: DeliveryKind, subjects: readonly string[], excludeSlotPrefix?: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < subjects.length; i += INSERT_CHUNK) {
      let q = this.k
        .selectFrom('delivery_ledger')
        .select(['subject', (eb) => eb.fn.max('due_at').as('due')])
        .where('kind', '=', kind)
        .where('subject', 'in', subjects.slice(i, i + INSERT_CHUNK));
      if (excludeSlotPrefix) q = q.where(sql<string>`substr(slot, 1, ${excludeSlotPrefix.length})`, '!=', excludeSlotPrefix);
      for (const r of await q.groupBy('subject').execute()) if (r.due !== null) out.set(r.subject, Number(r.due));
    }
    return out;
  }

  async lastDelivered(kind: DeliveryKind, target: string, before: number): Promise<LedgerRow | undefined> {
    const row = await this.k
      .selectFrom('delivery_ledger')
      .selectAll()
      .where('kind', '=', kind)
      .where('target', '=', target)
      .where('status', '=', 'delivered')
      .where('delivered_at', '<', before)
      .orderBy('delivered_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toRow(row) : undefined;
  }

  async summaries(kind: DeliveryKind, subjects: readonly string[]): Promise<Map<string, { last?: LedgerRow; missed: number }>> {
    const out = new Map<string, { last?: LedgerRow; missed: number }>(subjects.map((s) => [s, { missed: 0 }]));
    for (const subject of subjects) {
      const last = await this.k
        .selectFrom('delivery_ledger')
        .selectAll()
        .where('kind', '=', kind)
        .where('subject', '=', subject)
        .orderBy('due_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      const missed = await this.k
        .selectFrom('delivery_ledger')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kind', '=', kind)
        .where('subject', '=', subject)
        .where('status', '=', 'missed')
        .executeTakeFirst();
      out.set(subject, { ...(last ? { last: toRow(last) } : {}), missed: Number(missed?.n ?? 0) });
    }
    return out;
  }

  async countUnfinished(kind?: DeliveryKind): Promise<number> {
    let q = this.k.selectFrom('delivery_ledger').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', [...UNFINISHED]);
    if (kind) q = q.where('kind', '=', kind);
    return Number((await q.executeTakeFirst())?.n ?? 0);
  }

  async nextClaimableAt(): Promise<number | undefined> {
    const r = await this.k
      .selectFrom('delivery_ledger')
      .select([
        sql<number | null>`MIN(CASE WHEN lease_owner IS NULL THEN not_before END)`.as('free'),
        sql<number | null>`MIN(CASE WHEN lease_owner IS NOT NULL THEN lease_until END)`.as('leased'),
      ])
      .where('status', 'in', [...UNFINISHED])
      .executeTakeFirst();
    const values = [r?.free, r?.leased].filter((v): v is number => v !== null && v !== undefined).map(Number);
    return values.length ? Math.min(...values) : undefined;
  }

  async oldestDue(now: number): Promise<number | undefined> {
    const r = await this.k
      .selectFrom('delivery_ledger')
      .select((eb) => eb.fn.min('due_at').as('due'))
      .where('status', 'in', [...UNFINISHED])
      .where('due_at', '<=', now)
      .executeTakeFirst();
    return r?.due === null || r?.due === undefined ? undefined : Number(r.due);
  }
}
