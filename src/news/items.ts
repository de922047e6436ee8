/**
 * Parsed feed items → the headlines worth keeping: about AI investment (relevance.ts), tagged with the
 * tracked companies they mention (companies.ts), with the keys that de-duplicate them across feeds and
 * restarts.
 */
import type { DataSet } from '../data/dataset.js';
import { taggerFor } from './companies.js';
import type { ParsedItem } from './parse.js';
import { isAboutAiInvestment } from './relevance.js';
import type { NewItem } from './store.js';

/** Query parameters that only track the click; the same article with and without them is one article. */
const TRACKING_PARAM = /^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|ocid|cmpid|ref|ref_src|smid|taid|guccounter)$/i;

/**
 * The identity of a link: scheme-less (http and https are the same article), no fragment, no tracking
 * parameters, no trailing slash, host lower-cased (URL does that).
 */
export function linkKey(link: string): string {
  const url = new URL(link);
  for (const name of [...url.searchParams.keys()]) if (TRACKING_PARAM.test(name)) url.searchParams.delete(name);
  url.searchParams.sort();
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : '';
  const query = url.searchParams.toString();
  return `${url.host}${path}${query ? `?${query}` : ''}`;
}

/**
 * A guid that is a URL, tag: or urn: is global and shared by every feed that carries the item; anything
 * else ("12345") only means something inside its own feed, so it is scoped by feed.
 */
export function guidKey(guid: string | null, feedId: number): string | null {
  if (!guid) return null;
  if (/^https?:\/\//i.test(guid)) {
    try {
      return linkKey(guid);
    } catch {
      return `feed:${feedId}:${guid}`;
    }
  }
  if (/^(tag|urn):/i.test(guid)) return guid;
  return `feed:${feedId}:${guid}`;
}

export interface KeptItems {
  items: NewItem[];
  /** Read but not about AI investment. */
  dropped: number;
}

export function keepRelevant(parsed: readonly ParsedItem[], context: { feedId: number; source: string; data: DataSet; now: number }): KeptItems {
  const tagger = taggerFor(context.data);
  const items: NewItem[] = [];
  let dropped = 0;
  for (const item of parsed) {
    if (!isAboutAiInvestment(item.text)) {
      dropped++;
      continue;
    }
    items.push({
      feedId: context.feedId,
      guidKey: guidKey(item.guid, context.feedId),
      linkKey: linkKey(item.link),
      title: item.title,
      link: item.link,
      source: context.source,
      // A feed dating an item in the future is wrong; it cannot be newer than the moment we first saw it.
      published: item.published === null ? null : Math.min(item.published, context.now),
      companies: tagger.tag(item.text),
      firstSeen: context.now,
    });
  }
  return { items, dropped };
}
