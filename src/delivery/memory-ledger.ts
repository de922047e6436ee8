/**
 * The ledger in memory: the same contract as the SQLite/PostgreSQL ledger (test/delivery/ledger-contract.ts
 * runs against all three), for fast engine unit tests and for `capex-bot ask` runs without a database.
 * Single-threaded JavaScript makes every method atomic, which is what a transaction gives the real ones.
 */
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
} from './ledger.js';

const keyOf = (r: Pick<LedgerRow, 'kind' | 'subject' | 'target' | 'slot'>) => `${r.kind}\u0000${r.subject}\u0000${r.target}\u0000${r.slot}`;
const byDue = (a: LedgerRow, b: LedgerRow) => a.dueAt - b.dueAt || a.id - b.id;

export class MemoryLedger implements Ledger {
  private readonly byId = new Map<number, LedgerRow>();
  private readonly byKey = new Map<string, LedgerRow>();
  private nextId = 1;
  /** Test hook: the next `n` writes of these kinds throw (a full disk, SQLITE_BUSY after the timeout). */
  failWrites: { method: 'complete' | 'release' | 'markSending'; times: number } | undefined;

  async insert(rows: readonly NewLedgerRow[], now: number, lease?: Lease): Promise<(LedgerRow | undefined)[]> {
    return rows.map((r) => {
      if (this.byKey.has(keyOf(r))) return undefined;
      const status = r.status ?? 'pending';
      const row: LedgerRow = {
        id: this.nextId++,
        kind: r.kind,
        subject: r.subject,
        target: r.target,
        slot: r.slot,
        status,
        dueAt: r.dueAt,
        notBefore: r.notBefore ?? r.dueAt,
        createdAt: now,
        leaseOwner: lease && status === 'pending' ? lease.owner : null,
        leaseUntil: lease && status === 'pending' ? lease.until : 0,
        attempts: 0,
        takeovers: 0,
        ambiguous: false,
        deliveredAt: null,
        error: r.error ? capText(r.error) : null,
        payload: structuredClone(r.payload ?? {}),
        result: null,
        progress: null,
        messageRef: null,
      };
      this.byId.set(row.id, row);
      this.byKey.set(keyOf(row), row);
      return { ...row };
    });
  }

  async claim(o: ClaimOptions): Promise<LedgerRow[]> {
    const due = [...this.byId.values()]
      .filter(
        (r) =>
          UNFINISHED.includes(r.status) &&
          r.notBefore <= o.now &&
          (r.leaseOwner === null || r.leaseUntil < o.now) &&
          (!o.kinds || o.kinds.includes(r.kind)) &&
          (!o.targetPrefixes || o.targetPrefixes.some((p) => r.target.startsWith(p))),
      )
      .sort(byDue)
      .slice(0, o.limit);
    for (const r of due) {
      if (r.status === 'sending') r.takeovers++;
      r.leaseOwner = o.owner;
      r.leaseUntil = o.now + o.leaseMs;
    }
    return due.map((r) => ({ ...r }));
  }

  private held(id: number, owner: string): LedgerRow | undefined {
    const row = this.byId.get(id);
    return row && row.leaseOwner === owner && UNFINISHED.includes(row.status) ? row : undefined;
  }

  private maybeFail(method: 'complete' | 'release' | 'markSending'): void {
    if (this.failWrites?.method === method && this.failWrites.times > 0) {
      this.failWrites.times--;
      throw new Error(`SQLITE_BUSY: database is locked (injected in ${method})`);
    }
  }

  async renew(owner: string, ids: readonly number[], until: number): Promise<number[]> {
    const kept: number[] = [];
    for (const id of ids) {
      const row = this.held(id, owner);
      if (!row) continue;
      row.leaseUntil = until;
      kept.push(id);
    }
    return kept;
  }

  async markSending(id: number, owner: string): Promise<boolean> {
    this.maybeFail('markSending');
    const row = this.held(id, owner);
    if (!row) return false;
    row.status = 'sending';
    row.attempts++;
    return true;
  }

  async complete(id: number, owner: string, outcome: { now: number; messageRef?: string | null; result?: Json }): Promise<boolean> {
    this.maybeFail('complete');
    const row = this.held(id, owner);
    if (!row) return false;
    Object.assign(row, {
      status: 'delivered',
      deliveredAt: outcome.now,
      error: null,
      leaseOwner: null,
      leaseUntil: 0,
      result: outcome.result ? structuredClone(outcome.result) : row.result,
      messageRef: outcome.messageRef ?? row.messageRef,
    });
    return true;
  }

