/**
 * The news service: admins' feeds, the fetch loop, and the headlines the digest and `/capex news` show.
 *
 * - Every minute the loop fetches the feeds that are due (at most `concurrency` at once). A healthy feed is
 *   due every FEED_REFRESH_MINUTES; a failing one is retried with exponential backoff (refresh × 2^(n−1),
 *   capped at 12 hours) so a dead server is not hammered.
 * - One feed's failure (network, HTTP error, bad XML, too big, too slow, refused address) is stored on that
 *   feed only — health 'failing' with the reason — and the admin who added it is told once by DM, the
 *   same way the scheduler tells the creator of a failing digest schedule. The other feeds and the digests
 *   go on; a feed that recovers is healthy again and would be reported anew if it fails later.
 * - Feeds are global to the bot (one deployment serves its digests on every platform), so any admin sees
 *   and manages all of them; `feeds list` says who added each.
 */
import type { Caller, Platform } from '../core/command.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { Reply } from '../core/reply.js';
import type { Config } from '../config.js';
import type { NotifyAdmin } from '../delivery/notify-admin.js';
import type { DataSet } from '../data/dataset.js';
import { settleWithin, systemClock, type Clock } from '../core/clock.js';
import { MAX_HEADLINES, type DigestHeadline, type HeadlineSource } from '../schedule/digest.js';
import { addressPolicy, checkFeedUrl, FeedUrlError, parseFeedUrl, type AddressPolicy } from './address-policy.js';
import { FeedFetchError, FetchAbortedError, fetchFeed } from './fetch.js';
import { keepRelevant } from './items.js';
import { FeedParseError, parseFeedDocument } from './parse.js';
import type { FeedRecord, NewsItem, NewsStore } from './store.js';
import { commandRef } from '../core/syntax.js';
import { callerScope, workspaceOf } from '../core/workspace.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const MAX_BACKOFF_MS = 12 * HOUR;
/** A channel's first digest shows headlines from this far back. */
export const FIRST_DIGEST_LOOKBACK_MS = 7 * DAY;
/**
 * Headlines first seen a little before the previous digest may still be new to the channel (fetched while
 * that digest was being posted or retried); the shown-records keep them from repeating.
 */
export const SINCE_SLACK_MS = 6 * HOUR;
/** Older than this before the window, a headline discovered late (a newly added feed's archive) is not news. */
export const STALE_MS = 7 * DAY;
export const DEFAULT_MAX_FEEDS = 50;

export interface NewsServiceOptions {
  store: NewsStore;
  data: () => DataSet;
  outbounds?: readonly OutboundChannel[];
  config?: Partial<Pick<Config, 'FEED_REFRESH_MINUTES' | 'ALLOW_PRIVATE_FEEDS'>>;
  clock?: Clock;
  logger?: Logger;
  /** Overrides the policy built from ALLOW_PRIVATE_FEEDS (tests: a resolver and exempt addresses). */
  policy?: AddressPolicy;
  fetch?: { timeoutMs?: number; maxBytes?: number; userAgent?: string };
  /** Check for due feeds every minute (off in tests, which call tick()). */
  heartbeat?: boolean;
  concurrency?: number;
  maxFeeds?: number;
  /** The one admin-notice path (src/delivery/notify-admin.ts): once per failure episode, the shared retry rule. */
  notifyAdmin?: NotifyAdmin;
  /** How long `feeds add` waits for the first fetch before answering (chat platforms want an answer within 3 s). */
  addWaitMs?: number;
}

export type RefreshOutcome =
  | {
      ok: true;
      notModified: boolean;
      /** Items in the document, items about AI investment, and the new ones among those. */
      read: number;
      kept: number;
      added: number;
      title: string | null;
      etag?: string | null;
      lastModified?: string | null;
    }
  | { ok: false; reason: string; aborted?: boolean };

export type AddFeedResult =
  /** `shared`: the URL was already read (for another workspace); no first fetch, its kept headlines count here too. */
  | { status: 'added'; feed: FeedRecord; first?: RefreshOutcome; shared?: boolean }
  | { status: 'exists'; feed: FeedRecord }
  | { status: 'refused'; reason: string };

export interface TickResult {
  fetched: number;
  failed: number;
  added: number;
}

