/**
 * A tracked company's current reports from SEC EDGAR: the documented Atom feed of its 8-K filings
 * (`/cgi-bin/browse-edgar?action=getcompany&CIK=…&type=8-K&output=atom`), and for an earnings 8-K (item 2.02,
 * "Results of Operations and Financial Condition") the exhibit 99.1 document — the earnings release, where
 * capex guidance changes first.
 *
 * Every request goes through the news feeds' fetcher (src/news/fetch.ts): conditional GET, one deadline for
 * the whole answer, a size cap (gzip bombs included), redirects re-checked, the SSRF address policy. On top:
 * the SEC_USER_AGENT the SEC requires, requests spaced like the companyfacts client (under its 10 per second),
 * and links followed only on the SEC's own origin, so a hostile feed entry cannot send the bot elsewhere.
 *
 * The filing index page is read with one small regular expression (the row whose Type cell is EX-99.1): an
 * HTML parser library would be a dependency for one table row, and EDGAR's index layout has been stable
 * for over a decade.
 */
import type { AddressPolicy } from '../news/address-policy.js';
import { fetchFeed, type ConditionalHeaders, type FetchFeedResult } from '../news/fetch.js';
import { parseFeedDocument } from '../news/parse.js';
import { plainText } from '../news/text.js';
import { padCik } from './ciks.js';

export const DEFAULT_SEC_BASE_URL = 'https://www.sec.gov';
/** The 8-K feed is small (40 entries, ~30 KB); the exhibit is an HTML press release (typically 0.1–2 MB). */
export const FEED_MAX_BYTES = 1024 * 1024;
export const EXHIBIT_MAX_BYTES = 5 * 1024 * 1024;
export const SEC_TIMEOUT_MS = 20_000;
/** The SEC's fair-access limit is 10 requests per second; 125 ms apart stays under 8. */
export const SEC_MIN_INTERVAL_MS = 125;
/** Characters of exhibit text handed to the extractor (a release's outlook sits in its first pages). */
export const EXHIBIT_TEXT_CHARS = 200_000;

export interface EightKFiling {
  /** 0001326801-26-000077 */
  accession: string;
  /** YYYY-MM-DD */
  filed: string;
  /** Item numbers the filing reports, e.g. ['2.02', '9.01']. */
  items: string[];
  /** The filing index page (…-index.htm). */
  indexUrl: string;
  title: string;
}

export interface SecFetchOptions {
  userAgent: string;
  policy: AddressPolicy;
  baseUrl?: string;
  timeoutMs?: number;
  /** Least time between two requests (default SEC_MIN_INTERVAL_MS); tests against a local fake pass less. */
  minIntervalMs?: number;
  signal?: AbortSignal;
}

export class FilingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilingError';
  }
}

export function eightKFeedUrl(cik: string, baseUrl = DEFAULT_SEC_BASE_URL): string {
  const url = new URL('/cgi-bin/browse-edgar', baseUrl);
  url.search = new URLSearchParams({ action: 'getcompany', CIK: padCik(cik), type: '8-K', dateb: '', owner: 'include', count: '40', output: 'atom' }).toString();
  return url.href;
}

const ACCESSION = /\b(\d{10}-\d{2}-\d{6})\b/;

/** The 8-K entries of an EDGAR company feed (other forms, e.g. 8-K/A, are kept too: their items decide). */
export function parseEightKFeed(text: string, feedUrl: string): EightKFiling[] {
  const feed = parseFeedDocument(text, feedUrl);
  const filings: EightKFiling[] = [];
  for (const item of feed.items) {
    const accession = ACCESSION.exec(item.guid ?? '')?.[1] ?? ACCESSION.exec(item.text)?.[1] ?? ACCESSION.exec(item.link)?.[1];
    if (!accession) continue;
    const filed = /\bFiled:\s*(\d{4}-\d{2}-\d{2})/.exec(item.text)?.[1] ?? (item.published ? new Date(item.published).toISOString().slice(0, 10) : undefined);
    if (!filed) continue;
    const items = [...new Set([...item.text.matchAll(/\bItems?\s+(\d\.\d{2})/gi)].map((m) => m[1]!))];
    // "items 2.02 and 9.01" (items-desc) lists more than one after one "items".
    for (const m of item.text.matchAll(/\bitems\s+([\d.]+(?:(?:,\s*|\s+and\s+)[\d.]+)*)/gi)) for (const n of m[1]!.split(/,\s*|\s+and\s+/)) if (/^\d\.\d{2}$/.test(n)) items.push(n);
    filings.push({ accession, filed, items: [...new Set(items)], indexUrl: item.link, title: item.title });
  }
  return filings;
}

