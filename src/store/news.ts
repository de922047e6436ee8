/**
 * Feeds, kept headlines and the record of which headlines each channel's digests showed (tables from
 * migration 2). Moved here from src/news/store.ts (which re-exports the types) so no module outside src/store
 * holds a database handle; the queries are written once for SQLite and PostgreSQL.
 *
 * De-duplication lives in the schema: `guid_key` and `link_key` are both UNIQUE and items are inserted with
 * ON CONFLICT DO NOTHING, so the same story is kept once whether it comes back on the next fetch, after a
 * restart, or from another feed that links the same article.
 *
 * Feeds belong to workspaces (migration 9, news_feed_scopes): a URL is fetched once, and each workspace that
 * added it has its own row. A scope is a workspace prefix (src/core/workspace.ts). A workspace of a platform
 * that serves several (`slack:T1:`, OAuth) sees only its own feeds; the one-workspace scopes (`slack:` in
 * one-token mode, `discord:`, `console:`) share theirs with each other, as every feed was shared before.
 * Methods given no scope see every feed (polling, /healthz, the admin page).
 */
import { sql, type Selectable } from 'kysely';
import { workspaceOf } from '../core/workspace.js';
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

/** news_feed_scopes (migration 9); declared here rather than in schema.ts, the only module that reads it. */
interface NewsFeedScopesTable {
  feed_id: number;
  scope: string;
  added_by: string;
  added_by_name: string | null;
  added_at: number;
}

/** `slack:T1:` names one workspace of a many-workspace platform; `slack:`, `discord:`, `console:` do not. */
const isWorkspaceScope = (scope: string) => scope.split(':').length > 2;

/** The feed ids a scope sees (see the header). */
function feedsVisibleTo(db: ReturnType<typeof scoped>, scope: string) {
  const rows = db.selectFrom('news_feed_scopes').select('news_feed_scopes.feed_id');
  return isWorkspaceScope(scope) ? rows.where('news_feed_scopes.scope', '=', scope) : rows.where('news_feed_scopes.scope', 'not like', '%:%:%');
}

const scoped = (db: Database['kysely']) => db.withTables<{ news_feed_scopes: NewsFeedScopesTable }>();

export interface NewsStore {
  /**
   * Adds a feed to a scope (default: the adder's workspace) and writes the audit entry. A new URL becomes a feed
   * due at once; a URL another scope already reads is shared (`shared: true`, fetched once). Undefined when the
   * scope already has it.
   */
  addFeed(
    input: { url: string; addedBy: string; addedByName?: string; scope?: string },
    now: number,
  ): Promise<(FeedRecord & { shared?: boolean }) | undefined>;
  getFeed(id: number, scope?: string): Promise<FeedRecord | undefined>;
  findFeedByUrl(url: string, scope?: string): Promise<FeedRecord | undefined>;
  /** Every feed, or those a scope sees (then `addedBy…` name who added it there). */
  listFeeds(scope?: string): Promise<FeedRecord[]>;
  countFeeds(): Promise<number>;
  /** Feeds whose next fetch is due, earliest first. */
  dueFeeds(now: number, limit: number): Promise<FeedRecord[]>;
  /**
   * Removes a feed from a scope (without one: from every scope), and writes the audit entry. The feed and its
   * headlines go when no scope reads it any more. Undefined when the scope does not see that feed.
   */
  removeFeed(id: number, now: number, audit: FeedAudit, scope?: string): Promise<FeedRecord | undefined>;
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
  latestItems(options: { limit: number; companyId?: string; scope?: string }): Promise<NewsItem[]>;
  /**
   * Headlines a channel's digest may show: first seen after `seenAfter`, dated no earlier than
   * `notBefore`, never shown in that channel before; newest first.
   */
  headlinesFor(options: { channelId: string; seenAfter: number; notBefore: number; limit: number; scope?: string }): Promise<NewsItem[]>;
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

  addFeed(
    input: { url: string; addedBy: string; addedByName?: string; scope?: string },
    now: number,
  ): Promise<(FeedRecord & { shared?: boolean }) | undefined> {
    const scope = input.scope ?? workspaceOf(input.addedBy);
    return transaction(this.database, async (trx) => {
      const created = await trx
        .insertInto('news_feeds')
        .values({ url: input.url, added_by: input.addedBy, added_by_name: input.addedByName ?? null, added_at: now, next_fetch_at: now })
        .onConflict((oc) => oc.column('url').doNothing())
        .returningAll()
        .executeTakeFirst();
      const row = created ?? (await trx.selectFrom('news_feeds').selectAll().where('url', '=', input.url).executeTakeFirst());
      if (!row) return undefined;
      // A one-workspace scope already sharing the URL under another one-workspace scope has it too.
      if (!created && (await feedsVisibleTo(scoped(trx), scope).where('news_feed_scopes.feed_id', '=', row.id).executeTakeFirst())) return undefined;
      const link = await scoped(trx)
        .insertInto('news_feed_scopes')
        .values({ feed_id: row.id, scope, added_by: input.addedBy, added_by_name: input.addedByName ?? null, added_at: now })
        .onConflict((oc) => oc.columns(['feed_id', 'scope']).doNothing())
        .returning('feed_id')
        .executeTakeFirst();
      if (!link) return undefined;
      const feed = { ...toFeed(row), addedBy: input.addedBy, addedByName: input.addedByName ?? null, addedAt: now };
      await writeAudit(trx, { at: now, actor: input.addedBy, actorName: input.addedByName, action: 'feed-add', details: { feedId: feed.id, url: feed.url, scope } });
      return created ? feed : { ...feed, shared: true };
    });
  }

