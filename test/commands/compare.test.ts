import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/app.js';
import { ask, bundledData, testCaller } from '../helpers/core.js';

describe('/compare', () => {
  it('GIVEN meta and amazon THEN a USD-per-year table for the newest shared year with difference and ratio', async () => {
    const { reply, text } = await ask('/compare meta amazon');
    expect(reply.title).toBe('Meta Platforms vs Amazon — 2026');
    expect(reply.table!.rows).toEqual([
      ['Meta Platforms', '125–145', 'capex incl. leases', 'guidance', 'CY2026', '—'],
      ['Amazon', '~200', 'capex', 'guidance', 'CY2026', '+US$65B (1.48×)'],
    ]);
    // Same twelve months: no period warning; two definitions: named, not a dispute.
    expect(reply.notes!.join('\n')).not.toContain('Periods differ');
    expect(reply.notes!.join('\n')).toContain('Definitions differ (not a disagreement)');
    expect(reply.chart!.bars.map((b) => [b.label, b.low, b.high])).toEqual([
      ['Meta Platforms', 125, 145],
      ['Amazon', 200, 200],
    ]);
    expect(text).toMatch(/Amazon\s+█+ 200/);
  });

  it('GIVEN a fiscal-year company and a calendar-year one THEN it warns that the twelve months differ', async () => {
    const { reply } = await ask('/compare oracle, meta');
    expect(reply.notes?.join('\n')).toContain('⚠ Periods differ: Oracle FY2026 = Jun 2025–May 2026; Meta Platforms CY2026 = Jan 2026–Dec 2026.');
  });

  it('GIVEN oracle and microsoft THEN the different periods are warned about (fiscal vs calendar)', async () => {
    const { reply } = await ask('/compare oracle microsoft');
    expect(reply.table!.rows.map((r) => [r[0], r[4]])).toEqual([
      ['Oracle', 'FY2026 (Jun 2025-May 2026)'],
      ['Microsoft', 'CY2026 (Jan-Dec 2026)'],
    ]);
    expect(reply.notes?.join('\n')).toContain('⚠ Periods differ: Oracle FY2026 = Jun 2025–May 2026; Microsoft CY2026 = Jan 2026–Dec 2026.');
  });

  it('GIVEN two fiscal years ending in different months THEN that is warned about too', async () => {
    const { reply } = await ask('/compare apple oracle');
    expect(reply.title).toBe('Apple vs Oracle — 2025');
    expect(reply.notes?.join('\n')).toContain('⚠ Periods differ: Apple FY2025 = Oct 2024–Sep 2025; Oracle FY2026 = Jun 2025–May 2026.');
  });

  it('GIVEN apple and meta THEN annual capex is compared (Apple FY2025 US$12.72B) and the pledges are listed beneath, labelled', async () => {
    const { reply } = await ask('/compare apple meta');
    expect(reply.table!.rows).toEqual([
      ['Apple', '12.7', 'cash capex', 'actual', 'FY2025 (Oct 2024-Sep 2025)', '—'],
      ['Meta Platforms', '72.2', 'capex incl. leases', 'actual', 'CY2025', '+US$59.5B (5.68×)'],
    ]);
    expect(reply.lines.join('\n')).toContain(
      "Pledges, not compared (multi-year, not annual capex): Apple US$600B total investment pledge (4 years, 6 Aug 2025); Meta Platforms US$600B total investment pledge ('over the next three years' (through ~2028), 7 Nov 2025).",
    );
    expect(reply.chart!.bars.map((b) => b.high)).toEqual([12.72, 72.22]);
  });

  it('GIVEN only pledges (Stargate, OpenAI) THEN nothing is compared and the pledges are named, each time it is asked', async () => {
    for (let i = 0; i < 2; i++) {
      const { reply, text } = await ask('/compare stargate openai');
      expect(reply.kind).toBe('error');
      expect(reply.visibility).toBe('private');
      expect(reply.lines[0]).toContain('Only annual capex is compared, and Stargate, OpenAI have none in the data');
      expect(text).toContain('Usage: /compare <company> <company>');
    }
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
    expect(reversed.reply.table!.rows[1]![5]).toBe('−US$65B (0.68×)');
    expect((await ask('/compare meta amazon')).reply).toBe(first.reply);
    const lastYear = await createCore({ data: bundledData, now: () => new Date('2025-06-01T12:00:00Z') }).handleText('/compare meta amazon', testCaller());
    expect(lastYear.title).toBe('Meta Platforms vs Amazon — 2026');
    const yearBefore = await createCore({ data: bundledData, now: () => new Date('2024-06-01T12:00:00Z') }).handleText('/compare meta amazon', testCaller());
    expect(yearBefore.title).toBe('Meta Platforms vs Amazon — 2025');
  });
});
