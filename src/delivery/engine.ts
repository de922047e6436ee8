/**
 * The delivery engine: posts every ledger row — digests, revision alerts, admin notices — through one set of
 * pacing gates and one retry rule. Exactly once rests on the ledger (src/delivery/ledger.ts), not on memory:
 *
 * 1. Rows are inserted under a UNIQUE key; only the replica holding a row's LEASE works on it, and it renews
 *    the lease while the row waits at a gate or is in flight. Every replica claims due rows whose lease is free
 *    or ran out — a replica that dies (SIGKILL) leaves rows that any other replica (or its own next start)
 *    takes over after at most LEASE_MS. Nothing assumes the previous process is dead.
 * 2. Before each request the row goes to `sending` (conditioned on the lease). A 429 puts it back to pending;
 *    success makes it `delivered` with the platform's message id.
 * 3. A row taken over while `sending` died with a request in flight. On Discord the post carries a nonce from the
 *    row's key with `enforce_nonce`, so the retry returns the message already made: exactly once. Slack has no
 *    idempotency key: the row is retried once (a possible duplicate rather than a silent loss) and marked
 *    ambiguous; found `sending` a second time it is failed, never looped. Duplicates are therefore bounded by
 *    the posts in flight when a replica died (docs/digests.md gives the measured number).
 * 4. A post the platform accepted is never posted again because recording it failed (SQLITE_BUSY, a full disk,
 *    a lost connection): the engine keeps retrying the write while holding the lease (issue 19 item 2).
 *
 * What a row means is up to its kind's handler (src/schedule/scheduler.ts for digests, src/alerts/service.ts for
 * alerts, ./notify-admin.ts for notices): it builds the post, and hears when the target is unreachable.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Platform } from '../core/command.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { Reply } from '../core/reply.js';
import { AbortedError, settleWithin, systemClock, type Clock } from '../core/clock.js';
import type { DeliveryKind, FinalStatus, Json, Ledger, LedgerRow, NewLedgerRow } from './ledger.js';
import { nonceFor } from './nonce.js';
import { Gates } from './pacing.js';
import { DEFAULT_RETRY_POLICY, postWithRetry, type FinalFailure, type PostReceiptLike, type RetryPolicy } from './retry.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
/** How long a claimed row stays ours without renewal: a dead replica's rows are taken over after this. */
export const LEASE_MS = 30 * SECOND;
/** Leases are renewed this often (a third of the lease): one slow database round trip never loses one. */
const RENEWALS_PER_LEASE = 3;
/** Every replica looks for due rows (new, retried, or left by a dead replica) this often. */
const POLL_MS = 1 * SECOND;
/**
 * Posts in flight per platform. Each finished post starts the next in the same callback (~1 ms CPU each), so N in
 * flight can hold the event loop N posts long; 8 keeps slash commands responsive during a fan-out (bench:digest).
 */
export const DEFAULT_CONCURRENCY = 8;
/** Rows one replica holds at a time (in flight or waiting at a gate): the rest stay free for other replicas. */
const DEFAULT_MAX_HELD = 64;
/** A post not accepted yet (retries ran out for now) is tried again this much later. */
const RETRY_LATER_MS = 5 * MINUTE;
/** Recording a delivered post is retried with these waits (capped), for as long as the process lives. */
const RECORD_RETRY_MS = [200, 1_000, 5_000, 15_000];
/** How often (real time, at most) the lag of the oldest due delivery is read for /healthz: one indexed query. */
const HEALTH_EVERY_MS = 200;
/** Why a row went back to the ledger unposted when its gate was starved (see handBack). */
const HANDED_BACK = 'rate limited before any post got through here: handed back to the replicas that get posts through';
/** Why a row went back unposted when its replica held far more rows than its pace posts soon (see trimToPace). */
const TRIMMED = "more than this replica's share of the rate limit posts soon: handed back to the other replicas";

/** The ledger's note for rows released after `signal` aborted: a hand-back says why, anything else is a stop. */
function releaseReason(signal: AbortSignal, stopped: string): string {
  return signal.reason === HANDED_BACK || signal.reason === TRIMMED ? signal.reason : stopped;
}
/** Platforms whose posts carry an idempotency key (Discord's nonce): a retry after a crash makes no duplicate. */
const IDEMPOTENT_PLATFORMS: readonly string[] = ['discord'];

