/**
 * Proposed figures (issue 17) on either database, through Kysely (migration 5 made the tables).
 *
 * "Once" is kept by unique keys, never by reading first: a proposal's `dedupe_key` (company, metric, period,
 * amounts, currency) is UNIQUE, so the same figure from a second filing, a second feed or a restarted process
 * is a no-op insert; a document read once is recorded in `proposal_sources_read`; a (proposal, channel) post
 * is one row. A decision is one conditional UPDATE (`WHERE status = 'pending'`), so two admins approving at
 * once decide it once.
 */
import type { Generated, Kysely, UpdateObject } from 'kysely';
import type { Database } from './database.js';

/** The figure a proposal would add: what the extractor found (src/proposals/extract.ts has the same shape). */
export interface ProposedFigure {
  company: string;
  metric: 'guidance' | 'reported' | 'guidance-quarter' | 'reported-quarter';
  label: string;
  amount?: number;
  low?: number;
  high?: number;
  qualifier?: 'at-least' | 'at-most' | 'up-to' | 'about';
  currency: string;
  period: { label: string; start: string; end: string };
  basis?: string;
  sentence: string;
}

export type ProposalStatus = 'pending' | 'approved' | 'rejected' | 'expired';
export type ProposalSourceKind = 'filing' | 'article';

export interface ProposalSource {
  kind: ProposalSourceKind;
  title: string;
  url: string;
  /** YYYY-MM-DD: the filing or publication date. */
  date: string;
}

export interface NewProposal {
  dedupeKey: string;
  figure: ProposedFigure;
  source: ProposalSource;
}

export interface ProposalRecord extends NewProposal {
  id: number;
  status: ProposalStatus;
  createdAt: number;
  decidedAt?: number;
  decidedBy?: string;
  decidedByName?: string;
  /** The data-file id the approval wrote. */
  figureId?: string;
  /** The data version the approval produced. */
  dataVersion?: string;
}

export interface ProposalChannel {
  channelId: string;
  createdBy: string;
  createdByName?: string;
  createdAt: number;
}

export interface PendingPost {
  proposalId: number;
  channelId: string;
  attempts: number;
}

export interface FeedState {
  etag: string | null;
  lastModified: string | null;
  lastFetchAt: number | null;
  nextFetchAt: number;
  failures: number;
  reason: string | null;
}

export interface Actor {
  id: string;
  name?: string;
}

export interface ProposalAuditEntry {
  at: number;
  actor: string;
  actorName?: string;
  action: string;
  proposalId?: number;
  details: Record<string, unknown>;
}

type ProposalTables = {
  proposals: {
    id: Generated<number>;
    dedupe_key: string;
    company: string;
    statement: string;
    source_kind: ProposalSourceKind;
    source_title: string;
    source_url: string;
    source_date: string;
    status: Generated<ProposalStatus>;
    created_at: number;
    decided_at: number | null;
    decided_by: string | null;
    decided_by_name: string | null;
    figure_id: string | null;
    data_version: string | null;
  };
  proposal_channels: { channel_id: string; created_by: string; created_by_name: string | null; created_at: number };
  proposal_posts: {
    proposal_id: number;
    channel_id: string;
    status: 'pending' | 'posted' | 'failed';
    attempts: Generated<number>;
    next_attempt_at: number;
    posted_at: number | null;
    error: string | null;
  };
  proposal_sources_read: { source_key: string; read_at: number; found: number };
  proposal_feeds: {
    feed_key: string;
    etag: string | null;
    last_modified: string | null;
    last_fetch_at: number | null;
    next_fetch_at: number;
    failures: Generated<number>;
    reason: string | null;
  };
  proposal_audit: {
    id: Generated<number>;
    at: number;
    actor: string;
    actor_name: string | null;
    action: string;
    proposal_id: number | null;
    details: Generated<string>;
  };
};

type Row = ProposalTables['proposals'] & { id: number; status: ProposalStatus };

