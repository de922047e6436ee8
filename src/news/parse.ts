/**
 * Feed text → plain items. Parsing is @rowanmanning/feed-parser, chosen deliberately over the alternatives:
 * - rss-parser is the most downloaded, but its last release is from 2023, it sits on xml2js 0.5 and bundles
 *   its own HTTP fetching (which would bypass our SSRF guard and size cap);
 * - feedsmith is active too, but returns a different shape per format that we would have to normalise;
 * - @rowanmanning/feed-parser is released regularly (2.1.x in 2026, Node 20–26), parses a string only (we
 *   keep control of fetching), normalises RSS 0.9x/1.0/2.0 and Atom into one item shape (id, title, url,
 *   description, published/updated) and is tested against real-world feeds; it is lenient with sloppy feeds
 *   and throws INVALID_FEED only when nothing can be read, which is what we report as a bad feed.
 * Its XML work sits on fast-xml-parser, which does not expand external entities (no XXE).
 *
 * Because the parser is lenient, a broken document that still starts like RSS parses to "no items". So a
 * document with no usable item is also run through fast-xml-parser's validator: if the XML is malformed,
 * that is reported with its line ("malformed XML at line 12: …") instead of passing as an empty feed. A
 * feed with a small XML error but readable items is accepted, as feed readers do.
 */
import { createRequire } from 'node:module';
import { plainText } from './text.js';

type FeedParser = typeof import('@rowanmanning/feed-parser');
type XmlParser = typeof import('fast-xml-parser');

/**
 * The parsers are loaded on the first feed read, not at start-up: a bot with no feeds never needs them
 * (together ~40 ms and several MiB of a start). `require` keeps parsing synchronous; it loads the CommonJS
 * build, which is also the one feed-parser itself requires, so fast-xml-parser is in memory once.
 */
let parsers: { parseFeed: FeedParser['parseFeed']; XMLValidator: XmlParser['XMLValidator'] } | undefined;
function loadParsers(): NonNullable<typeof parsers> {
  if (parsers) return parsers;
  const require = createRequire(import.meta.url);
  parsers = { parseFeed: (require('@rowanmanning/feed-parser') as FeedParser).parseFeed, XMLValidator: (require('fast-xml-parser') as XmlParser).XMLValidator };
  return parsers;
}

export const MAX_TITLE_LENGTH = 300;
export const MAX_SOURCE_LENGTH = 80;
/** Items read per document: a feed with thousands of entries is cut, newest-first feeds lose only old ones. */
export const MAX_ITEMS_PER_FEED = 200;

export interface ParsedItem {
  /** The item's guid (RSS) or id (Atom), when it has one. */
  guid: string | null;
  title: string;
  /** Absolute http(s) link to the article. */
  link: string;
  /** Epoch ms of publication (or last update), when the feed says. */
  published: number | null;
  /** Title and summary as plain text: what relevance and company matching read. */
  text: string;
}

export interface ParsedFeed {
  /** The feed's own title (plain text), used as the headline's source name. */
  title: string | null;
  items: ParsedItem[];
  /** Items without a usable title or http(s) link. */
  skipped: number;
}

export class FeedParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedParseError';
  }
}

/** Resolves an item link against the feed's URL; only http(s) links are kept (never javascript: etc.). */
function absoluteLink(link: string | null, base: string): string | null {
  if (!link) return null;
  try {
    const url = new URL(link.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function parseFeedDocument(text: string, baseUrl: string): ParsedFeed {
  const { parseFeed, XMLValidator } = loadParsers();
  let feed: ReturnType<typeof parseFeed>;
  try {
    feed = parseFeed(text);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'INVALID_FEED') throw new FeedParseError('not a readable RSS or Atom feed (the XML could not be parsed as a feed)');
    throw new FeedParseError(`the feed could not be parsed: ${String((error as Error).message ?? error).slice(0, 120)}`);
  }
  const items: ParsedItem[] = [];
  let skipped = 0;
  for (const item of feed.items.slice(0, MAX_ITEMS_PER_FEED)) {
    const title = plainText(item.title ?? '', MAX_TITLE_LENGTH);
    // An id stands in for a missing link only when it is itself an absolute URL (a guid is not a path).
    const link = absoluteLink(item.url, baseUrl) ?? (/^https?:\/\//i.test(item.id ?? '') ? absoluteLink(item.id, baseUrl) : null);
    if (!title || !link) {
      skipped++;
      continue;
    }
    const date = item.published ?? item.updated;
    const summary = plainText(item.description ?? item.content ?? '', 2_000);
    items.push({
      guid: item.id ? item.id.trim().slice(0, 500) || null : null,
      title,
      link,
      published: date && Number.isFinite(date.getTime()) ? date.getTime() : null,
      text: summary ? `${title}\n${summary}` : title,
    });
  }
  skipped += Math.max(0, feed.items.length - MAX_ITEMS_PER_FEED);
  if (items.length === 0) {
    const valid = XMLValidator.validate(text);
    if (valid !== true) throw new FeedParseError(`malformed XML at line ${valid.err.line}: ${valid.err.msg.slice(0, 100)}`);
  }
  return { title: plainText(feed.title ?? '', MAX_SOURCE_LENGTH) || null, items, skipped };
}