/** What a handler wants posted for a group of rows. */
export interface PreparedPost {
  /** A direct message to a user (admin notices) instead of a channel post. */
  direct?: boolean;
  /**
   * Built when the post's turn comes at the gate, so a fan-out's queue costs nothing while it waits. `thread`:
   * replies posted in the post's thread after it (a digest's full tables and sources), part of the same delivery —
   * progress is saved after the parent and after each reply, so a restart resumes the thread, never re-posts the parent.
   */
  build(): Promise<{ reply: Reply; result?: Json; thread?: Reply[] }>;
}

/** A row's saved thread progress: the parent message's id and how many thread replies are out. */
function threadProgressOf(row: LedgerRow): { parent: string; sent: number } | undefined {
  const p = row.progress as { parent?: unknown; sent?: unknown } | null;
  return p && typeof p.parent === 'string' ? { parent: p.parent, sent: typeof p.sent === 'number' ? p.sent : 0 } : undefined;
}

/** Post the rows (minus `skip`, finished as skipped with their reason), or finish them all without posting. */
export type Preparation = { post: PreparedPost; skip?: { id: number; reason: string }[] } | { finish: FinalStatus; reason: string };

export interface DeliveryHandler {
  readonly kind: DeliveryKind;
  /** Rows of this kind to one target claimed together go out as one post (revision alerts). */
  readonly batch?: boolean;
  /** Decides what to post for claimed rows (or to finish them without posting). */
  prepare(rows: readonly LedgerRow[], now: number): Promise<Preparation>;
  /** After the platform accepted and the ledger recorded it. Best effort: its failure never re-posts. */
  delivered?(rows: readonly LedgerRow[], result: Json | undefined, now: number): Promise<void>;
  /** The target cannot be posted to (channel gone, permission, token): stop the source and tell its admins. */
  undeliverable?(rows: readonly LedgerRow[], failure: { kind: FinalFailure; reason: string }): Promise<void>;
}

export type DeliveryResult =
  | { status: 'delivered'; rows: LedgerRow[]; messageId?: string }
  | { status: 'undeliverable'; kind: FinalFailure; reason: string }
  | { status: 'retry_later'; reason: string }
  | { status: 'not_posted'; reason: string };

export interface EngineOptions {
  ledger: Ledger;
  clock?: Clock;
  logger?: Logger;
  outbounds?: readonly OutboundChannel[];
  policy?: RetryPolicy;
  /** Posts in flight per platform. */
  concurrency?: number;
  /** Rows this replica holds at once. */
  maxHeld?: number;
  leaseMs?: number;
  retryLaterMs?: number;
  /** Poll the ledger and renew leases on timers (off in tests, which call pump()/idle() on a fake clock). */
  heartbeat?: boolean;
  /** This replica's name in lease_owner (default host:pid:random). */
  owner?: string;
}

interface Job {
  rows: LedgerRow[];
  abort: AbortController;
  promise: Promise<DeliveryResult>;
}

export class DeliveryEngine {
  readonly ledger: Ledger;
  readonly owner: string;
  readonly gates: Gates;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly policy: RetryPolicy;
  private readonly leaseMs: number;
  private readonly retryLaterMs: number;
  private readonly maxHeld: number;
  private readonly handlers = new Map<DeliveryKind, DeliveryHandler>();
  private readonly outbounds = new Map<Platform, OutboundChannel>();
  /** Platforms whose token was refused: nothing more is tried on them in this process. */
  private readonly revoked = new Map<Platform, string>();
  /** Jobs by the id of their first row; `held` maps every row id to its job. */
  private readonly jobs = new Set<Job>();
  private readonly held = new Map<number, Job>();
  private readonly shutdown = new AbortController();
  private pumping: Promise<number> | undefined;
  private pumpAgain = false;
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private lastOldestDue: number | undefined;
  private oldestCheckedAt = -Infinity;
  /** The clock time of the last claim, and whether anything changed since (idle() skips a claim that cannot find work). */
  private lastClaimAt = -Infinity;
  private dirty = true;
  /** Nothing can become claimable before this (clock time), unless something changed: idle() skips claims until then. */
  private quietUntil = -Infinity;

  constructor(options: EngineOptions) {
    this.ledger = options.ledger;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.leaseMs = options.leaseMs ?? LEASE_MS;
    this.retryLaterMs = options.retryLaterMs ?? RETRY_LATER_MS;
    this.maxHeld = options.maxHeld ?? DEFAULT_MAX_HELD;
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.gates = new Gates(this.clock, options.concurrency ?? DEFAULT_CONCURRENCY);
    // Every job waiting at a gate listens for shutdown: a fan-out has many.
    setMaxListeners(0, this.shutdown.signal);
    for (const outbound of options.outbounds ?? []) this.connect(outbound);
    if (options.heartbeat) this.startTimers();
  }

