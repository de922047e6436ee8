/**
 * Revision alerts: when a new data version adds a figure or revises a guidance, every channel subscribed
 * with `/capex-digest alerts on [company …]` gets one short post, once — also across restarts and replicas.
 *
 * How "once" holds (the delivery ledger's discipline, src/delivery):
 * 1. `reconcile(data)` compares the data with the figure ids the store has seen (not with the previous
 *    in-memory version), so a change made while the bot was down is found at start-up, and one already
 *    announced is never found again. The changes are `diffDataSets(seen, data)`. Only the replica that leads
 *    the background loops diffs (src/delivery/leader.ts).
 * 2. It records an `alert` ledger row per (figure, channel) for every matching subscription — UNIQUE, so a second
 *    diff of the same change inserts nothing — and only THEN marks the figures seen. A crash in between diffs the
 *    same figures again on the next start, and their rows already exist: nothing lost, nothing doubled.
 * 3. The engine posts them — on any replica, one post per channel for the rows claimed together — through the
 *    shared gates and retry rule; this service is the `alert` handler: what a batch posts, and what a channel
 *    that is gone does (the subscription goes failing, its admin is told once).
 *
 * The first run ever records a baseline (everything in the data is "seen") and announces nothing.
 *
 * Refused data versions: the admins who set up automated posts — the distinct creators of digest schedules
 * and alert subscriptions — are told by DM, once per distinct refusal, also across restarts (the last
 * refusal told is kept in the store). Not posted in alert channels: the refusal names files and rows, which
 * is for admins, not for the channel.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Caller } from '../core/command.js';
import { callerScope } from '../core/workspace.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { Reply } from '../core/reply.js';
import { commandRef } from '../core/syntax.js';
import { DataSet } from '../data/dataset.js';
import { diffDataSets, type DataChange } from '../data/diff.js';
import type { DataRefusal, LiveDataListener } from '../data/live.js';
import type { DeliveryEngine, DeliveryHandler, Preparation } from '../delivery/engine.js';
import type { LedgerRow, NewLedgerRow } from '../delivery/ledger.js';
import type { NotifyAdmin } from '../delivery/notify-admin.js';
import type { FinalFailure } from '../delivery/retry.js';
import { systemClock, type Clock } from '../core/clock.js';
import { channelLabel } from '../schedule/schedule-record.js';
import { buildAlertPost, type AlertItem } from './message.js';
import type { AlertDelivery, AlertStore, AlertSubscription } from './store.js';

/** A refused version's message is long (up to 20 problems): admins get the first lines. */
const REFUSAL_LINES = 4;
const REFUSAL_STATE = 'refusal_told';

/** What the service needs of LiveData (src/data/live.ts). */
export interface LiveSource {
  subscribe(listener: LiveDataListener): void;
  readonly lastRefusal: DataRefusal | undefined;
  status(): { dataVersion: string; dataLoadedAt: string; dataSource: string };
}

export interface AlertServiceOptions {
  store: AlertStore;
  data: () => DataSet;
  /** The delivery engine every post goes through (the digest service's). */
  engine: DeliveryEngine;
  notifyAdmin: NotifyAdmin;
  clock?: Clock;
  logger?: Logger;
  /** Creators of digest schedules (the other admins told about a refused data version). */
  scheduleCreators?: () => Promise<string[]>;
}

export type SubscribeResult = { subscription: AlertSubscription; before?: AlertSubscription };

/** An alert ledger row as the tests and `/capex-digest status` read it (the alert ledger's shape before issue 12). */
function toAlertDelivery(row: LedgerRow): AlertDelivery {
  const p = row.payload;
  return {
    id: row.id,
    channelId: row.target,
    figureId: row.subject,
    subscriptionId: Number(p.subscriptionId ?? 0),
    kind: p.change === 'revised' ? 'revised' : 'added',
    previousId: typeof p.previousId === 'string' ? p.previousId : null,
    dataVersion: String(p.dataVersion ?? ''),
    status: row.status === 'pending' ? 'claimed' : row.status === 'missed' ? 'skipped' : row.status,
    attempts: row.attempts,
    recoveries: row.takeovers,
    claimedAt: row.createdAt,
    nextAttemptAt: row.notBefore,
    deliveredAt: row.deliveredAt,
    error: row.error,
  };
}

