/**
 * Revision alerts: when a new data version adds a figure or revises a guidance, every channel subscribed
 * with `/capex-digest alerts on [company …]` gets one short post, once — also across restarts.
 *
 * How "once" holds (the same ledger discipline as digests):
 * 1. `reconcile(data)` compares the data with the figure ids the store has seen (not with the previous
 *    in-memory version), so a change made while the bot was down is found at start-up, and one already
 *    announced is never found again. The changes are `diffDataSets(seen, data)`.
 * 2. In ONE transaction it records the new ids as seen and claims (channel, figure) rows for every matching
 *    subscription: UNIQUE(channel_id, figure_id) makes a second claim a no-op.
 * 3. Only then it posts, one post per channel per batch, through the digests' retry policy: 429 waits
 *    Retry-After (the whole platform pauses), 5xx / network errors back off, and retries that run out are
 *    tried again RETRY_LATER later. A channel that is gone marks the subscription failing and its admin is
 *    told by DM, once. Rows a dead process left `sending` are retried once at start-up.
 *
 * The first run ever records a baseline (everything in the data is "seen") and announces nothing.
 *
 * Refused data versions: the admins who set up automated posts — the distinct creators of digest schedules
 * and alert subscriptions — are told by DM, once per distinct refusal, also across restarts (the last
 * refusal told is kept in the store). Not posted in alert channels: the refusal names files and rows, which
 * is for admins, not for the channel.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Caller, Platform } from '../core/command.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { Reply } from '../core/reply.js';
import { DataSet } from '../data/dataset.js';
import { diffDataSets, type DataChange } from '../data/diff.js';
import type { DataRefusal, LiveDataListener } from '../data/live.js';
import { AbortedError, settleWithin, systemClock, type Clock } from '../schedule/clock.js';
import { DEFAULT_RETRY_POLICY, PlatformGate, postWithRetry, type RetryPolicy } from '../schedule/delivery.js';
import { channelLabel, platformOf } from '../schedule/schedule-record.js';
import { buildAlertPost, type AlertItem } from './message.js';
import type { AlertClaim, AlertDelivery, AlertStore, AlertSubscription } from './store.js';

const MINUTE = 60_000;
/** Posts in flight per platform: alerts are rare and small; the rate limit is what matters. */
const CONCURRENCY = 4;
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
  outbounds?: readonly OutboundChannel[];
  clock?: Clock;
  logger?: Logger;
  policy?: RetryPolicy;
  /** Retry the pending posts every minute (off in tests, which call deliverPending()). */
  heartbeat?: boolean;
  /** After retries run out, try again this much later. */
  retryLaterMs?: number;
  /** Creators of digest schedules (the other admins told about a refused data version). */
  scheduleCreators?: () => Promise<string[]>;
}

export type SubscribeResult = { subscription: AlertSubscription; before?: AlertSubscription };

export class AlertService {
  readonly store: AlertStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly policy: RetryPolicy;
  private readonly retryLaterMs: number;
  private readonly outbounds = new Map<Platform, OutboundChannel>();
  private readonly gates = new Map<Platform, PlatformGate>();
  /** Channels being posted to by this process, with the promise (one post per channel at a time). */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Channels that got new claims while a post to them was in flight: posted again right after. */
  private readonly again = new Set<string>();
  private readonly warnedNoOutbound = new Set<string>();
  private readonly abort = new AbortController();
  private reconciling: Promise<AlertDelivery[]> = Promise.resolve([]);
  /** Admin notices being sent: start-up and reloads do not wait for a slow platform. */
  private readonly notices = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;

  constructor(private readonly options: AlertServiceOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.retryLaterMs = options.retryLaterMs ?? 5 * MINUTE;
    setMaxListeners(0, this.abort.signal);
    for (const outbound of options.outbounds ?? []) this.connect(outbound);
  }

  connect(outbound: OutboundChannel): void {
    this.outbounds.set(outbound.platform, outbound);
    if (!this.gates.has(outbound.platform)) this.gates.set(outbound.platform, new PlatformGate(this.clock, CONCURRENCY));
  }

  get running(): boolean {
    return this.started && !this.stopping;
  }

  /**
   * After the adapters are up: recover posts a dead process left in flight, announce what changed while the
   * bot was down, follow the live data from now on, and tell admins about a refusal they have not heard of.
   */
  async start(outbounds: readonly OutboundChannel[], live?: LiveSource): Promise<void> {
    for (const outbound of outbounds) this.connect(outbound);
    if (this.started || this.stopping) return;
    this.started = true;
    const recovered = await this.store.recoverInFlight(this.clock.now());
    if (recovered.requeued || recovered.failed) this.logger.warn(recovered, 'revision alerts left in flight by the previous run recovered');
    live?.subscribe({
      onChange: async (_previous, next) => {
        if (this.stopping) return;
        // A valid version ends any refusal: the same problem coming back later is news again.
        await this.store.setState(REFUSAL_STATE, '');
        await this.reconcile(next);
      },
      onRefused: (refusal) => {
        if (!this.stopping) this.inBackground(this.tellRefusal(refusal, live));
      },
    });
    await this.reconcile(this.options.data());
    if (live?.lastRefusal) this.inBackground(this.tellRefusal(live.lastRefusal, live));
    else await this.store.setState(REFUSAL_STATE, '');
    const pass = () => void this.deliverPending().catch((err) => this.logger.error({ err }, 'revision alert pass failed'));
    if (this.options.heartbeat !== false) {
      this.timer = setInterval(pass, MINUTE);
      this.timer.unref();
    }
    pass();
  }

