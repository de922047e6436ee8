import { describe, expect, it } from 'vitest';
import { layoutBars } from '../../src/core/text-layout.js';
import { ask } from '../helpers/core.js';

describe('/capex <company> chart data', () => {
  it('GIVEN meta THEN a timeline: each period’s guidances in date order, ending in the reported actual', async () => {
    const { reply } = await ask('/capex meta');
    const chart = reply.chart!;
    expect(chart.kind).toBe('timeline');
    expect(chart.unit).toBe('US$ billion per year');
    const cy2025 = chart.series!.find((s) => s.label === 'CY2025')!;
    expect(cy2025.key).toBe('meta');
    expect(cy2025.points.map((p) => [p.date, p.low, p.high, p.kind])).toEqual([
      ['2025-01-24', 60, 65, 'guidance'],
      ['2025-04-30', 64, 72, 'guidance'],
      ['2025-07-30', 66, 72, 'guidance'],
      ['2025-10-29', 70, 72, 'guidance'],
      ['2026-01-28', 72.22, 72.22, 'reported'],
    ]);
    const labels = chart.series!.map((s) => s.label);
    expect(labels).toEqual([...labels].sort());
  });

  it('GIVEN meta THEN the text shows each period’s current value as bars (reported where reported, else the newest guidance)', async () => {
    const { reply, text } = await ask('/capex meta');
    expect(reply.chart!.bars.map((b) => [b.label, b.low, b.high])).toContainEqual(['CY2025 reported', 72.22, 72.22]);
    expect(reply.chart!.bars.map((b) => [b.label, b.low, b.high])).toContainEqual(['CY2026 guidance', 125, 145]);
    const bars = layoutBars(reply.chart!);
    expect(bars).toMatch(/^CY2025 reported\s+█+ 72\.2$/m);
    expect(bars).toMatch(/^CY2026 guidance\s+█+░+ 125–145$/m);
    expect(text).toContain(bars);
  });

  it('GIVEN microsoft THEN each period keeps its own label: fiscal years stay fiscal, calendar 2026 stays calendar', async () => {
    const { reply } = await ask('/capex msft');
    const labels = reply.chart!.series!.map((s) => s.label);
    expect(labels).toEqual(['FY2023', 'FY2024', 'FY2025', 'CY2026']);
    // Two definitions of FY2025 capex: both values are on the chart; the bar uses the headline definition.
    const fy2025 = reply.chart!.series!.find((s) => s.label === 'FY2025')!;
    expect(fy2025.points.filter((p) => p.kind === 'reported').map((p) => p.high).sort()).toEqual([64.55, 88.2]);
    expect(reply.chart!.bars.find((b) => b.label === 'FY2025 reported')!.high).toBe(88.2);
    expect(reply.chart!.bars.find((b) => b.label === 'CY2026 guidance')!.high).toBe(190);
  });

  it('GIVEN a company with a single annual figure (alibaba) THEN no chart: one point is no picture', async () => {
    const { reply } = await ask('/capex alibaba');
    expect(reply.chart).toBeUndefined();
  });
});