export class NewsService implements HeadlineSource {
  readonly store: NewsStore;
  readonly refreshMs: number;
  readonly policy: AddressPolicy;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly outbounds = new Map<Platform, OutboundChannel>();
  private readonly inFlight = new Map<number, Promise<RefreshOutcome>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<TickResult> | undefined;
  private stopping = false;

  constructor(private readonly options: NewsServiceOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.refreshMs = (options.config?.FEED_REFRESH_MINUTES ?? 30) * MINUTE;
    this.policy = options.policy ?? addressPolicy({ allowPrivate: options.config?.ALLOW_PRIVATE_FEEDS ?? false });
    for (const outbound of options.outbounds ?? []) this.connect(outbound);
  }

  /** A platform to DM admins on (a feed's adder is told on the platform they added it from). */
  connect(outbound: OutboundChannel): void {
    this.outbounds.set(outbound.platform, outbound);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts the fetch loop: a pass now (not awaited: start-up does not wait for the network), then every minute. */
  start(outbounds: readonly OutboundChannel[] = []): void {
    for (const outbound of outbounds) this.connect(outbound);
    if (this.stopping || this.timer) return;
    const pass = () => void this.tick().catch((err) => this.logger.error({ err }, 'news fetch pass failed'));
    if (this.options.heartbeat !== false) {
      this.timer = setInterval(pass, MINUTE);
      this.timer.unref();
    }
    pass();
  }

  /** Another replica leads the background loops: this one stops polling (fetches in flight finish). */
  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** SIGTERM: no new fetches, abort the ones in flight (their feeds stay due for the next start). */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await settleWithin([...this.inFlight.values(), this.ticking], timeoutMs);
  }

  /** One pass over the due feeds. Overlapping calls share the pass in progress. */
  tick(): Promise<TickResult> {
    if (this.stopping) return Promise.resolve({ fetched: 0, failed: 0, added: 0 });
    this.ticking ??= this.tickOnce().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async tickOnce(): Promise<TickResult> {
    const due = (await this.store.dueFeeds(this.clock.now(), 500)).filter((f) => !this.inFlight.has(f.id));
    const result: TickResult = { fetched: 0, failed: 0, added: 0 };
    const queue = [...due];
    const worker = async () => {
      for (let feed = queue.shift(); feed && !this.stopping; feed = queue.shift()) {
        const outcome = await this.refresh(feed, { notify: true });
        if (outcome.ok) {
          result.fetched++;
          result.added += outcome.added;
        } else if (!outcome.aborted) {
          result.failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, queue.length) }, worker));
    return result;
  }

  /** Fetches one feed now; never throws. With `notify`, a new failure is reported to the feed's adder. */
  refresh(feed: FeedRecord, opts: { notify: boolean }): Promise<RefreshOutcome> {
    const running = this.inFlight.get(feed.id);
    if (running) return running;
    const promise = this.refreshOnce(feed, opts).finally(() => this.inFlight.delete(feed.id));
    this.inFlight.set(feed.id, promise);
    return promise;
  }

  private async refreshOnce(feed: FeedRecord, opts: { notify: boolean }): Promise<RefreshOutcome> {
    let outcome: RefreshOutcome;
    try {
      outcome = await this.read(feed);
    } catch (error) {
      if (error instanceof FetchAbortedError) return { ok: false, reason: 'the bot is shutting down', aborted: true };
      if (error instanceof FeedUrlError || error instanceof FeedFetchError || error instanceof FeedParseError) {
        outcome = { ok: false, reason: error.message };
      } else {
        this.logger.error({ err: error, feed: feed.id }, 'unexpected error while reading a news feed');
        outcome = { ok: false, reason: 'internal error while reading the feed (see the bot log)' };
      }
    }
    const now = this.clock.now();
    try {
      if (outcome.ok) {
        await this.store.recordSuccess(feed.id, {
          now,
          nextFetchAt: now + this.refreshMs,
          title: outcome.title,
          added: outcome.added,
          notModified: outcome.notModified,
          etag: outcome.etag,
          lastModified: outcome.lastModified,
        });
        if (feed.health === 'failing') this.logger.info({ feed: feed.id, url: feed.url }, 'news feed healthy again');
        return outcome;
      }
      const failures = feed.failures + 1;
      const updated = await this.store.recordFailure(feed.id, { now, reason: outcome.reason, nextFetchAt: now + this.backoffMs(failures) });
      this.logger.warn({ feed: feed.id, url: feed.url, reason: outcome.reason, failures }, 'news feed failing');
      if (opts.notify && updated && !updated.notified) await this.notifyFailure(updated);
    } catch (err) {
      // The feed was removed meanwhile, or the database is closing: nothing to record.
      this.logger.warn({ err, feed: feed.id }, 'could not record a news feed fetch');
    }
    return outcome;
  }

