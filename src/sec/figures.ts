/**
 * Turns extracted capex periods into data-file figures: ids, period labels by fiscal year, the basis
 * (which cash-flow line it is: finance leases are NOT in it), and provenance a reader can open.
 */
import type { Company } from '../data/schema.js';
import type { CapexPeriod, Filing, ReportedValue } from './extract.js';
import { fiscalQuarterOf, fiscalYearOf, monthRange, nominalEnd, nominalStart, yearMonthText, type YearMonth } from './periods.js';

/** The figure as written to the data file, keys in the file's usual order. */
export interface SecFigure {
  id: string;
  company: string;
  metric: 'reported' | 'reported-quarter';
  label: string;
  basis: string;
  amount: number;
  currency: 'USD';
  period: { label: string; start: string; end: string };
  announced: string;
  source: { title: string; url: string };
  status: 'confirmed';
  origin: 'sec-xbrl';
  note: string;
}

/** Ids the import owns; it never writes any other id. */
export const SEC_FIGURE_ID = /^[a-z0-9-]+-sec-capex-(fy\d{4}|q[1-4]-(fy)?\d{4})$/;
export const SEC_ARCHIVE_URL_PREFIX = 'https://www.sec.gov/Archives/edgar/data/';

/** The EDGAR filing index page: /Archives/edgar/data/<cik>/<accession without dashes>/<accession>-index.htm */
export function filingIndexUrl(cik: string, accn: string): string {
  return `${SEC_ARCHIVE_URL_PREFIX}${Number(cik)}/${accn.replaceAll('-', '')}/${accn}-index.htm`;
}

/** Whole dollars to billions, without binary-fraction noise (39231000000 → 39.231). */
export function billionsOf(usd: number): number {
  return Math.round(usd / 1e3) / 1e6;
}

const dollars = (usd: number) => `USD ${usd.toLocaleString('en-US')}`;
const filingText = (f: Filing) => `Form ${f.form}, accession ${f.accn}, filed ${f.filed}`;

const ANNUAL_REPORT = /^(10-K|20-F|40-F)/;

/**
 * The month the company's fiscal year ends in, as its annual reports show it (the most common end month
 * of twelve-month periods first filed in a 10-K, 20-F or 40-F), else as the data file says. 10-Qs can
 * carry trailing-twelve-month columns (Amazon's do), which is why quarterly reports don't count here.
 */
export function fiscalYearEndMonthOf(periods: readonly CapexPeriod[], company: Company): number {
  const counts = new Map<number, number>();
  for (const p of periods) {
    if (p.kind !== 'annual' || !ANNUAL_REPORT.test(p.filing.form)) continue;
    const month = nominalEnd(p.end).month;
    counts.set(month, (counts.get(month) ?? 0) + 1);
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0];
  return best ? best[0] : company.fiscalYearEndMonth;
}

interface Naming {
  id: string;
  label: string;
}

function naming(company: Company, period: CapexPeriod, fyEndMonth: number, start: YearMonth, end: YearMonth): Naming {
  const fy = fiscalYearOf(end, fyEndMonth);
  const calendar = fyEndMonth === 12;
  if (period.kind === 'annual') {
    const label = calendar && start.month === 1 ? `CY${fy}` : `FY${fy} (${monthRange(start, end)})`;
    return { id: `${company.id}-sec-capex-fy${fy}`, label };
  }
  const q = fiscalQuarterOf(end, fyEndMonth);
  return calendar
    ? { id: `${company.id}-sec-capex-q${q}-${fy}`, label: `Q${q} ${fy}` }
    : { id: `${company.id}-sec-capex-q${q}-fy${fy}`, label: `Q${q} FY${fy} (${monthRange(start, end)})` };
}

function describeValue(v: ReportedValue): string {
  return `${v.start} to ${v.end} = ${dollars(v.val)} (${filingText(v.filing)})`;
}

