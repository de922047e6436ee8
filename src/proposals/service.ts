/**
 * Proposed figures: new capex figures read in SEC filings and news headlines, offered to admins, published
 * only after one approves.
 *
 * Each tick (every FEED_REFRESH_MINUTES, at most 5 minutes apart; a feed is fetched only when it is due):
 * 1. Pending proposals older than 30 days expire.
 * 2. Filings (when SEC_USER_AGENT is set): each tracked US filer's 8-K Atom feed is fetched with a conditional
 *    GET; each earnings 8-K (item 2.02) not read before has its exhibit 99.1 read and extracted. A failing feed
 *    backs off (refresh × 2^(n−1), at most the news feeds' MAX_BACKOFF_MS) like a news feed. A filing whose
 *    exhibit cannot be fetched is not marked read, and the feed's validators are not saved, so the next poll
 *    tries it again.
 * 3. Headlines: the news items the feeds kept (src/news) not read before.
 * 4. Every statement the extractor can place becomes a proposal unless the data already states it or another
 *    proposal does (the store's unique key), and one post per subscribed channel is queued and sent.
 *
 * Approval writes the figure (writer.ts) and is audited; rejection only records the decision. Nothing reaches
 * the data any other way.
 */
import type { Caller, Platform } from '../core/command.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { DataSet } from '../data/dataset.js';
import { DataFileError } from '../data/loader.js';
import type { NewsItem } from '../news/store.js';
import { FeedFetchError, FetchAbortedError } from '../news/fetch.js';
import { FeedParseError } from '../news/parse.js';
import { MAX_BACKOFF_MS } from '../news/service.js';
import { FeedUrlError } from '../news/address-policy.js';
import { systemClock, type Clock } from '../core/clock.js';
import { platformOf } from '../schedule/schedule-record.js';
import { SEC_FILERS } from '../sec/ciks.js';
import { FilingError, parseEightKFeed, type EightKFiling, type SecDocuments } from '../sec/filings.js';
import type { Actor, ProposalRecord, ProposalSource, ProposalStore, ProposedFigure } from '../store/proposals.js';
import { extractStatements, type CapexStatement } from './extract.js';
import { dedupeKey, knownFigure } from './figure.js';
import { EXPIRY_DAYS, proposalPost } from './message.js';
import { NotWritableError, type FigureWriter } from './writer.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Filings and headlines older than this are history, not news: a feed read for the first time does not propose its archive. */
export const FILING_MAX_AGE_MS = 14 * DAY;
/** Headlines looked at per tick (the newest kept ones). */
export const HEADLINES_PER_TICK = 50;
/** A post claimed by a replica is its own for this long (a replica dying mid-post leaves it to be retried then). */
export const POST_LEASE_MS = 2 * MINUTE;
/** A post that keeps failing (5xx, network) is given up after this many attempts. */
export const MAX_POST_ATTEMPTS = 8;

export interface ProposalServiceOptions {
  store: ProposalStore;
  data: () => DataSet;
  writer: FigureWriter;
  /** SEC EDGAR access; absent when SEC_USER_AGENT is not set (filings are then not read). */
  filings?: SecDocuments;
  /** The newest headlines the news feeds kept; absent when news is off. */
  headlines?: (limit: number) => Promise<NewsItem[]>;
  outbounds?: readonly OutboundChannel[];
  clock?: Clock;
  logger?: Logger;
  refreshMs?: number;
  /** Tick every refreshMs (off in tests, which call tick()). */
  heartbeat?: boolean;
}

export interface TickSummary {
  filingsRead: number;
  headlinesRead: number;
  proposed: number;
  expired: number;
  posted: number;
}

export type Decision =
  | { status: 'approved'; proposal: ProposalRecord; version: string }
  | { status: 'approved-not-written'; proposal: ProposalRecord; source: string; yaml: string }
  | { status: 'rejected'; proposal: ProposalRecord }
  | { status: 'not-found' }
  | { status: 'already'; proposal: ProposalRecord }
  | { status: 'invalid'; proposal: ProposalRecord; reason: string };

const actorOf = (caller: Caller): Actor => ({ id: caller.userId, ...(caller.userName ? { name: caller.userName } : {}) });
const BOT: Actor = { id: 'capex-bot', name: 'capex-bot' };