  /** Delay before the n-th consecutive retry: the refresh interval doubled per failure, at most 12 h. */
  backoffMs(failures: number): number {
    return Math.min(MAX_BACKOFF_MS, this.refreshMs * 2 ** Math.max(0, failures - 1));
  }

  private async read(feed: FeedRecord): Promise<RefreshOutcome> {
    const fetched = await fetchFeed(
      feed.url,
      { etag: feed.etag, lastModified: feed.lastModified },
      { policy: this.policy, signal: this.abort.signal, ...this.options.fetch },
    );
    if (fetched.status === 'not-modified') return { ok: true, notModified: true, read: 0, kept: 0, added: 0, title: null };
    const parsed = parseFeedDocument(fetched.body, fetched.finalUrl);
    const source = parsed.title ?? feed.title ?? new URL(feed.url).hostname;
    const now = this.clock.now();
    const { items } = keepRelevant(parsed.items, { feedId: feed.id, source, data: this.options.data(), now });
    const stored = await this.store.insertItems(items);
    return {
      ok: true,
      notModified: false,
      read: parsed.items.length,
      kept: items.length,
      added: stored.length,
      title: parsed.title,
      etag: fetched.etag,
      lastModified: fetched.lastModified,
    };
  }

  /** The admin who added the feed hears it once per failure episode, on the platform they added it from. */
  private async notifyFailure(feed: FeedRecord): Promise<void> {
    const platform = feed.addedBy.split(':')[0] as Platform;
    const outbound = this.outbounds.get(platform);
    if (!outbound && !this.options.notifyAdmin) {
      this.logger.warn({ feed: feed.id, admin: feed.addedBy }, 'news feed failing; its admin is on a platform not connected in this run');
      return;
    }
    const reply: Reply = {
      kind: 'error',
      visibility: 'private',
      title: `News feed ${feed.id} is failing`,
      lines: [
        `The news feed ${feed.url} (added by you) could not be read: ${feed.reason ?? 'unknown error'}.`,
        `Headlines from the other feeds and the digests carry on. The bot retries this feed with growing delays and will not message you again about it unless it recovers and fails anew.`,
        `${commandRef('/capex-digest feeds list')} shows its state; ${commandRef(`/capex-digest feeds remove ${feed.id}`)} removes it.`,
      ],
      summary: `News feed ${feed.id} is failing: ${feed.reason ?? 'unknown error'}`,
    };
    try {
      // One notice per failure episode (the feed's last good fetch marks the episode), whichever replica fetched.
      if (this.options.notifyAdmin) await this.options.notifyAdmin(feed.addedBy, `feed-failing:${feed.id}:${feed.lastOkAt ?? feed.addedAt}`, reply);
      else await outbound!.sendDirect(feed.addedBy, reply);
      await this.store.markNotified(feed.id);
    } catch (err) {
      this.logger.error({ err, feed: feed.id, admin: feed.addedBy }, 'could not tell the admin that a news feed is failing');
    }
  }

  // ---- admin commands ------------------------------------------------------------------------------