  now(): number {
    return this.clock.now();
  }

  register(handler: DeliveryHandler): void {
    this.handlers.set(handler.kind, handler);
  }

  connect(outbound: OutboundChannel): void {
    this.outbounds.set(outbound.platform, outbound);
  }

  isConnected(platform: Platform | undefined): boolean {
    return platform !== undefined && this.outbounds.has(platform) && !this.revoked.has(platform);
  }

  /** Renewal and polling timers; unref'd so they never keep a process alive on their own. */
  startTimers(): void {
    if (this.timers.length > 0 || this.stopping) return;
    const poll = setInterval(() => void this.pump().catch((err) => this.logger.error({ err }, 'delivery poll failed')), POLL_MS);
    const renew = setInterval(
      () => void this.renewLeases().catch((err) => this.logger.error({ err }, 'could not renew delivery leases')),
      Math.max(500, Math.floor(this.leaseMs / RENEWALS_PER_LEASE)),
    );
    poll.unref();
    renew.unref();
    this.timers = [poll, renew];
  }

  /**
   * Inserts rows (those whose key is new) leased to this replica and starts them now; the result is aligned with
   * `rows`: the inserted row and the promise of its delivery, or undefined where the key already existed.
   */
  async enqueue(rows: readonly NewLedgerRow[]): Promise<({ row: LedgerRow; done: Promise<DeliveryResult> } | undefined)[]> {
    const now = this.clock.now();
    const inserted = await this.ledger.insert(rows, now, { owner: this.owner, until: now + this.leaseMs });
    const started = new Map<number, Promise<DeliveryResult>>();
    const pending = inserted.filter((r): r is LedgerRow => r !== undefined && r.status === 'pending');
    for (const group of this.groups(pending)) {
      const promise = this.start(group);
      for (const row of group) started.set(row.id, promise);
    }
    return inserted.map((row) => (row ? { row, done: started.get(row.id) ?? Promise.resolve({ status: 'not_posted', reason: `recorded as ${row.status}` }) } : undefined));
  }

  /**
   * Records rows (those whose key is new) unleased and looks for work: a fan-out's rows are shared out among
   * every replica's claims instead of all sitting with the one that found them. Returns the rows inserted.
   */
  async offer(rows: readonly NewLedgerRow[]): Promise<(LedgerRow | undefined)[]> {
    const inserted = await this.ledger.insert(rows, this.clock.now());
    this.markDirty();
    if (inserted.some((r) => r?.status === 'pending')) await this.pump();
    return inserted;
  }

  /** Records rows unleased without looking for work yet (a tick records a batch at a time, then pumps once). */
  async offerQuietly(rows: readonly NewLedgerRow[]): Promise<(LedgerRow | undefined)[]> {
    const inserted = await this.ledger.insert(rows, this.clock.now());
    this.markDirty();
    return inserted;
  }

  /** Something changed in the ledger (rows added, a post finished): the next idle() claims again. */
  private markDirty(): void {
    this.dirty = true;
    this.quietUntil = -Infinity;
  }

  /** Claims due rows (free, retried, or a dead replica's) up to this replica's share, and starts them. */
  pump(): Promise<number> {
    if (this.pumping) {
      this.pumpAgain = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      let total = 0;
      do {
        this.pumpAgain = false;
        total += await this.pumpOnce();
      } while (this.pumpAgain && !this.stopping);
      return total;
    })().finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  private async pumpOnce(): Promise<number> {
    // Rows handed back by trimToPace leave `held` when their jobs end, not at once: room is counted before it.
    let room = this.maxHeld - this.held.size;
    // A platform whose gate is starved (src/delivery/pacing.ts) is left to the replicas that get posts through.
    const platforms = [...this.outbounds.keys()].filter((p) => !this.revoked.has(p) && !this.gates.of(p).starved);
    if (this.stopping || platforms.length === 0 || this.handlers.size === 0) return 0;
    const now = this.clock.now();
    // Before the "no room" return: a replica holding all it can during a fan-out is exactly when /healthz's lag matters.
    await this.refreshOldestDue(now);
    const paced = this.pacedRows(platforms);
    for (const [platform, allowed] of paced) this.trimToPace(platform, allowed);
    if (room <= 0) return 0;
    this.dirty = false;
    this.lastClaimAt = now;
    let started = 0;
    for (const plan of this.claimPlan(platforms, paced, room)) {
      const limit = Math.min(plan.limit, room);
      if (limit <= 0) continue;
      const rows = await this.ledger.claim({ owner: this.owner, now, leaseMs: this.leaseMs, limit, kinds: [...this.handlers.keys()], targetPrefixes: plan.prefixes });
      // A row this replica still works on, whose lease ran out before a renewal (a stalled event loop, a slow
      // database): it is leased again by that claim, and its job goes on — never a second job for it.
      const fresh = rows.filter((r) => !this.held.has(r.id));
      for (const group of this.groups(fresh)) void this.start(group);
      started += fresh.length;
      room -= fresh.length;
    }
    return started;
  }

