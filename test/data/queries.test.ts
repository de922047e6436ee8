import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_FILE, parseDataText } from '../../src/data/loader.js';
import { calendarYearFigure, rankYear, sumOfQuarters, yearFigure } from '../../src/data/queries.js';
import { rankedSources } from '../../src/data/definitions.js';
import { usdOf } from '../../src/data/money.js';

const bundled = readFileSync(BUNDLED_DATA_FILE, 'utf8');
const secFigure = (id: string, amount: number, start: string, end: string, label: string) => `
  - id: ${id}
    company: meta
    metric: reported
    label: capex actual (cash purchases of property and equipment, SEC filing)
    basis: cash purchases of property and equipment (XBRL PaymentsToAcquirePropertyPlantAndEquipment; excludes finance leases)
    amount: ${amount}
    currency: USD
    period: { label: ${label}, start: "${start}", end: "${end}" }
    announced: "2026-01-30"
    source: { title: Meta 10-K (test), url: "https://www.sec.gov/Archives/edgar/data/1326801/x-index.htm" }
    origin: sec-xbrl
`;

describe('yearFigure with figures imported from SEC filings', () => {
  const data = parseDataText(
    bundled.trimEnd() + '\n' + secFigure('meta-sec-capex-fy2025', 69.69, '2025-01', '2025-12', 'CY2025') + secFigure('meta-sec-capex-fy2022', 31.43, '2022-01', '2022-12', 'CY2022'),
    'test.yaml',
  );
  const meta = data.company('meta')!;

  it('GIVEN a curated reported figure for the year THEN the later filing figure (another definition) does not replace it', () => {
    const entry = yearFigure(data, meta, 2025)!;
    expect(entry.figures.map((f) => f.id)).toEqual(['meta-cy2025-reported-2026-01-28']);
    expect(entry.usdPerYear).toEqual({ low: 72.22, high: 72.22 });
  });

  it('GIVEN no curated figure for the year THEN the filing figure fills it', () => {
    expect(yearFigure(data, meta, 2022)!.figures.map((f) => f.id)).toEqual(['meta-sec-capex-fy2022']);
  });
});