  async addFeed(urlText: string, caller: Caller): Promise<AddFeedResult> {
    let url: URL;
    try {
      url = parseFeedUrl(urlText);
    } catch (error) {
      if (error instanceof FeedUrlError) return { status: 'refused', reason: error.message };
      throw error;
    }
    const scope = callerScope(caller);
    const existing = await this.store.findFeedByUrl(url.href, scope);
    if (existing) return { status: 'exists', feed: existing };
    // A URL another workspace already reads is shared (fetched once, no new feed): only a new URL counts.
    const elsewhere = await this.store.findFeedByUrl(url.href);
    const max = this.options.maxFeeds ?? DEFAULT_MAX_FEEDS;
    if (!elsewhere && (await this.store.countFeeds()) >= max) {
      return { status: 'refused', reason: `The bot already reads ${max} feeds, its limit. Remove one first (${commandRef('/capex-digest feeds list')} shows them).` };
    }
    try {
      await checkFeedUrl(url, this.policy);
    } catch (error) {
      if (error instanceof FeedUrlError) return { status: 'refused', reason: error.message };
      throw error;
    }
    const feed = await this.store.addFeed({ url: url.href, addedBy: caller.userId, addedByName: caller.userName, scope }, this.clock.now());
    if (!feed) {
      const raced = await this.store.findFeedByUrl(url.href, scope);
      return raced ? { status: 'exists', feed: raced } : { status: 'refused', reason: 'The feed could not be stored; try again.' };
    }
    // Already read for another workspace: its headlines so far count here too; the next fetch is on schedule.
    if (feed.shared) return { status: 'added', feed, shared: true };
    if (this.stopping) return { status: 'added', feed };

    // The first fetch, so the admin sees at once whether the feed works; chat wants an answer quickly.
    const first = this.refresh(feed, { notify: false });
    let timer: NodeJS.Timeout | undefined;
    const early = await Promise.race([
      first,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.options.addWaitMs ?? 2_000);
      }),
    ]);
    clearTimeout(timer);
    if (early) {
      // The answer tells the admin about a failure: no DM for this one.
      if (!early.ok && !early.aborted) await this.store.markNotified(feed.id);
      return { status: 'added', feed: (await this.store.getFeed(feed.id)) ?? feed, first: early };
    }
    // Still fetching: if it fails after we answered, the admin hears about it by DM.
    void first.then(async (outcome) => {
      if (outcome.ok || outcome.aborted) return;
      const updated = await this.store.getFeed(feed.id);
      if (updated && !updated.notified && updated.health === 'failing') await this.notifyFailure(updated);
    });
    return { status: 'added', feed };
  }

  /** The feeds the caller's workspace reads (every feed without a caller: the admin page, /healthz). */
  listFeeds(caller?: Pick<Caller, 'channelId'>): Promise<FeedRecord[]> {
    return this.store.listFeeds(caller ? callerScope(caller) : undefined);
  }

  /** Removes a feed (by id, or by its URL) from the caller's workspace; undefined when the workspace has no such feed. */
  async removeFeed(idOrUrl: number | string, caller: Caller): Promise<FeedRecord | undefined> {
    const scope = callerScope(caller);
    let id = idOrUrl;
    if (typeof idOrUrl === 'string') {
      let url: URL;
      try {
        url = parseFeedUrl(idOrUrl);
      } catch {
        return undefined;
      }
      const feed = await this.store.findFeedByUrl(url.href, scope);
      if (!feed) return undefined;
      id = feed.id;
    }
    return this.store.removeFeed(id as number, this.clock.now(), { actor: caller.userId, actorName: caller.userName }, scope);
  }

  /** `/capex news [company]`: the newest headlines of the caller's workspace's feeds. */
  latest(options: { companyId?: string; limit?: number; caller?: Pick<Caller, 'channelId'> } = {}): Promise<NewsItem[]> {
    return this.store.latestItems({ limit: options.limit ?? 10, companyId: options.companyId, scope: options.caller ? callerScope(options.caller) : undefined });
  }

  // ---- HeadlineSource (the digest) -----------------------------------------------------------------

  async forDigest(channelId: string, window: { since?: number; now: number }): Promise<DigestHeadline[]> {
    const start = window.since ?? window.now - FIRST_DIGEST_LOOKBACK_MS;
    const items = await this.store.headlinesFor({
      channelId,
      // The channel's workspace's feeds only: a digest in slack:T1:C1 never shows what T2's feeds brought.
      scope: workspaceOf(channelId),
      seenAfter: window.since === undefined ? start : start - SINCE_SLACK_MS,
      notBefore: start - STALE_MS,
      limit: MAX_HEADLINES,
    });
    return items.map((item) => ({ id: item.id, title: item.title, link: item.link, source: item.source, at: item.sortAt }));
  }

  recordShown(channelId: string, headlineIds: number[], deliveryId: number, at: number): Promise<void> {
    return this.store.recordShown(channelId, headlineIds, deliveryId, at);
  }
}