  /**
   * What one pump claims: the platforms posting freely together, up to `room`; each paced platform (its gate
   * learned a quota per window from a 429) on its own, holding at most the rows of one window's quota of posts
   * (a digest row is three posts: parent and two thread replies). Replicas sharing one platform limit each
   * learn a share of the window; a replica that learned a small share and held a full `maxHeld` of rows kept posting them at that share after the others had run out of rows (the
   * 3-replica digest bench: 1.08–1.10× the bound in 2 of 6 runs, the last windows a sixth full). Rows in
   * proportion to each replica's pace finish together.
   */
  private claimPlan(platforms: readonly string[], paced: ReadonlyMap<string, number>, room: number): { prefixes: string[]; limit: number }[] {
    const free = platforms.filter((p) => !paced.has(p)).map((p) => `${p}:`);
    const each = [...paced].map(([platform, allowed]) => ({ prefixes: [`${platform}:`], limit: Math.min(room, allowed - this.heldOn(platform)) }));
    return [...(free.length ? [{ prefixes: free, limit: room }] : []), ...each];
  }

  /** For each paced platform (its gate learned a quota per window), the rows that quota of posts makes. */
  private pacedRows(platforms: readonly string[]): Map<string, number> {
    const paced = new Map<string, number>();
    for (const platform of platforms) {
      const quota = this.gates.of(platform).pacing?.quota;
      if (quota !== undefined) paced.set(platform, this.rowsFor(platform, quota));
    }
    return paced;
  }

  /**
   * A paced platform holding more than twice the rows its pace posts in a window hands the newest jobs back
   * (only waits are interrupted: a request in flight finishes). It happens to a replica that claimed a full
   * `maxHeld` before its first 429 taught it a small share: it would otherwise post them at that share after
   * the other replicas ran out of rows (the pacing simulation: a replica joining 12 s late, 1.38× the bound).
   */
  private trimToPace(platform: string, allowed: number): void {
    const jobs = [...this.jobs].filter((j) => platformOf(j.rows[0]!.target) === platform && !j.abort.signal.aborted);
    let excess = jobs.reduce((n, j) => n + j.rows.length, 0) - allowed;
    if (excess <= allowed) return;
    for (const job of jobs.reverse()) {
      if (excess <= 0) break;
      job.abort.abort(TRIMMED);
      excess -= job.rows.length;
    }
  }

  /** Rows delivered per platform since start: with the gate's accepted posts, how many posts a row makes. */
  private readonly deliveredRows = new Map<string, number>();

  private countDelivered(rows: readonly LedgerRow[]): void {
    for (const row of rows) {
      const platform = platformOf(row.target);
      if (platform) this.deliveredRows.set(platform, (this.deliveredRows.get(platform) ?? 0) + 1);
    }
  }

  /** Rows that make about `posts` posts on `platform` (a digest is a parent and its thread replies: 3 posts a row). */
  private rowsFor(platform: string, posts: number): number {
    const rows = this.deliveredRows.get(platform) ?? 0;
    const postsPerRow = rows > 0 ? Math.max(1, this.gates.of(platform).acceptedTotal / rows) : 1;
    return Math.max(1, Math.ceil(posts / postsPerRow));
  }

  /** Rows held here whose target is on `platform` (`held` has an entry per row; a job's rows share one target). */
  private heldOn(platform: string): number {
    let n = 0;
    for (const job of this.held.values()) if (platformOf(job.rows[0]!.target) === platform) n++;
    return n;
  }