function provenanceNote(period: CapexPeriod, tagName: string): string {
  const parts: string[] = [];
  if (period.derived) {
    const { cumulative, previous } = period.derived;
    parts.push(
      `Derived from year-to-date values of XBRL ${tagName}: ${describeValue(cumulative)} minus ${describeValue(previous)}.`,
    );
  } else {
    parts.push(`From ${filingText(period.filing)}: XBRL ${tagName} = ${dollars(period.val)} for ${period.start} to ${period.end}.`);
    const restated = period.reported?.restatedFrom;
    if (restated) parts.push(`Restated: ${filingText(restated.filing)} gave ${dollars(restated.val)}.`);
  }
  parts.push('Cash purchases only: finance-lease principal payments, which some headline capex figures include, are not in this tag.');
  return parts.join(' ');
}

export function toSecFigure(period: CapexPeriod, company: Company, cik: string, fyEndMonth: number): SecFigure {
  const start = nominalStart(period.start);
  const end = nominalEnd(period.end);
  const { id, label } = naming(company, period, fyEndMonth, start, end);
  const tagName = period.tag.taxonomy === 'us-gaap' ? period.tag.tag : `${period.tag.taxonomy}:${period.tag.tag}`;
  const quarter = period.kind === 'quarter';
  return {
    id,
    company: company.id,
    metric: quarter ? 'reported-quarter' : 'reported',
    label: `capex actual (${quarter ? 'quarter, ' : ''}${period.tag.describes}, SEC filing)`,
    basis: `${period.tag.describes} (XBRL ${tagName}; excludes finance leases)`,
    amount: billionsOf(period.val),
    currency: 'USD',
    period: { label, start: yearMonthText(start), end: yearMonthText(end) },
    announced: period.filing.filed,
    source: {
      title: `${company.name} ${period.filing.form} filed ${period.filing.filed} (SEC EDGAR XBRL, accession ${period.filing.accn})`,
      url: filingIndexUrl(cik, period.filing.accn),
    },
    status: 'confirmed',
    origin: 'sec-xbrl',
    note: provenanceNote(period, tagName),
  };
}

/**
 * Figures for every period, one per id. Two filings' periods can name the same fiscal period (a
 * one-day shift in a 52/53-week calendar); the one with the newer filing is kept and the other reported.
 */
export function toSecFigures(periods: readonly CapexPeriod[], company: Company, cik: string, warnings: string[]): SecFigure[] {
  const fyEndMonth = fiscalYearEndMonthOf(periods, company);
  if (fyEndMonth !== company.fiscalYearEndMonth) {
    warnings.push(
      `the data file says ${company.name}'s fiscal year ends in month ${company.fiscalYearEndMonth}, its filings end it in month ${fyEndMonth}; labels follow the filings (fix fiscalYearEndMonth)`,
    );
  }
  const byId = new Map<string, SecFigure>();
  const offYear = periods.filter((p) => p.kind === 'annual' && nominalEnd(p.end).month !== fyEndMonth);
  if (offYear.length > 0) {
    warnings.push(
      `skipped ${offYear.length} twelve-month period${offYear.length === 1 ? '' : 's'} not ending at the fiscal year end (trailing-twelve-month values): ${offYear.map((p) => `${p.start} to ${p.end}`).join(', ')}`,
    );
  }
  for (const period of periods) {
    if (offYear.includes(period)) continue;
    if (period.kind === 'quarter' && (nominalEnd(period.end).month - fyEndMonth + 12) % 3 !== 0) {
      warnings.push(`skipped the quarter ${period.start} to ${period.end}: it does not line up with a fiscal year ending in month ${fyEndMonth}`);
      continue;
    }
    const figure = toSecFigure(period, company, cik, fyEndMonth);
    const other = byId.get(figure.id);
    if (other) {
      const keep = other.announced >= figure.announced ? other : figure;
      warnings.push(`two periods map to ${figure.id} (${other.note.slice(0, 60)}… / ${figure.note.slice(0, 60)}…); kept the one filed ${keep.announced}`);
      byId.set(figure.id, keep);
    } else {
      byId.set(figure.id, figure);
    }
  }
  return [...byId.values()];
}
