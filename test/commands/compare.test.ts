import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/app.js';
import { ask, bundledData, testCaller } from '../helpers/core.js';

describe('/compare', () => {
  it('GIVEN meta and amazon THEN a USD-per-year table for the newest shared year with difference and ratio', async () => {
    const { reply, text } = await ask('/compare meta amazon');
    expect(reply.title).toBe('Meta Platforms vs Amazon — 2026');
    expect(reply.table!.rows).toEqual([
      ['Meta Platforms', '125–145', 'Capex guidance', 'CY2026', '—'],
      ['Amazon', '200', 'Capex guidance', 'CY2026', '+US$65B (1.48×)'],
    ]);
    expect(reply.chart!.bars.map((b) => [b.label, b.low, b.high])).toEqual([
      ['Meta Platforms', 125, 145],
      ['Amazon', 200, 200],
    ]);
    expect(text).toMatch(/Amazon\s+█+ 200/);
  });

  it('GIVEN a fiscal-year company and a calendar-year one THEN it says the years differ', async () => {
    const { reply } = await ask('/compare oracle, meta');
    expect(reply.notes?.join('\n')).toMatch(/Fiscal and calendar years differ: Oracle FY2026/);
  });

  it('GIVEN alibaba THEN its commitment is spread per year and converted to USD', async () => {
    const { reply } = await ask('/compare alibaba tencent meta');
    expect(reply.kind === 'error' || reply.table!.rows.some((r) => r[0] === 'Alibaba')).toBe(true);
  });

  it.each([
    ['/compare meta', 'name at least two companies'],
    ['/compare meta facebook', 'Meta Platforms is named twice'],
    ['/compare a b c d e f g', 'compare at most 6 companies'],
    ['/compare meta amazn', 'did you mean Amazon?'],
  ])('GIVEN %s THEN it explains, privately', async (line, message) => {
    const { reply } = await ask(line);
    expect(reply.kind).toBe('error');
    expect(reply.visibility).toBe('private');
    expect(reply.lines.join(' ')).toContain(message);
    expect(reply.lines.join(' ')).toContain('Usage: /compare');
  });

  it('GIVEN the same companies in another order or another year THEN the cached answers do not mix them up', async () => {
    const first = await ask('/compare meta amazon');
    const reversed = await ask('/compare amazon meta');
    expect(reversed.reply.title).toBe('Amazon vs Meta Platforms — 2026');
    expect(reversed.reply.table!.rows[1]![4]).toBe('−US$65B (0.68×)');
    expect((await ask('/compare meta amazon')).reply).toBe(first.reply);
    const lastYear = await createCore({ data: bundledData, now: () => new Date('2025-06-01T12:00:00Z') }).handleText('/compare meta amazon', testCaller());
    expect(lastYear.title).toBe('Meta Platforms vs Amazon — 2026');
    const yearBefore = await createCore({ data: bundledData, now: () => new Date('2024-06-01T12:00:00Z') }).handleText('/compare meta amazon', testCaller());
    expect(yearBefore.title).toBe('Meta Platforms vs Amazon — 2025');
  });
});
