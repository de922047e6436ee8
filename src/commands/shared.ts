/**
 * Pieces several commands share: resolving company names into friendly errors, the words for a
 * figure, its source list and its dispute notes.
 */
import { z } from 'zod';
import { UserError } from '../core/command.js';
import type { Reply, ReplySource } from '../core/reply.js';
import type { DataSet } from '../data/dataset.js';
import type { Company, Figure } from '../data/schema.js';
import { formatDate, formatUsd, formatWithUsd, describeConversion, type Range } from '../data/money.js';
import { seriesKey, type YearFigure } from '../data/queries.js';

/** A company name, ticker or alias as typed; long enough for "Stargate (OpenAI, SoftBank, Oracle, MGX)". */
export const companyOption = z
  .string()
  .trim()
  .min(1, 'name a company, for example alibaba')
  .max(60, 'company names are at most 60 characters')
  .describe('Company name, ticker or alias, e.g. alibaba, MSFT, google')
  .meta({ autocomplete: 'company' });

/** Quoted back in error messages: trimmed so a hostile 500-character input isn't echoed whole. */
export function quoteInput(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export function resolveCompany(data: DataSet, query: string, usage: string): Company {
  const match = data.resolve(query);
  if (match.ok) return match.company;
  const hint = match.suggestions.length
    ? ` — did you mean ${match.suggestions.map((c) => c.name).join(' or ')}?`
    : '. /capex companies lists every company tracked.';
  throw new UserError(`No company named '${quoteInput(query)}'${hint}`, usage);
}

/** The answer of an admin command: private to the caller, summarised by its first line. */
export function privateAnswer(title: string, lines: string[], extra: Partial<Reply> = {}): Reply {
  return { kind: 'answer', visibility: 'private', title, lines, summary: lines[0] ?? title, ...extra };
}

export function displayName(company: Company): string {
  return company.tickers.length ? `${company.name} (${company.tickers.join(', ')})` : company.name;
}

export const BASIS_WORDS: Record<YearFigure['basis'], string> = {
  reported: 'Reported capex',
  guidance: 'Capex guidance',
  commitment: 'Multi-year commitment',
};

/** An amount in a "US$B" table column: the number alone ("70–72"), marked ⚠ when sources disagree. */
export function billionsCell(amount: Range, disputed = false): string {
  return `${formatUsd(amount, true).replace(/^US\$|B$/g, '')}${disputed ? ' ⚠' : ''}`;
}

/** A year figure's basis in a table column, without the "capex" the column heading already implies. */
export function basisCell(basis: YearFigure['basis']): string {
  return BASIS_WORDS[basis].replace(' capex', '');
}

/** "US$70–72B (CY2025, 29 Oct 2025)", with the basis when a definition matters. */
export function describeFigure(figure: Figure, data: DataSet): string {
  const basis = figure.basis ? `, ${figure.basis}` : '';
  return `${formatWithUsd(figure, data)} (${figure.period.label}${basis}, ${formatDate(figure.announced)})`;
}

/** The value of a year figure: one value, or every disagreeing value when sources disagree. */
export function describeYearValue(entry: YearFigure, data: DataSet): string {
  if (entry.figures.length > 1) {
    return `sources disagree: ${entry.figures.map((f) => `${formatWithUsd(f, data)}${f.basis ? ` (${f.basis})` : ''}`).join(' vs ')}`;
  }
  const perYear = entry.basis === 'commitment' ? ` ≈ ${formatUsd(entry.usdPerYear, true)} per year` : '';
  return `${formatWithUsd(entry.figures[0]!, data)}${perYear}`;
}

export function sourcesOf(figures: readonly Figure[]): ReplySource[] {
  const seen = new Map<string, ReplySource>();
  for (const f of figures) {
    if (!seen.has(f.source.url)) seen.set(f.source.url, { title: f.source.title, url: f.source.url, date: f.announced });
    if (f.usd && !seen.has(f.usd.source.url)) seen.set(f.usd.source.url, { title: f.usd.source.title, url: f.usd.source.url, date: f.usd.date });
  }
  return [...seen.values()];
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
    // One conversion line per company and currency: the first figure's (the original source's own pair, if any).
    const conversion = describeConversion(f, data);
    if (conversion && !currenciesSeen.has(`${f.company}:${f.currency}`)) {
      currenciesSeen.add(`${f.company}:${f.currency}`);
      notes.push(`${company}: ${conversion}`);
    }
  }
  return notes;
}

export function newestDate(figures: readonly Figure[]): string | undefined {
  return figures.reduce<string | undefined>((max, f) => (max === undefined || f.announced > max ? f.announced : max), undefined);
}
