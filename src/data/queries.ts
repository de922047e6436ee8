/**
 * Questions the commands ask of the data set: a company's figure for a year, its revision history,
 * the ranking for a year. Kept apart from formatting so the digest, the web pages and every command share
 * one answer.
 *
 * Rules (from the data file's header):
 * - weak figures, analyst estimates and superseded figures never count;
 * - one row = one definition and one period: a company's calendar year is its stated calendar-year figure,
 *   else the sum of four reported quarters of one definition covering January–December (said so), else its
 *   guidance for that calendar year; fiscal-year-only companies are shown apart, their fiscal period named;
 * - figures on different definitions are never a dispute; figures on the same definition, period and
 *   announcement that differ are, and every value is kept;
 * - pledges and purchase contracts are never ranked or totalled with annual capex.
 */
import type { DataSet } from './dataset.js';
import type { Company, Definition, Figure } from './schema.js';
import { midpoint, rangeOf, sumRanges, usdOf, type Range } from './money.js';
import { DEFINITION_PREFERENCE, isCapexDefinition, isPledgeLike } from './definitions.js';

/** Revisions of one figure share a series: explicit, or company + metric + definition + period. */
export function seriesKey(figure: Figure): string {
  return figure.series ?? `${figure.company}|${figure.metric}|${figure.definition}|${figure.period.start}|${figure.period.end}`;
}

/** A fiscal year is named by the year it ends in (Microsoft FY2025 ends June 2025). */
export function fiscalYear(figure: Figure): number {
  return Number(figure.period.end.slice(0, 4));
}

export function monthsIn(figure: Pick<Figure, 'period'>): number {
  const [sy, sm] = figure.period.start.split('-').map(Number) as [number, number];
  const [ey, em] = figure.period.end.split('-').map(Number) as [number, number];
  return (ey - sy) * 12 + (em - sm) + 1;
}

/** Counts for headlines, rankings and news: not weak, not an analyst's estimate, not replaced by a newer figure. */
export const isCounted = (f: Figure): boolean => f.status !== 'weak' && f.basis !== 'estimate' && f.supersededBy === undefined;

const isCalendarYear = (f: Figure, year: number) => f.period.start === `${year}-01` && f.period.end === `${year}-12`;
const isAnnualCapex = (f: Figure) => (f.metric === 'reported' || f.metric === 'guidance') && isCapexDefinition(f.definition);

export type Basis = 'reported' | 'guidance' | 'commitment';

/** How a year row was obtained: stated by the company, or added up from four reported quarters. */
export interface Derivation {
  /** "CY2025 = sum of 4 reported quarters, Q3 FY2025–Q2 FY2026 (21.4 + 24.2 + 34.9 + 37.5)" */
  text: string;
  quarters: Figure[];
}

/** One company's figure for one year, in USD per year. */
export interface YearFigure {
  company: Company;
  year: number;
  basis: Basis;
  /** The figures the value rests on: more than one when sources disagree, or the four summed quarters. */
  figures: Figure[];
  usdPerYear: Range;
  disputed: boolean;
  /** True when the row is a fiscal year that is not the calendar year. */
  fiscal: boolean;
  /** What the number measures; one definition per row. */
  definition: Definition;
  /** "CY2025", "FY2026 (Jun 2025-May 2026)", "2026-2030 (cumulative)". */
  periodLabel: string;
  /** Set when the row is a sum of reported quarters. */
  derivation?: Derivation;
}

/** Newest announcement wins; every figure announced that same day stays (they may disagree). */
function newestGroup(figures: readonly Figure[]): Figure[] {
  const newest = figures.reduce((max, f) => (f.announced > max ? f.announced : max), '');
  return figures.filter((f) => f.announced === newest);
}

function spanOf(values: Range[]): Range {
  return { low: Math.min(...values.map((v) => v.low)), high: Math.max(...values.map((v) => v.high)) };
}

const distinctValues = (figures: readonly Figure[]) => new Set(figures.map((f) => JSON.stringify(rangeOf(f)))).size > 1;

/**
 * The row for one definition's candidates: the newest announcement, with every disagreeing value kept. A
 * filing's cash-PP&E figure (origin sec-xbrl) only fills a period no person curated.
 */