  /** A scope's view of the feeds: the feed's row with who added it in that scope (the first adder there). */
  private async feedsIn(scope: string | undefined, only: { id?: number; url?: string } = {}): Promise<FeedRecord[]> {
    let query = this.db.selectFrom('news_feeds').selectAll();
    if (only.id !== undefined) query = query.where('id', '=', only.id);
    if (only.url !== undefined) query = query.where('url', '=', only.url);
    const rows = await query.orderBy('id').execute();
    if (scope === undefined || rows.length === 0) return rows.map(toFeed);
    const links = await feedsVisibleTo(scoped(this.db), scope)
      .select(['news_feed_scopes.added_by', 'news_feed_scopes.added_by_name', 'news_feed_scopes.added_at'])
      .where('news_feed_scopes.feed_id', 'in', rows.map((r) => r.id))
      .orderBy('news_feed_scopes.added_at')
      .execute();
    const first = new Map<number, (typeof links)[number]>();
    for (const link of links) if (!first.has(link.feed_id)) first.set(link.feed_id, link);
    return rows.flatMap((r) => {
      const link = first.get(r.id);
      return link ? [{ ...toFeed(r), addedBy: link.added_by, addedByName: link.added_by_name, addedAt: link.added_at }] : [];
    });
  }

  async getFeed(id: number, scope?: string): Promise<FeedRecord | undefined> {
    return (await this.feedsIn(scope, { id }))[0];
  }

  async findFeedByUrl(url: string, scope?: string): Promise<FeedRecord | undefined> {
    return (await this.feedsIn(scope, { url }))[0];
  }

  listFeeds(scope?: string): Promise<FeedRecord[]> {
    return this.feedsIn(scope);
  }

  async countFeeds(): Promise<number> {
    const row = await this.db.selectFrom('news_feeds').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async dueFeeds(now: number, limit: number): Promise<FeedRecord[]> {
    const rows = await this.db.selectFrom('news_feeds').selectAll().where('next_fetch_at', '<=', now).orderBy('next_fetch_at').orderBy('id').limit(limit).execute();
    return rows.map(toFeed);
  }

  removeFeed(id: number, now: number, audit: FeedAudit, scope?: string): Promise<FeedRecord | undefined> {
    return transaction(this.database, async (trx) => {
      let row: Selectable<NewsFeedsTable> | undefined;
      if (scope !== undefined) {
        const links = scoped(trx).deleteFrom('news_feed_scopes').where('feed_id', '=', id);
        const unlinked = await (isWorkspaceScope(scope) ? links.where('scope', '=', scope) : links.where('scope', 'not like', '%:%:%')).executeTakeFirst();
        if (Number(unlinked.numDeletedRows) === 0) return undefined;
        const stillRead = await scoped(trx).selectFrom('news_feed_scopes').select('feed_id').where('feed_id', '=', id).executeTakeFirst();
        row = stillRead
          ? await trx.selectFrom('news_feeds').selectAll().where('id', '=', id).executeTakeFirst()
          : await trx.deleteFrom('news_feeds').where('id', '=', id).returningAll().executeTakeFirst();
      } else {
        // ON DELETE CASCADE takes the feed's headlines, their digest records and its scopes with it.
        row = await trx.deleteFrom('news_feeds').where('id', '=', id).returningAll().executeTakeFirst();
      }
      if (!row) return undefined;
      await writeAudit(trx, { at: now, actor: audit.actor, actorName: audit.actorName, action: 'feed-remove', details: { feedId: id, url: row.url, ...(scope !== undefined ? { scope } : {}) } });
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

  async latestItems(options: { limit: number; companyId?: string; scope?: string }): Promise<NewsItem[]> {
    let query = this.db.selectFrom('news_items').selectAll();
    if (options.scope !== undefined) query = query.where('feed_id', 'in', feedsVisibleTo(scoped(this.db), options.scope));
    if (options.companyId) query = query.where(sql<boolean>`companies LIKE ${taggedWith(options.companyId)} ESCAPE '!'`);
    return (await query.orderBy('sort_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute()).map(toItem);
  }

  async headlinesFor(options: { channelId: string; seenAfter: number; notBefore: number; limit: number; scope?: string }): Promise<NewsItem[]> {
    let query = this.db.selectFrom('news_items as i').selectAll('i');
    if (options.scope !== undefined) query = query.where('i.feed_id', 'in', feedsVisibleTo(scoped(this.db), options.scope));
    const rows = await query
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