const toRecord = (r: Row): ProposalRecord => ({
  id: Number(r.id),
  dedupeKey: r.dedupe_key,
  figure: JSON.parse(r.statement) as ProposedFigure,
  source: { kind: r.source_kind, title: r.source_title, url: r.source_url, date: r.source_date },
  status: r.status,
  createdAt: Number(r.created_at),
  ...(r.decided_at !== null ? { decidedAt: Number(r.decided_at) } : {}),
  ...(r.decided_by !== null ? { decidedBy: r.decided_by } : {}),
  ...(r.decided_by_name !== null ? { decidedByName: r.decided_by_name } : {}),
  ...(r.figure_id !== null ? { figureId: r.figure_id } : {}),
  ...(r.data_version !== null ? { dataVersion: r.data_version } : {}),
});

/** What the proposal service needs of storage; ProposalDbStore implements it on SQLite and PostgreSQL. */
export interface ProposalStore {
  /** Adds a pending proposal; undefined when one with the same dedupe key exists (in any status). */
  add(proposal: NewProposal, at: number): Promise<ProposalRecord | undefined>;
  get(id: number): Promise<ProposalRecord | undefined>;
  list(status?: ProposalStatus): Promise<ProposalRecord[]>;
  /** pending → approved/rejected, once; undefined when it was not pending (already decided or expired). */
  decide(id: number, decision: { status: 'approved' | 'rejected'; by: Actor; at: number; figureId?: string; dataVersion?: string }): Promise<ProposalRecord | undefined>;
  /** Replaces a pending proposal's figure (an admin's edit before approving); undefined when not pending. */
  amend(id: number, figure: ProposedFigure): Promise<ProposalRecord | undefined>;
  /** Pending proposals created before `before` become expired; returns them. */
  expire(before: number, at: number): Promise<ProposalRecord[]>;

  subscribe(channelId: string, by: Actor, at: number): Promise<{ channel: ProposalChannel; created: boolean }>;
  unsubscribe(channelId: string): Promise<boolean>;
  channels(): Promise<ProposalChannel[]>;

  /** One post row per (proposal, channel); existing rows are left as they are. */
  claimPosts(proposalId: number, channelIds: readonly string[], at: number): Promise<void>;
  duePosts(now: number, limit: number): Promise<PendingPost[]>;
  /**
   * Takes a due post for `leaseMs` (moves its next attempt past the lease): true for exactly one caller, so two
   * replicas never send the same post; one that dies mid-post leaves it to be retried after the lease.
   */
  claimPost(proposalId: number, channelId: string, now: number, leaseMs: number): Promise<boolean>;
  markPosted(proposalId: number, channelId: string, at: number): Promise<void>;
  /** `retryAt` undefined: failed for good. */
  markPostFailed(proposalId: number, channelId: string, error: string, retryAt: number | undefined): Promise<void>;

  /** Records a document as read; false when it was read before (by this or an earlier run). */
  markRead(sourceKey: string, found: number, at: number): Promise<boolean>;
  wasRead(sourceKey: string): Promise<boolean>;

  feedState(feedKey: string): Promise<FeedState | undefined>;
  saveFeedState(feedKey: string, state: FeedState): Promise<void>;

  audit(entry: ProposalAuditEntry): Promise<void>;
  auditOf(proposalId: number): Promise<ProposalAuditEntry[]>;
}

export class ProposalDbStore implements ProposalStore {
  private readonly db: Kysely<ProposalTables>;

  constructor(private readonly database: Database) {
    this.db = database.kysely.withTables<ProposalTables>() as unknown as Kysely<ProposalTables>;
  }

