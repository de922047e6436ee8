/**
 * The one delivery ledger every outbound post goes through: scheduled digests, revision alerts and admin
 * notices. A row is one post owed to one place at one time, and its key — (kind, subject, target, slot), e.g.
 * (digest, schedule 12, slack:C1, 2025-06-02T09:00) or (alert, figure meta-x, discord:9, '') — is UNIQUE, so
 * a second claim of the same post (another replica, a restart, a reload racing start-up) inserts nothing.
 *
 * Rows are LEASED: the replica that claims a row owns it until `leaseUntil` and renews the lease while it works
 * on it. Every write a worker makes (sending, delivered, released, failed) is conditioned on still holding the
 * lease, so a replica whose lease ran out (it died, or hung) can no longer change a row someone else took over.
 * Any replica claims due rows whose lease expired — that is the whole recovery: no "every unfinished row was
 * left by a dead process" at start-up, and no in-process map as the guarantee.
 *
 * Statuses: pending (owed; may be leased), sending (a request is or was in flight: a taken-over `sending` row
 * may or may not have been posted), delivered, failed (refused for good, or retries ran out), missed (the bot
 * was down past the grace window), skipped (not posted on purpose: alerts turned off, figure gone).
 *
 * Two implementations: MemoryLedger (src/delivery/memory-ledger.ts, engine unit tests) and the Kysely one for
 * SQLite and PostgreSQL (src/store/ledger.ts), both held to one contract test (test/delivery/ledger-contract.ts).
 */

export type DeliveryKind = 'digest' | 'alert' | 'notice';
export type LedgerStatus = 'pending' | 'sending' | 'delivered' | 'failed' | 'missed' | 'skipped';
export type FinalStatus = Exclude<LedgerStatus, 'pending' | 'sending'>;
export type Json = Record<string, unknown>;

export const UNFINISHED: readonly LedgerStatus[] = ['pending', 'sending'];

/** What, where, when: unique in the ledger. `slot` is '' for posts owed once ever (an alert per figure). */
export interface LedgerKey {
  kind: DeliveryKind;
  /** What is posted: a schedule id, a figure id, a notice's reason key. */
  subject: string;
  /** Where: a platform-prefixed channel id (`slack:C1`) or, for admin notices, user id. */
  target: string;
  /** When: the local slot of a digest ("2025-06-02T09:00", "manual:…"), '' otherwise. */
  slot: string;
}

export interface NewLedgerRow extends LedgerKey {
  dueAt: number;
  /** Not tried before this instant (default: dueAt). */
  notBefore?: number;
  /** What the worker needs to build the post (small: ids and flags, never the rendered message). */
  payload?: Json;
  /** Recorded final right away (a slot missed while the bot was down); default pending. */
  status?: 'pending' | FinalStatus;
  error?: string;
}

export interface LedgerRow extends LedgerKey {
  id: number;
  status: LedgerStatus;
  dueAt: number;
  notBefore: number;
  createdAt: number;
  /** The replica holding the row, and until when; null/0 when nobody does. */
  leaseOwner: string | null;
  leaseUntil: number;
  /** Requests made for this row (each `markSending`). */
  attempts: number;
  /** Times a replica took the row over while it was `sending` (its owner died or hung mid-request). */
  takeovers: number;
  /** A request may have reached the platform without an answer (a Slack post has no idempotency key). */
  ambiguous: boolean;
  deliveredAt: number | null;
  error: string | null;
  payload: Json;
  /** What the post recorded when it was delivered (a digest: the figure ids it reported). */
  result: Json | null;
  /** Work done so far for a post made of several messages (issue 14: parent post + thread replies). */
  progress: Json | null;
  /** The platform's id of the (first) message made for this row, when it said one. */
  messageRef: string | null;
}

export interface Lease {
  owner: string;
  /** Epoch ms the lease runs out. */
  until: number;
}

