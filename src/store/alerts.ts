/**
 * Revision alerts (tables from migration 4):
 *
 * - `alert_subscriptions`: one per channel (an `on` again replaces the company filter), active or failing.
 * - `alert_deliveries`: the announcement ledger. UNIQUE(channel_id, figure_id) is the exactly-once guarantee:
 *   a figure is claimed for a channel before anything is posted, and a second claim (a restart, a reload
 *   racing start-up) inserts nothing.
 * - `data_figures_seen`: every figure id the bot has seen in the data, with when it first appeared. Figures
 *   of the current data that are not in it changed while the bot was not looking (down, or before this
 *   feature existed): they are announced once. The very first run records a baseline and announces nothing.
 * - `data_state` (data-state.ts): small facts that must survive a restart (the data version last seen, the
 *   refusal admins were last told about).
 *
 * Moved here from src/alerts/store.ts (which re-exports the types) so no module outside src/store holds a
 * database handle; the queries are written once for SQLite and PostgreSQL.
 */
import type { ExpressionBuilder, Selectable, UpdateObject } from 'kysely';
import { writeAudit } from './audit.js';
import type { Database, Executor } from './database.js';
import { DataState } from './data-state.js';
import type { AlertDeliveriesTable, AlertSubscriptionsTable, Tables } from './schema.js';
import { capError, chunks, transaction, writeOnce } from './write.js';

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

const IN_FLIGHT = ['claimed', 'sending'] as const;

type InFlightUpdate =
  | UpdateObject<Tables, 'alert_deliveries'>
  | ((eb: ExpressionBuilder<Tables, 'alert_deliveries'>) => UpdateObject<Tables, 'alert_deliveries'>);

