/**
 * /revisions.atom: a well-formed Atom 1.0 document with every element RFC 4287 requires (checked by walking
 * the parsed XML, not by string search), and a revision written into the data file while the bot runs shows
 * up as an entry worded exactly as the revision alert is.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD, META_LINE, META_REVISION, withRows } from '../helpers/data-edits.js';
import { startSite, type WebSite } from './harness.js';

let site: WebSite;
beforeAll(async () => {
  site = await startSite({ publicUrl: 'https://capex.example.org/' });
});
afterAll(async () => {
  await site.close();
});

const ATOM_NS = 'http://www.w3.org/2005/Atom';
/** RFC 3339 date-time, as Atom's atomDateConstruct requires. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (v === undefined ? [] : Array.isArray(v) ? (v as Node[]) : [v as Node]);
const textOf = (v: unknown): string => (typeof v === 'object' && v !== null ? String((v as Node)['#text'] ?? '') : String(v ?? ''));

async function readFeed(): Promise<{ xml: string; feed: Node }> {
  const res = await fetch(`${site.url}/revisions.atom`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
  const xml = await res.text();
  expect(XMLValidator.validate(xml)).toBe(true);
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false }).parse(xml) as Node;
  return { xml, feed: parsed.feed as Node };
}

/** RFC 4287 §4.1.1 and §4.1.2: the elements a feed and each entry must have. */
function assertValidAtom(feed: Node): void {
  expect(feed['@_xmlns']).toBe(ATOM_NS);
  for (const name of ['id', 'title', 'updated']) expect(list(feed[name]), `feed/${name}`).toHaveLength(1);
  expect(textOf(feed.updated)).toMatch(RFC3339);
  const links = list(feed.link);
  expect(links.filter((l) => l['@_rel'] === 'self')).toHaveLength(1);
  const feedHasAuthor = list(feed.author).some((a) => textOf(a.name) !== '');
  const ids = new Set<string>();
  for (const entry of list(feed.entry)) {
    for (const name of ['id', 'title', 'updated']) expect(list(entry[name]), `entry/${name}`).toHaveLength(1);
    expect(textOf(entry.updated)).toMatch(RFC3339);
    const id = textOf(entry.id);
    expect(id).toMatch(/^[a-z][a-z0-9+.-]*:\S+$/); // an IRI
    expect(ids.has(id), `duplicate entry id ${id}`).toBe(false);
    ids.add(id);
    // No content element: then an alternate link is required (§4.1.1.1), and a summary is given.
    expect(list(entry.link).filter((l) => (l['@_rel'] ?? 'alternate') === 'alternate')).toHaveLength(1);
    expect(textOf(entry.summary)).not.toBe('');
    expect(feedHasAuthor || list(entry.author).length > 0).toBe(true);
  }
}

describe('GIVEN the revisions feed', { timeout: 30_000 }, () => {
  it('THEN it is valid Atom with the required feed and entry elements, newest change first, links absolute under PUBLIC_URL', async () => {
    const { feed } = await readFeed();
    assertValidAtom(feed);
    const entries = list(feed.entry);
    expect(entries.length).toBeGreaterThan(5);
    const updated = entries.map((e) => textOf(e.updated));
    expect([...updated].sort().reverse()).toEqual(updated);
    for (const e of entries) expect(list(e.link)[0]!['@_href']).toMatch(/^https:\/\/capex\.example\.org\/company\/[a-z0-9-]+#figure-/);
    expect(list(feed.link).find((l) => l['@_rel'] === 'self')!['@_href']).toBe('https://capex.example.org/revisions.atom');
  });

  it('THEN a guidance revision added to the data file appears, worded as the revision alert words it', async () => {
    await site.writeData(withRows(GOOD, 'with-meta-revision', META_REVISION));
    expect(site.live.current().version).toBe('with-meta-revision');
    const { feed } = await readFeed();
    assertValidAtom(feed);
    const entry = list(feed.entry).find((e) => textOf(e.id).endsWith('figure/meta-cy2026-guidance-2026-07-29'));
    expect(entry).toBeDefined();
    expect(textOf(entry!.title)).toMatch(/^Meta Platforms raised CY2026 capex guidance$/);
    expect(textOf(entry!.summary)).toBe(META_LINE);
    expect(textOf(entry!.updated)).toBe('2026-07-29T00:00:00Z');
    expect(list(entry!.link).find((l) => l['@_rel'] === 'related')!['@_href']).toBe('https://example.com/meta-q2-2026');
    // The newest change leads the feed, and the feed's updated is its day.
    expect(textOf(list(feed.entry)[0]!.id)).toBe(textOf(entry!.id));
    expect(textOf(feed.updated)).toBe('2026-07-29T00:00:00Z');
  });

  it('THEN markup in the data is escaped text in the feed, never elements', async () => {
    const hostile = withRows(GOOD, 'hostile', META_REVISION.replace('Meta Q2 2026 results (test fixture)', 'Meta <b>Q2</b> & "results" (test fixture)'));
    await site.writeData(hostile);
    const { xml, feed } = await readFeed();
    expect(xml).toContain('Meta &lt;b&gt;Q2&lt;/b&gt; &amp;');
    expect(xml).not.toContain('<b>');
    assertValidAtom(feed);
  });
});