/** The exhibit 99.1 document's URL from a filing index page, or undefined when the filing has none. */
export function exhibitUrlFromIndex(html: string, indexUrl: string): string | undefined {
  for (const row of html.split(/<tr[\s>]/i).slice(1)) {
    const cells = [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/gi)].map((m) => m[1]!);
    if (!cells.some((cell) => /^\s*EX-99\.1\s*$/i.test(plainText(cell, 40)))) continue;
    const href = /<a\s[^>]*href\s*=\s*["']([^"']+)["']/i.exec(row)?.[1];
    if (!href) continue;
    try {
      return new URL(href.replace(/^\/ix\?doc=/, ''), indexUrl).href;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** HTML of a press release → plain text the extractor reads (scripts and styles dropped, block ends kept as sentence breaks). */
export function exhibitText(html: string): string {
  const withoutCode = html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ');
  // A table cell or paragraph end is a boundary: "Capital expenditures" in one cell and "$22.14" in the next stay together, two paragraphs do not.
  const marked = withoutCode.replace(/<\/(p|div|li|tr|h[1-6])>/gi, '. ').replace(/<br\s*\/?>/gi, ' ');
  return plainText(marked, EXHIBIT_TEXT_CHARS).replace(/(\.\s*){2,}/g, '. ');
}

/**
 * Fetches from the SEC: polite (User-Agent, spacing) and defensive (the news fetcher's caps and guard).
 * One instance per running bot, so the spacing holds across companies.
 */
export class SecDocuments {
  private readonly origin: string;
  private last = -Infinity;

  constructor(private readonly options: SecFetchOptions) {
    this.origin = new URL(options.baseUrl ?? DEFAULT_SEC_BASE_URL).origin;
  }

  feedUrl(cik: string): string {
    return eightKFeedUrl(cik, this.options.baseUrl);
  }

  async feed(cik: string, conditional: ConditionalHeaders): Promise<FetchFeedResult> {
    return this.get(this.feedUrl(cik), conditional, FEED_MAX_BYTES);
  }

  /** The earnings release of a filing as plain text, or undefined when the filing has no exhibit 99.1. */
  async exhibit(filing: EightKFiling): Promise<{ url: string; text: string } | undefined> {
    this.sameOrigin(filing.indexUrl);
    const index = await this.get(filing.indexUrl, {}, FEED_MAX_BYTES);
    if (index.status !== 'ok') return undefined;
    const url = exhibitUrlFromIndex(index.body, index.finalUrl);
    if (!url) return undefined;
    this.sameOrigin(url);
    const doc = await this.get(url, {}, EXHIBIT_MAX_BYTES);
    if (doc.status !== 'ok') return undefined;
    return { url, text: exhibitText(doc.body) };
  }

  private sameOrigin(url: string): void {
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      throw new FilingError(`the feed links to an invalid URL`);
    }
    if (origin !== this.origin) throw new FilingError(`the feed links outside ${this.origin} (${origin.slice(0, 80)}); not followed`);
  }

  private async get(url: string, conditional: ConditionalHeaders, maxBytes: number): Promise<FetchFeedResult> {
    const wait = this.last + (this.options.minIntervalMs ?? SEC_MIN_INTERVAL_MS) - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      return await fetchFeed(url, conditional, {
        policy: this.options.policy,
        userAgent: this.options.userAgent,
        timeoutMs: this.options.timeoutMs ?? SEC_TIMEOUT_MS,
        maxBytes,
        signal: this.options.signal,
      });
    } finally {
      this.last = Date.now();
    }
  }
}