  /** For /healthz: the oldest due delivery, read at most every HEALTH_EVERY_MS of real time, whatever the clock. */
  private async refreshOldestDue(now: number): Promise<void> {
    if (performance.now() - this.oldestCheckedAt < HEALTH_EVERY_MS) return;
    this.oldestCheckedAt = performance.now();
    this.lastOldestDue = await this.ledger.oldestDue(now).catch(() => this.lastOldestDue);
  }

  /** Batching kinds (alerts) go out as one post per target; the rest one post per row. */
  private groups(rows: readonly LedgerRow[]): LedgerRow[][] {
    const out: LedgerRow[][] = [];
    const batches = new Map<string, LedgerRow[]>();
    for (const row of rows) {
      if (!this.handlers.get(row.kind)?.batch) {
        out.push([row]);
        continue;
      }
      const key = `${row.kind}\u0000${row.target}`;
      const batch = batches.get(key);
      if (batch) batch.push(row);
      else {
        const fresh = [row];
        batches.set(key, fresh);
        out.push(fresh);
      }
    }
    return out;
  }

  private start(rows: LedgerRow[]): Promise<DeliveryResult> {
    const abort = new AbortController();
    const onShutdown = () => abort.abort();
    this.shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    const job: Job = { rows, abort, promise: Promise.resolve({ status: 'not_posted', reason: 'not started' }) };
    job.promise = this.deliver(rows, abort.signal)
      .then((result) => {
        if (result.status === 'delivered') this.countDelivered(rows);
        return result;
      })
      .catch((err): DeliveryResult => {
        this.logger.error({ err, rows: rows.map((r) => r.id) }, 'delivery failed unexpectedly');
        return { status: 'retry_later', reason: 'internal error' };
      })
      .finally(() => {
        this.markDirty();
        this.shutdown.signal.removeEventListener('abort', onShutdown);
        this.jobs.delete(job);
        for (const row of rows) if (this.held.get(row.id) === job) this.held.delete(row.id);
        // Room again: take the next rows while a fan-out lasts (without waiting for the poll).
        if (!this.stopping && this.held.size <= this.maxHeld / 2) void this.pump().catch((err) => this.logger.error({ err }, 'delivery poll failed'));
      });
    this.jobs.add(job);
    for (const row of rows) this.held.set(row.id, job);
    return job.promise;
  }

