/**
 * Questions the commands ask of the data set: a company's figure for a year, its revision history,
 * the ranking for a year. Kept apart from formatting so the digest and every command share one answer.
 *
 * Rules (from the data's README): weak figures never count; when sources disagree on the newest figure,
 * all disagreeing values are kept and the result is marked disputed, never silently one of them.
 */
import type { DataSet } from './dataset.js';
import type { Company, Figure } from './schema.js';
import { midpoint, rangeOf, sumRanges, usdOf, type Range } from './money.js';

/** Revisions of one figure share a series: explicit, or company + metric + period. */
export function seriesKey(figure: Figure): string {
  return figure.series ?? `${figure.company}|${figure.metric}|${figure.period.start}|${figure.period.end}`;
}

/** A fiscal year is named by the year it ends in (Microsoft FY2025 ends June 2025). */
export function fiscalYear(figure: Figure): number {
  return Number(figure.period.end.slice(0, 4));
}

export function monthsIn(figure: Figure): number {
  const [sy, sm] = figure.period.start.split('-').map(Number) as [number, number];
  const [ey, em] = figure.period.end.split('-').map(Number) as [number, number];
  return (ey - sy) * 12 + (em - sm) + 1;
}

export const isCounted = (f: Figure): boolean => f.status !== 'weak';

export type Basis = 'reported' | 'guidance' | 'commitment';

/** One company's figure for one year, in USD per year. */
export interface YearFigure {
  company: Company;
  year: number;
  basis: Basis;
  /** The figures the value rests on: more than one when sources disagree on the newest value. */
  figures: Figure[];
  usdPerYear: Range;
  disputed: boolean;
  /** True when the company's fiscal year is not the calendar year. */
  fiscal: boolean;
}

/** Newest announcement wins; every figure announced that same day stays (they may disagree). */
function newestGroup(figures: Figure[]): Figure[] {
  const newest = figures.reduce((max, f) => (f.announced > max ? f.announced : max), '');
  return figures.filter((f) => f.announced === newest);
}

function spanOf(values: Range[]): Range {
  return { low: Math.min(...values.map((v) => v.low)), high: Math.max(...values.map((v) => v.high)) };
}

// A data set never changes once loaded (a reload builds a new one), so its answers can be cached per set.
// Year figures are asked for on every /capex, /compare and ranking; they are read, never modified.
const yearFigures = new WeakMap<DataSet, Map<string, YearFigure | undefined>>();
const headlines = new WeakMap<DataSet, Map<string, YearFigure | undefined>>();

/** The per-data-set answer for `key`, computed once; only reused for the same Company object it was built for. */
function cachedFor(
  caches: WeakMap<DataSet, Map<string, YearFigure | undefined>>,
  data: DataSet,
  company: Company,
  key: string,
  compute: () => YearFigure | undefined,
): YearFigure | undefined {
  const cache = caches.get(data) ?? caches.set(data, new Map()).get(data)!;
  if (cache.has(key)) {
    const cached = cache.get(key);
    if (cached === undefined || cached.company === company) return cached;
    return compute();
  }
  const computed = compute();
  cache.set(key, computed);
  return computed;
}

/**
 * The figure for `year`: reported capex if the year is reported, else the newest guidance, else a
 * multi-year commitment that covers the year, spread evenly per year (and labelled so).
 */
export function yearFigure(data: DataSet, company: Company, year: number): YearFigure | undefined {
  return cachedFor(yearFigures, data, company, `${company.id}|${year}`, () => computeYearFigure(data, company, year));
}

function computeYearFigure(data: DataSet, company: Company, year: number): YearFigure | undefined {
  const counted = data.figuresOf(company.id).filter(isCounted);
  const annual = (metric: 'reported' | 'guidance') => counted.filter((f) => f.metric === metric && fiscalYear(f) === year);
  const fiscal = company.fiscalYearEndMonth !== 12;
  for (const basis of ['reported', 'guidance'] as const) {
    const all = annual(basis);
    // A filing's cash-PP&E figure measures something else than a curated headline (finance leases):
    // it is a different definition, not a revision, so it only fills years without a curated figure.
    const curated = all.filter((f) => f.origin === 'curated');
    const candidates = curated.length > 0 ? curated : all;
    if (candidates.length === 0) continue;
    const figures = newestGroup(candidates);
    const values = figures.map((f) => usdOf(f, data));
    const distinct = new Set(figures.map((f) => JSON.stringify(rangeOf(f)))).size > 1;
    return { company, year, basis, figures, usdPerYear: spanOf(values), disputed: distinct || figures.some((f) => f.status === 'disputed'), fiscal };
  }
  const commitments = counted.filter(
    (f) => f.metric === 'commitment' && Number(f.period.start.slice(0, 4)) <= year && fiscalYear(f) >= year,
  );
  if (commitments.length === 0) return undefined;
  // The newest restatement of the newest pledge covering the year.
  const figures = newestGroup(commitments);
  const values = figures.map((f) => {
    const usd = usdOf(f, data);
    const perYear = 12 / monthsIn(f);
    return { low: usd.low * perYear, high: usd.high * perYear };
  });
  return { company, year, basis: 'commitment', figures, usdPerYear: spanOf(values), disputed: figures.some((f) => f.status === 'disputed'), fiscal };
}

