/**
 * Feeds, kept headlines and the record of which headlines each channel's digests showed, in the same
 * SQLite file as the digest schedules (tables from migration 2). Async like the Store, so a server
 * database can implement it later; better-sqlite3 answers synchronously inside.
 *
 * De-duplication lives in the schema: `guid_key` and `link_key` are both UNIQUE and items are inserted
 * with INSERT OR IGNORE, so the same story is kept once whether it comes back on the next fetch, after a
 * restart, or from another feed that links the same article.
 */
import type { Database } from 'better-sqlite3';
import { capError, prepareAuditWriter } from '../store/sqlite.js';

export type FeedHealth = 'pending' | 'ok' | 'failing';

export interface FeedRecord {
  id: number;
  url: string;
  /** The feed's own title, once fetched. */
  title: string | null;
  /** Platform-prefixed user id of the admin who added it (told by DM when it starts failing). */
  addedBy: string;
  addedByName: string | null;
  addedAt: number;
  etag: string | null;
  lastModified: string | null;
  lastFetchAt: number | null;
  lastOkAt: number | null;
  /** Headlines kept from this feed so far. */
  itemCount: number;
  health: FeedHealth;
  /** Why it is failing, when it is. */
  reason: string | null;
  nextFetchAt: number;
  /** Consecutive failures (drives the backoff). */
  failures: number;
  /** The admin has been told about the current failure. */
  notified: boolean;
}

export interface NewItem {
  feedId: number;
  guidKey: string | null;
  linkKey: string;
  title: string;
  link: string;
  source: string;
  published: number | null;
  companies: string[];
  firstSeen: number;
}

export interface NewsItem {
  id: number;
  feedId: number;
  title: string;
  link: string;
  source: string;
  published: number | null;
  companies: string[];
  firstSeen: number;
  /** min(published, first seen): a feed cannot date an item after we first saw it. */
  sortAt: number;
}

export interface FeedAudit {
  actor: string;
  actorName?: string;
}

export interface NewsStore {
  /** Adds a feed (due at once) and its audit entry; undefined when the URL is already a feed. */
  addFeed(input: { url: string; addedBy: string; addedByName?: string }, now: number): Promise<FeedRecord | undefined>;
  getFeed(id: number): Promise<FeedRecord | undefined>;
  findFeedByUrl(url: string): Promise<FeedRecord | undefined>;
  listFeeds(): Promise<FeedRecord[]>;
  countFeeds(): Promise<number>;
  /** Feeds whose next fetch is due, earliest first. */
  dueFeeds(now: number, limit: number): Promise<FeedRecord[]>;
  /** Removes a feed with its headlines, and writes the audit entry. */
  removeFeed(id: number, now: number, audit: FeedAudit): Promise<FeedRecord | undefined>;
  recordSuccess(
    id: number,
    result: { now: number; nextFetchAt: number; title?: string | null; etag?: string | null; lastModified?: string | null; added: number; notModified: boolean },
  ): Promise<FeedRecord | undefined>;
  /** Counts the failure and stores the reason; returns the updated feed. */
  recordFailure(id: number, result: { now: number; reason: string; nextFetchAt: number }): Promise<FeedRecord | undefined>;
  markNotified(id: number): Promise<void>;
  /** INSERT OR IGNORE; returns the items actually stored (new ones). */
  insertItems(items: NewItem[]): Promise<NewsItem[]>;
  /** Newest first; optionally only those tagged with a company. */
  latestItems(options: { limit: number; companyId?: string }): Promise<NewsItem[]>;
  /**
   * Headlines a channel's digest may show: first seen after `seenAfter`, dated no earlier than
   * `notBefore`, never shown in that channel before; newest first.
   */
  headlinesFor(options: { channelId: string; seenAfter: number; notBefore: number; limit: number }): Promise<NewsItem[]>;
  recordShown(channelId: string, itemIds: number[], deliveryId: number | null, at: number): Promise<void>;
  shownIn(channelId: string): Promise<number[]>;
  countItems(): Promise<number>;
}

interface FeedRow {
  id: number;
  url: string;
  title: string | null;
  added_by: string;
  added_by_name: string | null;
  added_at: number;
  etag: string | null;
  last_modified: string | null;
  last_fetch_at: number | null;
  last_ok_at: number | null;
  item_count: number;
  health: FeedHealth;
  reason: string | null;
  next_fetch_at: number;
  failures: number;
  notified: number;
}

interface ItemRow {
  id: number;
  feed_id: number;
  title: string;
  link: string;
  source: string;
  published: number | null;
  companies: string;
  first_seen: number;
  sort_at: number;
}

