/**
 * How figures are presented wherever they appear — command answers, digests, revision alerts, web pages: the
 * words for a figure and a year value, table cells, the source list and the dispute notes. Below commands/,
 * schedule/ and alerts/ (they all import it; it imports only core/ and data/), so none of them imports another.
 */
import type { ReplySource } from '../core/reply.js';
import type { DataSet } from '../data/dataset.js';
import type { Company, Figure } from '../data/schema.js';
import { formatDate, formatNumber, formatUsd, formatWithUsd, describeConversion, type Range } from '../data/money.js';
import { seriesKey, type YearFigure } from '../data/queries.js';
import { BASIS_WORDS as FIGURE_BASIS_WORDS, DEFINITION_WORDS, rankedSources, SOURCE_KIND_RANK } from '../data/definitions.js';

export function displayName(company: Company): string {
  return company.tickers.length ? `${company.name} (${company.tickers.join(', ')})` : company.name;
}

export const BASIS_WORDS: Record<YearFigure['basis'], string> = {
  reported: 'Reported capex',
  guidance: 'Capex guidance',
  commitment: 'Multi-year commitment',
};

const QUALIFIER_MARKS: Record<NonNullable<Figure['qualifier']>, string> = {
  'at-least': '>',
  'at-most': '<',
  'up-to': '≤',
  about: '~',
  implied: '~',
};

/**
 * An amount in a "US$B" table column: the number alone ("70–72"), ">25" for "more than", "~200" for "about",
 * marked ⚠ when sources disagree on the same definition.
 */
export function billionsCell(amount: Range, disputed = false, qualifier?: Figure['qualifier']): string {
  const mark = qualifier ? QUALIFIER_MARKS[qualifier] : '';
  return `${mark}${formatUsd(amount, true).replace(/^US\$|B$/g, '')}${disputed ? ' ⚠' : ''}`;
}

/** The qualifier a row's value carries: its single figure's (a sum of quarters or a dispute carries none). */
export function rowQualifier(entry: YearFigure): Figure['qualifier'] {
  return entry.figures.length === 1 ? entry.figures[0]!.qualifier : undefined;
}

/** A year figure's basis in a table column, without the "capex" the column heading already implies. */
export function basisCell(basis: YearFigure['basis']): string {
  return BASIS_WORDS[basis].replace(' capex', '');
}

/** "capex incl. leases", "cash capex": what a row measures, in a table column. */
export function definitionCell(entry: Pick<YearFigure, 'definition'>): string {
  return DEFINITION_WORDS[entry.definition];
}

/** "actual", "actual (4 qtrs)", "guidance": the row's basis as a finance reader reads it. */
export function rowBasisCell(entry: YearFigure): string {
  if (entry.basis === 'commitment') return 'pledge';
  if (entry.derivation) return 'actual (sum of 4 qtrs)';
  return entry.basis === 'reported' ? 'actual' : 'guidance';
}

/** "FY2026 (Jun 2025-May 2026)" → "FY2026 (Jun 2025-May 2026)"; "CY2025 (sum of 4 reported quarters)" → "CY2025". */
export function periodCell(entry: YearFigure): string {
  return entry.derivation ? entry.periodLabel.split(' (')[0]! : entry.periodLabel;
}

/** "US$70–72B capex incl. leases, guidance (CY2025, 29 Oct 2025)": the figure with its definition and basis. */
export function describeFigure(figure: Figure, data: DataSet): string {
  // "pledge" or "commitment" is already in the definition's words; the basis would only repeat it.
  const basis = figure.basis === 'pledge' || figure.basis === 'contract' ? '' : `, ${FIGURE_BASIS_WORDS[figure.basis]}`;
  return `${formatWithUsd(figure, data)} ${DEFINITION_WORDS[figure.definition]}${basis} (${figure.period.label}, ${formatDate(figure.announced)})`;
}

/** The value of a year figure: one value, a sum of quarters, or every disagreeing value when sources disagree. */
export function describeYearValue(entry: YearFigure, data: DataSet): string {
  const definition = DEFINITION_WORDS[entry.definition];
  if (entry.derivation) {
    return `${formatUsd(entry.usdPerYear)} ${definition}${entry.disputed ? ' ⚠' : ''} (${entry.derivation.text})`;
  }
  if (entry.figures.length > 1) {
    return `sources disagree (${definition}): ${entry.figures.map((f) => formatWithUsd(f, data)).join(' vs ')}`;
  }
  const perYear = entry.basis === 'commitment' ? ` ≈ ${formatUsd(entry.usdPerYear, true)} per year if spread evenly` : '';
  return `${formatWithUsd(entry.figures[0]!, data)} ${definition}${perYear}`;
}

/** "US$412.62B": a sum of stated figures keeps their precision (two decimals at most). */
export function exactUsd(r: Range): string {
  const round = (n: number) => formatNumber(Math.round(n * 100) / 100);
  return r.low === r.high ? `US$${round(r.low)}B` : `US$${round(r.low)}–${round(r.high)}B`;
}

/**
 * Every page behind the figures, best kind first (company release, filing, transcript, wire, other press),
 * aggregators last and labelled as the fallback they are.
 */
export function sourcesOf(figures: readonly Figure[]): ReplySource[] {
  const seen = new Map<string, { source: ReplySource; rank: number; order: number }>();
  const add = (title: string, url: string, kind: Figure['source']['kind'], date: string) => {
    if (seen.has(url)) return;
    const label = kind === 'aggregator' ? `${title} [aggregator, fallback]` : title;
    seen.set(url, { source: { title: label, url, date }, rank: SOURCE_KIND_RANK[kind], order: seen.size });
  };
  for (const f of figures) {
    for (const s of rankedSources(f)) add(s.title, s.url, s.kind, f.announced);
    if (f.usd) add(f.usd.source.title, f.usd.source.url, f.usd.source.kind, f.usd.date);
  }
  return [...seen.values()].sort((a, b) => a.rank - b.rank || a.order - b.order).map((e) => e.source);
}

/** Warnings for disputed figures and fiscal years, one line each, without repeats. */
export function disputeNotes(figures: readonly Figure[], data: DataSet): string[] {
  const notes: string[] = [];
  // Both sides of a conflict carry the same story; one note per series and date is enough.
  const disputesSeen = new Set<string>();
  const currenciesSeen = new Set<string>();
  for (const f of figures) {
    const company = data.company(f.company)?.name ?? f.company;
    const disputeKey = `${seriesKey(f)}@${f.announced}`;
    if (f.status === 'disputed' && f.dispute && !disputesSeen.has(disputeKey)) {
      disputesSeen.add(disputeKey);
      notes.push(`Disputed (${company}, ${f.period.label}): ${f.dispute}`);
    }
    // One line per rate used (the source's own pair, or a month of the table), so every converted value is explained.
    const conversion = describeConversion(f, data);
    if (conversion && !currenciesSeen.has(`${f.company}:${conversion}`)) {
      currenciesSeen.add(`${f.company}:${conversion}`);
      notes.push(`${company}: ${conversion}`);
    }
  }
  return notes;
}

export function newestDate(figures: readonly Figure[]): string | undefined {
  return figures.reduce<string | undefined>((max, f) => (max === undefined || f.announced > max ? f.announced : max), undefined);
}