/** The first guidance given for a year: what the press added up before any revision. */
export function firstGuidance(data: DataSet, company: Company, year: number): { figure: Figure; usd: Range } | undefined {
  const figure = data.figuresOf(company.id).find((f) => isCounted(f) && f.metric === 'guidance' && fiscalYear(f) === year);
  return figure ? { figure, usd: usdOf(figure, data) } : undefined;
}

export interface Ranking {
  year: number;
  /** Companies with annual reported or guided capex, largest first. */
  annual: YearFigure[];
  /** Companies (and ventures) with only a multi-year commitment covering the year, per year. */
  commitments: YearFigure[];
  /** Sum of `annual` (commitments are pledges, not capex, so they are not added in). */
  total: Range;
}

const byMidpointDesc = (a: YearFigure, b: YearFigure) => midpoint(b.usdPerYear) - midpoint(a.usdPerYear);

const rankings = new WeakMap<DataSet, Map<number, Ranking>>();
const yearLists = new WeakMap<DataSet, number[]>();

export function rankYear(data: DataSet, year: number): Ranking {
  const cache = rankings.get(data) ?? rankings.set(data, new Map()).get(data)!;
  const cached = cache.get(year);
  if (cached) return cached;
  const ranking = computeRanking(data, year);
  cache.set(year, ranking);
  return ranking;
}

function computeRanking(data: DataSet, year: number): Ranking {
  const entries = data.companies.map((c) => yearFigure(data, c, year)).filter((e): e is YearFigure => e !== undefined);
  const annual = entries.filter((e) => e.basis !== 'commitment').sort(byMidpointDesc);
  const commitments = entries.filter((e) => e.basis === 'commitment').sort(byMidpointDesc);
  return { year, annual, commitments, total: sumRanges(annual.map((e) => e.usdPerYear)) };
}

/** Years that have at least one annual figure, newest first. */
export function yearsWithData(data: DataSet): number[] {
  const cached = yearLists.get(data);
  if (cached) return cached;
  const years = new Set(data.figures.filter((f) => isCounted(f) && (f.metric === 'guidance' || f.metric === 'reported')).map(fiscalYear));
  const list = [...years].sort((a, b) => b - a);
  yearLists.set(data, list);
  return list;
}

/** The default year for rankings: the current year if it has figures, else the newest year that does. */
export function defaultYear(data: DataSet, now: Date): number {
  const current = now.getUTCFullYear();
  const years = yearsWithData(data);
  return years.includes(current) ? current : (years.find((y) => y < current) ?? years[0] ?? current);
}

export interface Revision {
  figure: Figure;
  previous?: Figure;
  /** Change of the midpoint vs the previous figure, in percent. */
  changePct?: number;
}

/** A series oldest first, each entry with its change vs the one before (weak figures left out). */
export function revisionHistory(figures: readonly Figure[]): Revision[] {
  const counted = [...figures].filter(isCounted).sort((a, b) => a.announced.localeCompare(b.announced));
  return counted.map((figure, i) => {
    const previous = i > 0 ? counted[i - 1] : undefined;
    const changePct = previous ? (midpoint(rangeOf(figure)) / midpoint(rangeOf(previous)) - 1) * 100 : undefined;
    return { figure, previous, changePct };
  });
}

export function seriesOf(data: DataSet, figure: Figure): Figure[] {
  const key = seriesKey(figure);
  return data.figuresOf(figure.company).filter((f) => seriesKey(f) === key);
}

/**
 * The figure a `/capex <company>` answer leads with: the newest annual capex (this or last year's or
 * later), otherwise the newest multi-year commitment, otherwise the newest annual figure of any year.
 */
export function headlineFigure(data: DataSet, company: Company, now: Date): YearFigure | undefined {
  const thisYear = now.getUTCFullYear();
  return cachedFor(headlines, data, company, `${company.id}|${thisYear}`, () => computeHeadline(data, company, thisYear));
}

function computeHeadline(data: DataSet, company: Company, thisYear: number): YearFigure | undefined {
  const counted = data.figuresOf(company.id).filter(isCounted);
  const annualYears = [...new Set(counted.filter((f) => f.metric === 'guidance' || f.metric === 'reported').map(fiscalYear))].sort((a, b) => b - a);
  const recent = annualYears.find((y) => y >= thisYear - 1 && y <= thisYear + 1);
  if (recent !== undefined) return yearFigure(data, company, recent);
  const commitment = counted.filter((f) => f.metric === 'commitment').at(-1);
  if (commitment) return yearFigure(data, company, Number(commitment.period.start.slice(0, 4)));
  return annualYears[0] === undefined ? undefined : yearFigure(data, company, annualYears[0]);
}