  private inBackground(work: Promise<unknown>): void {
    const tracked = work.catch((err) => this.logger.error({ err }, 'could not tell admins about a refused data version'));
    this.notices.add(tracked);
    void tracked.finally(() => this.notices.delete(tracked));
  }

  /** SIGTERM: no new work; posts in flight finish (bounded); waits (backoff, Retry-After) end, rows stay claimed. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await settleWithin([this.reconciling, ...this.inFlight.values(), ...this.notices], timeoutMs);
  }

  /** Resolves when every post started so far has finished (tests). */
  async idle(): Promise<void> {
    await this.reconciling;
    while (this.inFlight.size > 0 || this.notices.size > 0) await Promise.allSettled([...this.inFlight.values(), ...this.notices]);
  }

  // ---- finding and claiming changes ----------------------------------------------------------------

  /** Finds the figures the store has not seen, claims their announcements and starts posting. One at a time. */
  reconcile(data: DataSet): Promise<AlertDelivery[]> {
    const run = this.reconciling.then(() => this.reconcileOnce(data));
    this.reconciling = run.catch((err) => {
      this.logger.error({ err }, 'could not record a data change for revision alerts');
      return [];
    });
    return run;
  }

  private async reconcileOnce(data: DataSet): Promise<AlertDelivery[]> {
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
    const claims: AlertClaim[] = [];
    for (const subscription of subscriptions) {
      for (const change of changes) {
        if (!wants(subscription, change)) continue;
        claims.push({
          channelId: subscription.channelId,
          figureId: change.figure.id,
          subscriptionId: subscription.id,
          kind: change.kind,
          ...(change.previous ? { previousId: change.previous.id } : {}),
        });
      }
    }
    const claimed = await this.store.recordArrivals({ figureIds: fresh, dataVersion: data.version, baseline: false, claims }, now);
    this.logger.info(
      { version: data.version, newFigures: fresh.length, changes: changes.length, channels: new Set(claimed.map((c) => c.channelId)).size },
      'revision alerts: data changes recorded',
    );
    for (const channelId of new Set(claimed.map((c) => c.channelId))) this.deliverChannel(channelId);
    return claimed;
  }

  /** Figures that entered the data after `since` (epoch ms): the digest's "what changed" includes them. */
  arrivedSince(since: number): Promise<string[]> {
    return this.store.arrivedSince(since);
  }

  // ---- posting -------------------------------------------------------------------------------------

  /** Posts every channel's due announcements (the heartbeat; after start-up). */
  async deliverPending(): Promise<void> {
    if (this.stopping) return;
    const channels = await this.store.channelsWithPending(this.clock.now());
    await Promise.allSettled(channels.map((c) => this.deliverChannel(c)));
  }

  private deliverChannel(channelId: string): Promise<void> {
    const running = this.inFlight.get(channelId);
    if (running) {
      this.again.add(channelId);
      return running;
    }
    const promise = this.deliverChannelOnce(channelId)
      .catch((err) => this.logger.error({ err, channel: channelId }, 'revision alert delivery failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(channelId);
        if (this.again.delete(channelId) && !this.stopping) void this.deliverChannel(channelId);
      });
    this.inFlight.set(channelId, promise);
    return promise;
  }