export interface ClaimOptions {
  owner: string;
  now: number;
  leaseMs: number;
  limit: number;
  /** Only these kinds (default all). */
  kinds?: readonly DeliveryKind[];
  /** Only rows whose target starts with one of these (the platforms this replica can post to). */
  targetPrefixes?: readonly string[];
}

export interface RowFilter {
  kind?: DeliveryKind;
  subject?: string;
  target?: string;
  statuses?: readonly LedgerStatus[];
}

export interface Ledger {
  /**
   * Inserts the rows not in the ledger yet (ON CONFLICT DO NOTHING), in one transaction; leased to `lease`
   * when given, so the caller can post them without a second round trip. The result is aligned with `rows`:
   * undefined where the key already existed (someone else owns that post).
   */
  insert(rows: readonly NewLedgerRow[], now: number, lease?: Lease): Promise<(LedgerRow | undefined)[]>;
  /**
   * Leases up to `limit` unfinished rows that are due (`notBefore <= now`) and not leased by anyone (or whose
   * lease ran out), oldest due first. A row taken over while `sending` keeps its status and counts a takeover.
   * PostgreSQL: one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING; SQLite: one write transaction.
   */
  claim(options: ClaimOptions): Promise<LedgerRow[]>;
  /** Extends the lease on the rows `owner` still holds; returns the ids it still holds. */
  renew(owner: string, ids: readonly number[], until: number): Promise<number[]>;
  /** A request is about to go out: status sending, attempts + 1. False when the lease is lost (do not post). */
  markSending(id: number, owner: string): Promise<boolean>;
  /** Delivered (the lease ends). False when the lease was lost meanwhile. */
  complete(id: number, owner: string, outcome: { now: number; messageRef?: string | null; result?: Json }): Promise<boolean>;
  /**
   * Back to pending, not before `notBefore` (retries ran out for now, shutdown while waiting), unleased — or, with
   * `keepLease`, still held by `owner` (a 429: the platform said it did not post, and this replica waits it out).
   */
  release(id: number, owner: string, change: { notBefore: number; error?: string; ambiguous?: boolean; keepLease?: boolean }): Promise<boolean>;
  /** Failed, missed or skipped for good (the lease ends). */
  finish(id: number, owner: string, status: FinalStatus, error: string): Promise<boolean>;
  /** Records progress of a multi-message post (and the first message's id) while holding the lease. */
  saveProgress(id: number, owner: string, progress: Json, messageRef?: string | null): Promise<boolean>;

  get(id: number): Promise<LedgerRow | undefined>;
  /** Rows matching the filter, oldest due first. */
  rows(filter: RowFilter): Promise<LedgerRow[]>;
  /** Per subject of `kind`: the newest dueAt of rows whose slot does not start with `excludeSlotPrefix`. */
  lastDueAt(kind: DeliveryKind, subjects: readonly string[], excludeSlotPrefix?: string): Promise<Map<string, number>>;
  /** The newest delivered row of `kind` to `target` delivered before `before`. */
  lastDelivered(kind: DeliveryKind, target: string, before: number): Promise<LedgerRow | undefined>;
  /** Per subject of `kind`: the newest row (by due time) and the number of missed rows. */
  summaries(kind: DeliveryKind, subjects: readonly string[]): Promise<Map<string, { last?: LedgerRow; missed: number }>>;
  /** Unfinished rows of a kind (or every kind), counted. */
  countUnfinished(kind?: DeliveryKind): Promise<number>;
  /**
   * The earliest instant an unfinished row may become claimable: its notBefore when unleased, its lease's end
   * when leased (a lower bound is fine); undefined when nothing is unfinished.
   */
  nextClaimableAt(): Promise<number | undefined>;
  /** The oldest `dueAt` among unfinished rows due by `now` (for /healthz lag); undefined when none. */
  oldestDue(now: number): Promise<number | undefined>;
}

/** Errors and reasons are shown in `list`; a platform's error text is capped so a huge one cannot bloat the row. */
export const capText = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}…` : text);