export class AlertService implements DeliveryHandler {
  readonly kind = 'alert' as const;
  /** Rows claimed together for one channel go out as one post. */
  readonly batch = true;
  readonly store: AlertStore;
  private readonly engine: DeliveryEngine;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private reconciling: Promise<LedgerRow[]> = Promise.resolve([]);
  /** Admin notices being recorded: start-up and reloads do not wait for them. */
  private readonly notices = new Set<Promise<unknown>>();
  private live: LiveSource | undefined;
  private subscribed = false;
  private leading = false;
  private stopping = false;

  constructor(private readonly options: AlertServiceOptions) {
    this.store = options.store;
    this.engine = options.engine;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.engine.register(this);
  }

  connect(outbound: OutboundChannel): void {
    this.engine.connect(outbound);
  }

  /** Whether this replica diffs data versions (it leads the background loops). */
  get running(): boolean {
    return this.leading && !this.stopping;
  }

  /**
   * After the adapters are up. Every replica posts alert rows (the engine); the one that leads (`lead`, default
   * true) also announces what changed while no replica was looking, follows the live data from now on, and tells
   * admins about a refusal they have not heard of.
   */
  async start(outbounds: readonly OutboundChannel[], live?: LiveSource, options: { lead?: boolean } = {}): Promise<void> {
    for (const outbound of outbounds) this.connect(outbound);
    this.live = live;
    if (live && !this.subscribed) {
      this.subscribed = true;
      live.subscribe({
        onChange: async (_previous, next) => {
          if (!this.running) return;
          // A valid version ends any refusal: the same problem coming back later is news again.
          await this.store.setState(REFUSAL_STATE, '');
          await this.reconcile(next);
        },
        onRefused: (refusal) => {
          if (this.running) this.inBackground(this.tellRefusal(refusal, live));
        },
      });
    }
    if (options.lead !== false) await this.lead(true);
  }

  /** Takes up (or gives up) the diffing of data versions on this replica. */
  async lead(leading: boolean): Promise<void> {
    if (this.stopping || leading === this.leading) return;
    this.leading = leading;
    if (!leading) return;
    await this.reconcile(this.options.data());
    const live = this.live;
    if (live?.lastRefusal) this.inBackground(this.tellRefusal(live.lastRefusal, live));
    else await this.store.setState(REFUSAL_STATE, '');
  }

  private inBackground(work: Promise<unknown>): void {
    const tracked = work.catch((err) => this.logger.error({ err }, 'could not tell admins about a refused data version'));
    this.notices.add(tracked);
    void tracked.finally(() => this.notices.delete(tracked));
  }

  /** SIGTERM: no new diffs; the engine (stopped by the digest service) finishes or frees the posts in flight. */
  async stop(_timeoutMs = 5_000): Promise<void> {
    this.stopping = true;
    this.leading = false;
    await Promise.allSettled([this.reconciling, ...this.notices]);
  }

  /** Resolves when the diffs and every post started so far have finished (tests). */
  async idle(): Promise<void> {
    await this.reconciling;
    while (this.notices.size > 0) await Promise.allSettled([...this.notices]);
    await this.engine.idle();
  }

  /** Announcements recorded and not posted yet (for `/capex-digest status`). */
  pendingCount(): Promise<number> {
    return this.engine.ledger.countUnfinished('alert');
  }

  /** The announcement rows of one channel, oldest first. */
  async deliveriesTo(channelId: string): Promise<AlertDelivery[]> {
    return (await this.engine.ledger.rows({ kind: 'alert', target: channelId })).map(toAlertDelivery);
  }

  // ---- finding and recording changes ---------------------------------------------------------------

  /** Finds the figures the store has not seen, records their announcements and lets the engine post them. One at a time. */
  reconcile(data: DataSet): Promise<LedgerRow[]> {
    const run = this.reconciling.then(() => this.reconcileOnce(data));
    this.reconciling = run.catch((err) => {
      this.logger.error({ err }, 'could not record a data change for revision alerts');
      return [];
    });
    return run;
  }

