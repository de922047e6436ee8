/**
 * `/revisions.atom`: new figures and guidance revisions as an Atom feed (RFC 4287), so anyone can follow
 * changes in a feed reader.
 *
 * The entries are what the revision alerts would have posted had each day's figures arrived as a new data
 * version: the data is replayed by announcement date and every step goes through the alerts' own diff
 * (src/data/diff.ts) and wording (src/alerts/message.ts). So a revision added to the data file is one entry,
 * "Meta raised CY2026 capex guidance: US$125–145B → US$135–150B (+5.6%)…", with the same words as the alert.
 * Weak (low-reliability) figures are never news, as in the alerts. Built once per data version.
 */
import { createRequire } from 'node:module';
import { describeItem, headlineOf } from '../alerts/message.js';
import { DataSet } from '../data/dataset.js';
import { diffDataSets, type DataChange } from '../data/diff.js';
import type { DataFile } from '../data/schema.js';
import { companyPath } from './site.js';

/** Entries in the feed, newest first; readers keep what they have seen, so older changes drop off. */
export const MAX_FEED_ENTRIES = 50;
const FEED_ID = 'tag:capex-bot,2025:revisions';

/** Every change in the data's history, oldest first: each announcement day diffed against the days before it. */
export function changeHistory(data: DataSet): DataChange[] {
  const cached = histories.get(data);
  if (cached) return cached;
  const days = [...new Set(data.figures.map((f) => f.announced))].sort();
  const snapshot = (through: (announced: string) => boolean) =>
    new DataSet({ version: data.version, fx: [...data.fx], companies: [...data.companies], figures: data.figures.filter((f) => through(f.announced)) } as DataFile);
  const changes: DataChange[] = [];
  let before = snapshot(() => false);
  for (const day of days) {
    const after = snapshot((announced) => announced <= day);
    changes.push(...diffDataSets(before, after));
    before = after;
  }
  histories.set(data, changes);
  return changes;
}

const histories = new WeakMap<DataSet, DataChange[]>();
const feeds = new WeakMap<DataSet, Map<string, string>>();

/** RFC 3339 instant for an ISO date or month ("2025-02" → the 1st). */
function instant(date: string): string {
  return `${date.length === 7 ? `${date}-01` : date}T00:00:00Z`;
}

/** XML 1.0 cannot carry most control characters at all; data text never needs them. */
const clean = (text: string) => text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');

export interface FeedOptions {
  /** PUBLIC_URL without a trailing slash: links become absolute; otherwise they are relative to the feed. */
  publicUrl?: string;
  dataLoadedAt: string;
}

export function revisionsFeed(data: DataSet, options: FeedOptions): string {
  const key = `${options.publicUrl ?? ''}`;
  const perSet = feeds.get(data) ?? feeds.set(data, new Map()).get(data)!;
  const hit = perSet.get(key);
  if (hit) return hit;
  const base = options.publicUrl ?? '';
  const entries = [...changeHistory(data)]
    .sort((a, b) => b.figure.announced.localeCompare(a.figure.announced) || a.figure.id.localeCompare(b.figure.id))
    .slice(0, MAX_FEED_ENTRIES);
  const feed = {
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    feed: {
      '@_xmlns': 'http://www.w3.org/2005/Atom',
      id: FEED_ID,
      title: 'capex-bot: new and revised AI capex figures',
      subtitle: `New figures and guidance revisions, with sources. Data version ${clean(data.version)}.`,
      // The newest change's day; an empty history falls back to when this data version was loaded.
      updated: entries[0] ? instant(entries[0].figure.announced) : options.dataLoadedAt,
      link: [
        { '@_rel': 'self', '@_type': 'application/atom+xml', '@_href': `${base}/revisions.atom` },
        { '@_rel': 'alternate', '@_type': 'text/html', '@_href': `${base}/` },
      ],
      author: { name: 'capex-bot' },
      generator: 'capex-bot',
      entry: entries.map((change) => {
        const item = { figure: change.figure, kind: change.kind, previous: change.previous };
        const { figure } = change;
        return {
          id: `tag:capex-bot,2025:figure/${figure.id}`,
          title: clean(headlineOf(item, data)),
          updated: instant(figure.announced),
          published: instant(figure.announced),
          link: [
            { '@_rel': 'alternate', '@_type': 'text/html', '@_href': `${base}${companyPath(figure.company)}#figure-${figure.id}` },
            { '@_rel': 'related', '@_href': figure.source.url, '@_title': clean(figure.source.title) },
          ],
          category: { '@_term': figure.company, '@_label': clean(data.company(figure.company)?.name ?? figure.company) },
          summary: { '@_type': 'text', '#text': clean(describeItem(item, data)) },
        };
      }),
    },
  };
  const xml = builder().build(feed) as string;
  perSet.set(key, xml);
  return xml;
}

type XmlBuilder = InstanceType<typeof import('fast-xml-parser').XMLBuilder>;
let xmlBuilder: XmlBuilder | undefined;
/**
 * Made on the first feed served, not at start-up (the bot need not load an XML library until someone reads
 * the feed); `require` gives the CommonJS build, the one the news parser loads too (src/news/parse.ts).
 */
function builder(): XmlBuilder {
  if (xmlBuilder) return xmlBuilder;
  const { XMLBuilder } = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');
  xmlBuilder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: true, suppressEmptyNode: true });
  return xmlBuilder;
}