  /** Posts one group of leased rows. Every path ends in a ledger state (or a lease left to run out). */
  private async deliver(rows: LedgerRow[], signal: AbortSignal): Promise<DeliveryResult> {
    const first = rows[0]!;
    const handler = this.handlers.get(first.kind);
    const platform = platformOf(first.target);
    const outbound = platform ? this.outbounds.get(platform) : undefined;
    if (!handler || !platform || !outbound || this.revoked.has(platform)) {
      await this.releaseAll(rows, this.clock.now() + this.retryLaterMs, 'that platform is not connected in this run');
      return { status: 'not_posted', reason: 'that platform is not connected in this run' };
    }
    const idempotent = IDEMPOTENT_PLATFORMS.includes(platform);

    // Taken over while `sending`: the replica before died (or hung) with the request in flight.
    const inDoubt = rows.filter((r) => r.status === 'sending');
    if (inDoubt.length > 0 && !idempotent && inDoubt.some((r) => r.takeovers > 1)) {
      const reason = 'the bot stopped twice while this was being posted; it may or may not have appeared (not retried again)';
      await this.finishAll(rows, 'failed', reason);
      return { status: 'not_posted', reason };
    }
    if (inDoubt.length > 0) {
      this.logger.warn({ rows: inDoubt.map((r) => r.id), target: first.target, idempotent }, 'retrying a post that was in flight when its replica stopped');
      // Without an idempotency key the retry may make a second post: the ledger says so (ambiguous) for good.
      if (!idempotent) {
        for (const row of inDoubt) {
          await this.ledger.release(row.id, this.owner, { notBefore: this.clock.now(), error: 'in flight when its replica stopped; retried (may appear twice)', ambiguous: true, keepLease: true });
        }
      }
    }

    const prepared = await handler.prepare(rows, this.clock.now());
    if ('finish' in prepared) {
      await this.finishAll(rows, prepared.finish, prepared.reason);
      return { status: 'not_posted', reason: prepared.reason };
    }
    const { post } = prepared;
    for (const { id, reason } of prepared.skip ?? []) {
      const i = rows.findIndex((r) => r.id === id);
      if (i < 0) continue;
      await this.finishAll(rows.splice(i, 1), 'skipped', reason);
    }
    if (rows.length === 0) return { status: 'not_posted', reason: 'nothing left to post' };
    const gate = this.gates.of(platform);
    let built: { reply: Reply; result?: Json; thread?: Reply[] } | undefined;
    const idempotencyKey = nonceFor(rows[0]!);
    // The parent went out before a restart: only the rest of its thread is owed.
    const resumed = threadProgressOf(first);
    if (resumed && !post.direct) {
      built = await post.build();
      return this.finishThread(rows, handler, outbound, { channelId: first.target, messageId: resumed.parent }, built, resumed.sent, { gate, signal, idempotencyKey });
    }
    const send = async (): Promise<PostReceiptLike | void> => {
      built ??= await post.build();
      if (post.direct) return outbound.sendDirect(first.target, built.reply);
      // Old adapters take two arguments; the options are extra and harmless there.
      const postWith = outbound.post as (channelId: string, reply: Reply, options?: { idempotencyKey?: string }) => Promise<PostReceiptLike | void>;
      return postWith.call(outbound, first.target, built.reply, { idempotencyKey });
    };

    let outcome;
    try {
      outcome = await postWithRetry(send, {
        gate,
        channel: post.direct ? undefined : first.target,
        clock: this.clock,
        policy: this.policy,
        signal,
        hooks: {
          beforeAttempt: async () => {
            for (const row of rows) if (!(await this.ledger.markSending(row.id, this.owner))) return false;
            return true;
          },
          afterRateLimited: async (wait) => {
            // The platform said it did not post: back to pending (a takeover after a crash now is no duplicate),
            // still leased here while this replica waits the Retry-After out.
            for (const row of rows) {
              await this.ledger.release(row.id, this.owner, { notBefore: this.clock.now() + wait, error: 'rate limited by the platform', keepLease: true });
            }
            // This post waits the Retry-After out and probes again; the rest go to replicas that get posts through.
            if (gate.starved) this.handBack(platform, signal);
          },
        },
      });
    } catch (err) {
      if (err instanceof AbortedError) {
        // Shutdown, a lost lease or a hand-back while waiting: nothing is in flight; free the rows for whoever runs next.
        await this.releaseAll(rows, this.clock.now(), releaseReason(signal, 'the bot stopped before posting'));
        return { status: 'not_posted', reason: 'the bot is shutting down' };
      }
      throw err;
    }

    if (outcome.ok && built?.thread?.length && !post.direct) {
      // No message id (a platform without threads, the console): the replies follow in the channel.
      const parent = { channelId: first.target, messageId: outcome.receipt?.messageId ?? '' };
      for (const row of rows) await this.ledger.saveProgress(row.id, this.owner, { parent: parent.messageId, sent: 0 }, parent.messageId || null);
      return this.finishThread(rows, handler, outbound, parent, built, 0, { gate, signal, idempotencyKey });
    }
    if (outcome.ok) {
      const now = this.clock.now();
      const messageId = outcome.receipt?.messageId;
      await this.recordDelivered(rows, { now, messageRef: messageId ?? null, result: built?.result });
      try {
        await handler.delivered?.(rows, built?.result, now);
      } catch (err) {
        this.logger.error({ err, rows: rows.map((r) => r.id) }, 'a delivered post could not record its side effects');
      }
      return { status: 'delivered', rows: rows.map((r) => ({ ...r, status: 'delivered', deliveredAt: now, messageRef: messageId ?? null })), messageId };
    }
    if (outcome.reason === 'lease_lost') {
      this.logger.warn({ rows: rows.map((r) => r.id) }, 'another replica took this post over before it was sent; not sending');
      return { status: 'not_posted', reason: 'another replica took it over' };
    }
    if (outcome.reason === 'gave_up') {
      const ambiguous = outcome.maybePosted && !idempotent;
      await this.releaseAll(rows, this.clock.now() + this.retryLaterMs, outcome.error.message, ambiguous);
      this.logger.warn({ err: outcome.error, target: first.target, ambiguous }, 'not posted yet; retrying later');
      return { status: 'retry_later', reason: outcome.error.message };
    }
    const reason = outcome.error.message || 'the platform refused the post';
    if (outcome.reason === 'token_revoked') {
      // Every post on this platform would fail the same way: stop trying until the token is fixed (a restart).
      this.revoked.set(platform, reason);
      await this.releaseAll(rows, this.clock.now() + this.retryLaterMs, reason);
      this.logger.error({ err: outcome.error, platform }, 'the platform refused the bot token: no more posts there until it is fixed and the bot restarts');
    } else {
      await this.finishAll(rows, 'failed', reason);
      if (outcome.reason === 'permanent') this.logger.error({ err: outcome.error, target: first.target }, 'the platform refused the post as malformed; not retried');
    }
    if (outcome.reason !== 'permanent') {
      try {
        await handler.undeliverable?.(rows, { kind: outcome.reason, reason });
      } catch (err) {
        this.logger.error({ err, target: first.target }, 'could not stop a source whose target is unreachable');
      }
    }
    return { status: 'undeliverable', kind: outcome.reason, reason };
  }

