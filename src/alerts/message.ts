/**
 * What a revision alert says, as a platform-neutral Reply every adapter renders:
 *
 *   Meta raised CY2026 capex guidance: US$125–145B → US$135–150B (+5.6%), announced 29 Jul 2026 — Meta Q2 2026 results
 *
 * One post per channel per batch. A batch is kept short so a big data update never floods a channel: at most
 * MAX_LINES lines, the rest as "…and N more — /capex sources <company>", and reported figures imported from
 * SEC filings (origin sec-xbrl; an import adds a dozen quarters at once) are summed up in one line per company.
 */
import type { Reply } from '../core/reply.js';
import type { DataSet } from '../data/dataset.js';
import type { Figure } from '../data/schema.js';
import { formatDate, formatWithUsd, midpoint, rangeOf } from '../data/money.js';
import { disputeNotes, newestDate, sourcesOf } from '../present/figures.js';
import { commandRef } from '../core/syntax.js';

/** Lines in one alert post; a longer batch ends with "…and N more". */
export const MAX_LINES = 5;
/** From this many SEC-imported figures of one company in a batch, they are summed up in one line. */
export const SEC_SUMMARY_FROM = 3;
const MAX_SOURCES = 5;

export interface AlertItem {
  figure: Figure;
  kind: 'added' | 'revised';
  /** The figure it revises (present in the data when the post is built). */
  previous?: Figure;
}

const METRIC_WORDS: Record<Figure['metric'], string> = {
  guidance: 'capex guidance',
  reported: 'reported capex',
  'guidance-quarter': 'quarterly capex guidance',
  'reported-quarter': 'reported quarterly capex',
  'reported-half': 'reported half-year capex',
  commitment: 'capex commitment',
  other: '',
};

function companyName(figure: Figure, data: DataSet): string {
  return data.company(figure.company)?.name ?? figure.company;
}

/** "CY2026 capex guidance"; `other` figures use the source's own wording. */
function whatOf(figure: Figure): string {
  return `${figure.period.label} ${METRIC_WORDS[figure.metric] || figure.label}`;
}

/** Midpoint change in percent, as src/data/diff.ts computes it. */
export function changePct(figure: Figure, previous: Figure): number {
  const before = midpoint(rangeOf(previous));
  return before === 0 ? 0 : (midpoint(rangeOf(figure)) / before - 1) * 100;
}

function pctWords(pct: number): string {
  if (Math.abs(pct) < 0.05) return 'midpoint unchanged';
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

/** The headline of one change: "Meta raised CY2026 capex guidance". */
export function headlineOf(item: AlertItem, data: DataSet): string {
  const company = companyName(item.figure, data);
  if (item.kind === 'revised' && item.previous) {
    const pct = changePct(item.figure, item.previous);
    const verb = Math.abs(pct) < 0.05 ? 'revised' : pct > 0 ? 'raised' : 'lowered';
    return `${company} ${verb} ${whatOf(item.figure)}`;
  }
  return `${company}: new ${whatOf(item.figure)}`;
}

/** The full line: old → new, % change, date, source. */
export function describeItem(item: AlertItem, data: DataSet): string {
  const { figure, previous } = item;
  const tail = `announced ${formatDate(figure.announced)} — ${figure.source.title}`;
  if (item.kind === 'revised' && previous) {
    return `${headlineOf(item, data)}: ${formatWithUsd(previous, data)} → ${formatWithUsd(figure, data)} (${pctWords(changePct(figure, previous))}), ${tail}`;
  }
  return `${headlineOf(item, data)}: ${formatWithUsd(figure, data)}, ${tail}`;
}

/** "Alphabet: 15 reported figures imported from SEC filings (Q1 FY2023 … FY2025) — /capex sources alphabet" */
function secSummary(items: AlertItem[], data: DataSet): string {
  const figures = items.map((i) => i.figure).sort((a, b) => a.period.end.localeCompare(b.period.end) || a.period.start.localeCompare(b.period.start));
  const first = figures[0]!;
  const last = figures.at(-1)!;
  const span = first.period.label === last.period.label ? first.period.label : `${first.period.label} … ${last.period.label}`;
  const revised = items.filter((i) => i.kind === 'revised').length;
  const what = revised ? `${items.length} reported capex figures from SEC filings (${revised} restated)` : `${items.length} reported capex figures imported from SEC filings`;
  return `${companyName(first, data)}: ${what}, ${span} — ${commandRef(`/capex sources ${first.company}`)}`;
}

interface Line {
  text: string;
  figures: Figure[];
  company: string;
}

/** Revisions first (the news), then new figures; newest announcement first within each. */
function order(items: AlertItem[]): AlertItem[] {
  const rank = (i: AlertItem) => (i.kind === 'revised' && i.previous ? 0 : 1);
  return [...items].sort((a, b) => rank(a) - rank(b) || b.figure.announced.localeCompare(a.figure.announced) || a.figure.id.localeCompare(b.figure.id));
}

/** The post for one channel's batch of changes. `items` is never empty. */
export function buildAlertPost(items: AlertItem[], data: DataSet): Reply {
  const ordered = order(items);
  const secByCompany = new Map<string, AlertItem[]>();
  for (const item of ordered) {
    if (item.figure.origin !== 'sec-xbrl') continue;
    secByCompany.set(item.figure.company, [...(secByCompany.get(item.figure.company) ?? []), item]);
  }
  const summarised = new Set([...secByCompany.values()].filter((group) => group.length >= SEC_SUMMARY_FROM).flat());

  const lines: Line[] = [];
  const summaryDone = new Set<string>();
  for (const item of ordered) {
    if (summarised.has(item)) {
      if (summaryDone.has(item.figure.company)) continue;
      summaryDone.add(item.figure.company);
      const group = secByCompany.get(item.figure.company)!;
      lines.push({ text: secSummary(group, data), figures: [], company: item.figure.company });
    } else {
      lines.push({ text: describeItem(item, data), figures: [item.figure, ...(item.previous ? [item.previous] : [])], company: item.figure.company });
    }
  }

  const shown = lines.length > MAX_LINES ? lines.slice(0, MAX_LINES - 1) : lines;
  const rest = lines.slice(shown.length);
  const text = shown.map((l) => l.text);
  if (rest.length > 0) {
    const companies = [...new Set(rest.map((l) => l.company))];
    const hidden = rest.reduce((n, l) => n + (l.figures.length ? 1 : secByCompany.get(l.company)!.length), 0);
    const names = companies.map((id) => data.company(id)?.name ?? id);
    const where = companies.length === 1 ? commandRef(`/capex sources ${companies[0]}`) : `${commandRef('/capex sources <company>')} (${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''})`;
    text.push(`…and ${hidden} more — ${where}`);
  }

  const figures = shown.flatMap((l) => l.figures);
  const single = items.length === 1 && !summarised.size ? ordered[0] : undefined;
  const title = single ? headlineOf(single, data) : `AI capex data updated: ${items.length} new or revised figure${items.length === 1 ? '' : 's'}`;
  return {
    kind: 'answer',
    visibility: 'public',
    title,
    lines: single ? text : text.map((t) => `• ${t}`),
    notes: disputeNotes(figures, data).slice(0, 3),
    sources: sourcesOf(figures.filter((f) => shown.some((l) => l.figures[0] === f))).slice(0, MAX_SOURCES),
    asOf: newestDate(figures),
    summary: single ? describeItem(single, data) : `${title}. ${text[0]}`,
  };
}
