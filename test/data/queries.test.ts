import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_FILE, parseDataText } from '../../src/data/loader.js';
import { yearFigure } from '../../src/data/queries.js';

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
