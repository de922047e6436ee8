/**
 * The extractor against its fixture set (fixtures/sentences.ts): precision must stay at 95 % or above — a
 * wrong proposal costs an admin's attention and risks a wrong figure — and recall is measured and reported.
 * Both numbers are recorded in BENCHMARKS.md.
 */
import { describe, expect, it } from 'vitest';
import { extractStatements, findMoney } from '../../src/proposals/extract.js';
import { HELD_OUT } from './fixtures/held-out.js';
import { scoreExtractor } from './fixtures/score.js';
import { COMPANIES, SENTENCES } from './fixtures/sentences.js';

describe('capex statement extractor on the fixture set', () => {
  it('GIVEN at least 40 real-shaped sentences THEN at least 95 % of its proposals are correct (recall reported)', () => {
    const s = scoreExtractor();
    // Visible in the test output; the numbers go to BENCHMARKS.md.
    console.log(
      `extractor: ${s.sentences} sentences, ${s.expected} expected statements, ${s.proposed} proposed, ${s.correct} correct — precision ${(100 * s.precision).toFixed(1)} %, recall ${(100 * s.recall).toFixed(1)} %` +
        (s.wrong.length ? `\nWRONG:\n${s.wrong.join('\n')}` : '') +
        (s.missed.length ? `\nMISSED:\n${s.missed.join('\n')}` : ''),
    );
    expect(s.sentences).toBeGreaterThanOrEqual(40);
    expect(SENTENCES.filter((f) => f.expected.length === 0).length).toBeGreaterThanOrEqual(10);
    expect(s.precision).toBeGreaterThanOrEqual(0.95);
    expect(s.recall).toBeGreaterThanOrEqual(0.7);
  });

  it('GIVEN sentences written after the rules were settled (never tuned on) THEN precision stays at 95 % or above', () => {
    const s = scoreExtractor(HELD_OUT);
    console.log(`extractor, held-out: ${s.sentences} sentences, ${s.expected} expected, ${s.proposed} proposed, ${s.correct} correct — precision ${(100 * s.precision).toFixed(1)} %, recall ${(100 * s.recall).toFixed(1)} %`);
    expect(s.sentences).toBeGreaterThanOrEqual(15);
    expect(s.precision).toBeGreaterThanOrEqual(0.95);
  });

  it('GIVEN a guidance raise in an earnings release THEN it reads the range, period, basis and the raise', () => {
    const [statement, ...rest] = extractStatements(
      'Meta Reports Second Quarter 2026 Results. We anticipate our full-year 2026 capital expenditures, including principal payments on finance leases, to be in the range of $135-150 billion, increased from our prior outlook of $125-145 billion.',
      { date: '2026-07-29', companies: COMPANIES, subject: COMPANIES.find((c) => c.id === 'meta') },
    );
    expect(rest).toEqual([]);
    expect(statement).toMatchObject({
      company: 'meta',
      metric: 'guidance',
      label: 'capex guidance (raised) (incl. principal payments on finance leases)',
      low: 135,
      high: 150,
      currency: 'USD',
      period: { label: 'CY2026', start: '2026-01', end: '2026-12' },
      basis: 'incl. principal payments on finance leases',
    });
  });

  it('GIVEN a long release THEN the outlook sentence deep inside it is found whole, and nothing else', () => {
    const filler = 'Revenue was $51.24 billion, an increase of 26% year-over-year, and costs and expenses were $30.71 billion. ';
    const outlook = 'We expect 2026 capital expenditures, including principal payments on finance leases, to be in the range of $141-157 billion. ';
    const text = filler.repeat(800) + outlook + filler.repeat(800);
    const found = extractStatements(text, { date: '2026-10-29', companies: COMPANIES, subject: COMPANIES.find((c) => c.id === 'meta') });
    expect(found.map((s) => [s.low, s.high, s.sentence])).toEqual([[141, 157, outlook.trim()]]);
  });

  it('GIVEN "from X to Y" THEN it reads two amounts, not a range; GIVEN "$16B to $20B" THEN a range', () => {
    expect(findMoney('from $125 billion to $135 billion').map((m) => [m.low, m.high])).toEqual([[125, 125], [135, 135]]);
    expect(findMoney('of $16B to $20B').map((m) => [m.low, m.high])).toEqual([[16, 20]]);
    expect(findMoney('380 billion yuan and RMB 126B').map((m) => [m.low, m.currency])).toEqual([[380, 'CNY'], [126, 'CNY']]);
  });

  it('GIVEN a fiscal-year company and a bare year THEN nothing is proposed (the year cannot be placed)', () => {
    expect(extractStatements('Microsoft capex will be $190 billion in 2026.', { date: '2026-04-29', companies: COMPANIES })).toEqual([]);
    expect(extractStatements('Microsoft capex will be $190 billion in fiscal 2027.', { date: '2026-04-29', companies: COMPANIES })[0]?.period).toEqual({
      label: 'FY2027 (Jul 2026–Jun 2027)',
      start: '2026-07',
      end: '2027-06',
    });
  });
});