  private async reconcileOnce(data: DataSet): Promise<LedgerRow[]> {
    const now = this.clock.now();
    const { ids: seen, empty } = await this.store.seenFigures();
    const fresh = data.figures.filter((f) => !seen.has(f.id)).map((f) => f.id);
    if (fresh.length === 0) return [];
    if (empty) {
      await this.store.recordArrivals({ figureIds: fresh, dataVersion: data.version, baseline: true, claims: [] }, now);
      this.logger.info({ figures: fresh.length, version: data.version }, 'revision alerts: first run, the current data is the baseline (nothing announced)');
      return [];
    }
    // The version the store knows: the current figures it has seen. When the bot was up all along this is
    // exactly the previous version; after downtime it is what the bot last saw, so nothing is lost or repeated.
    const known = new DataSet({ version: '(seen)', fx: [...data.fx], companies: [...data.companies], figures: data.figures.filter((f) => seen.has(f.id)) });
    const changes = diffDataSets(known, data);
    const subscriptions = await this.store.activeSubscriptions();
    const rows: NewLedgerRow[] = [];
    for (const subscription of subscriptions) {
      for (const change of changes) {
        if (!wants(subscription, change)) continue;
        rows.push({
          kind: 'alert',
          subject: change.figure.id,
          target: subscription.channelId,
          slot: '',
          dueAt: now,
          payload: { subscriptionId: subscription.id, change: change.kind, previousId: change.previous?.id ?? null, dataVersion: data.version },
        });
      }
    }
    // Announcements first, then "seen": see the header (a crash in between repeats the diff, not the posts).
    const inserted = (await this.engine.ledger.insert(rows, now)).filter((r): r is LedgerRow => r !== undefined);
    await this.store.recordArrivals({ figureIds: fresh, dataVersion: data.version, baseline: false, claims: [] }, now);
    this.logger.info(
      { version: data.version, newFigures: fresh.length, changes: changes.length, channels: new Set(inserted.map((c) => c.target)).size },
      'revision alerts: data changes recorded',
    );
    if (inserted.length > 0) await this.engine.pump();
    return inserted;
  }

  /** Figures that entered the data after `since` (epoch ms): the digest's "what changed" includes them. */
  arrivedSince(since: number): Promise<string[]> {
    return this.store.arrivedSince(since);
  }

  // ---- the engine's handler for `alert` rows -------------------------------------------------------

  async prepare(rows: readonly LedgerRow[]): Promise<Preparation> {
    const channelId = rows[0]!.target;
    // Turned off or failing meanwhile, or the company no longer in the filter: not posted.
    const subscription = await this.store.getSubscription(channelId);
    const data = this.options.data();
    const items: AlertItem[] = [];
    const skip: { id: number; reason: string }[] = [];
    for (const row of rows) {
      const figure = data.figures.find((f) => f.id === row.subject);
      if (!subscription || subscription.status !== 'active') {
        skip.push({ id: row.id, reason: 'alerts are off (or failing) in this channel' });
      } else if (!figure) {
        skip.push({ id: row.id, reason: 'the figure left the data before it was announced' });
      } else if (subscription.companies.length > 0 && !subscription.companies.includes(figure.company)) {
        skip.push({ id: row.id, reason: 'the company is no longer in this channel’s alert filter' });
      } else {
        const previousId = typeof row.payload.previousId === 'string' ? row.payload.previousId : undefined;
        const previous = previousId ? data.figures.find((f) => f.id === previousId) : undefined;
        items.push({ figure, kind: previous ? 'revised' : 'added', ...(previous ? { previous } : {}) });
      }
    }
    if (items.length === 0) return { finish: 'skipped', reason: skip[0]?.reason ?? 'nothing to announce' };
    return { post: { build: async () => ({ reply: buildAlertPost(items, data) }) }, skip };
  }

  async delivered(rows: readonly LedgerRow[]): Promise<void> {
    this.logger.info({ channel: rows[0]!.target, figures: rows.length }, 'revision alert posted');
  }

  /** The channel is gone: the subscription stops (others carry on) and the admin who set it up hears it once. */
  async undeliverable(rows: readonly LedgerRow[], failure: { kind: FinalFailure; reason: string }): Promise<void> {
    const subscription = await this.store.getSubscription(rows[0]!.target);
    if (!subscription) return;
    const updated = failure.kind === 'token_revoked' ? undefined : await this.store.markFailing(subscription.id, failure.reason, this.clock.now());
    this.logger.warn({ channel: subscription.channelId, reason: failure.reason }, 'revision alerts failing');
    if (failure.kind !== 'token_revoked' && !updated) return;
    const channel = channelLabel(subscription.channelId);
    const onceKey = updated ? `alerts-failing:${subscription.id}:${updated.updatedAt}` : `token-revoked:${subscription.channelId.split(':')[0]}`;
    await this.options.notifyAdmin(subscription.createdBy, onceKey, {
      kind: 'error',
      visibility: 'private',
      title: `Revision alerts stopped: cannot post in ${channel}`,
      lines: [
        `A revision alert could not be posted in ${channel}: ${failure.reason}.`,
        `Alerts there are paused so nothing piles up. Add the bot to the channel (or pick another one), then run ${commandRef('/capex-digest alerts on')} … ${channel} again; or stop them with ${commandRef('/capex-digest alerts off')} ${channel}.`,
      ],
      summary: `Revision alerts cannot post in ${channel}.`,
    });
  }