describe('calendar years, fiscal years and rankings on the bundled data', () => {
  const data = parseDataText(bundled, 'capex-data.yaml');
  const company = (id: string) => data.company(id)!;

  it('GIVEN Microsoft (fiscal year to June) THEN calendar 2025 is the sum of its four reported quarters incl. leases, said so', () => {
    const row = calendarYearFigure(data, company('microsoft'), 2025)!;
    expect(row.usdPerYear.low).toBeCloseTo(118.0, 6);
    expect(row).toMatchObject({ definition: 'capex-incl-finance-leases', basis: 'reported', fiscal: false, disputed: false });
    expect(row.derivation!.text).toBe('CY2025 = sum of 4 reported quarters, Q3 FY2025–Q2 FY2026 (Jan 2025–Dec 2025): 21.4 + 24.2 + 34.9 + 37.5');
    expect(row.figures.map((f) => f.period.start)).toEqual(['2025-01', '2025-04', '2025-07', '2025-10']);
  });

  it('GIVEN a quarter on another definition THEN it is never mixed into a sum (cash PP&E Q3 FY2026 leaves CY2026 to guidance)', () => {
    const row = calendarYearFigure(data, company('microsoft'), 2026)!;
    expect(row).toMatchObject({ basis: 'guidance', usdPerYear: { low: 190, high: 190 }, periodLabel: 'CY2026 (Jan-Dec 2026)' });
    expect(row.derivation).toBeUndefined();
  });

  it('GIVEN 2025 THEN the big four are on calendar 2025, one definition each, adding up to US$412.62B', () => {
    const ranking = rankYear(data, 2025);
    const four = ['microsoft', 'alphabet', 'amazon', 'meta'].map((id) => ranking.annual.find((e) => e.company.id === id)!);
    expect(four.map((e) => [e.company.id, Math.round(e.usdPerYear.low * 100) / 100, e.definition])).toEqual([
      ['microsoft', 118, 'capex-incl-finance-leases'],
      ['alphabet', 91.4, 'cash-ppe'],
      ['amazon', 131, 'gross-ppe'],
      ['meta', 72.22, 'capex-incl-finance-leases'],
    ]);
    expect(four.reduce((sum, e) => sum + e.usdPerYear.low, 0)).toBeCloseTo(412.62, 6);
    expect(four.every((e) => !e.fiscal && !e.disputed)).toBe(true);
  });

  it('GIVEN fiscal-year companies without quarters THEN they are apart with their fiscal period, not in the total', () => {
    const ranking = rankYear(data, 2025);
    expect(ranking.fiscal.map((e) => [e.company.id, e.periodLabel])).toEqual([
      ['oracle', 'FY2026 (Jun 2025-May 2026)'],
      ['apple', 'FY2025 (Oct 2024-Sep 2025)'],
    ]);
    const annualSum = ranking.annual.reduce((sum, e) => sum + e.usdPerYear.low, 0);
    expect(ranking.total.low).toBeCloseTo(annualSum, 6);
  });

  it('GIVEN pledges and contracts THEN they are never in the ranking or its total, and superseded ones are gone', () => {
    for (const year of [2025, 2026]) {
      const ranking = rankYear(data, year);
      const ranked = [...ranking.annual, ...ranking.fiscal].flatMap((e) => e.figures);
      expect(ranked.filter((f) => f.basis === 'pledge' || f.basis === 'contract' || f.basis === 'estimate' || f.metric === 'commitment')).toEqual([]);
      expect(ranking.commitments.flatMap((e) => e.figures).some((f) => f.supersededBy)).toBe(false);
    }
    expect(rankYear(data, 2025).commitments.map((e) => e.company.id)).toContain('apple');
    expect(rankYear(data, 2025).annual.map((e) => e.company.id)).not.toContain('apple');
  });

  it('GIVEN a figure with several sources THEN they are ranked best kind first, aggregators last', () => {
    const f = data.figures.find((x) => x.id === 'microsoft-fy2025-guidance-2025-01-03')!;
    expect(rankedSources(f).map((s) => s.kind)).toEqual(['other-press', 'aggregator']);
    const meta = data.figures.find((x) => x.id === 'meta-cy2025-guidance-2025-04-30')!;
    expect(rankedSources(meta)[0]!.kind).toBe('company-release');
  });

  it('GIVEN a non-USD figure THEN it converts at its announcement month’s rate, else the nearest earlier month’s', () => {
    const tencentQ3 = data.figures.find((x) => x.id === 'tencent-q3-2025-reported-2025-11-13')!;
    expect(usdOf(tencentQ3, data).conversion).toMatchObject({ month: '2025-05', exactMonth: false });
    expect(usdOf(tencentQ3, data).low).toBeCloseTo(12.98 / 7.2124, 6);
    const bytedance = data.figures.find((x) => x.id === 'bytedance-cy2026-guidance-2025-12-23')!;
    expect(usdOf(bytedance, data)).toMatchObject({ low: 23, high: 23, conversion: { fromFigureSource: true } });
  });
});

describe('quarters against a stated year on the bundled data', () => {
  const data = parseDataText(bundled, 'capex-data.yaml');

  it('GIVEN Tesla’s four 2025 quarters THEN they add up to within 2 % of its stated US$8.5B, and the stated year is what ranks', () => {
    const tesla = data.company('tesla')!;
    const summed = sumOfQuarters(data, tesla, '2025-01', 'CY2025')!;
    expect(summed.row.usdPerYear.low).toBeCloseTo(8.52, 6);
    expect(Math.abs(summed.row.usdPerYear.low - 8.5) / 8.5).toBeLessThan(0.02);
    const row = calendarYearFigure(data, tesla, 2025)!;
    expect(row.usdPerYear).toEqual({ low: 8.5, high: 8.5 });
    expect(row.derivation).toBeUndefined();
  });
});
