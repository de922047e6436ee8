/**
 * Facts a user sees from the bundled data file (src/data/capex-data.yaml). These pin the curation
 * decisions made from shared/data/ai-capex-facts.csv, so an edit that silently drops a revision,
 * loses a source URL or promotes a weak row to a headline fails here.
 */
import { describe, expect, it } from 'vitest';
import { loadDataFile } from '../../src/data/loader.js';
import { seriesOf } from '../../src/data/queries.js';
import type { Figure } from '../../src/data/schema.js';

const data = loadDataFile();

function figure(id: string): Figure {
  const found = data.figures.find((f) => f.id === id);
  if (!found) throw new Error(`figure ${id} is missing from the data file`);
  return found;
}

/** A guidance series of one company and period, oldest first, as [low, high] pairs. */
function guidanceSteps(companyId: string, start: string, end: string): [number, number][] {
  return data
    .figuresOf(companyId)
    .filter((f) => f.metric === 'guidance' && f.period.start === start && f.period.end === end && f.status !== 'weak')
    .map((f) => [f.low ?? f.amount!, f.high ?? f.amount!]);
}

describe('bundled data file', () => {
  it('loads with a version and names every company the sheet covers, but no aggregates', () => {
    expect(data.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
    const ids = data.companies.map((c) => c.id).sort();
    expect(ids).toEqual(
      [
        'alibaba', 'alphabet', 'amazon', 'anthropic', 'apple', 'baidu', 'bytedance', 'coreweave', 'meta',
        'microsoft', 'nebius', 'openai', 'oracle', 'softbank', 'stargate', 'tencent', 'tesla', 'xai',
      ].sort(),
    );
    expect(data.resolve('big tech combined').ok).toBe(false);
  });

  it('finds companies by Chinese name, ticker and alias', () => {
    const name = (q: string) => {
      const m = data.resolve(q);
      return m.ok ? m.company.id : undefined;
    };
    expect(name('阿里巴巴')).toBe('alibaba');
    expect(name('9988.HK')).toBe('alibaba');
    expect(name('腾讯')).toBe('tencent');
    expect(name('字节跳动')).toBe('bytedance');
    expect(name('Google')).toBe('alphabet');
    expect(name('AWS')).toBe('amazon');
    expect(name('facebook')).toBe('meta');
    expect(name('stargate project')).toBe('stargate');
  });

  it('gives Alibaba’s pledge as more than 380 billion yuan, ≈ US$53B by the source’s own conversion', () => {
    const pledge = figure('alibaba-ai-cloud-commitment-2025-02-24');
    expect(pledge).toMatchObject({ metric: 'commitment', amount: 380, qualifier: 'at-least', currency: 'CNY', announced: '2025-02-24' });
    expect(pledge.usd?.amount).toBe(53);
    expect(pledge.period).toMatchObject({ start: '2025-02', end: '2028-01' });
    // Only the conversion is disputed, and the dispute names every source's dollar figure.
    expect(pledge.status).toBe('disputed');
    expect(pledge.dispute).toContain('US$53B');
    expect(pledge.dispute).toContain('US$52.4B');
    expect(pledge.dispute).toContain('US$53.8B');
    // The September 2025 restatement over FY2026–FY2028 is the same series.
    expect(seriesOf(data, pledge).map((f) => f.period.label)).toEqual(['3 years from Feb 2025', 'FY2026-FY2028 (Apr 2025-Mar 2028)']);
    const cny = data.fx.find((r) => r.currency === 'CNY');
    expect(cny?.usdPerUnit).toBeCloseTo(53 / 380, 6);
  });

  it('keeps every revision of the 2025 guidance, ending at the latest value', () => {
    expect(guidanceSteps('meta', '2025-01', '2025-12')).toEqual([[60, 65], [64, 72], [66, 72], [70, 72]]);
    expect(guidanceSteps('alphabet', '2025-01', '2025-12')).toEqual([[75, 75], [85, 85], [91, 93]]);
    expect(guidanceSteps('oracle', '2025-06', '2026-05')).toEqual([[25, 25], [35, 35], [50, 50], [50, 50]]);
    // Amazon's July 2025 raise is reported as 118 by one source and 120 by another: both kept, both disputed.
    expect(guidanceSteps('amazon', '2025-01', '2025-12')).toEqual([[100, 100], [118, 118], [120, 120], [125, 125]]);
  });

  it('keeps Meta’s probable press errors for 2026 out of its guidance series', () => {
    const guidance = figure('meta-cy2026-guidance-2026-04-29');
    expect(seriesOf(data, guidance).map((f) => [f.low, f.high])).toEqual([[115, 135], [125, 145]]);
    const errors = data.figuresOf('meta').filter((f) => f.series === 'meta-cy2026-press-errors');
    expect(errors.map((f) => [f.low, f.high]).sort()).toEqual([[162, 169], [38, 42]].sort());
    expect(errors.every((f) => f.status === 'weak')).toBe(true);
  });

  it('marks exactly the rows the data README calls weak (LOW RELIABILITY, probable errors, analyst estimates) as weak', () => {
    const weak = data.figures.filter((f) => f.status === 'weak').map((f) => f.id).sort();
    expect(weak).toEqual(
      [
        'microsoft-fy2026-guidance-2025-07-30', // "$100B" FY26: LOW RELIABILITY
        'meta-cy2026-press-error-2026-04-londoninsider', // $162–169B is total expenses, not capex
        'meta-cy2026-press-error-2026-04-tidyflow', // pre-earnings placeholder
        'alibaba-fy2026-fy2028-analyst-estimate-2025-11-25', // Goldman Sachs estimate
      ].sort(),
    );
  });

  it('shows both sides of each conflict as disputed, each naming both values', () => {
    const pairs: [string, string, string, string][] = [
      ['amazon-cy2025-guidance-2025-07-31-ainvest', 'amazon-cy2025-guidance-2025-07-31-appeconomyinsights', '118', '120'],
      ['microsoft-fy2025-reported-incl-leases-2025-07-30', 'microsoft-fy2025-reported-cash-ppe-2025-07-30', '88.2', '64.55'],
      ['microsoft-q3-fy2026-reported-2026-04-29-aardvark', 'microsoft-q3-fy2026-reported-2026-04-29-technodehq', '30.9', '32'],
      ['amazon-cy2024-reported-2026-02-05', 'amazon-cy2024-reported-2025-02-06', '83', '78'],
      ['amazon-q4-2024-reported-2025-02-06-digitaltrends', 'amazon-q4-2024-reported-2025-02-06-wallstreetcn', '26.3', '27.8'],
    ];
    for (const [a, b, va, vb] of pairs) {
      for (const id of [a, b]) {
        const f = figure(id);
        expect(f.status, id).toBe('disputed');
        expect(f.dispute, id).toContain(va);
        expect(f.dispute, id).toContain(vb);
      }
    }
  });

  it('does not place Microsoft’s $190B in fiscal 2026, which it cannot be', () => {
    const f = figure('microsoft-2026-guidance-2026-04-29');
    expect(f).toMatchObject({ amount: 190, status: 'disputed', period: { label: 'FY2027 or CY2026 (sources disagree)' } });
    expect(f.dispute).toMatch(/cannot be FY2026/);
  });

  it('traces every figure to an http(s) source, and keeps non-USD figures convertible', () => {
    for (const f of data.figures) {
      expect(f.source.url, f.id).toMatch(/^https:\/\//);
      expect(f.source.title.length, f.id).toBeGreaterThan(3);
      if (f.currency !== 'USD') expect(f.usd !== undefined || data.fx.some((r) => r.currency === f.currency), f.id).toBe(true);
      if (f.status === 'disputed') expect(f.dispute?.length ?? 0, f.id).toBeGreaterThan(20);
    }
    expect(new Set(data.figures.map((f) => f.id)).size).toBe(data.figures.length);
  });
});
