/**
 * Extraction on hand-written companyfacts files (test/fixtures/sec): every expected figure below was
 * worked out by hand from the fixture's facts, so a wrong dedupe, a wrong YTD subtraction or a fiscal
 * year mapped from `fy` instead of the dates shows up as a wrong row.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDataFile } from '../../src/data/loader.js';
import { SEC_FILERS } from '../../src/sec/ciks.js';
import { parseCompanyFacts, CompanyFactsError } from '../../src/sec/companyfacts.js';
import { extractCapex } from '../../src/sec/extract.js';
import { toSecFigures, type SecFigure } from '../../src/sec/figures.js';

const data = loadDataFile();
const fixture = (name: string) => readFileSync(new URL(`../fixtures/sec/${name}-companyfacts.json`, import.meta.url), 'utf8');

function figuresFor(companyId: string, fiscalYearEndMonth?: number): { figures: SecFigure[]; warnings: string[]; tags: string[] } {
  const facts = parseCompanyFacts(fixture(companyId), `${companyId}.json`);
  const extraction = extractCapex(facts);
  const warnings = [...extraction.warnings];
  const company = data.company(companyId)!;
  const asRecorded = fiscalYearEndMonth === undefined ? company : { ...company, fiscalYearEndMonth };
  const figures = toSecFigures(extraction.periods, asRecorded, SEC_FILERS[companyId]!.cik, warnings);
  return { figures, warnings, tags: extraction.tagsUsed.map((t) => t.tag) };
}

/** id, amount, period label, start, end, announced (= filed), form and accession of the source. */
type Row = [string, number, string, string, string, string, string];
const rows = (figures: SecFigure[]): Row[] =>
  figures.map((f) => [f.id, f.amount, f.period.label, f.period.start, f.period.end, f.announced, /\(SEC EDGAR XBRL, accession (\S+)\)/.exec(f.source.title)![1]!]);