  /**
   * Posts the thread replies from `from` on (each through the gate with the retry rule, progress saved after each),
   * then records the delivery with the parent's id. A reply that cannot go out now leaves the row pending with its
   * progress, so the next attempt — in this process or after a restart — resumes there.
   */
  private async finishThread(
    rows: LedgerRow[],
    handler: DeliveryHandler,
    outbound: OutboundChannel,
    parent: { channelId: string; messageId: string },
    built: { reply: Reply; result?: Json; thread?: Reply[] },
    from: number,
    ctx: { gate: ReturnType<Gates['of']>; signal: AbortSignal; idempotencyKey: string },
  ): Promise<DeliveryResult> {
    const parts = built.thread ?? [];
    for (let i = from; i < parts.length; i++) {
      const part = parts[i]!;
      // Discord nonces are at most 25 characters: the row's key, shortened, plus the reply's number.
      const key = `${ctx.idempotencyKey.slice(0, 21)}t${i}`;
      const send = async () =>
        parent.messageId && outbound.replyInThread ? outbound.replyInThread(parent, part, { idempotencyKey: key }) : outbound.post(parent.channelId, part, { idempotencyKey: key });
      let outcome;
      try {
        outcome = await postWithRetry(send, { gate: ctx.gate, channel: parent.channelId, clock: this.clock, policy: this.policy, signal: ctx.signal });
      } catch (err) {
        if (!(err instanceof AbortedError)) throw err;
        await this.releaseAll(rows, this.clock.now(), releaseReason(ctx.signal, 'the bot stopped between a post and its thread'));
        return { status: 'not_posted', reason: 'the bot is shutting down' };
      }
      if (!outcome.ok) {
        const reason = outcome.reason === 'lease_lost' ? 'another replica took it over' : outcome.error.message;
        if (outcome.reason !== 'lease_lost') await this.releaseAll(rows, this.clock.now() + this.retryLaterMs, `thread reply ${i + 1} of ${parts.length}: ${reason}`);
        this.logger.warn({ rows: rows.map((r) => r.id), part: i + 1, reason }, 'a thread reply did not go out; the thread resumes there later');
        return { status: 'retry_later', reason };
      }
      for (const row of rows) await this.ledger.saveProgress(row.id, this.owner, { parent: parent.messageId, sent: i + 1 }, parent.messageId || null);
    }
    const now = this.clock.now();
    await this.recordDelivered(rows, { now, messageRef: parent.messageId || null, result: built.result });
    try {
      await handler.delivered?.(rows, built.result, now);
    } catch (err) {
      this.logger.error({ err, rows: rows.map((r) => r.id) }, 'a delivered post could not record its side effects');
    }
    return { status: 'delivered', rows: rows.map((r) => ({ ...r, status: 'delivered', deliveredAt: now, messageRef: parent.messageId || null })), ...(parent.messageId ? { messageId: parent.messageId } : {}) };
  }

  /**
   * The platform has the post: record it, retrying the write for as long as needed (never re-posting because a
   * write failed). The rows stay leased meanwhile, so no other replica takes them over while this process lives.
   */
  private async recordDelivered(rows: readonly LedgerRow[], outcome: { now: number; messageRef: string | null; result?: Json }): Promise<void> {
    for (const row of rows) {
      for (let attempt = 0; ; attempt++) {
        try {
          if (!(await this.ledger.complete(row.id, this.owner, outcome))) {
            this.logger.warn({ row: row.id }, 'a post went out after its lease was taken over by another replica: it may appear twice');
          }
          break;
        } catch (err) {
          const wait = RECORD_RETRY_MS[Math.min(attempt, RECORD_RETRY_MS.length - 1)]!;
          this.logger.error({ err, row: row.id, attempt }, 'posted, but could not record it; retrying the write (the post is not repeated)');
          // Real time, whatever the clock: a fake clock must not spin this loop.
          await new Promise((resolve) => setTimeout(resolve, this.stopping ? Math.min(wait, 200) : wait));
          if (this.stopping && attempt >= 5) {
            this.logger.error({ row: row.id }, 'stopping with a delivered post unrecorded: the next replica may post it again (Slack) or find it (Discord nonce)');
            return;
          }
        }
      }
    }
  }

