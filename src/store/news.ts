/**
 * Feeds, kept headlines and the record of which headlines each channel's digests showed (tables from
 * migration 2). Moved here from src/news/store.ts (which re-exports the types) so no module outside src/store
 * holds a database handle; the queries are written once for SQLite and PostgreSQL.
 *
 * De-duplication lives in the schema: `guid_key` and `link_key` are both UNIQUE and items are inserted with
 * ON CONFLICT DO NOTHING, so the same story is kept once whether it comes back on the next fetch, after a
 * restart, or from another feed that links the same article.
 */
import { sql, type Selectable } from 'kysely';
import { writeAudit } from './audit.js';
import type { Database } from './database.js';
import type { NewsFeedsTable, NewsItemsTable } from './schema.js';
import { capError, transaction, writeOnce } from './write.js';

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

const toFeed = (r: Selectable<NewsFeedsTable>): FeedRecord => ({
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

const toItem = (r: Selectable<NewsItemsTable>): NewsItem => ({
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

/**
 * `companies` is a JSON array of ids: an item is tagged with `id` when the text contains `"id"` (quoted as
 * JSON.stringify writes it). LIKE with an explicit escape works the same in both dialects, unlike SQLite's
 * json_each or PostgreSQL's jsonb operators.
 */
const taggedWith = (companyId: string) => `%${JSON.stringify(companyId).replace(/[!%_]/g, '!$&')}%`;

export class KyselyNewsStore implements NewsStore {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.kysely;
  }

  addFeed(input: { url: string; addedBy: string; addedByName?: string }, now: number): Promise<FeedRecord | undefined> {
    return transaction(this.database, async (trx) => {
      const row = await trx
        .insertInto('news_feeds')
        .values({ url: input.url, added_by: input.addedBy, added_by_name: input.addedByName ?? null, added_at: now, next_fetch_at: now })
        .onConflict((oc) => oc.column('url').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      const feed = toFeed(row);
      await writeAudit(trx, { at: now, actor: input.addedBy, actorName: input.addedByName, action: 'feed-add', details: { feedId: feed.id, url: feed.url } });
      return feed;
    });
  }

  async getFeed(id: number): Promise<FeedRecord | undefined> {
    const row = await this.db.selectFrom('news_feeds').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toFeed(row) : undefined;
  }

  async findFeedByUrl(url: string): Promise<FeedRecord | undefined> {
    const row = await this.db.selectFrom('news_feeds').selectAll().where('url', '=', url).executeTakeFirst();
    return row ? toFeed(row) : undefined;
  }

  async listFeeds(): Promise<FeedRecord[]> {
    return (await this.db.selectFrom('news_feeds').selectAll().orderBy('id').execute()).map(toFeed);
  }

  async countFeeds(): Promise<number> {
    const row = await this.db.selectFrom('news_feeds').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async dueFeeds(now: number, limit: number): Promise<FeedRecord[]> {
    const rows = await this.db.selectFrom('news_feeds').selectAll().where('next_fetch_at', '<=', now).orderBy('next_fetch_at').orderBy('id').limit(limit).execute();
    return rows.map(toFeed);
  }

  removeFeed(id: number, now: number, audit: FeedAudit): Promise<FeedRecord | undefined> {
    return transaction(this.database, async (trx) => {
      // ON DELETE CASCADE takes the feed's headlines and their digest records with it.
      const row = await trx.deleteFrom('news_feeds').where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) return undefined;
      await writeAudit(trx, { at: now, actor: audit.actor, actorName: audit.actorName, action: 'feed-remove', details: { feedId: id, url: row.url } });
      return toFeed(row);
    });
  }

  async recordSuccess(
    id: number,
    result: { now: number; nextFetchAt: number; title?: string | null; etag?: string | null; lastModified?: string | null; added: number; notModified: boolean },
  ): Promise<FeedRecord | undefined> {
    const row = await writeOnce(this.database, (db) =>
      db
        .updateTable('news_feeds')
        .set((eb) => ({
          last_fetch_at: result.now,
          last_ok_at: result.now,
          health: 'ok',
          reason: null,
          failures: 0,
          notified: 0,
          next_fetch_at: result.nextFetchAt,
          item_count: eb('item_count', '+', result.added),
          // A feed that stops sending its title keeps the one it had; a 304 keeps the validators it answered.
          ...(result.title != null ? { title: result.title } : {}),
          ...(result.notModified ? {} : { etag: result.etag ?? null, last_modified: result.lastModified ?? null }),
        }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    return row ? toFeed(row) : undefined;
  }

  /** Counts the failure and stores the reason; returns the updated feed. */
  async recordFailure(id: number, result: { now: number; reason: string; nextFetchAt: number }): Promise<FeedRecord | undefined> {
    const row = await writeOnce(this.database, (db) =>
      db
        .updateTable('news_feeds')
        .set((eb) => ({
          last_fetch_at: result.now,
          health: 'failing',
          reason: capError(result.reason),
          failures: eb('failures', '+', 1),
          next_fetch_at: result.nextFetchAt,
        }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    return row ? toFeed(row) : undefined;
  }

  async markNotified(id: number): Promise<void> {
    await writeOnce(this.database, (db) => db.updateTable('news_feeds').set({ notified: 1 }).where('id', '=', id).execute());
  }

  /** Inserts what is new (ON CONFLICT DO NOTHING on either key); returns the items actually stored, in order. */
  insertItems(items: NewItem[]): Promise<NewsItem[]> {
    if (items.length === 0) return Promise.resolve([]);
    return transaction(this.database, async (trx) => {
      const stored: NewsItem[] = [];
      for (const item of items) {
        const row = await trx
          .insertInto('news_items')
          .values({
            feed_id: item.feedId,
            guid_key: item.guidKey,
            link_key: item.linkKey,
            title: item.title,
            link: item.link,
            source: item.source,
            published: item.published,
            companies: JSON.stringify(item.companies),
            first_seen: item.firstSeen,
            sort_at: Math.min(item.published ?? item.firstSeen, item.firstSeen),
          })
          .onConflict((oc) => oc.doNothing())
          .returningAll()
          .executeTakeFirst();
        if (row) stored.push(toItem(row));
      }
      return stored;
    });
  }

  async latestItems(options: { limit: number; companyId?: string }): Promise<NewsItem[]> {
    let query = this.db.selectFrom('news_items').selectAll();
    if (options.companyId) query = query.where(sql<boolean>`companies LIKE ${taggedWith(options.companyId)} ESCAPE '!'`);
    return (await query.orderBy('sort_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute()).map(toItem);
  }

  async headlinesFor(options: { channelId: string; seenAfter: number; notBefore: number; limit: number }): Promise<NewsItem[]> {
    const rows = await this.db
      .selectFrom('news_items as i')
      .selectAll('i')
      .where('i.first_seen', '>', options.seenAfter)
      .where('i.sort_at', '>=', options.notBefore)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('news_digest_items as d').select('d.item_id').where('d.channel_id', '=', options.channelId).whereRef('d.item_id', '=', 'i.id'))),
      )
      .orderBy('i.sort_at', 'desc')
      .orderBy('i.id', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map(toItem);
  }

  recordShown(channelId: string, itemIds: number[], deliveryId: number | null, at: number): Promise<void> {
    if (itemIds.length === 0) return Promise.resolve();
    return transaction(this.database, async (trx) => {
      // Only headlines still kept: one whose feed was removed meanwhile is skipped instead of failing the foreign key.
      const kept = await trx.selectFrom('news_items').select('id').where('id', 'in', itemIds).execute();
      if (kept.length === 0) return;
      await trx
        .insertInto('news_digest_items')
        .values(kept.map((r) => ({ channel_id: channelId, item_id: r.id, delivery_id: deliveryId, shown_at: at })))
        .onConflict((oc) => oc.columns(['channel_id', 'item_id']).doNothing())
        .execute();
    });
  }

  async shownIn(channelId: string): Promise<number[]> {
    const rows = await this.db.selectFrom('news_digest_items').select('item_id').where('channel_id', '=', channelId).orderBy('item_id').execute();
    return rows.map((r) => r.item_id);
  }

  async countItems(): Promise<number> {
    const row = await this.db.selectFrom('news_items').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
