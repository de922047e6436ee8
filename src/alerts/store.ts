/**
 * Revision alerts in the digest store's SQLite file (tables from migration 4):
 *
 * - `alert_subscriptions`: one per channel (an `on` again replaces the company filter), active or failing.
 * - `alert_deliveries`: the announcement ledger. UNIQUE(channel_id, figure_id) is the exactly-once guarantee:
 *   a figure is claimed for a channel before anything is posted, and a second claim (a restart, a reload
 *   racing start-up) inserts nothing.
 * - `data_figures_seen`: every figure id the bot has seen in the data, with when it first appeared. Figures
 *   of the current data that are not in it changed while the bot was not looking (down, or before this
 *   feature existed): they are announced once. The very first run records a baseline and announces nothing.
 * - `data_state`: small facts that must survive a restart (the data version last seen, the refusal admins
 *   were last told about).
 *
 * Async like the Store so a server database can implement it later; better-sqlite3 answers synchronously.
 */
import type { Database } from 'better-sqlite3';
import { capError, prepareAuditWriter } from '../store/sqlite.js';

export type AlertStatus = 'active' | 'failing';

export interface AlertSubscription {
  id: number;
  /** Platform-prefixed channel id: `slack:C123`, `discord:123`, `console:general`. */
  channelId: string;
  /** Company ids the channel wants; empty = every company. */
  companies: string[];
  status: AlertStatus;
  statusReason: string | null;
  /** Platform-prefixed id of the admin who subscribed: told by DM when the channel cannot be posted in. */
  createdBy: string;
  createdByName: string | null;
  createdAt: number;
  updatedAt: number;
}

export type AlertDeliveryStatus = 'claimed' | 'sending' | 'delivered' | 'failed' | 'skipped';

export interface AlertDelivery {
  id: number;
  channelId: string;
  figureId: string;
  subscriptionId: number;
  kind: 'added' | 'revised';
  /** The figure this one revises, when it is a revision. */
  previousId: string | null;
  dataVersion: string;
  status: AlertDeliveryStatus;
  attempts: number;
  recoveries: number;
  claimedAt: number;
  nextAttemptAt: number;
  deliveredAt: number | null;
  error: string | null;
}

export interface AlertClaim {
  channelId: string;
  figureId: string;
  subscriptionId: number;
  kind: 'added' | 'revised';
  previousId?: string;
}

export interface ActorRef {
  actor: string;
  actorName?: string;
}

export interface AlertStore {
  /** Creates or replaces the channel's subscription (active again if it was failing) and audits it. */
  subscribe(input: { channelId: string; companies: string[] } & ActorRef, now: number): Promise<{ subscription: AlertSubscription; before?: AlertSubscription }>;
  /** Removes the channel's subscription and audits it; undefined when there was none. */
  unsubscribe(channelId: string, who: ActorRef, now: number): Promise<AlertSubscription | undefined>;
  getSubscription(channelId: string): Promise<AlertSubscription | undefined>;
  /** Subscriptions whose channel starts with `prefix` (a platform), oldest first. */
  listSubscriptions(prefix?: string): Promise<AlertSubscription[]>;
  activeSubscriptions(): Promise<AlertSubscription[]>;
  /** active → failing (audited); undefined when it was not active (already failing, or removed). */
  markFailing(id: number, reason: string, now: number): Promise<AlertSubscription | undefined>;

  /** Figure ids seen so far; `empty` when the bot has never recorded any (the first run: a baseline). */
  seenFigures(): Promise<{ ids: Set<string>; empty: boolean }>;
  /**
   * One transaction: records the figures as seen and claims every announcement. Either everything is
   * recorded or nothing is, so a crash in between can neither lose nor double an announcement.
   * Returns the claims actually inserted (a claim that already existed is left alone).
   */
  recordArrivals(input: { figureIds: string[]; dataVersion: string; baseline: boolean; claims: AlertClaim[] }, now: number): Promise<AlertDelivery[]>;
  /** Ids of figures that entered the data after `since` (epoch ms), the first run's baseline excepted. */
  arrivedSince(since: number): Promise<string[]>;

