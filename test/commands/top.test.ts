import { describe, expect, it } from 'vitest';
import { ask } from '../helpers/core.js';

describe('/capex top [year]', () => {
  it('GIVEN 2025 THEN the big four are on calendar 2025 and their exact sum and addends are stated', async () => {
    const { reply } = await ask('/capex top 2025');
    const text = reply.lines.join('\n');
    expect(text).toContain(
      'Microsoft, Alphabet, Amazon and Meta, calendar 2025 (reported): US$412.62B = Microsoft 118 capex incl. leases (sum of 4 quarters) + Alphabet 91.4 cash capex + Amazon 131 gross capex + Meta Platforms 72.22 capex incl. leases.',
    );
    // Microsoft's row is its calendar year, summed from quarters, and the footnote says how.
    expect(reply.notes).toContain(
      'Microsoft: CY2025 = sum of 4 reported quarters, Q3 FY2025–Q2 FY2026 (Jan 2025–Dec 2025): 21.4 + 24.2 + 34.9 + 37.5 = US$118B.',
    );
  });

  it('GIVEN 2025 THEN the first guidance (~US$320B) is the "planned at the start of the year" line, each company named', async () => {
    const { reply } = await ask('/capex top 2025');
    expect(reply.lines.join('\n')).toContain(
      'Planned at the start of the year: their first 2025 guidance added up to US$315–320B (Microsoft US$80B for FY2025 (Jul 1 2024-Jun 30 2025) + Alphabet about US$75B + Amazon US$100B implied + Meta Platforms US$60–65B).',
    );
  });

  it('GIVEN 2025 THEN each row names its definition, basis and calendar period; no ⚠ on definition differences', async () => {
    const { reply } = await ask('/capex top 2025');
    expect(reply.table!.columns).toEqual(['#', 'Company', 'US$B / year', 'Definition', 'Basis', 'Period']);
    const row = (name: string) => reply.table!.rows.find((r) => r[1] === name)!;
    expect(row('Amazon')).toEqual(['1', 'Amazon', '~131', 'gross capex', 'actual', 'CY2025']);
    expect(row('Microsoft')).toEqual(['2', 'Microsoft', '118', 'capex incl. leases', 'actual (sum of 4 qtrs)', 'CY2025']);
    expect(row('Alphabet').slice(2)).toEqual(['91.4', 'cash capex', 'actual', 'CY2025']);
    expect(reply.table!.rows.every((r) => r[5] === 'CY2025')).toBe(true);
    expect(reply.table!.rows.some((r) => r[2]!.includes('⚠'))).toBe(false);
    expect(reply.chart!.bars.find((b) => b.key === 'microsoft')!.label).toBe('Microsoft');
    expect(reply.table!.footer).toEqual(['', 'Total', '499–501', '', '', 'CY2025']);
  });

  it('GIVEN 2025 THEN fiscal-year companies are apart with their fiscal period, and pledges are listed, never ranked', async () => {
    const { reply } = await ask('/capex top 2025');
    const names = reply.table!.rows.map((r) => r[1]);
    for (const apart of ['Oracle', 'Apple', 'Stargate', 'OpenAI', 'European Union (InvestAI)']) expect(names).not.toContain(apart);
    const text = reply.lines.join('\n');
    expect(text).toContain('Oracle FY2026 (Jun 2025-May 2026) US$55.7B capex, actual; Apple FY2025 (Oct 2024-Sep 2025) US$12.72B cash capex, actual');
    expect(text).toMatch(/Multi-year pledges and purchase contracts covering 2025 \(not capex: never ranked, compared or totalled\): .*Apple US\$600B total investment pledge/);
  });

  it('GIVEN 2026 THEN Microsoft’s US$190B is named as calendar 2026', async () => {
    const { reply } = await ask('/capex top 2026');
    expect(reply.table!.rows.find((r) => r[1] === 'Microsoft')).toEqual(['2', 'Microsoft', '~190', 'capex incl. leases', 'guidance', 'CY2026 (Jan-Dec 2026)']);
    expect(reply.table!.rows.map((r) => r[1])).toContain('TSMC');
  });

  it('GIVEN no year THEN it ranks the current calendar year', async () => {
    const { reply } = await ask('/capex top');
    expect(reply.title).toBe('Top AI capex 2026 (calendar year)');
    expect(reply.table!.rows[0]![1]).toBe('Amazon');
  });

  it.each([
    ['/capex top twenty', 'year: the year must be a number such as 2025'],
    ['/capex top 1999', 'year: figures start in 2020'],
    ['/capex top 2025.5', 'year: the year must be a whole number'],
  ])('GIVEN %s THEN it names the problem', async (line, message) => {
    const { reply } = await ask(line);
    expect(reply.kind).toBe('error');
    expect(reply.lines[0]).toContain(message);
  });
});

describe('sources of an answer', () => {
  it('GIVEN /capex top 2025 THEN company releases, transcripts and wires come first and aggregators last, labelled', async () => {
    const { reply } = await ask('/capex top 2025');
    const titles = reply.sources!.map((s) => s.title);
    expect(titles[0]).toContain('Meta Reports Fourth Quarter and Full Year 2025 Results');
    const firstAggregator = titles.findIndex((t) => t.endsWith('[aggregator, fallback]'));
    expect(firstAggregator).toBeGreaterThan(0);
    expect(titles.slice(firstAggregator).every((t) => t.endsWith('[aggregator, fallback]'))).toBe(true);
  });
});
