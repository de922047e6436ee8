/** The new fields are checked as strictly as the old ones: a typo is refused with file, row, id, field and line. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_FILE, DataFileError, parseDataText } from '../../src/data/loader.js';

const bundled = readFileSync(BUNDLED_DATA_FILE, 'utf8');

function refusal(text: string): DataFileError {
  try {
    parseDataText(text, 'fixture.yaml');
  } catch (error) {
    if (error instanceof DataFileError) return error;
    throw error;
  }
  throw new Error('expected the data to be refused');
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('definition, basis and source kind in the data file', () => {
  it('GIVEN a misspelt definition THEN the row, id, field and line are named with the allowed words', () => {
    const bad = bundled.replace('    definition: cash-ppe\n', '    definition: cash-capex\n');
    const problem = refusal(bad).problems[0]!;
    expect(problem).toMatchObject({ row: expect.stringMatching(/^figures\[\d+\]$/), field: 'definition', line: lineOf(bad, 'definition: cash-capex') });
    expect(problem.rowId).toBeTruthy();
    expect(problem.message).toContain('use one of: capex-incl-finance-leases, cash-ppe');
  });

  it('GIVEN a source kind that is not one of the six THEN it is refused on source.kind', () => {
    const bad = bundled.replace('      kind: wire\n', '      kind: newspaper\n');
    const problem = refusal(bad).problems[0]!;
    expect(problem.field).toBe('source.kind');
    expect(problem.message).toContain('company-release, filing, transcript, wire, other-press, aggregator');
  });

  it('GIVEN a guidance row marked actual THEN it is refused: a plan is never a reported number', () => {
    const bad = bundled.replace(/(id: microsoft-2026-guidance-2026-04-29[\s\S]*?)basis: guidance/, '$1basis: actual');
    const problem = refusal(bad).problems.find((p) => p.rowId === 'microsoft-2026-guidance-2026-04-29')!;
    expect(problem).toMatchObject({ field: 'basis', message: 'a guidance figure has basis guidance or estimate' });
  });

  it('GIVEN a pledge entered as annual guidance THEN it is refused: pledges are never annual capex', () => {
    const bad = bundled.replace(/(id: apple-us-commitment-2025-08-06\n[\s\S]*?)metric: commitment/, '$1metric: guidance').replace(/(id: apple-us-commitment-2025-08-06\n[\s\S]*?)basis: pledge/, '$1basis: guidance');
    const problem = refusal(bad).problems.find((p) => p.rowId === 'apple-us-commitment-2025-08-06')!;
    expect(problem.field).toBe('definition');
    expect(problem.message).toContain('is not annual capex');
  });

  it('GIVEN an old entry without the new fields THEN it still loads, with what the loader inferred listed', () => {
    const old = `
  - id: meta-cy2027-guidance-old-style
    company: meta
    metric: guidance
    label: capex guidance
    basis: incl. principal payments on finance leases
    amount: 160
    currency: USD
    period: { label: CY2027, start: "2027-01", end: "2027-12" }
    announced: "2026-10-29"
    source: { title: Meta Q3 2026 results, url: "https://example.com/meta-q3-2026" }
`;
    const data = parseDataText(bundled.trimEnd() + '\n' + old, 'old.yaml');
    const f = data.figures.find((x) => x.id === 'meta-cy2027-guidance-old-style')!;
    expect(f).toMatchObject({ basis: 'guidance', definition: 'capex', definitionNote: 'incl. principal payments on finance leases', source: { kind: 'other-press' } });
    expect(f.inferred).toEqual(['basis', 'definition', 'source.kind']);
  });

  it('GIVEN an FX row without its month THEN it is refused on month', () => {
    const bad = bundled.replace('    month: "2025-03"\n', '');
    expect(refusal(bad).problems.some((p) => p.row?.startsWith('fx[') && p.field === 'month')).toBe(true);
  });
});
