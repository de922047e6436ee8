/** What an alert post says: old → new, % change, date, source; big batches kept short. */
import { describe, expect, it } from 'vitest';
import { buildAlertPost as buildPost, type AlertItem } from '../../src/alerts/message.js';
import { localize, textSyntax } from '../../src/core/syntax.js';
import { diffDataSets } from '../../src/data/diff.js';
import { parseDataText } from '../../src/data/loader.js';
import { AMAZON_REVISION, GOOD, META_2027, META_LINE, META_REVISION, secQuarters, withRows } from '../helpers/data-edits.js';

/** The post as the console writes it: command references in the text grammar (each platform localizes its own). */
const buildAlertPost = (...args: Parameters<typeof buildPost>) => localize(buildPost(...args), textSyntax());

const before = parseDataText(GOOD, 'capex-data.yaml');

/** The items a data edit produces, as the service builds them. */
function itemsFor(...rows: string[]): { items: AlertItem[]; data: ReturnType<typeof parseDataText> } {
  const data = parseDataText(withRows(GOOD, 'next', ...rows), 'capex-data.yaml');
  const items = diffDataSets(before, data).map((c) => ({ figure: c.figure, kind: c.kind, ...(c.previous ? { previous: c.previous } : {}) }));
  return { items, data };
}

const ROW = (id: string, company: string, amount: number, period: string, currency = 'USD') => `
  - id: ${id}
    company: ${company}
    metric: guidance
    label: capex guidance
    amount: ${amount}
    currency: ${currency}
    period: { label: ${period}, start: "${period.slice(2)}-01", end: "${period.slice(2)}-12" }
    announced: "2026-11-20"
    source:
      title: ${company} source ${id}
      url: https://example.com/${id}
`;

describe('one change', () => {
  it('a raised guidance: the headline as title, the whole story in one line, the source linked', () => {
    const { items, data } = itemsFor(META_REVISION);
    const post = buildAlertPost(items, data);
    expect(post.visibility).toBe('public');
    expect(post.title).toBe('Meta Platforms raised CY2026 capex guidance');
    expect(post.lines).toEqual([META_LINE]);
    expect(post.summary).toBe(META_LINE);
    expect(post.sources).toEqual([{ title: 'Meta Q2 2026 results (test fixture)', url: 'https://example.com/meta-q2-2026', date: '2026-07-29' }]);
    expect(post.asOf).toBe('2026-07-29');
  });

  it('a lowered guidance, a first figure ("new"), and a revision that keeps the midpoint', () => {
    const lowered = itemsFor(AMAZON_REVISION);
    expect(buildAlertPost(lowered.items, lowered.data).lines[0]).toBe(
      'Amazon lowered CY2026 capex guidance: about US$200B → US$190B (−5.0%), announced 30 Oct 2026 — Amazon Q3 2026 results (test fixture)',
    );
    const fresh = itemsFor(META_2027);
    const post = buildAlertPost(fresh.items, fresh.data);
    expect(post.title).toBe('Meta Platforms: new CY2027 capex guidance');
    expect(post.lines[0]).toBe('Meta Platforms: new CY2027 capex guidance: US$160B, announced 29 Oct 2026 — Meta Q3 2026 results (test fixture)');
    const narrowed = itemsFor(META_REVISION.replace('low: 135', 'low: 130').replace('high: 150', 'high: 140').replace('meta-cy2026-guidance-2026-07-29', 'meta-narrowed'));
    expect(buildAlertPost(narrowed.items, narrowed.data).lines[0]).toContain('Meta Platforms revised CY2026 capex guidance: US$125–145B → US$130–140B (midpoint unchanged)');
  });

  it('a non-USD figure shows its US$ equivalent and says where the rate comes from', () => {
    const { items, data } = itemsFor(ROW('alibaba-fy2027-test', 'alibaba', 400, 'FY2027', 'CNY'));
    const post = buildAlertPost(items, data);
    expect(post.lines[0]).toMatch(/^Alibaba: new FY2027 capex guidance: 400 billion yuan ≈ US\$\d+(\.\d)?B, announced 20 Nov 2026 — alibaba source alibaba-fy2027-test$/);
    expect(post.notes?.join('\n')).toMatch(/Alibaba: CNY→USD at [\d.]+ CNY per US\$/);
  });
});

describe('a batch', () => {
  it('lists revisions first, then new figures, as bullets under one title', () => {
    const { items, data } = itemsFor(META_2027, META_REVISION);
    const post = buildAlertPost(items, data);
    expect(post.title).toBe('AI capex data updated: 2 new or revised figures');
    expect(post.lines).toEqual([`• ${META_LINE}`, '• Meta Platforms: new CY2027 capex guidance: US$160B, announced 29 Oct 2026 — Meta Q3 2026 results (test fixture)']);
  });

  it('more than five lines: the first four, then "…and N more" pointing to /capex sources', () => {
    const rows = ['amazon', 'alphabet', 'microsoft', 'oracle', 'meta', 'tencent', 'baidu'].map((c, i) => ROW(`${c}-cy2030-test`, c, 100 + i, 'CY2030'));
    const { items, data } = itemsFor(...rows);
    expect(items).toHaveLength(7);
    const post = buildAlertPost(items, data);
    expect(post.lines).toHaveLength(5);
    expect(post.lines[4]).toMatch(/^• …and 3 more — \/capex sources <company> \([A-Z][\w ]+, [A-Z][\w ]+, [A-Z][\w ]+\)$/);
    expect(post.sources).toHaveLength(4);
  });

  it('SEC-imported quarters: two are listed, three or more become one line per company', () => {
    const two = itemsFor(secQuarters(2));
    expect(buildAlertPost(two.items, two.data).lines).toEqual([
      expect.stringMatching(/^• Alphabet: new Q2 2022 reported quarterly capex: US\$11B, announced 1 Jul 2022 — Alphabet 10-Q \(test fixture 1\)$/),
      expect.stringMatching(/^• Alphabet: new Q1 2022 reported quarterly capex: US\$10B, announced 1 Apr 2022 — Alphabet 10-Q \(test fixture 0\)$/),
    ]);
    const many = itemsFor(secQuarters(15));
    const post = buildAlertPost(many.items, many.data);
    expect(post.title).toBe('AI capex data updated: 15 new or revised figures');
    expect(post.lines).toEqual(['• Alphabet: 15 reported capex figures imported from SEC filings, Q1 2022 … Q3 2025 — /capex sources alphabet']);
  });
});