  /** Channels with claimed announcements due by `now`. */
  channelsWithPending(now: number): Promise<string[]>;
  pendingFor(channelId: string, now: number): Promise<AlertDelivery[]>;
  markSending(ids: number[]): Promise<void>;
  markDelivered(ids: number[], now: number): Promise<void>;
  /** Back to claimed, to be tried at `nextAttemptAt` (a 429, or retries ran out for now). */
  release(ids: number[], nextAttemptAt: number, error?: string): Promise<void>;
  markFailed(ids: number[], error: string): Promise<void>;
  /** Not announced, on purpose (the figure left the data before it could be posted). */
  markSkipped(ids: number[], reason: string): Promise<void>;
  /**
   * Start-up: rows a dead process left `sending` may or may not have been posted. Each is retried once
   * (back to claimed), preferring a possible duplicate to a silent loss, like the digest ledger; found
   * `sending` a second time it is marked failed. Returns how many were re-queued and failed.
   */
  recoverInFlight(now: number): Promise<{ requeued: number; failed: number }>;
  deliveriesTo(channelId: string): Promise<AlertDelivery[]>;
  countDeliveries(status: AlertDeliveryStatus): Promise<number>;

  getState(key: string): Promise<string | undefined>;
  setState(key: string, value: string): Promise<void>;
}

interface SubscriptionRow {
  id: number;
  channel_id: string;
  companies: string;
  status: AlertStatus;
  status_reason: string | null;
  created_by: string;
  created_by_name: string | null;
  created_at: number;
  updated_at: number;
}

interface DeliveryRow {
  id: number;
  channel_id: string;
  figure_id: string;
  subscription_id: number;
  kind: 'added' | 'revised';
  previous_id: string | null;
  data_version: string;
  status: AlertDeliveryStatus;
  attempts: number;
  recoveries: number;
  claimed_at: number;
  next_attempt_at: number;
  delivered_at: number | null;
  error: string | null;
}