describe('Meta (calendar year, 10-Ks repeating prior years, YTD 10-Qs, a restatement)', () => {
  const { figures, warnings } = figuresFor('meta');

  it('gives one annual figure per year, the restated FY2023 value dated by the restating 10-K', () => {
    expect(rows(figures.filter((f) => f.metric === 'reported'))).toEqual<Row[]>([
      ['meta-sec-capex-fy2021', 18.567, 'CY2021', '2021-01', '2021-12', '2024-02-02', '0001326801-24-000012'],
      ['meta-sec-capex-fy2022', 31.431, 'CY2022', '2022-01', '2022-12', '2024-02-02', '0001326801-24-000012'],
      ['meta-sec-capex-fy2023', 27.045, 'CY2023', '2023-01', '2023-12', '2025-01-30', '0001326801-25-000017'],
      ['meta-sec-capex-fy2024', 37.256, 'CY2024', '2024-01', '2024-12', '2025-01-30', '0001326801-25-000017'],
      ['meta-sec-capex-fy2025', 72.22, 'CY2025', '2025-01', '2025-12', '2026-01-29', '0001326801-26-000011'],
    ]);
  });

  it('derives single quarters from year-to-date values and dates each by the newer of its two filings', () => {
    expect(rows(figures.filter((f) => f.metric === 'reported-quarter'))).toEqual<Row[]>([
      ['meta-sec-capex-q1-2023', 6.823, 'Q1 2023', '2023-01', '2023-03', '2024-04-25', '0001326801-24-000049'],
      ['meta-sec-capex-q2-2023', 6.528, 'Q2 2023', '2023-04', '2023-06', '2024-08-01', '0001326801-24-000069'], // 13,351 − 6,823
      ['meta-sec-capex-q3-2023', 6.481, 'Q3 2023', '2023-07', '2023-09', '2024-10-31', '0001326801-24-000081'], // 19,832 − 13,351
      ['meta-sec-capex-q4-2023', 7.213, 'Q4 2023', '2023-10', '2023-12', '2025-01-30', '0001326801-25-000017'], // 27,045 (restated) − 19,832
      ['meta-sec-capex-q1-2024', 6.4, 'Q1 2024', '2024-01', '2024-03', '2024-04-25', '0001326801-24-000049'], // repeated in 2025: date kept
      ['meta-sec-capex-q2-2024', 8.373, 'Q2 2024', '2024-04', '2024-06', '2024-08-01', '0001326801-24-000069'],
      ['meta-sec-capex-q3-2024', 9.21, 'Q3 2024', '2024-07', '2024-09', '2024-10-31', '0001326801-24-000081'],
      ['meta-sec-capex-q4-2024', 13.273, 'Q4 2024', '2024-10', '2024-12', '2025-01-30', '0001326801-25-000017'],
      ['meta-sec-capex-q1-2025', 12.941, 'Q1 2025', '2025-01', '2025-03', '2025-04-30', '0001326801-25-000054'],
      ['meta-sec-capex-q2-2025', 16.693, 'Q2 2025', '2025-04', '2025-06', '2025-07-31', '0001326801-25-000071'],
      ['meta-sec-capex-q3-2025', 19.244, 'Q3 2025', '2025-07', '2025-09', '2025-10-30', '0001326801-25-000090'],
      ['meta-sec-capex-q4-2025', 23.342, 'Q4 2025', '2025-10', '2025-12', '2026-01-29', '0001326801-26-000011'],
    ]);
    expect(warnings).toEqual([]);
  });

  it('writes the full figure: metric, basis naming the tag and finance leases, source with the EDGAR index URL, provenance note', () => {
    expect(figures.find((f) => f.id === 'meta-sec-capex-fy2023')).toEqual({
      id: 'meta-sec-capex-fy2023',
      company: 'meta',
      metric: 'reported',
      label: 'capex actual (cash purchases of property and equipment, SEC filing)',
      basis: 'cash purchases of property and equipment (XBRL PaymentsToAcquirePropertyPlantAndEquipment; excludes finance leases)',
      amount: 27.045,
      currency: 'USD',
      period: { label: 'CY2023', start: '2023-01', end: '2023-12' },
      announced: '2025-01-30',
      source: {
        title: 'Meta Platforms 10-K filed 2025-01-30 (SEC EDGAR XBRL, accession 0001326801-25-000017)',
        url: 'https://www.sec.gov/Archives/edgar/data/1326801/000132680125000017/0001326801-25-000017-index.htm',
      },
      status: 'confirmed',
      origin: 'sec-xbrl',
      note:
        'From Form 10-K, accession 0001326801-25-000017, filed 2025-01-30: XBRL PaymentsToAcquirePropertyPlantAndEquipment = USD 27,045,000,000 for 2023-01-01 to 2023-12-31. ' +
        'Restated: Form 10-K, accession 0001326801-24-000012, filed 2024-02-02 gave USD 27,266,000,000. ' +
        'Cash purchases only: finance-lease principal payments, which some headline capex figures include, are not in this tag.',
    });
  });

  it('names both year-to-date values and their filings in a derived quarter', () => {
    const q4 = figures.find((f) => f.id === 'meta-sec-capex-q4-2023')!;
    expect(q4.metric).toBe('reported-quarter');
    expect(q4.label).toBe('capex actual (quarter, cash purchases of property and equipment, SEC filing)');
    expect(q4.note).toBe(
      'Derived from year-to-date values of XBRL PaymentsToAcquirePropertyPlantAndEquipment: ' +
        '2023-01-01 to 2023-12-31 = USD 27,045,000,000 (Form 10-K, accession 0001326801-25-000017, filed 2025-01-30) minus ' +
        '2023-01-01 to 2023-09-30 = USD 19,832,000,000 (Form 10-Q, accession 0001326801-24-000081, filed 2024-10-31). ' +
        'Cash purchases only: finance-lease principal payments, which some headline capex figures include, are not in this tag.',
    );
  });
});