/** What an admin may change in a pending proposal. `qualifier: null` removes it. */
export interface ProposalEdit {
  amount?: number;
  low?: number;
  high?: number;
  qualifier?: ProposedFigure['qualifier'] | null;
  label?: string;
}

/** Why a figure cannot go into the data (the data file's own rules), or undefined. */
function figureProblem(f: ProposedFigure): string | undefined {
  const values = [f.amount, f.low, f.high].filter((v) => v !== undefined) as number[];
  if (values.some((v) => !Number.isFinite(v) || v < 0 || v > 10_000)) return 'Amounts are positive numbers of billions, at most 10,000.';
  if (f.amount === undefined && (f.low === undefined || f.high === undefined)) return 'Give an amount, or both ends of a range.';
  if (f.low !== undefined && f.high !== undefined && f.low > f.high) return 'The low end of a range must not be above the high end.';
  if (f.label.trim() === '' || f.label.length > 120) return 'A label is 1 to 120 characters.';
  return undefined;
}

export class ProposalService {
  readonly store: ProposalStore;
  readonly refreshMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly outbounds = new Map<Platform, OutboundChannel>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<TickSummary> | undefined;
  /** Decisions one at a time: two admins approving at once write the figure once. */
  private deciding: Promise<unknown> = Promise.resolve();
  private stopping = false;

  constructor(private readonly options: ProposalServiceOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.refreshMs = options.refreshMs ?? 30 * MINUTE;
    for (const outbound of options.outbounds ?? []) this.outbounds.set(outbound.platform, outbound);
  }

  get readsFilings(): boolean {
    return Boolean(this.options.filings);
  }

  get writerKind(): FigureWriter['kind'] {
    return this.options.writer.kind;
  }