function rowOf(data: DataSet, company: Company, year: number, basis: Basis, candidates: Figure[], fiscal: boolean): YearFigure | undefined {
  for (const definition of DEFINITION_PREFERENCE) {
    const onDefinition = candidates.filter((f) => f.definition === definition);
    if (onDefinition.length === 0) continue;
    const curated = onDefinition.filter((f) => f.origin === 'curated');
    const figures = newestGroup(curated.length > 0 ? curated : onDefinition);
    const values = figures.map((f) => usdOf(f, data));
    return {
      company,
      year,
      basis,
      figures,
      usdPerYear: spanOf(values),
      disputed: distinctValues(figures) || figures.some((f) => f.status === 'disputed'),
      fiscal,
      definition,
      periodLabel: figures[0]!.period.label,
    };
  }
  return undefined;
}

/** "Jan 2025" from "2025-01" */
function monthWord(ym: string): string {
  const [y, m] = ym.split('-');
  return `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(m) - 1]} ${y}`;
}

function addMonths(ym: string, n: number): string {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  const total = y * 12 + (m - 1) + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/** "Q3 FY2025" from "Q3 FY2025 (Jan-Mar 2025)"; a label without parentheses stays whole. */
const shortLabel = (label: string) => label.split(' (')[0]!.trim();

/**
 * Four reported quarters of one definition that cover `start` (YYYY-MM) to twelve months later, added up.
 * Quarters on another definition are never mixed in; two sources for one quarter that disagree make the
 * sum disputed (its range spans both).
 */
export function sumOfQuarters(data: DataSet, company: Company, start: string, periodName: string): { row: Omit<YearFigure, 'year' | 'fiscal' | 'periodLabel'> & { derivation: Derivation } } | undefined {
  const quarters = data.figuresOf(company.id).filter((f) => isCounted(f) && f.metric === 'reported-quarter' && monthsIn(f) === 3);
  for (const definition of DEFINITION_PREFERENCE) {
    const picked: Figure[][] = [];
    for (let q = 0; q < 4; q++) {
      const qStart = addMonths(start, q * 3);
      const candidates = quarters.filter((f) => f.definition === definition && f.period.start === qStart);
      if (candidates.length === 0) break;
      picked.push(newestGroup(candidates));
    }
    if (picked.length !== 4) continue;
    const values = picked.map((group) => spanOf(group.map((f) => usdOf(f, data))));
    const usdPerYear = sumRanges(values);
    const firstName = shortLabel(picked[0]![0]!.period.label);
    const lastName = shortLabel(picked[3]![0]!.period.label);
    const addends = picked.map((group) => group.map((f) => String(rangeOf(f).high)).join('/')).join(' + ');
    const span = `${monthWord(start)}–${monthWord(addMonths(start, 11))}`;
    const text = `${periodName} = sum of 4 reported quarters, ${firstName}–${lastName} (${span}): ${addends}`;
    const figures = picked.flat();
    return {
      row: {
        company,
        basis: 'reported',
        figures,
        usdPerYear,
        disputed: picked.some((g) => distinctValues(g) || g.some((f) => f.status === 'disputed')),
        definition,
        derivation: { text, quarters: figures },
      },
    };
  }
  return undefined;
}

// A data set never changes once loaded (a reload builds a new one), so its answers can be cached per set.
// Year figures are asked for on every /capex, /compare and ranking; they are read, never modified.
const calendarRows = new WeakMap<DataSet, Map<string, YearFigure | undefined>>();
const fiscalRows = new WeakMap<DataSet, Map<string, YearFigure | undefined>>();
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
 * The calendar year `year` (January–December) of a company's annual capex: the stated actual, else four
 * reported quarters added up, else the newest guidance for that calendar year.
 */
export function calendarYearFigure(data: DataSet, company: Company, year: number): YearFigure | undefined {
  return cachedFor(calendarRows, data, company, `${company.id}|${year}`, () => computeCalendar(data, company, year));
}

function computeCalendar(data: DataSet, company: Company, year: number): YearFigure | undefined {
  const counted = data.figuresOf(company.id).filter((f) => isCounted(f) && isAnnualCapex(f) && isCalendarYear(f, year));
  const stated = rowOf(data, company, year, 'reported', counted.filter((f) => f.metric === 'reported'), false);
  if (stated) return stated;
  const name = `CY${year}`;
  const summed = sumOfQuarters(data, company, `${year}-01`, name);
  if (summed) return { ...summed.row, year, fiscal: false, periodLabel: `${name} (sum of 4 reported quarters)` };
  return rowOf(data, company, year, 'guidance', counted.filter((f) => f.metric === 'guidance'), false);
}

/**
 * Fiscal year `fy` (named by the year it ends in) of a company whose fiscal year is not the calendar year: the
 * stated actual, else four reported quarters added up, else the newest guidance.
 */
export function fiscalYearFigure(data: DataSet, company: Company, fy: number): YearFigure | undefined {
  return cachedFor(fiscalRows, data, company, `${company.id}|${fy}`, () => computeFiscal(data, company, fy));
}

function computeFiscal(data: DataSet, company: Company, fy: number): YearFigure | undefined {
  const end = `${fy}-${String(company.fiscalYearEndMonth).padStart(2, '0')}`;
  const start = addMonths(end, -11);
  const counted = data.figuresOf(company.id).filter((f) => isCounted(f) && isAnnualCapex(f) && f.period.start === start && f.period.end === end);
  const stated = rowOf(data, company, fy, 'reported', counted.filter((f) => f.metric === 'reported'), true);
  if (stated) return stated;
  const name = `FY${fy}`;
  const summed = sumOfQuarters(data, company, start, name);
  if (summed) return { ...summed.row, year: fy, fiscal: true, periodLabel: `${name} (${monthWord(start)}–${monthWord(end)}, sum of 4 reported quarters)` };
  return rowOf(data, company, fy, 'guidance', counted.filter((f) => f.metric === 'guidance'), true);
}

/**
 * The fiscal year that belongs with calendar year `year`: the one with most of its months in it (Oracle's
 * FY2026, Jun 2025–May 2026, for 2025), the one ending in `year` on a tie, else the other one overlapping.
 */
export function fiscalYearsFor(company: Company, year: number): number[] {
  const end = company.fiscalYearEndMonth;
  // FY ending in `year` has `end` months in it; FY ending in year+1 has 12 - end.
  return end >= 6 ? [year, year + 1] : [year + 1, year];
}

/**
 * A company's row for calendar year `year`: the calendar year when the data allows it, else (a fiscal-year
 * company without quarters) the matching fiscal year, flagged `fiscal` so it is shown apart.
 */
export function yearFigure(data: DataSet, company: Company, year: number): YearFigure | undefined {
  const calendar = calendarYearFigure(data, company, year);
  if (calendar || company.fiscalYearEndMonth === 12) return calendar;
  for (const fy of fiscalYearsFor(company, year)) {
    const fiscal = fiscalYearFigure(data, company, fy);
    if (fiscal) return fiscal;
  }
  return undefined;
}

/** Pledges and contracts of a company (not superseded, not weak), newest first. */
export function pledgesOf(data: DataSet, company: Company): Figure[] {
  return data
    .figuresOf(company.id)
    .filter((f) => isCounted(f) && f.metric === 'commitment' && isPledgeLike(f))
    .slice()
    .reverse();
}

/** A pledge as a row: its total, spread evenly per year only where a reader asks for it. */
function pledgeRow(data: DataSet, company: Company, year: number, figures: Figure[]): YearFigure {
  const values = figures.map((f) => {
    const usd = usdOf(f, data);
    const perYear = 12 / monthsIn(f);
    return { low: usd.low * perYear, high: usd.high * perYear };
  });
  return {
    company,
    year,
    basis: 'commitment',
    figures,
    usdPerYear: spanOf(values),
    disputed: figures.some((f) => f.status === 'disputed'),
    fiscal: false,
    definition: figures[0]!.definition,
    periodLabel: figures[0]!.period.label,
  };
}

/** The first guidance given for a calendar year: what the press added up before any revision. */
export function firstGuidance(data: DataSet, company: Company, year: number): { figure: Figure; usd: Range } | undefined {
  const guidance = data
    .figuresOf(company.id)
    .filter((f) => isCounted(f) && f.metric === 'guidance' && isCapexDefinition(f.definition) && fiscalYear(f) === year);
  // A calendar-year plan when there is one; Microsoft's first "2025" plan was its fiscal 2025 (named so).
  const figure = guidance.find((f) => isCalendarYear(f, year)) ?? guidance[0];
  return figure ? { figure, usd: usdOf(figure, data) } : undefined;
}

export interface Ranking {
  year: number;
  /** Calendar-year annual capex (stated, summed from quarters, or guided), largest first. */
  annual: YearFigure[];
  /** Fiscal-year companies whose calendar year cannot be derived: shown apart, their fiscal period named. */
  fiscal: YearFigure[];
  /** Multi-year pledges and contracts covering the year: listed, never ranked, never in the total. */
  commitments: YearFigure[];
  /** Sum of `annual` only. */
  total: Range;
}

const byMidpointDesc = (a: YearFigure, b: YearFigure) => midpoint(b.usdPerYear) - midpoint(a.usdPerYear);
const RANKED_KINDS = new Set(['listed', 'private']);

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
  const annual: YearFigure[] = [];
  const fiscal: YearFigure[] = [];
  const commitments: YearFigure[] = [];
  for (const company of data.companies) {
    const row = RANKED_KINDS.has(company.kind) ? yearFigure(data, company, year) : undefined;
    if (row) (row.fiscal ? fiscal : annual).push(row);
    const covering = pledgesOf(data, company).filter((f) => Number(f.period.start.slice(0, 4)) <= year && fiscalYear(f) >= year);
    if (covering.length > 0) commitments.push(pledgeRow(data, company, year, newestGroup(covering)));
  }
  annual.sort(byMidpointDesc);
  fiscal.sort(byMidpointDesc);
  commitments.sort(byMidpointDesc);
  return { year, annual, fiscal, commitments, total: sumRanges(annual.map((e) => e.usdPerYear)) };
}