const toSubscription = (r: SubscriptionRow): AlertSubscription => ({
  id: r.id,
  channelId: r.channel_id,
  companies: JSON.parse(r.companies) as string[],
  status: r.status,
  statusReason: r.status_reason,
  createdBy: r.created_by,
  createdByName: r.created_by_name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toDelivery = (r: DeliveryRow): AlertDelivery => ({
  id: r.id,
  channelId: r.channel_id,
  figureId: r.figure_id,
  subscriptionId: r.subscription_id,
  kind: r.kind,
  previousId: r.previous_id,
  dataVersion: r.data_version,
  status: r.status,
  attempts: r.attempts,
  recoveries: r.recoveries,
  claimedAt: r.claimed_at,
  nextAttemptAt: r.next_attempt_at,
  deliveredAt: r.delivered_at,
  error: r.error,
});

export class SqliteAlertStore implements AlertStore {
  private readonly stmts;
  private readonly audit: ReturnType<typeof prepareAuditWriter>;

  /** `db` is the digest store's handle (SqliteStore.db): migrations have created the tables. */
  constructor(private readonly db: Database) {
    this.stmts = this.prepare();
    this.audit = prepareAuditWriter(db);
  }

  private prepare() {
    const db = this.db;
    return {
      upsert: db.prepare(
        `INSERT INTO alert_subscriptions (channel_id, companies, status, created_by, created_by_name, created_at, updated_at)
         VALUES (@channelId, @companies, 'active', @actor, @actorName, @now, @now)
         ON CONFLICT (channel_id) DO UPDATE SET companies = excluded.companies, status = 'active', status_reason = NULL,
           created_by = excluded.created_by, created_by_name = excluded.created_by_name, updated_at = excluded.updated_at`,
      ),
      byChannel: db.prepare<[string], SubscriptionRow>('SELECT * FROM alert_subscriptions WHERE channel_id = ?'),
      byId: db.prepare<[number], SubscriptionRow>('SELECT * FROM alert_subscriptions WHERE id = ?'),
      remove: db.prepare('DELETE FROM alert_subscriptions WHERE channel_id = ?'),
      list: db.prepare<[{ prefix: string }], SubscriptionRow>(
        `SELECT * FROM alert_subscriptions WHERE substr(channel_id, 1, length(@prefix)) = @prefix ORDER BY id`,
      ),
      active: db.prepare<[], SubscriptionRow>(`SELECT * FROM alert_subscriptions WHERE status = 'active' ORDER BY id`),
      failing: db.prepare(
        `UPDATE alert_subscriptions SET status = 'failing', status_reason = @reason, updated_at = @now WHERE id = @id AND status = 'active'`,
      ),

      seen: db.prepare<[], { figure_id: string }>('SELECT figure_id FROM data_figures_seen'),
      see: db.prepare(
        `INSERT INTO data_figures_seen (figure_id, first_seen, data_version, baseline) VALUES (?, ?, ?, ?) ON CONFLICT (figure_id) DO NOTHING`,
      ),
      arrived: db.prepare<[number], { figure_id: string }>(
        `SELECT figure_id FROM data_figures_seen WHERE baseline = 0 AND first_seen > ? ORDER BY first_seen, figure_id`,
      ),
      claim: db.prepare<[Record<string, unknown>], DeliveryRow>(
        `INSERT INTO alert_deliveries (channel_id, figure_id, subscription_id, kind, previous_id, data_version, status, claimed_at, next_attempt_at)
         VALUES (@channelId, @figureId, @subscriptionId, @kind, @previousId, @dataVersion, 'claimed', @now, @now)
         ON CONFLICT (channel_id, figure_id) DO NOTHING
         RETURNING *`,
      ),
      pendingChannels: db.prepare<[number], { channel_id: string }>(
        `SELECT DISTINCT channel_id FROM alert_deliveries WHERE status = 'claimed' AND next_attempt_at <= ? ORDER BY channel_id`,
      ),
      pendingFor: db.prepare<[string, number], DeliveryRow>(
        `SELECT * FROM alert_deliveries WHERE channel_id = ? AND status = 'claimed' AND next_attempt_at <= ? ORDER BY id`,
      ),
      sending: db.prepare(`UPDATE alert_deliveries SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status IN ('claimed', 'sending')`),
      delivered: db.prepare(`UPDATE alert_deliveries SET status = 'delivered', delivered_at = ?, error = NULL WHERE id = ? AND status IN ('claimed', 'sending')`),
      release: db.prepare(`UPDATE alert_deliveries SET status = 'claimed', next_attempt_at = ?, error = ? WHERE id = ? AND status IN ('claimed', 'sending')`),
      failed: db.prepare(`UPDATE alert_deliveries SET status = 'failed', error = ? WHERE id = ? AND status IN ('claimed', 'sending')`),
      skipped: db.prepare(`UPDATE alert_deliveries SET status = 'skipped', error = ? WHERE id = ? AND status IN ('claimed', 'sending')`),
      inFlight: db.prepare<[], DeliveryRow>(`SELECT * FROM alert_deliveries WHERE status = 'sending' ORDER BY id`),
      requeue: db.prepare(`UPDATE alert_deliveries SET status = 'claimed', recoveries = recoveries + 1, next_attempt_at = ? WHERE id = ? AND status = 'sending'`),
      deliveriesTo: db.prepare<[string], DeliveryRow>('SELECT * FROM alert_deliveries WHERE channel_id = ? ORDER BY id'),
      count: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM alert_deliveries WHERE status = ?'),
      getState: db.prepare<[string], { value: string }>('SELECT value FROM data_state WHERE key = ?'),
      setState: db.prepare('INSERT INTO data_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  private writeAudit(at: number, who: ActorRef, action: string, details: Record<string, unknown>): void {
    this.audit({ at, actor: who.actor, actorName: who.actorName, action, details });
  }

  async subscribe(input: { channelId: string; companies: string[] } & ActorRef, now: number) {
    return this.db.transaction(() => {
      const beforeRow = this.stmts.byChannel.get(input.channelId);
      this.stmts.upsert.run({
        channelId: input.channelId,
        companies: JSON.stringify(input.companies),
        actor: input.actor,
        actorName: input.actorName ?? null,
        now,
      });
      const subscription = toSubscription(this.stmts.byChannel.get(input.channelId)!);
      this.writeAudit(now, input, 'alerts-on', {
        subscriptionId: subscription.id,
        channelId: input.channelId,
        companies: input.companies,
        ...(beforeRow ? { before: { companies: JSON.parse(beforeRow.companies) as string[], status: beforeRow.status } } : {}),
      });
      return { subscription, ...(beforeRow ? { before: toSubscription(beforeRow) } : {}) };
    })();
  }

  async unsubscribe(channelId: string, who: ActorRef, now: number): Promise<AlertSubscription | undefined> {
    return this.db.transaction(() => {
      const row = this.stmts.byChannel.get(channelId);
      if (!row) return undefined;
      this.stmts.remove.run(channelId);
      this.writeAudit(now, who, 'alerts-off', { subscriptionId: row.id, channelId, companies: JSON.parse(row.companies) as string[] });
      return toSubscription(row);
    })();
  }

  async getSubscription(channelId: string): Promise<AlertSubscription | undefined> {
    const row = this.stmts.byChannel.get(channelId);
    return row ? toSubscription(row) : undefined;
  }

  async listSubscriptions(prefix = ''): Promise<AlertSubscription[]> {
    return this.stmts.list.all({ prefix }).map(toSubscription);
  }

  async activeSubscriptions(): Promise<AlertSubscription[]> {
    return this.stmts.active.all().map(toSubscription);
  }

  async markFailing(id: number, reason: string, now: number): Promise<AlertSubscription | undefined> {
    return this.db.transaction(() => {
      const result = this.stmts.failing.run({ id, reason: capError(reason), now });
      if (result.changes === 0) return undefined;
      const row = this.stmts.byId.get(id)!;
      this.writeAudit(now, { actor: 'system' }, 'alerts-failing', { subscriptionId: id, channelId: row.channel_id, reason: capError(reason) });
      return toSubscription(row);
    })();
  }

  async seenFigures(): Promise<{ ids: Set<string>; empty: boolean }> {
    const ids = new Set(this.stmts.seen.all().map((r) => r.figure_id));
    return { ids, empty: ids.size === 0 };
  }

  async recordArrivals(input: { figureIds: string[]; dataVersion: string; baseline: boolean; claims: AlertClaim[] }, now: number): Promise<AlertDelivery[]> {
    return this.db.transaction(() => {
      for (const id of input.figureIds) this.stmts.see.run(id, now, input.dataVersion, input.baseline ? 1 : 0);
      const claimed: AlertDelivery[] = [];
      for (const claim of input.claims) {
        // RETURNING gives the inserted row; nothing when the claim already existed.
        const row = this.stmts.claim.get({
          channelId: claim.channelId,
          figureId: claim.figureId,
          subscriptionId: claim.subscriptionId,
          kind: claim.kind,
          previousId: claim.previousId ?? null,
          dataVersion: input.dataVersion,
          now,
        });
        if (row) claimed.push(toDelivery(row));
      }
      this.stmts.setState.run('last_data_version', input.dataVersion);
      return claimed;
    })();
  }

  async arrivedSince(since: number): Promise<string[]> {
    return this.stmts.arrived.all(since).map((r) => r.figure_id);
  }

  async channelsWithPending(now: number): Promise<string[]> {
    return this.stmts.pendingChannels.all(now).map((r) => r.channel_id);
  }

  async pendingFor(channelId: string, now: number): Promise<AlertDelivery[]> {
    return this.stmts.pendingFor.all(channelId, now).map(toDelivery);
  }

  private each(ids: number[], fn: (id: number) => void): void {
    this.db.transaction(() => ids.forEach(fn))();
  }

  async markSending(ids: number[]): Promise<void> {
    this.each(ids, (id) => this.stmts.sending.run(id));
  }

  async markDelivered(ids: number[], now: number): Promise<void> {
    this.each(ids, (id) => this.stmts.delivered.run(now, id));
  }

  async release(ids: number[], nextAttemptAt: number, error?: string): Promise<void> {
    this.each(ids, (id) => this.stmts.release.run(nextAttemptAt, error ? capError(error) : null, id));
  }

  async markFailed(ids: number[], error: string): Promise<void> {
    this.each(ids, (id) => this.stmts.failed.run(capError(error), id));
  }

  async markSkipped(ids: number[], reason: string): Promise<void> {
    this.each(ids, (id) => this.stmts.skipped.run(capError(reason), id));
  }

  async recoverInFlight(now: number): Promise<{ requeued: number; failed: number }> {
    return this.db.transaction(() => {
      let requeued = 0;
      let failed = 0;
      for (const row of this.stmts.inFlight.all()) {
        if (row.recoveries >= 1) {
          this.stmts.failed.run('the bot stopped twice while posting this alert; not retried again', row.id);
          failed++;
        } else {
          this.stmts.requeue.run(now, row.id);
          requeued++;
        }
      }
      return { requeued, failed };
    })();
  }

  async deliveriesTo(channelId: string): Promise<AlertDelivery[]> {
    return this.stmts.deliveriesTo.all(channelId).map(toDelivery);
  }

  async countDeliveries(status: AlertDeliveryStatus): Promise<number> {
    return this.stmts.count.get(status)?.n ?? 0;
  }

  async getState(key: string): Promise<string | undefined> {
    return this.stmts.getState.get(key)?.value;
  }

  async setState(key: string, value: string): Promise<void> {
    this.stmts.setState.run(key, value);
  }
}