describe('Microsoft (fiscal year ending June 30)', () => {
  const { figures, warnings } = figuresFor('microsoft');

  it('maps fiscal years by start and end dates, not by the filing fy', () => {
    expect(rows(figures.filter((f) => f.metric === 'reported'))).toEqual<Row[]>([
      ['microsoft-sec-capex-fy2022', 23.886, 'FY2022 (Jul 2021–Jun 2022)', '2021-07', '2022-06', '2024-07-30', '0000950170-24-087843'],
      ['microsoft-sec-capex-fy2023', 28.107, 'FY2023 (Jul 2022–Jun 2023)', '2022-07', '2023-06', '2024-07-30', '0000950170-24-087843'],
      ['microsoft-sec-capex-fy2024', 44.477, 'FY2024 (Jul 2023–Jun 2024)', '2023-07', '2024-06', '2024-07-30', '0000950170-24-087843'],
      ['microsoft-sec-capex-fy2025', 64.551, 'FY2025 (Jul 2024–Jun 2025)', '2024-07', '2025-06', '2025-07-30', '0000950170-25-100235'],
    ]);
  });

  it('numbers quarters within the fiscal year', () => {
    expect(rows(figures.filter((f) => f.metric === 'reported-quarter'))).toEqual<Row[]>([
      ['microsoft-sec-capex-q4-fy2024', 12.299, 'Q4 FY2024 (Apr–Jun 2024)', '2024-04', '2024-06', '2025-04-30', '0000950170-25-061046'], // 44,477 − 32,178
      ['microsoft-sec-capex-q1-fy2025', 14.923, 'Q1 FY2025 (Jul–Sep 2024)', '2024-07', '2024-09', '2025-10-29', '0001193125-25-256321'],
      ['microsoft-sec-capex-q2-fy2025', 15.804, 'Q2 FY2025 (Oct–Dec 2024)', '2024-10', '2024-12', '2026-01-28', '0001193125-26-027198'], // 30,727 − 14,923
      ['microsoft-sec-capex-q3-fy2025', 16.745, 'Q3 FY2025 (Jan–Mar 2025)', '2025-01', '2025-03', '2026-01-28', '0001193125-26-027198'], // 47,472 − 30,727
      ['microsoft-sec-capex-q4-fy2025', 17.079, 'Q4 FY2025 (Apr–Jun 2025)', '2025-04', '2025-06', '2025-07-30', '0000950170-25-100235'], // 64,551 − 47,472
      ['microsoft-sec-capex-q1-fy2026', 19.394, 'Q1 FY2026 (Jul–Sep 2025)', '2025-07', '2025-09', '2025-10-29', '0001193125-25-256321'],
      ['microsoft-sec-capex-q2-fy2026', 29.876, 'Q2 FY2026 (Oct–Dec 2025)', '2025-10', '2025-12', '2026-01-28', '0001193125-26-027198'], // 49,270 − 19,394
      ['microsoft-sec-capex-q3-fy2026', 27.103, 'Q3 FY2026 (Jan–Mar 2026)', '2026-01', '2026-03', '2026-04-29', '0001193125-26-150012'], // 76,373 − 49,270
    ]);
    expect(warnings).toEqual([]);
  });

  it('uses the company CIK (not the filing agent in the accession) in the EDGAR URL', () => {
    expect(figures.find((f) => f.id === 'microsoft-sec-capex-fy2025')!.source).toEqual({
      title: 'Microsoft 10-K filed 2025-07-30 (SEC EDGAR XBRL, accession 0000950170-25-100235)',
      url: 'https://www.sec.gov/Archives/edgar/data/789019/000095017025100235/0000950170-25-100235-index.htm',
    });
  });
});

describe('Amazon (fallback tag)', () => {
  const { figures, tags, warnings } = figuresFor('amazon');

  it('reads PaymentsToAcquireProductiveAssets, preferring PaymentsToAcquirePropertyPlantAndEquipment where both give a period', () => {
    expect(tags).toEqual(['PaymentsToAcquirePropertyPlantAndEquipment', 'PaymentsToAcquireProductiveAssets']);
    expect(figures.map((f) => [f.id, f.amount, f.period.label, f.announced, f.basis])).toEqual([
      ['amazon-sec-capex-fy2010', 0.979, 'CY2010', '2012-02-01', 'cash purchases of property and equipment (XBRL PaymentsToAcquirePropertyPlantAndEquipment; excludes finance leases)'],
      ['amazon-sec-capex-fy2011', 1.811, 'CY2011', '2012-02-01', 'cash purchases of property and equipment (XBRL PaymentsToAcquirePropertyPlantAndEquipment; excludes finance leases)'],
      ['amazon-sec-capex-fy2022', 63.645, 'CY2022', '2025-02-07', 'cash purchases of productive assets (property and equipment) (XBRL PaymentsToAcquireProductiveAssets; excludes finance leases)'],
      ['amazon-sec-capex-fy2023', 52.729, 'CY2023', '2025-02-07', 'cash purchases of productive assets (property and equipment) (XBRL PaymentsToAcquireProductiveAssets; excludes finance leases)'],
      ['amazon-sec-capex-fy2024', 83.004, 'CY2024', '2025-02-07', 'cash purchases of productive assets (property and equipment) (XBRL PaymentsToAcquireProductiveAssets; excludes finance leases)'],
      ['amazon-sec-capex-q1-2024', 14.925, 'Q1 2024', '2025-05-02', 'cash purchases of productive assets (property and equipment) (XBRL PaymentsToAcquireProductiveAssets; excludes finance leases)'],
      ['amazon-sec-capex-q1-2025', 25.019, 'Q1 2025', '2025-05-02', 'cash purchases of productive assets (property and equipment) (XBRL PaymentsToAcquireProductiveAssets; excludes finance leases)'],
    ]);
  });

  it("leaves out the 10-Q's trailing-twelve-month values instead of taking them for fiscal years", () => {
    expect(warnings).toEqual([
      'skipped 2 twelve-month periods not ending at the fiscal year end (trailing-twelve-month values): 2023-04-01 to 2024-03-31, 2024-04-01 to 2025-03-31',
    ]);
  });
});