/** Years that have at least one annual capex figure, newest first. */
export function yearsWithData(data: DataSet): number[] {
  const cached = yearLists.get(data);
  if (cached) return cached;
  const years = new Set(data.figures.filter((f) => isCounted(f) && isAnnualCapex(f)).map(fiscalYear));
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

/** A series oldest first, each entry with its change vs the one before (weak figures and estimates left out). */
export function revisionHistory(figures: readonly Figure[]): Revision[] {
  const counted = [...figures].filter((f) => f.status !== 'weak' && f.basis !== 'estimate').sort((a, b) => a.announced.localeCompare(b.announced));
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
 * The figure a `/capex <company>` answer leads with: the company's newest annual capex figure (guidance or
 * actual, any year), as its row for that period; else its newest pledge; else its newest other counted figure
 * (funding, contracts, quarters), so every tracked company answers with what is known.
 */
export function headlineFigure(data: DataSet, company: Company, now: Date): YearFigure | undefined {
  const thisYear = now.getUTCFullYear();
  return cachedFor(headlines, data, company, `${company.id}|${thisYear}`, () => computeHeadline(data, company));
}

function computeHeadline(data: DataSet, company: Company): YearFigure | undefined {
  const counted = data.figuresOf(company.id).filter(isCounted);
  const annual = counted.filter(isAnnualCapex);
  // Newest announcement first; on the same day, the later period (Meta's 2026 plan beside its 2025 actual).
  const newestAnnual = annual.reduce<Figure | undefined>(
    (best, f) => (!best || f.announced > best.announced || (f.announced === best.announced && f.period.end > best.period.end) ? f : best),
    undefined,
  );
  const pledges = pledgesOf(data, company);
  // A pledge restated after the newest annual figure is the newer news (Alibaba's RMB380B vs its 2024 capex).
  const pledgeIsNewer = pledges.length > 0 && (!newestAnnual || pledges[0]!.announced > newestAnnual.announced);
  if (newestAnnual && !pledgeIsNewer) {
    // The newest figure's own period, as a row (so same-day figures on another definition do not mix in).
    const fiscal = !isCalendarYear(newestAnnual, fiscalYear(newestAnnual));
    const row = fiscal ? fiscalYearFigure(data, company, fiscalYear(newestAnnual)) : calendarYearFigure(data, company, fiscalYear(newestAnnual));
    if (row) return row;
  }
  if (pledges.length > 0) return pledgeRow(data, company, Number(pledges[0]!.period.start.slice(0, 4)), newestGroup(pledges));
  const other = counted.filter((f) => f.metric !== 'commitment');
  const newest = other.at(-1);
  if (!newest) return undefined;
  return {
    company,
    year: fiscalYear(newest),
    basis: newest.basis === 'guidance' ? 'guidance' : 'reported',
    figures: [newest],
    usdPerYear: usdOf(newest, data),
    disputed: newest.status === 'disputed',
    fiscal: false,
    definition: newest.definition,
    periodLabel: newest.period.label,
  };
}