  private async releaseAll(rows: readonly LedgerRow[], notBefore: number, error: string, ambiguous = false): Promise<void> {
    for (const row of rows) {
      try {
        await this.ledger.release(row.id, this.owner, { notBefore, error, ambiguous });
      } catch (err) {
        // The lease runs out by itself: the row is retried then.
        this.logger.error({ err, row: row.id }, 'could not release a delivery; it is retried when its lease runs out');
      }
    }
  }

  private async finishAll(rows: readonly LedgerRow[], status: FinalStatus, reason: string): Promise<void> {
    for (const row of rows) {
      try {
        await this.ledger.finish(row.id, this.owner, status, reason);
      } catch (err) {
        this.logger.error({ err, row: row.id }, 'could not record a delivery as final; it is looked at again when its lease runs out');
      }
    }
  }

  /**
   * Gives back the rows of `platform` this replica holds, except the job with signal `keep`: each job stops at its
   * next wait (a request in flight finishes first) and releases its rows, due now and unleased, thread progress kept.
   */
  private handBack(platform: Platform, keep: AbortSignal): void {
    for (const job of this.jobs) {
      if (job.abort.signal !== keep && platformOf(job.rows[0]!.target) === platform && !job.abort.signal.aborted) job.abort.abort(HANDED_BACK);
    }
  }

  /** Extends the leases of every row this replica holds; a row another replica took over stops here. */
  async renewLeases(): Promise<void> {
    const ids = [...this.held.keys()];
    if (ids.length === 0) return;
    const kept = new Set(await this.ledger.renew(this.owner, ids, this.clock.now() + this.leaseMs));
    for (const id of ids) {
      const job = this.held.get(id);
      if (job && !kept.has(id)) {
        this.held.delete(id);
        job.abort.abort();
      }
    }
  }

  /** Resolves when nothing is in flight and no row is due (tests, benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      while (this.jobs.size > 0 || this.pumping) await Promise.allSettled([...[...this.jobs].map((j) => j.promise), this.pumping]);
      // Nothing finished and the clock has not moved since the last claim: another claim cannot find work.
      const now = this.clock.now();
      const mayFindWork = this.dirty || (now !== this.lastClaimAt && now >= this.quietUntil);
      if (!this.stopping && mayFindWork) {
        if ((await this.pump()) > 0) continue;
        // Found nothing: note when something could next be due, so a fake clock's minute ticks skip the claims.
        if (this.jobs.size === 0 && !this.pumping && !this.dirty) this.quietUntil = (await this.ledger.nextClaimableAt()) ?? Infinity;
      }
      if (this.jobs.size === 0 && !this.pumping) return;
    }
  }

  /** For /healthz: rows held here, and how late the oldest due delivery is (ms; 0 when none is due). */
  health(): { held: number; oldestDueLagMs: number; revoked: string[] } {
    const lag = this.lastOldestDue === undefined ? 0 : Math.max(0, this.clock.now() - this.lastOldestDue);
    return { held: this.held.size, oldestDueLagMs: lag, revoked: [...this.revoked.keys()] };
  }

  get inFlight(): number {
    return this.jobs.size;
  }

  /** SIGTERM: take no new rows, abort waits (their rows go back to the ledger), let posts in flight finish (bounded). */
  async stop(timeoutMs = 10_000): Promise<{ unfinished: number }> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.shutdown.abort();
    const settled = await settleWithin([...[...this.jobs].map((j) => j.promise), this.pumping], timeoutMs);
    if (!settled) this.logger.warn({ inFlight: this.jobs.size }, 'stopped with posts still in flight; their leases run out and another replica (or the next start) takes them over');
    return { unfinished: this.jobs.size };
  }
}

function platformOf(target: string): Platform | undefined {
  const prefix = target.split(':')[0];
  return prefix === 'slack' || prefix === 'discord' || prefix === 'console' ? prefix : undefined;
}