const toFeed = (r: FeedRow): FeedRecord => ({
  id: r.id,
  url: r.url,
  title: r.title,
  addedBy: r.added_by,
  addedByName: r.added_by_name,
  addedAt: r.added_at,
  etag: r.etag,
  lastModified: r.last_modified,
  lastFetchAt: r.last_fetch_at,
  lastOkAt: r.last_ok_at,
  itemCount: r.item_count,
  health: r.health,
  reason: r.reason,
  nextFetchAt: r.next_fetch_at,
  failures: r.failures,
  notified: r.notified === 1,
});

const toItem = (r: ItemRow): NewsItem => ({
  id: r.id,
  feedId: r.feed_id,
  title: r.title,
  link: r.link,
  source: r.source,
  published: r.published,
  companies: JSON.parse(r.companies) as string[],
  firstSeen: r.first_seen,
  sortAt: r.sort_at,
});

export class SqliteNewsStore implements NewsStore {
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
      insertFeed: db.prepare(
        `INSERT INTO news_feeds (url, added_by, added_by_name, added_at, next_fetch_at) VALUES (@url, @addedBy, @addedByName, @now, @now)
         ON CONFLICT (url) DO NOTHING`,
      ),
      getFeed: db.prepare<[number], FeedRow>('SELECT * FROM news_feeds WHERE id = ?'),
      feedByUrl: db.prepare<[string], FeedRow>('SELECT * FROM news_feeds WHERE url = ?'),
      listFeeds: db.prepare<[], FeedRow>('SELECT * FROM news_feeds ORDER BY id'),
      countFeeds: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM news_feeds'),
      dueFeeds: db.prepare<[number, number], FeedRow>('SELECT * FROM news_feeds WHERE next_fetch_at <= ? ORDER BY next_fetch_at, id LIMIT ?'),
      deleteFeed: db.prepare('DELETE FROM news_feeds WHERE id = ?'),
      success: db.prepare(
        `UPDATE news_feeds SET
           last_fetch_at = @now, last_ok_at = @now, health = 'ok', reason = NULL, failures = 0, notified = 0,
           next_fetch_at = @nextFetchAt, item_count = item_count + @added,
           title = COALESCE(@title, title),
           etag = CASE WHEN @notModified THEN etag ELSE @etag END,
           last_modified = CASE WHEN @notModified THEN last_modified ELSE @lastModified END
         WHERE id = @id`,
      ),
      failure: db.prepare(
        `UPDATE news_feeds SET last_fetch_at = @now, health = 'failing', reason = @reason, failures = failures + 1, next_fetch_at = @nextFetchAt
         WHERE id = @id`,
      ),
      notified: db.prepare('UPDATE news_feeds SET notified = 1 WHERE id = ?'),
      insertItem: db.prepare(
        `INSERT OR IGNORE INTO news_items (feed_id, guid_key, link_key, title, link, source, published, companies, first_seen, sort_at)
         VALUES (@feedId, @guidKey, @linkKey, @title, @link, @source, @published, @companies, @firstSeen, @sortAt)`,
      ),
      getItem: db.prepare<[number], ItemRow>('SELECT * FROM news_items WHERE id = ?'),
      latest: db.prepare<[number], ItemRow>('SELECT * FROM news_items ORDER BY sort_at DESC, id DESC LIMIT ?'),
      latestOf: db.prepare<[string, number], ItemRow>(
        `SELECT * FROM news_items WHERE EXISTS (SELECT 1 FROM json_each(news_items.companies) WHERE value = ?)
         ORDER BY sort_at DESC, id DESC LIMIT ?`,
      ),
      headlines: db.prepare<[{ channelId: string; seenAfter: number; notBefore: number; limit: number }], ItemRow>(
        `SELECT * FROM news_items i
         WHERE i.first_seen > @seenAfter AND i.sort_at >= @notBefore
           AND NOT EXISTS (SELECT 1 FROM news_digest_items d WHERE d.channel_id = @channelId AND d.item_id = i.id)
         ORDER BY i.sort_at DESC, i.id DESC LIMIT @limit`,
      ),
      shown: db.prepare(
        // Through SELECT: a headline whose feed was removed meanwhile is skipped instead of failing the foreign key.
        `INSERT OR IGNORE INTO news_digest_items (channel_id, item_id, delivery_id, shown_at) SELECT ?, id, ?, ? FROM news_items WHERE id = ?`,
      ),
      shownIn: db.prepare<[string], { item_id: number }>('SELECT item_id FROM news_digest_items WHERE channel_id = ? ORDER BY item_id'),
      countItems: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM news_items'),
    };
  }

  async addFeed(input: { url: string; addedBy: string; addedByName?: string }, now: number): Promise<FeedRecord | undefined> {
    return this.db.transaction(() => {
      const result = this.stmts.insertFeed.run({ url: input.url, addedBy: input.addedBy, addedByName: input.addedByName ?? null, now });
      if (result.changes === 0) return undefined;
      const feed = toFeed(this.stmts.getFeed.get(Number(result.lastInsertRowid))!);
      this.audit({ at: now, actor: input.addedBy, actorName: input.addedByName, action: 'feed-add', details: { feedId: feed.id, url: feed.url } });
      return feed;
    })();
  }

  async getFeed(id: number): Promise<FeedRecord | undefined> {
    const row = this.stmts.getFeed.get(id);
    return row ? toFeed(row) : undefined;
  }

  async findFeedByUrl(url: string): Promise<FeedRecord | undefined> {
    const row = this.stmts.feedByUrl.get(url);
    return row ? toFeed(row) : undefined;
  }

  async listFeeds(): Promise<FeedRecord[]> {
    return this.stmts.listFeeds.all().map(toFeed);
  }

  async countFeeds(): Promise<number> {
    return this.stmts.countFeeds.get()?.n ?? 0;
  }

  async dueFeeds(now: number, limit: number): Promise<FeedRecord[]> {
    return this.stmts.dueFeeds.all(now, limit).map(toFeed);
  }

  async removeFeed(id: number, now: number, audit: FeedAudit): Promise<FeedRecord | undefined> {
    return this.db.transaction(() => {
      const row = this.stmts.getFeed.get(id);
      if (!row) return undefined;
      // ON DELETE CASCADE takes the feed's headlines and their digest records with it.
      this.stmts.deleteFeed.run(id);
      this.audit({ at: now, actor: audit.actor, actorName: audit.actorName, action: 'feed-remove', details: { feedId: id, url: row.url } });
      return toFeed(row);
    })();
  }

  async recordSuccess(
    id: number,
    result: { now: number; nextFetchAt: number; title?: string | null; etag?: string | null; lastModified?: string | null; added: number; notModified: boolean },
  ): Promise<FeedRecord | undefined> {
    this.stmts.success.run({
      id,
      now: result.now,
      nextFetchAt: result.nextFetchAt,
      title: result.title ?? null,
      etag: result.etag ?? null,
      lastModified: result.lastModified ?? null,
      added: result.added,
      notModified: result.notModified ? 1 : 0,
    });
    return this.getFeed(id);
  }

  async recordFailure(id: number, result: { now: number; reason: string; nextFetchAt: number }): Promise<FeedRecord | undefined> {
    this.stmts.failure.run({ id, now: result.now, reason: capError(result.reason), nextFetchAt: result.nextFetchAt });
    return this.getFeed(id);
  }

  async markNotified(id: number): Promise<void> {
    this.stmts.notified.run(id);
  }

  async insertItems(items: NewItem[]): Promise<NewsItem[]> {
    return this.db.transaction(() => {
      const stored: NewsItem[] = [];
      for (const item of items) {
        const result = this.stmts.insertItem.run({
          feedId: item.feedId,
          guidKey: item.guidKey,
          linkKey: item.linkKey,
          title: item.title,
          link: item.link,
          source: item.source,
          published: item.published,
          companies: JSON.stringify(item.companies),
          firstSeen: item.firstSeen,
          sortAt: Math.min(item.published ?? item.firstSeen, item.firstSeen),
        });
        if (result.changes > 0) stored.push(toItem(this.stmts.getItem.get(Number(result.lastInsertRowid))!));
      }
      return stored;
    })();
  }

  async latestItems(options: { limit: number; companyId?: string }): Promise<NewsItem[]> {
    const rows = options.companyId ? this.stmts.latestOf.all(options.companyId, options.limit) : this.stmts.latest.all(options.limit);
    return rows.map(toItem);
  }

  async headlinesFor(options: { channelId: string; seenAfter: number; notBefore: number; limit: number }): Promise<NewsItem[]> {
    return this.stmts.headlines.all(options).map(toItem);
  }

  async recordShown(channelId: string, itemIds: number[], deliveryId: number | null, at: number): Promise<void> {
    this.db.transaction(() => {
      for (const id of itemIds) this.stmts.shown.run(channelId, deliveryId, at, id);
    })();
  }

  async shownIn(channelId: string): Promise<number[]> {
    return this.stmts.shownIn.all(channelId).map((r) => r.item_id);
  }

  async countItems(): Promise<number> {
    return this.stmts.countItems.get()?.n ?? 0;
  }
}
