/**
 * Versions of the bundled data file as an editor (or the SEC import) would change them: the text is edited,
 * never a parsed object, so every test goes through the real loader and LiveData. Shared by the alert and
 * live-data tests.
 */
import { readFileSync } from 'node:fs';
import { BUNDLED_DATA_FILE } from '../../src/data/loader.js';

export const GOOD = readFileSync(BUNDLED_DATA_FILE, 'utf8');

function bump(text: string, version: string): string {
  return text.replace(/^version: .*$/m, `version: "${version}"`);
}

function append(text: string, rows: string): string {
  return text.trimEnd() + '\n' + rows;
}

/** Meta raises its 2026 guidance US$125–145B → US$135–150B on 29 Jul 2026 (a new row, as the data README asks). */
export const META_REVISION = `
  - id: meta-cy2026-guidance-2026-07-29
    company: meta
    metric: guidance
    label: capex guidance (raised)
    definition: capex-incl-finance-leases
    basis: guidance
    low: 135
    high: 150
    currency: USD
    period: { label: CY2026, start: "2026-01", end: "2026-12" }
    announced: "2026-07-29"
    source:
      title: Meta Q2 2026 results (test fixture)
      url: https://example.com/meta-q2-2026
      kind: company-release
`;

/** Amazon lowers its 2026 guidance to US$190B on 30 Oct 2026. */
export const AMAZON_REVISION = `
  - id: amazon-cy2026-guidance-2026-10-30
    company: amazon
    metric: guidance
    label: capex guidance (lowered)
    definition: capex
    basis: guidance
    amount: 190
    currency: USD
    period: { label: CY2026, start: "2026-01", end: "2026-12" }
    announced: "2026-10-30"
    source:
      title: Amazon Q3 2026 results (test fixture)
      url: https://example.com/amazon-q3-2026
      kind: company-release
`;

/** A first figure for a new year: "new", not a revision. */
export const META_2027 = `
  - id: meta-cy2027-guidance-2026-10-29
    company: meta
    metric: guidance
    label: capex guidance (first)
    definition: capex-incl-finance-leases
    basis: guidance
    amount: 160
    currency: USD
    period: { label: CY2027, start: "2027-01", end: "2027-12" }
    announced: "2026-10-29"
    source:
      title: Meta Q3 2026 results (test fixture)
      url: https://example.com/meta-q3-2026
      kind: company-release
`;

export function withRows(text: string, version: string, ...rows: string[]): string {
  return append(bump(text, version), rows.join(''));
}

/** What `capex-bot import sec` writes: `count` reported quarters of Alphabet, origin sec-xbrl. */
export function secQuarters(count: number): string {
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const year = 2022 + Math.floor(i / 4);
    const q = (i % 4) + 1;
    const start = `${year}-${String((q - 1) * 3 + 1).padStart(2, '0')}`;
    const end = `${year}-${String(q * 3).padStart(2, '0')}`;
    rows.push(`
  - id: alphabet-sec-capex-q${q}-${year}
    company: alphabet
    metric: reported-quarter
    label: purchases of property and equipment (SEC XBRL)
    basis: cash PP&E, excl. finance leases
    amount: ${10 + i}
    currency: USD
    period: { label: Q${q} ${year}, start: "${start}", end: "${end}" }
    announced: "${year + (q === 4 ? 1 : 0)}-${q === 4 ? '02' : String(q * 3 + 1).padStart(2, '0')}-01"
    source:
      title: Alphabet 10-Q (test fixture ${i})
      url: https://www.sec.gov/Archives/edgar/data/1652044/000165204424000${String(i).padStart(3, '0')}/x-index.htm
    origin: sec-xbrl
`);
  }
  return rows.join('');
}

/** Not valid: a date that is no date. The loader names the row and field. */
export function broken(version = 'broken'): string {
  return bump(GOOD, version).replace(/(\n\s+)announced: "?2026-01-28"?/, '$1announced: yesterday');
}

export const META_LINE =
  'Meta Platforms raised CY2026 capex guidance: US$125–145B → US$135–150B (+5.6%), announced 29 Jul 2026 — Meta Q2 2026 results (test fixture)';