  // ---- refused data versions -----------------------------------------------------------------------

  /** Admins hear about a refused version once per distinct problem, also across restarts. */
  async tellRefusal(refusal: DataRefusal, live?: LiveSource): Promise<number> {
    const hash = createHash('sha256').update(refusal.message).digest('hex');
    if ((await this.store.getState(REFUSAL_STATE)) === hash) return 0;
    // Recorded before the DMs go out: a crash in between loses a notice rather than repeating it on every start.
    await this.store.setState(REFUSAL_STATE, hash);
    const admins = await this.admins();
    if (admins.length === 0) {
      this.logger.warn('a data version was refused and no admin has set up digests or alerts to tell; see the log and /healthz');
      return 0;
    }
    const status = live?.status();
    const problems = refusal.message.split('\n').slice(1);
    const shown = problems.slice(0, REFUSAL_LINES).map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line));
    const reply: Reply = {
      kind: 'error',
      visibility: 'private',
      title: 'A new version of the capex data was refused',
      lines: [
        `The data from ${refusal.source} failed validation at ${refusal.at.toISOString().slice(0, 16).replace('T', ' ')} UTC. The bot keeps answering from the last good version${status ? ` (${status.dataVersion}, loaded ${status.dataLoadedAt.slice(0, 16).replace('T', ' ')} UTC)` : ''}.`,
        ...shown,
        ...(problems.length > shown.length ? [`…and ${problems.length - shown.length} more problems (see the bot's log).`] : []),
        `Fix the file and save it again; the bot picks the fix up by itself. ${commandRef('/capex-digest status')} shows the state. You will not be told about this same problem again.`,
      ],
      summary: `A new version of the capex data was refused: ${shown[0] ?? refusal.message.slice(0, 200)}`,
    };
    let told = 0;
    // One notice per admin and refusal episode (the hash was just recorded: a restart does not repeat it).
    // The refusal state above makes it once per episode; the key only needs to be unique to this episode.
    const episode = randomUUID();
    for (const admin of admins) if (await this.options.notifyAdmin(admin, `data-refused:${hash}:${episode}`, reply)) told++;
    this.logger.info({ admins: admins.length, told }, 'admins told about a refused data version');
    return told;
  }

  /** The admins who set up automated posts: distinct creators of digest schedules and alert subscriptions. */
  private async admins(): Promise<string[]> {
    const creators = new Set<string>();
    try {
      for (const id of (await this.options.scheduleCreators?.()) ?? []) creators.add(id);
    } catch (err) {
      this.logger.error({ err }, 'could not read the digest schedules');
    }
    for (const s of await this.store.listSubscriptions()) creators.add(s.createdBy);
    return [...creators];
  }

  // ---- admin commands ------------------------------------------------------------------------------

  subscribe(channelId: string, companies: string[], caller: Caller): Promise<SubscribeResult> {
    return this.store.subscribe({ channelId, companies, actor: caller.userId, actorName: caller.userName }, this.clock.now());
  }

  unsubscribe(channelId: string, caller: Caller): Promise<AlertSubscription | undefined> {
    return this.store.unsubscribe(channelId, { actor: caller.userId, actorName: caller.userName }, this.clock.now());
  }

  /** Subscriptions in the caller's workspace: a Slack admin never sees or changes Discord channels, nor another workspace's. */
  list(caller: Caller): Promise<AlertSubscription[]> {
    return this.store.listSubscriptions(callerScope(caller));
  }
}

/** Does a channel's filter cover this change? No companies = every company. */
function wants(subscription: AlertSubscription, change: DataChange): boolean {
  return subscription.companies.length === 0 || subscription.companies.includes(change.figure.company);
}
