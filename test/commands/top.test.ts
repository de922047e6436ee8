import { describe, expect, it } from 'vitest';
import { ask } from '../helpers/core.js';

describe('/capex top [year]', () => {
  it('GIVEN 2025 THEN the US four first guided the ~US$320B the press reported, ranges as ranges', async () => {
    const { reply } = await ask('/capex top 2025');
    expect(reply.lines.join('\n')).toContain('their first 2025 guidance added up to US$315–320B (US$80B + US$60–65B + US$100B + US$75B)');
  });

  it('GIVEN 2025 THEN companies are ranked by reported capex with a total row', async () => {
    const { reply } = await ask('/capex top 2025');
    const rows = reply.table!.rows;
    expect(rows[0]!.slice(0, 3)).toEqual(['1', 'Amazon', '131']);
    expect(rows.find((r) => r[1] === 'Microsoft')![2]).toBe('64.6–88.2 ⚠');
    expect(reply.table!.footer![1]).toBe('Total');
    expect(reply.notes?.some((n) => n.includes('finance leases'))).toBe(true);
  });

  it('GIVEN no year THEN it ranks the current year', async () => {
    const { reply } = await ask('/capex top');
    expect(reply.title).toBe('Top AI capex 2026');
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

describe('/capex top chart', () => {
  it('GIVEN a disputed figure THEN its bar says so', async () => {
    const { reply } = await ask('/capex top 2025');
    expect(reply.chart!.bars.find((b) => b.key === 'microsoft')!.label).toBe('Microsoft (disputed)');
    expect(reply.chart!.bars.find((b) => b.key === 'amazon')!.label).toBe('Amazon');
  });
});