  private async deliverChannelOnce(channelId: string): Promise<void> {
    if (this.stopping) return;
    const rows = await this.store.pendingFor(channelId, this.clock.now());
    if (rows.length === 0) return;
    const platform = platformOf(channelId);
    const outbound = platform ? this.outbounds.get(platform) : undefined;
    const gate = platform ? this.gates.get(platform) : undefined;
    if (!outbound || !gate) {
      if (!this.warnedNoOutbound.has(platform ?? channelId)) {
        this.warnedNoOutbound.add(platform ?? channelId);
        this.logger.warn({ channel: channelId }, `revision alerts for ${platform ?? 'this'} channels wait: that platform is not connected in this run`);
      }
      return;
    }

    // Turned off or failing meanwhile, or the company no longer in the filter: not posted.
    const subscription = await this.store.getSubscription(channelId);
    const data = this.options.data();
    const items: AlertItem[] = [];
    const skip: { ids: number[]; reason: string }[] = [];
    const posted: AlertDelivery[] = [];
    for (const row of rows) {
      const figure = data.figures.find((f) => f.id === row.figureId);
      if (!subscription || subscription.status !== 'active') {
        skip.push({ ids: [row.id], reason: 'alerts are off (or failing) in this channel' });
      } else if (!figure) {
        skip.push({ ids: [row.id], reason: 'the figure left the data before it was announced' });
      } else if (subscription.companies.length > 0 && !subscription.companies.includes(figure.company)) {
        skip.push({ ids: [row.id], reason: 'the company is no longer in this channel’s alert filter' });
      } else {
        const previous = row.previousId ? data.figures.find((f) => f.id === row.previousId) : undefined;
        items.push({ figure, kind: previous ? 'revised' : 'added', ...(previous ? { previous } : {}) });
        posted.push(row);
      }
    }
    for (const s of skip) await this.store.markSkipped(s.ids, s.reason);
    if (items.length === 0) return;

    const ids = posted.map((r) => r.id);
    const reply = buildAlertPost(items, data);
    try {
      const outcome = await postWithRetry(() => outbound.post(channelId, reply), {
        gate,
        clock: this.clock,
        policy: this.policy,
        signal: this.abort.signal,
        hooks: {
          beforeAttempt: () => this.store.markSending(ids),
          afterRateLimited: (wait) => this.store.release(ids, this.clock.now() + wait, 'rate limited by the platform'),
        },
      });
      if (outcome.ok) {
        await this.store.markDelivered(ids, this.clock.now());
        this.logger.info({ channel: channelId, figures: items.length, attempts: outcome.attempts }, 'revision alert posted');
        return;
      }
      if (outcome.reason === 'unreachable') {
        const reason = outcome.error.message || 'the channel is gone or the bot is no longer in it';
        await this.store.markFailed(ids, reason);
        await this.markFailing(subscription!, reason);
        return;
      }
      await this.store.release(ids, this.clock.now() + this.retryLaterMs, outcome.error.message);
      this.logger.warn({ err: outcome.error, channel: channelId }, 'revision alert not posted yet; retrying later');
    } catch (err) {
      if (err instanceof AbortedError) {
        // Shutdown while waiting: nothing is in flight, the next start posts it.
        await this.store.release(ids, this.clock.now(), 'the bot stopped before posting');
        return;
      }
      await this.store.release(ids, this.clock.now() + this.retryLaterMs, 'internal error');
      throw err;
    }
  }

  /** The channel is gone: the subscription stops (others carry on) and the admin who set it up hears it once. */
  private async markFailing(subscription: AlertSubscription, reason: string): Promise<void> {
    const updated = await this.store.markFailing(subscription.id, reason, this.clock.now());
    this.logger.warn({ channel: subscription.channelId, reason }, 'revision alerts failing');
    if (!updated) return;
    const channel = channelLabel(subscription.channelId);
    await this.direct(subscription.createdBy, {
      kind: 'error',
      visibility: 'private',
      title: `Revision alerts stopped: cannot post in ${channel}`,
      lines: [
        `A revision alert could not be posted in ${channel}: ${reason}.`,
        `Alerts there are paused so nothing piles up. Add the bot to the channel (or pick another one), then run /capex-digest alerts on … ${channel} again; or stop them with /capex-digest alerts off ${channel}.`,
      ],
      summary: `Revision alerts cannot post in ${channel}.`,
    });
  }

  /** A DM through the admin's platform, with the same retry policy; failures are logged, never thrown. */
  private async direct(userId: string, reply: Reply): Promise<boolean> {
    const platform = platformOf(userId);
    const outbound = platform ? this.outbounds.get(platform) : undefined;
    const gate = platform ? this.gates.get(platform) : undefined;
    if (!outbound || !gate) {
      this.logger.warn({ admin: userId }, 'cannot tell an admin: their platform is not connected in this run');
      return false;
    }
    try {
      const outcome = await postWithRetry(() => outbound.sendDirect(userId, reply), { gate, clock: this.clock, policy: this.policy, signal: this.abort.signal });
      if (!outcome.ok) this.logger.error({ err: outcome.error, admin: userId }, 'could not send a direct message to an admin');
      return outcome.ok;
    } catch (err) {
      this.logger.error({ err, admin: userId }, 'could not send a direct message to an admin');
      return false;
    }
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
        'Fix the file and save it again; the bot picks the fix up by itself. /capex-digest status shows the state. You will not be told about this same problem again.',
      ],
      summary: `A new version of the capex data was refused: ${shown[0] ?? refusal.message.slice(0, 200)}`,
    };
    let told = 0;
    for (const admin of admins) if (await this.direct(admin, reply)) told++;
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

  /** Subscriptions on the caller's platform: a Slack admin never sees or changes Discord channels. */
  list(caller: Caller): Promise<AlertSubscription[]> {
    return this.store.listSubscriptions(`${caller.platform}:`);
  }
}

/** Does a channel's filter cover this change? No companies = every company. */
function wants(subscription: AlertSubscription, change: DataChange): boolean {
  return subscription.companies.length === 0 || subscription.companies.includes(change.figure.company);
}