describe('Apple (52/53-week fiscal year ending in September)', () => {
  const { figures, warnings } = figuresFor('apple');

  it('snaps week-based period edges to months and labels fiscal years from the filings', () => {
    expect(rows(figures)).toEqual<Row[]>([
      ['apple-sec-capex-fy2022', 10.708, 'FY2022 (Oct 2021–Sep 2022)', '2021-10', '2022-09', '2024-11-01', '0000320193-24-000123'],
      ['apple-sec-capex-fy2023', 10.959, 'FY2023 (Oct 2022–Sep 2023)', '2022-10', '2023-09', '2024-11-01', '0000320193-24-000123'],
      ['apple-sec-capex-fy2024', 9.447, 'FY2024 (Oct 2023–Sep 2024)', '2023-10', '2024-09', '2024-11-01', '0000320193-24-000123'],
      ['apple-sec-capex-q1-fy2024', 2.392, 'Q1 FY2024 (Oct–Dec 2023)', '2023-10', '2023-12', '2025-01-31', '0000320193-25-000008'],
      ['apple-sec-capex-q2-fy2024', 1.996, 'Q2 FY2024 (Jan–Mar 2024)', '2024-01', '2024-03', '2025-05-02', '0000320193-25-000057'], // 4,388 − 2,392
      ['apple-sec-capex-q1-fy2025', 2.94, 'Q1 FY2025 (Oct–Dec 2024)', '2024-10', '2024-12', '2025-01-31', '0000320193-25-000008'],
      ['apple-sec-capex-q2-fy2025', 3.071, 'Q2 FY2025 (Jan–Mar 2025)', '2025-01', '2025-03', '2025-05-02', '0000320193-25-000057'], // 6,011 − 2,940
    ]);
  });

  it('says when the data file disagrees with the filings about the fiscal year end', () => {
    // The bundled data has Apple's September year end right: no warning. A file saying December gets one.
    expect(warnings).toEqual([]);
    expect(figuresFor('apple', 12).warnings).toEqual([
      "the data file says Apple's fiscal year ends in month 12, its filings end it in month 9; labels follow the filings (fix fiscalYearEndMonth)",
    ]);
  });
});

describe('Nebius (IFRS tag on 20-F filings)', () => {
  it('reads the ifrs-full tag, USD only', () => {
    const { figures } = figuresFor('nebius');
    expect(figures.map((f) => [f.id, f.amount, f.period.label, f.announced, f.source.title, f.basis])).toEqual([
      ['nebius-sec-capex-fy2023', 0.29, 'CY2023', '2024-04-17', 'Nebius 20-F filed 2024-04-17 (SEC EDGAR XBRL, accession 0001104659-24-047265)',
        'cash purchases of property, plant and equipment (XBRL ifrs-full:PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities; excludes finance leases)'],
      ['nebius-sec-capex-fy2024', 0.861, 'CY2024', '2025-04-02', 'Nebius 20-F filed 2025-04-02 (SEC EDGAR XBRL, accession 0001104659-25-031208)',
        'cash purchases of property, plant and equipment (XBRL ifrs-full:PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities; excludes finance leases)'],
    ]);
  });
});

describe('bad companyfacts files', () => {
  it('refuses text that is not JSON, or JSON of another shape, with a message naming the file', () => {
    expect(() => parseCompanyFacts('<html>Rate limited</html>', 'x.json')).toThrow(CompanyFactsError);
    expect(() => parseCompanyFacts('<html>', 'x.json')).toThrow(/x\.json is not JSON/);
    expect(() => parseCompanyFacts('{"cik": 1, "facts": {}}', 'y.json')).toThrow(/y\.json is not an SEC companyfacts file .*entityName/);
  });

  it('names the tag and index of a malformed fact instead of skipping it', () => {
    const text = JSON.stringify({
      cik: 1326801,
      entityName: 'Meta Platforms, Inc.',
      facts: { 'us-gaap': { PaymentsToAcquirePropertyPlantAndEquipment: { label: 'x', description: 'x', units: { USD: [{ start: '2024-01-01', end: '2024-12-31', val: 'lots' }] } } } },
    });
    expect(() => extractCapex(parseCompanyFacts(text, 'z.json'))).toThrow('fact us-gaap:PaymentsToAcquirePropertyPlantAndEquipment USD[0] is malformed (val: ');
  });
});