  async release(id: number, owner: string, change: { notBefore: number; error?: string; ambiguous?: boolean; keepLease?: boolean }): Promise<boolean> {
    this.maybeFail('release');
    const row = this.held(id, owner);
    if (!row) return false;
    Object.assign(row, {
      status: 'pending',
      notBefore: change.notBefore,
      error: change.error ? capText(change.error) : null,
      ambiguous: row.ambiguous || Boolean(change.ambiguous),
      ...(change.keepLease ? {} : { leaseOwner: null, leaseUntil: 0 }),
    });
    return true;
  }

  async finish(id: number, owner: string, status: FinalStatus, error: string): Promise<boolean> {
    const row = this.held(id, owner);
    if (!row) return false;
    Object.assign(row, { status, error: capText(error), leaseOwner: null, leaseUntil: 0 });
    return true;
  }

  async saveProgress(id: number, owner: string, progress: Json, messageRef?: string | null): Promise<boolean> {
    const row = this.held(id, owner);
    if (!row) return false;
    row.progress = structuredClone(progress);
    if (messageRef !== undefined) row.messageRef = messageRef;
    return true;
  }

  async get(id: number): Promise<LedgerRow | undefined> {
    const row = this.byId.get(id);
    return row ? { ...row } : undefined;
  }

  async rows(f: RowFilter): Promise<LedgerRow[]> {
    return [...this.byId.values()]
      .filter(
        (r) =>
          (f.kind === undefined || r.kind === f.kind) &&
          (f.subject === undefined || r.subject === f.subject) &&
          (f.target === undefined || r.target === f.target) &&
          (f.statuses === undefined || f.statuses.includes(r.status)),
      )
      .sort(byDue)
      .map((r) => ({ ...r }));
  }

  async lastDueAt(kind: DeliveryKind, subjects: readonly string[], excludeSlotPrefix?: string): Promise<Map<string, number>> {
    const wanted = new Set(subjects);
    const out = new Map<string, number>();
    for (const r of this.byId.values()) {
      if (r.kind !== kind || !wanted.has(r.subject) || (excludeSlotPrefix && r.slot.startsWith(excludeSlotPrefix))) continue;
      out.set(r.subject, Math.max(out.get(r.subject) ?? -Infinity, r.dueAt));
    }
    return out;
  }

  async lastDelivered(kind: DeliveryKind, target: string, before: number): Promise<LedgerRow | undefined> {
    let best: LedgerRow | undefined;
    for (const r of this.byId.values()) {
      if (r.kind !== kind || r.target !== target || r.status !== 'delivered' || r.deliveredAt === null || r.deliveredAt >= before) continue;
      if (!best || r.deliveredAt > best.deliveredAt! || (r.deliveredAt === best.deliveredAt && r.id > best.id)) best = r;
    }
    return best ? { ...best } : undefined;
  }

  async summaries(kind: DeliveryKind, subjects: readonly string[]): Promise<Map<string, { last?: LedgerRow; missed: number }>> {
    const out = new Map<string, { last?: LedgerRow; missed: number }>(subjects.map((s) => [s, { missed: 0 }]));
    for (const r of this.byId.values()) {
      const entry = r.kind === kind ? out.get(r.subject) : undefined;
      if (!entry) continue;
      if (r.status === 'missed') entry.missed++;
      if (!entry.last || r.dueAt > entry.last.dueAt || (r.dueAt === entry.last.dueAt && r.id > entry.last.id)) entry.last = { ...r };
    }
    return out;
  }

  async countUnfinished(kind?: DeliveryKind): Promise<number> {
    let n = 0;
    for (const r of this.byId.values()) if ((kind === undefined || r.kind === kind) && UNFINISHED.includes(r.status)) n++;
    return n;
  }

  async nextClaimableAt(): Promise<number | undefined> {
    let next: number | undefined;
    for (const r of this.byId.values()) {
      if (!UNFINISHED.includes(r.status)) continue;
      const at = r.leaseOwner === null ? r.notBefore : r.leaseUntil;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  async oldestDue(now: number): Promise<number | undefined> {
    let oldest: number | undefined;
    for (const r of this.byId.values()) {
      if (UNFINISHED.includes(r.status) && r.dueAt <= now && (oldest === undefined || r.dueAt < oldest)) oldest = r.dueAt;
    }
    return oldest;
  }
}