  async add(proposal: NewProposal, at: number): Promise<ProposalRecord | undefined> {
    const row = await this.db
      .insertInto('proposals')
      .values({
        dedupe_key: proposal.dedupeKey,
        company: proposal.figure.company,
        statement: JSON.stringify(proposal.figure),
        source_kind: proposal.source.kind,
        source_title: proposal.source.title,
        source_url: proposal.source.url,
        source_date: proposal.source.date,
        created_at: at,
        decided_at: null,
        decided_by: null,
        decided_by_name: null,
        figure_id: null,
        data_version: null,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    this.database.assertWritable();
    return row ? toRecord(row as Row) : undefined;
  }

  async get(id: number): Promise<ProposalRecord | undefined> {
    const row = await this.db.selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row as Row) : undefined;
  }

  async list(status?: ProposalStatus): Promise<ProposalRecord[]> {
    let query = this.db.selectFrom('proposals').selectAll().orderBy('id');
    if (status) query = query.where('status', '=', status);
    return (await query.execute()).map((r) => toRecord(r as Row));
  }

  decide(id: number, d: { status: 'approved' | 'rejected'; by: Actor; at: number; figureId?: string; dataVersion?: string }): Promise<ProposalRecord | undefined> {
    return this.updatePending(id, { status: d.status, decided_at: d.at, decided_by: d.by.id, decided_by_name: d.by.name ?? null, figure_id: d.figureId ?? null, data_version: d.dataVersion ?? null });
  }

  amend(id: number, figure: ProposedFigure): Promise<ProposalRecord | undefined> {
    // The dedupe key stays what was found: the same statement read again is still this proposal.
    return this.updatePending(id, { statement: JSON.stringify(figure) });
  }

  /** One conditional UPDATE: only a pending proposal changes (two admins at once: the second gets undefined). */
  private async updatePending(id: number, change: UpdateObject<ProposalTables, 'proposals'>): Promise<ProposalRecord | undefined> {
    const row = await this.db.updateTable('proposals').set(change).where('id', '=', id).where('status', '=', 'pending').returningAll().executeTakeFirst();
    this.database.assertWritable();
    return row ? toRecord(row as Row) : undefined;
  }

  async expire(before: number, at: number): Promise<ProposalRecord[]> {
    const rows = await this.db
      .updateTable('proposals')
      .set({ status: 'expired', decided_at: at })
      .where('status', '=', 'pending')
      .where('created_at', '<', before)
      .returningAll()
      .execute();
    if (rows.length) this.database.assertWritable();
    return rows.map((r) => toRecord(r as Row));
  }

  async subscribe(channelId: string, by: Actor, at: number): Promise<{ channel: ProposalChannel; created: boolean }> {
    const inserted = await this.db
      .insertInto('proposal_channels')
      .values({ channel_id: channelId, created_by: by.id, created_by_name: by.name ?? null, created_at: at })
      .onConflict((oc) => oc.column('channel_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    this.database.assertWritable();
    const row = inserted ?? (await this.db.selectFrom('proposal_channels').selectAll().where('channel_id', '=', channelId).executeTakeFirstOrThrow());
    return { channel: toChannel(row), created: Boolean(inserted) };
  }

  async unsubscribe(channelId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('proposal_channels').where('channel_id', '=', channelId).executeTakeFirst();
    this.database.assertWritable();
    return Number(result.numDeletedRows) > 0;
  }

  async channels(): Promise<ProposalChannel[]> {
    return (await this.db.selectFrom('proposal_channels').selectAll().orderBy('created_at').execute()).map(toChannel);
  }

  async claimPosts(proposalId: number, channelIds: readonly string[], at: number): Promise<void> {
    if (channelIds.length === 0) return;
    await this.db
      .insertInto('proposal_posts')
      .values(channelIds.map((channelId) => ({ proposal_id: proposalId, channel_id: channelId, status: 'pending' as const, next_attempt_at: at, posted_at: null, error: null })))
      .onConflict((oc) => oc.columns(['proposal_id', 'channel_id']).doNothing())
      .execute();
    this.database.assertWritable();
  }

  async duePosts(now: number, limit: number): Promise<PendingPost[]> {
    const rows = await this.db
      .selectFrom('proposal_posts')
      .select(['proposal_id', 'channel_id', 'attempts'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('proposal_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ proposalId: Number(r.proposal_id), channelId: r.channel_id, attempts: Number(r.attempts) }));
  }

  async claimPost(proposalId: number, channelId: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('proposal_posts')
      .set({ next_attempt_at: now + leaseMs })
      .where('proposal_id', '=', proposalId)
      .where('channel_id', '=', channelId)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .executeTakeFirst();
    this.database.assertWritable();
    return Number(result.numUpdatedRows) === 1;
  }

  async markPosted(proposalId: number, channelId: string, at: number): Promise<void> {
    await this.db
      .updateTable('proposal_posts')
      .set((eb) => ({ status: 'posted', posted_at: at, error: null, attempts: eb('attempts', '+', 1) }))
      .where('proposal_id', '=', proposalId)
      .where('channel_id', '=', channelId)
      .execute();
    this.database.assertWritable();
  }

  async markPostFailed(proposalId: number, channelId: string, error: string, retryAt: number | undefined): Promise<void> {
    await this.db
      .updateTable('proposal_posts')
      .set((eb) => ({
        status: retryAt === undefined ? 'failed' : 'pending',
        error: error.slice(0, 300),
        attempts: eb('attempts', '+', 1),
        ...(retryAt !== undefined ? { next_attempt_at: retryAt } : {}),
      }))
      .where('proposal_id', '=', proposalId)
      .where('channel_id', '=', channelId)
      .execute();
    this.database.assertWritable();
  }

  async markRead(sourceKey: string, found: number, at: number): Promise<boolean> {
    const row = await this.db
      .insertInto('proposal_sources_read')
      .values({ source_key: sourceKey, read_at: at, found })
      .onConflict((oc) => oc.column('source_key').doNothing())
      .returning('source_key')
      .executeTakeFirst();
    this.database.assertWritable();
    return Boolean(row);
  }

  async wasRead(sourceKey: string): Promise<boolean> {
    return Boolean(await this.db.selectFrom('proposal_sources_read').select('source_key').where('source_key', '=', sourceKey).executeTakeFirst());
  }

  async feedState(feedKey: string): Promise<FeedState | undefined> {
    const r = await this.db.selectFrom('proposal_feeds').selectAll().where('feed_key', '=', feedKey).executeTakeFirst();
    if (!r) return undefined;
    return {
      etag: r.etag,
      lastModified: r.last_modified,
      lastFetchAt: r.last_fetch_at === null ? null : Number(r.last_fetch_at),
      nextFetchAt: Number(r.next_fetch_at),
      failures: Number(r.failures),
      reason: r.reason,
    };
  }

  async saveFeedState(feedKey: string, s: FeedState): Promise<void> {
    const values = { etag: s.etag, last_modified: s.lastModified, last_fetch_at: s.lastFetchAt, next_fetch_at: s.nextFetchAt, failures: s.failures, reason: s.reason };
    await this.db
      .insertInto('proposal_feeds')
      .values({ feed_key: feedKey, ...values })
      .onConflict((oc) => oc.column('feed_key').doUpdateSet(values))
      .execute();
    this.database.assertWritable();
  }

  async audit(entry: ProposalAuditEntry): Promise<void> {
    await this.db
      .insertInto('proposal_audit')
      .values({ at: entry.at, actor: entry.actor, actor_name: entry.actorName ?? null, action: entry.action, proposal_id: entry.proposalId ?? null, details: JSON.stringify(entry.details) })
      .execute();
    this.database.assertWritable();
  }

  async auditOf(proposalId: number): Promise<ProposalAuditEntry[]> {
    const rows = await this.db.selectFrom('proposal_audit').selectAll().where('proposal_id', '=', proposalId).orderBy('id').execute();
    return rows.map((r) => ({
      at: Number(r.at),
      actor: r.actor,
      ...(r.actor_name !== null ? { actorName: r.actor_name } : {}),
      action: r.action,
      ...(r.proposal_id !== null ? { proposalId: Number(r.proposal_id) } : {}),
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  }
}

function toChannel(r: ProposalTables['proposal_channels']): ProposalChannel {
  return { channelId: r.channel_id, createdBy: r.created_by, ...(r.created_by_name !== null ? { createdByName: r.created_by_name } : {}), createdAt: Number(r.created_at) };
}
