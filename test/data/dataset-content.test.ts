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
    .filter((f) => f.metric === 'guidance' && f.basis === 'guidance' && f.period.start === start && f.period.end === end && f.status !== 'weak')
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
        // added from the November 2026 audit: TSMC, and pledges of a group and of governments (never ranked)
        'tsmc', 'samsung', 'eu-investai', 'france', 'humain',
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
    expect(name('FB')).toBe('meta'); // Meta's ticker until 2022
    expect(name('TSM')).toBe('tsmc');
    expect(name('台积电')).toBe('tsmc');
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
    expect(seriesOf(data, pledge).map((f) => f.period.label)).toEqual(['3 years from Feb 2025', "FY2026-FY2028 (Apr 2025-Mar 2028, a broker's framing)"]);
    // The table's February 2025 rate (Fed H.10) is not used for this figure: the source's own pair wins.
    const cnyFeb = data.fx.find((r) => r.currency === 'CNY' && r.month === '2025-02');
    expect(cnyFeb?.perUsd).toBe(7.2669);
  });

  it('keeps every revision of the 2025 guidance, ending at the latest value', () => {
    expect(guidanceSteps('meta', '2025-01', '2025-12')).toEqual([[60, 65], [64, 72], [66, 72], [70, 72]]);
    expect(guidanceSteps('alphabet', '2025-01', '2025-12')).toEqual([[75, 75], [85, 85], [91, 93]]);
    expect(guidanceSteps('oracle', '2025-06', '2026-05')).toEqual([[25, 25], [35, 35], [50, 50], [50, 50]]);
    // Amazon's "118" and "120" of July 2025 were analysts' arithmetic, not guidance: kept, as estimates.
    expect(guidanceSteps('amazon', '2025-01', '2025-12')).toEqual([[100, 100], [125, 125]]);
    const estimates = data.figuresOf('amazon').filter((f) => f.basis === 'estimate');
    expect(estimates.map((f) => f.amount).sort()).toEqual([118, 120]);
    expect(estimates.every((f) => f.status !== 'disputed')).toBe(true);
    expect(figure('amazon-cy2025-guidance-2025-02-06').qualifier).toBe('implied');
  });

  it('keeps Meta’s probable press errors for 2026 out of its guidance series', () => {
    const guidance = figure('meta-cy2026-guidance-2026-04-29');
    expect(seriesOf(data, guidance).map((f) => [f.low, f.high])).toEqual([[115, 135], [125, 145]]);
    const errors = data.figuresOf('meta').filter((f) => f.series === 'meta-cy2026-press-errors');
    expect(errors.map((f) => [f.low, f.high]).sort()).toEqual([[162, 169], [38, 42]].sort());
    expect(errors.every((f) => f.status === 'weak')).toBe(true);
  });

  it('marks exactly the weak rows as weak: unreliable pages, and the audit’s low-confidence or aggregator-only figures', () => {
    const weak = data.figures.filter((f) => f.status === 'weak').map((f) => f.id).sort();
    expect(weak).toEqual(
      [
        'microsoft-fy2026-guidance-2025-07-30', // "$100B" FY26: LOW RELIABILITY
        'microsoft-q3-fy2026-reported-2026-04-29-technodehq', // "~$32B": one page, no definition (audit M10)
        'meta-cy2026-press-error-2026-04-londoninsider', // $162–169B is total expenses, not capex
        'meta-cy2026-press-error-2026-04-tidyflow', // pre-earnings placeholder
        'alibaba-fy2026-fy2028-analyst-estimate-2025-11-25', // Goldman Sachs estimate
        'oracle-fy2027-guidance-net-2026-06-10', // audit: low confidence (Bloomberg via a blog)
        'oracle-fy2027-guidance-gross-2026-06-10', // audit: low confidence
        'xai-cy2025-reported-ai-segment-2026-05', // S-1 via a secondary page (low)
        'xai-q1-2026-reported-ai-segment-2026-05',
        'xai-spacex-cy2025-reported-2026-05-20',
        'alibaba-fy2026-reported-2026-05-12', // low: verify on the company release
        'openai-compute-cy2026-2026-05-05', // low: one secondary page
        'samsung-10-year-plan-2026-06-29', // low
        'bytedance-cy2026-guidance-2026-03', // low: SCMP via secondary pages
        'tesla-cy2026-guidance-2026-04-22', // only aggregator re-hosts of TechCrunch
        'coreweave-cy2026-guidance-2026-05', // only AI-written summaries
      ].sort(),
    );
  });

  it('shows two definitions of one period as two right numbers, never as a dispute', () => {
    const msft = [figure('microsoft-fy2025-reported-incl-leases-2025-07-30'), figure('microsoft-fy2025-reported-cash-ppe-2025-07-30')];
    expect(msft.map((f) => [f.amount, f.definition, f.status])).toEqual([
      [88.2, 'capex-incl-finance-leases', 'confirmed'],
      [64.55, 'cash-ppe', 'confirmed'],
    ]);
    const amzn = [figure('amazon-cy2024-reported-2026-02-05'), figure('amazon-cy2024-reported-2025-02-06')];
    expect(amzn.map((f) => [f.amount, f.definition, f.status])).toEqual([
      [83, 'gross-ppe', 'confirmed'],
      [78, 'net-ppe', 'confirmed'],
    ]);
    // Alphabet's 2025 and Tesla's 2025 carried a ⚠ only because of a placeholder page and a pre-report estimate.
    expect(figure('alphabet-cy2025-reported-2026-02-04').status).toBe('confirmed');
    expect(figure('tesla-cy2025-reported-2026-01-28').status).toBe('confirmed');
    // Microsoft's Q3 FY2026 US$30.9B is cash PP&E, not comparable with Q2's US$37.5B incl. leases.
    expect(figure('microsoft-q3-fy2026-reported-2026-04-29-aardvark')).toMatchObject({ definition: 'cash-ppe', status: 'confirmed' });
  });

  it('keeps real disputes: same company, period and definition, different values, each side named', () => {
    for (const [a, b, va, vb] of [['amazon-q4-2024-reported-2025-02-06-digitaltrends', 'amazon-q4-2024-reported-2025-02-06-wallstreetcn', '26.3', '27.8']] as const) {
      expect(figure(a).definition).toBe(figure(b).definition);
      for (const id of [a, b]) {
        expect(figure(id).status, id).toBe('disputed');
        expect(figure(id).dispute, id).toContain(va);
        expect(figure(id).dispute, id).toContain(vb);
      }
    }
  });

  it('places Microsoft’s US$190B in calendar 2026, as the company said, with its qualifier', () => {
    const f = figure('microsoft-2026-guidance-2026-04-29');
    expect(f).toMatchObject({ amount: 190, qualifier: 'about', status: 'confirmed', period: { label: 'CY2026 (Jan-Dec 2026)', start: '2026-01', end: '2026-12' } });
    expect(f.note).toMatch(/not a Microsoft fiscal year/);
  });

  it('keeps the audit’s qualifiers and newer figures: Oracle FY2026 actual, TSMC, OpenAI superseded', () => {
    expect(figure('oracle-fy2026-guidance-2025-06')).toMatchObject({ amount: 25, qualifier: 'at-least' });
    expect(figure('oracle-fy2026-reported-2026-06-10')).toMatchObject({ amount: 55.7, basis: 'actual', period: { start: '2025-06', end: '2026-05' } });
    expect(figure('tsmc-cy2026-guidance-2026-01-15')).toMatchObject({ low: 52, high: 56, source: { kind: 'wire' } });
    expect(figure('openai-compute-commitments-2025-10-28').supersededBy).toBe('openai-compute-plan-2026-02-20');
    expect(figure('openai-compute-plan-2026-02-20')).toMatchObject({ amount: 600, definition: 'compute-commitment' });
    expect(figure('apple-fy2025-reported-2025-10-30')).toMatchObject({ amount: 12.72, definition: 'cash-ppe' });
    expect(figure('apple-us-commitment-2025-08-06')).toMatchObject({ definition: 'company-total-investment', basis: 'pledge' });
  });

  it('states every figure’s definition, basis and source kind itself (nothing inferred by the loader)', () => {
    expect(data.figures.filter((f) => f.inferred).map((f) => f.id)).toEqual([]);
  });

  it('replaces the audit’s weak-host URLs where it gave a better page', () => {
    const urls = data.figures.flatMap((f) => [f.source.url]);
    for (const weakHost of ['directionsonmicrosoft.com/microsoft-365', 'zacks.com/stock/news/2766492/{', 'flyonwallstreet.com']) {
      expect(urls.some((u) => u.includes(weakHost)), weakHost).toBe(false);
    }
    expect(figure('meta-cy2025-reported-2026-01-28').source).toMatchObject({ kind: 'company-release', url: expect.stringContaining('prnewswire.com') });
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