  start(outbounds: readonly OutboundChannel[]): void {
    for (const outbound of outbounds) this.outbounds.set(outbound.platform, outbound);
    if (this.timer || this.stopping) return;
    void this.tick();
    if (this.options.heartbeat ?? true) {
      this.timer = setInterval(() => void this.tick(), Math.min(this.refreshMs, 5 * MINUTE));
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
    await this.deciding.catch(() => undefined);
  }

  /**
   * One round: expire, read filings and headlines, propose, post. Concurrent calls share one round.
   * `pollAll`: fetch every healthy feed now, not only those due (an admin's "check now"; tests).
   */
  tick(options: { pollAll?: boolean } = {}): Promise<TickSummary> {
    this.ticking ??= this.round(options.pollAll ?? false).finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async round(pollAll: boolean): Promise<TickSummary> {
    const summary: TickSummary = { filingsRead: 0, headlinesRead: 0, proposed: 0, expired: 0, posted: 0 };
    try {
      summary.expired = (await this.expire()).length;
      if (this.options.filings) await this.readFilings(this.options.filings, summary, pollAll);
      if (this.options.headlines) await this.readHeadlines(this.options.headlines, summary);
      summary.posted = await this.deliverPending();
    } catch (error) {
      this.logger.error({ err: error }, 'proposals: tick failed');
    }
    return summary;
  }

  async expire(): Promise<ProposalRecord[]> {
    const now = this.clock.now();
    const expired = await this.store.expire(now - EXPIRY_DAYS * DAY, now);
    for (const p of expired) await this.store.audit({ at: now, actor: BOT.id, actorName: BOT.name, action: 'expire', proposalId: p.id, details: {} });
    return expired;
  }

  // ---- reading -----------------------------------------------------------------------------------------

  private async readFilings(docs: SecDocuments, summary: TickSummary, pollAll: boolean): Promise<void> {
    const data = this.options.data();
    for (const [companyId, filer] of Object.entries(SEC_FILERS)) {
      if (this.stopping) return;
      const company = data.company(companyId);
      if (!company || filer.foreignPrivateIssuer) continue;
      const key = `sec:${filer.cik}`;
      const now = this.clock.now();
      const state = await this.store.feedState(key);
      if (state && state.nextFetchAt > now && !(pollAll && state.failures === 0)) continue;
      try {
        const result = await docs.feed(filer.cik, { etag: state?.etag, lastModified: state?.lastModified });
        let complete = true;
        if (result.status === 'ok') {
          for (const filing of parseEightKFeed(result.body, result.finalUrl)) {
            const outcome = await this.readFiling(docs, filing, company.id);
            if (outcome === 'retry') complete = false;
            else if (typeof outcome === 'number') {
              summary.filingsRead++;
              summary.proposed += outcome;
            }
          }
        }
        const ok = result.status === 'ok' && complete;
        await this.store.saveFeedState(key, {
          // Validators only once every filing in the answer was handled: else a 304 would hide the one left over.
          etag: ok ? result.etag : (state?.etag ?? null),
          lastModified: ok ? result.lastModified : (state?.lastModified ?? null),
          lastFetchAt: now,
          nextFetchAt: now + this.refreshMs,
          failures: 0,
          reason: null,
        });
      } catch (error) {
        if (error instanceof FetchAbortedError) return;
        const reason = error instanceof FeedFetchError || error instanceof FeedParseError || error instanceof FeedUrlError || error instanceof FilingError ? error.message : String((error as Error)?.message ?? error).slice(0, 200);
        const failures = (state?.failures ?? 0) + 1;
        const backoff = Math.min(this.refreshMs * 2 ** (failures - 1), MAX_BACKOFF_MS);
        await this.store.saveFeedState(key, { etag: state?.etag ?? null, lastModified: state?.lastModified ?? null, lastFetchAt: now, nextFetchAt: now + backoff, failures, reason });
        this.logger.warn({ company: company.id, cik: filer.cik, reason, failures, retryInMs: backoff }, 'proposals: EDGAR 8-K feed failed');
      }
    }
  }

  /** Proposals made (read now), 'skipped' (not an earnings 8-K, too old, or read before), 'retry' (try again next poll). */
  private async readFiling(docs: SecDocuments, filing: EightKFiling, companyId: string): Promise<number | 'skipped' | 'retry'> {
    const key = `sec:${filing.accession}`;
    if (await this.store.wasRead(key)) return 'skipped';
    const now = this.clock.now();
    if (!filing.items.includes('2.02') || Date.parse(`${filing.filed}T23:59:59Z`) < now - FILING_MAX_AGE_MS) {
      await this.store.markRead(key, 0, now);
      return 'skipped';
    }
    let exhibit: { url: string; text: string } | undefined;
    try {
      exhibit = await docs.exhibit(filing);
    } catch (error) {
      if (error instanceof FetchAbortedError) throw error;
      // A refused link (outside the SEC, a private address), a document over the caps or gone (4xx other than 429)
      // will not get better: read, nothing found. Timeouts, 5xx and network errors are tried again next poll.
      const message = (error as Error).message ?? '';
      const permanent = error instanceof FilingError || error instanceof FeedUrlError || /larger than|unsupported Content-Encoding|^HTTP 4(?!29)\d\d/.test(message);
      this.logger.warn({ accession: filing.accession, reason: message, permanent }, 'proposals: exhibit 99.1 not read');
      if (!permanent) return 'retry';
      await this.store.markRead(key, 0, now);
      return 'skipped';
    }
    const data = this.options.data();
    const company = data.company(companyId);
    const statements = exhibit && company ? extractStatements(exhibit.text, { date: filing.filed, companies: data.companies, subject: company }) : [];
    const title = `${company?.name ?? companyId} Form 8-K of ${filing.filed} (accession ${filing.accession}), exhibit 99.1: earnings release`;
    const added = exhibit ? await this.offer(statements, { kind: 'filing', title, url: exhibit.url, date: filing.filed }) : [];
    await this.store.markRead(key, added.length, now);
    return added.length;
  }

  private async readHeadlines(headlines: (limit: number) => Promise<NewsItem[]>, summary: TickSummary): Promise<void> {
    const items = await headlines(HEADLINES_PER_TICK);
    const data = this.options.data();
    for (const item of items) {
      const key = `news:${item.id}`;
      if (await this.store.wasRead(key)) continue;
      // Like filings: an old headline (a newly added feed's archive) is history, not a new figure.
      if (item.sortAt < this.clock.now() - FILING_MAX_AGE_MS) {
        await this.store.markRead(key, 0, this.clock.now());
        continue;
      }
      const date = new Date(item.published ?? item.firstSeen).toISOString().slice(0, 10);
      const statements = extractStatements(item.title, { date, companies: data.companies });
      const added = await this.offer(statements, { kind: 'article', title: `${item.title} (${item.source})`.slice(0, 300), url: item.link, date });
      await this.store.markRead(key, added.length, this.clock.now());
      summary.headlinesRead++;
      summary.proposed += added.length;
    }
  }

  /** Statements → new proposals (not those the data or another proposal already has), posts queued. */
  async offer(statements: readonly CapexStatement[], source: ProposalSource): Promise<ProposalRecord[]> {
    const data = this.options.data();
    const added: ProposalRecord[] = [];
    for (const statement of statements) {
      if (knownFigure(data, statement)) continue;
      const now = this.clock.now();
      const record = await this.store.add({ dedupeKey: dedupeKey(statement), figure: statement, source }, now);
      if (!record) continue;
      await this.store.audit({ at: now, actor: BOT.id, actorName: BOT.name, action: 'propose', proposalId: record.id, details: { source: source.url } });
      await this.store.claimPosts(record.id, (await this.store.channels()).map((c) => c.channelId), now);
      this.logger.info({ proposal: record.id, company: statement.company, source: source.url }, 'proposals: new proposal');
      added.push(record);
    }
    return added;
  }

  // ---- posting -----------------------------------------------------------------------------------------

  /** Sends the posts that are due; returns how many were posted. */
  async deliverPending(): Promise<number> {
    let posted = 0;
    const now = this.clock.now();
    for (const post of await this.store.duePosts(now, 100)) {
      const proposal = await this.store.get(post.proposalId);
      const outbound = this.outbounds.get(platformOf(post.channelId) ?? 'console');
      if (!proposal || proposal.status !== 'pending') {
        await this.store.markPostFailed(post.proposalId, post.channelId, `not posted: the proposal is ${proposal?.status ?? 'gone'}`, undefined);
        continue;
      }
      if (!outbound) continue; // that platform is not connected in this run: kept for a run that has it
      if (!(await this.store.claimPost(post.proposalId, post.channelId, now, POST_LEASE_MS))) continue; // another replica has it
      try {
        await outbound.post(post.channelId, proposalPost(proposal, this.options.data()));
        await this.store.markPosted(post.proposalId, post.channelId, this.clock.now());
        posted++;
      } catch (error) {
        const kind = (error as { kind?: string }).kind;
        const attempts = post.attempts + 1;
        const retryAfter = kind === 'rate_limited' ? Number((error as { retryAfterMs?: number }).retryAfterMs) || MINUTE : Math.min(MINUTE * 2 ** post.attempts, HOUR);
        const final = kind === 'unreachable' || kind === 'permanent' || kind === 'permission' || kind === 'token_revoked' || attempts >= MAX_POST_ATTEMPTS;
        await this.store.markPostFailed(post.proposalId, post.channelId, String((error as Error).message ?? error), final ? undefined : this.clock.now() + retryAfter);
        this.logger.warn({ proposal: post.proposalId, channel: post.channelId, kind, final }, 'proposals: post failed');
      }
    }
    return posted;
  }

  // ---- admin commands ----------------------------------------------------------------------------------

  async subscribe(channelId: string, caller: Caller) {
    const now = this.clock.now();
    const result = await this.store.subscribe(channelId, actorOf(caller), now);
    await this.store.audit({ at: now, actor: caller.userId, actorName: caller.userName, action: 'channel-on', details: { channelId } });
    return result;
  }

  async unsubscribe(channelId: string, caller: Caller): Promise<boolean> {
    const removed = await this.store.unsubscribe(channelId);
    if (removed) await this.store.audit({ at: this.clock.now(), actor: caller.userId, actorName: caller.userName, action: 'channel-off', details: { channelId } });
    return removed;
  }

  channels() {
    return this.store.channels();
  }

  /** Pending proposals (expired ones are expired first, so the list never offers one that cannot be approved). */
  async pending(): Promise<ProposalRecord[]> {
    await this.expire();
    return this.store.list('pending');
  }

  approve(id: number, caller: Caller): Promise<Decision> {
    return this.decideInTurn(async () => {
      const proposal = await this.decidable(id);
      if (proposal.status !== 'pending') return proposal.status === 'not-found' ? { status: 'not-found' } : { status: 'already', proposal: proposal.record };
      const p = proposal.record;
      const now = this.clock.now();
      const by = caller.userName ?? caller.userId.slice(caller.userId.indexOf(':') + 1);
      try {
        const written = await this.options.writer.write(p, by, new Date(now));
        const decided = await this.store.decide(id, { status: 'approved', by: actorOf(caller), at: now, figureId: written.figureId, dataVersion: written.version });
        await this.store.audit({ at: now, actor: caller.userId, actorName: caller.userName, action: 'approve', proposalId: id, details: { figureId: written.figureId, version: written.version } });
        return { status: 'approved', proposal: decided ?? p, version: written.version };
      } catch (error) {
        if (error instanceof NotWritableError) {
          const decided = await this.store.decide(id, { status: 'approved', by: actorOf(caller), at: now, figureId: error.figureId });
          await this.store.audit({ at: now, actor: caller.userId, actorName: caller.userName, action: 'approve', proposalId: id, details: { figureId: error.figureId, writtenTo: 'nothing (DATA_URL)' } });
          return { status: 'approved-not-written', proposal: decided ?? p, source: error.source, yaml: error.yaml };
        }
        if (error instanceof DataFileError) {
          this.logger.error({ proposal: id, problems: error.problems }, 'proposals: approved figure would make the data invalid; nothing written');
          return { status: 'invalid', proposal: p, reason: error.problems[0]?.message ?? error.message };
        }
        throw error;
      }
    });
  }

  /**
   * An admin corrects a pending proposal before approving it (the interactive Edit button, issue 14): the amount
   * or range, the qualifier, the label. Audited with the figure before and after; the approval then writes the
   * corrected figure. Returns the reason in words when the change is not a valid figure.
   */
  edit(id: number, change: ProposalEdit, caller: Caller): Promise<{ ok: true; proposal: ProposalRecord } | { ok: false; reason: string }> {
    return this.decideInTurn(async () => {
      const found = await this.decidable(id);
      if (found.status === 'not-found') return { ok: false, reason: `There is no proposal ${id}.` };
      if (found.status !== 'pending') return { ok: false, reason: `Proposal ${id} is ${found.status}; only a pending proposal can be edited.` };
      const before = found.record.figure;
      const range = change.amount === undefined && (change.low !== undefined || change.high !== undefined);
      const figure: ProposedFigure = {
        ...before,
        ...(change.label ? { label: change.label } : {}),
        ...(change.amount !== undefined ? { amount: change.amount, low: undefined, high: undefined } : {}),
        ...(range ? { amount: undefined, low: change.low ?? before.low, high: change.high ?? before.high } : {}),
        ...(change.qualifier !== undefined ? { qualifier: change.qualifier ?? undefined } : {}),
      };
      const problem = figureProblem(figure);
      if (problem) return { ok: false, reason: problem };
      const amended = await this.store.amend(id, JSON.parse(JSON.stringify(figure)) as ProposedFigure);
      if (!amended) return { ok: false, reason: `Proposal ${id} was decided meanwhile.` };
      await this.store.audit({ at: this.clock.now(), actor: caller.userId, actorName: caller.userName, action: 'edit', proposalId: id, details: { before, after: amended.figure } });
      return { ok: true, proposal: amended };
    });
  }

  reject(id: number, caller: Caller): Promise<Decision> {
    return this.decideInTurn(async () => {
      const proposal = await this.decidable(id);
      if (proposal.status !== 'pending') return proposal.status === 'not-found' ? { status: 'not-found' } : { status: 'already', proposal: proposal.record };
      const now = this.clock.now();
      const decided = await this.store.decide(id, { status: 'rejected', by: actorOf(caller), at: now });
      await this.store.audit({ at: now, actor: caller.userId, actorName: caller.userName, action: 'reject', proposalId: id, details: {} });
      return decided ? { status: 'rejected', proposal: decided } : { status: 'already', proposal: proposal.record };
    });
  }

  get(id: number): Promise<ProposalRecord | undefined> {
    return this.store.get(id);
  }

  private async decidable(id: number): Promise<{ status: 'not-found' } | { status: ProposalRecord['status']; record: ProposalRecord }> {
    await this.expire();
    const record = await this.store.get(id);
    return record ? { status: record.status, record } : { status: 'not-found' };
  }

  private decideInTurn<T>(work: () => Promise<T>): Promise<T> {
    const next = this.deciding.then(work, work);
    this.deciding = next.catch(() => undefined);
    return next;
  }
}