const toSubscription = (r: Selectable<AlertSubscriptionsTable>): AlertSubscription => ({
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

const toDelivery = (r: Selectable<AlertDeliveriesTable>): AlertDelivery => ({
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

function subscriptionOf(db: Executor, channelId: string) {
  return db.selectFrom('alert_subscriptions').selectAll().where('channel_id', '=', channelId).executeTakeFirst();
}

const audit = (db: Executor, at: number, who: ActorRef, action: string, details: Record<string, unknown>) =>
  writeAudit(db, { at, actor: who.actor, actorName: who.actorName, action, details });

export class KyselyAlertStore implements AlertStore {
  private readonly state: DataState;

  constructor(private readonly database: Database) {
    this.state = new DataState(database);
  }

  private get db() {
    return this.database.kysely;
  }

  subscribe(input: { channelId: string; companies: string[] } & ActorRef, now: number) {
    return transaction(this.database, async (trx) => {
      const beforeRow = await subscriptionOf(trx, input.channelId);
      const row = await trx
        .insertInto('alert_subscriptions')
        .values({
          channel_id: input.channelId,
          companies: JSON.stringify(input.companies),
          status: 'active',
          created_by: input.actor,
          created_by_name: input.actorName ?? null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.column('channel_id').doUpdateSet((eb) => ({
            companies: eb.ref('excluded.companies'),
            status: 'active',
            status_reason: null,
            created_by: eb.ref('excluded.created_by'),
            created_by_name: eb.ref('excluded.created_by_name'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      const subscription = toSubscription(row);
      await audit(trx, now, input, 'alerts-on', {
        subscriptionId: subscription.id,
        channelId: input.channelId,
        companies: input.companies,
        ...(beforeRow ? { before: { companies: JSON.parse(beforeRow.companies) as string[], status: beforeRow.status } } : {}),
      });
      return { subscription, ...(beforeRow ? { before: toSubscription(beforeRow) } : {}) };
    });
  }

  unsubscribe(channelId: string, who: ActorRef, now: number): Promise<AlertSubscription | undefined> {
    return transaction(this.database, async (trx) => {
      const row = await subscriptionOf(trx, channelId);
      if (!row) return undefined;
      await trx.deleteFrom('alert_subscriptions').where('channel_id', '=', channelId).execute();
      await audit(trx, now, who, 'alerts-off', { subscriptionId: row.id, channelId, companies: JSON.parse(row.companies) as string[] });
      return toSubscription(row);
    });
  }

  async getSubscription(channelId: string): Promise<AlertSubscription | undefined> {
    const row = await subscriptionOf(this.db, channelId);
    return row ? toSubscription(row) : undefined;
  }

  async listSubscriptions(prefix = ''): Promise<AlertSubscription[]> {
    let query = this.db.selectFrom('alert_subscriptions').selectAll();
    if (prefix) query = query.where((eb) => eb.fn('substr', ['channel_id', eb.lit(1), eb.lit(prefix.length)]), '=', prefix);
    return (await query.orderBy('id').execute()).map(toSubscription);
  }

  async activeSubscriptions(): Promise<AlertSubscription[]> {
    return (await this.db.selectFrom('alert_subscriptions').selectAll().where('status', '=', 'active').orderBy('id').execute()).map(toSubscription);
  }

  markFailing(id: number, reason: string, now: number): Promise<AlertSubscription | undefined> {
    return transaction(this.database, async (trx) => {
      const row = await trx
        .updateTable('alert_subscriptions')
        .set({ status: 'failing', status_reason: capError(reason), updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      await audit(trx, now, { actor: 'system' }, 'alerts-failing', { subscriptionId: id, channelId: row.channel_id, reason: capError(reason) });
      return toSubscription(row);
    });
  }

  async seenFigures(): Promise<{ ids: Set<string>; empty: boolean }> {
    const rows = await this.db.selectFrom('data_figures_seen').select('figure_id').execute();
    const ids = new Set(rows.map((r) => r.figure_id));
    return { ids, empty: ids.size === 0 };
  }

  recordArrivals(input: { figureIds: string[]; dataVersion: string; baseline: boolean; claims: AlertClaim[] }, now: number): Promise<AlertDelivery[]> {
    return transaction(this.database, async (trx) => {
      for (const ids of chunks(input.figureIds)) {
        await trx
          .insertInto('data_figures_seen')
          .values(ids.map((id) => ({ figure_id: id, first_seen: now, data_version: input.dataVersion, baseline: input.baseline ? 1 : 0 })))
          .onConflict((oc) => oc.column('figure_id').doNothing())
          .execute();
      }
      const claimed: AlertDelivery[] = [];
      for (const claim of input.claims) {
        // RETURNING gives the inserted row; nothing when the claim already existed.
        const row = await trx
          .insertInto('alert_deliveries')
          .values({
            channel_id: claim.channelId,
            figure_id: claim.figureId,
            subscription_id: claim.subscriptionId,
            kind: claim.kind,
            previous_id: claim.previousId ?? null,
            data_version: input.dataVersion,
            status: 'claimed',
            claimed_at: now,
            next_attempt_at: now,
          })
          .onConflict((oc) => oc.columns(['channel_id', 'figure_id']).doNothing())
          .returningAll()
          .executeTakeFirst();
        if (row) claimed.push(toDelivery(row));
      }
      await DataState.set(trx, 'last_data_version', input.dataVersion);
      return claimed;
    });
  }

  async arrivedSince(since: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('data_figures_seen')
      .select('figure_id')
      .where('baseline', '=', 0)
      .where('first_seen', '>', since)
      .orderBy('first_seen')
      .orderBy('figure_id')
      .execute();
    return rows.map((r) => r.figure_id);
  }

  async channelsWithPending(now: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('alert_deliveries')
      .select('channel_id')
      .distinct()
      .where('status', '=', 'claimed')
      .where('next_attempt_at', '<=', now)
      .orderBy('channel_id')
      .execute();
    return rows.map((r) => r.channel_id);
  }

  async pendingFor(channelId: string, now: number): Promise<AlertDelivery[]> {
    const rows = await this.db
      .selectFrom('alert_deliveries')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('status', '=', 'claimed')
      .where('next_attempt_at', '<=', now)
      .orderBy('id')
      .execute();
    return rows.map(toDelivery);
  }

  /** One UPDATE per slice of ids, in one transaction, touching only rows still in flight. */
  private updateInFlight(ids: number[], set: InFlightUpdate): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    const run = async (db: Executor) => {
      for (const slice of chunks(ids)) {
        await db.updateTable('alert_deliveries').set(set).where('id', 'in', slice).where('status', 'in', IN_FLIGHT).execute();
      }
    };
    return ids.length <= 500 ? writeOnce(this.database, run) : transaction(this.database, run);
  }

  markSending(ids: number[]): Promise<void> {
    return this.updateInFlight(ids, (eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1) }));
  }

  markDelivered(ids: number[], now: number): Promise<void> {
    return this.updateInFlight(ids, { status: 'delivered', delivered_at: now, error: null });
  }

  release(ids: number[], nextAttemptAt: number, error?: string): Promise<void> {
    return this.updateInFlight(ids, { status: 'claimed', next_attempt_at: nextAttemptAt, error: error ? capError(error) : null });
  }

  markFailed(ids: number[], error: string): Promise<void> {
    return this.updateInFlight(ids, { status: 'failed', error: capError(error) });
  }

  markSkipped(ids: number[], reason: string): Promise<void> {
    return this.updateInFlight(ids, { status: 'skipped', error: capError(reason) });
  }

  recoverInFlight(now: number): Promise<{ requeued: number; failed: number }> {
    return transaction(this.database, async (trx) => {
      const rows = await trx.selectFrom('alert_deliveries').select(['id', 'recoveries']).where('status', '=', 'sending').orderBy('id').execute();
      const again = rows.filter((r) => r.recoveries >= 1).map((r) => r.id);
      const once = rows.filter((r) => r.recoveries < 1).map((r) => r.id);
      for (const slice of chunks(again)) {
        await trx
          .updateTable('alert_deliveries')
          .set({ status: 'failed', error: 'the bot stopped twice while posting this alert; not retried again' })
          .where('id', 'in', slice)
          .where('status', 'in', IN_FLIGHT)
          .execute();
      }
      for (const slice of chunks(once)) {
        await trx
          .updateTable('alert_deliveries')
          .set((eb) => ({ status: 'claimed', recoveries: eb('recoveries', '+', 1), next_attempt_at: now }))
          .where('id', 'in', slice)
          .where('status', '=', 'sending')
          .execute();
      }
      return { requeued: once.length, failed: again.length };
    });
  }

  async deliveriesTo(channelId: string): Promise<AlertDelivery[]> {
    return (await this.db.selectFrom('alert_deliveries').selectAll().where('channel_id', '=', channelId).orderBy('id').execute()).map(toDelivery);
  }

  async countDeliveries(status: AlertDeliveryStatus): Promise<number> {
    const row = await this.db
      .selectFrom('alert_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', status)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  getState(key: string): Promise<string | undefined> {
    return this.state.get(key);
  }

  setState(key: string, value: string): Promise<void> {
    return this.state.set(key, value);
  }
}
