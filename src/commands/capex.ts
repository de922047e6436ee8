/** `/capex <company>`: the headline figure, its revision history, other recent figures and sources. */
import { z } from 'zod';
import { defineCommand, UserError } from '../core/command.js';
import { deepFreeze, type Reply, type ReplyField } from '../core/reply.js';
import type { DataSet } from '../data/dataset.js';
import { formatDate, formatNative, formatUsd, formatWithUsd } from '../data/money.js';
import { calendarYearFigure, headlineFigure, isCounted, monthsIn, pledgesOf, revisionHistory, seriesOf, type YearFigure } from '../data/queries.js';
import { DEFINITION_WORDS, isCapexDefinition } from '../data/definitions.js';
import type { Company, Figure } from '../data/schema.js';
import { capexTimeline } from './capex-timeline.js';
import { BASIS_WORDS, describeFigure, describeYearValue, displayName, disputeNotes, newestDate, sourcesOf } from '../present/figures.js';
import { cachedAnswer, companyOption, resolveCompany } from './shared.js';
import { commandRef } from '../core/syntax.js';

const USAGE = '/capex <company> — e.g. /capex alibaba, /capex MSFT, /capex google';

export const capexCommand = defineCommand({
  id: 'capex',
  path: ['capex'],
  summary: 'AI capex of one company: latest figure, revisions and sources',
  usage: USAGE,
  examples: ['/capex alibaba', '/capex meta', '/capex GOOGL'],
  options: z.object({ company: companyOption }),
  fromText: (args) => {
    if (args.length === 0) throw new UserError('Name a company.', USAGE);
    return { company: args.join(' ') };
  },
  run: ({ company: query }, { data, now, services }) => {
    const company = resolveCompany(data, query, USAGE);
    // The answer depends only on the data set, the company and the day (it says how long ago figures were
    // announced), so it is built once per set and day; yesterday's answers are dropped.
    const day = Math.floor(now.getTime() / 86_400_000);
    let cache = answers.get(data);
    if (cache?.day !== day) answers.set(data, (cache = { day, replies: new Map() }));
    const reply = cachedAnswer(cache.replies, company.id, () => companyAnswer(data, company, now));
    return withPageLink(reply, company, services.pages?.company(company.id));
  },
});

/** The answer with a link to the company's web page (PUBLIC_URL), frozen and kept beside it so renderers' caches still hit. */
const linked = new WeakMap<Reply, Reply>();
function withPageLink(reply: Reply, company: Company, url: string | undefined): Reply {
  if (!url) return reply;
  const hit = linked.get(reply);
  if (hit?.link?.url === url) return hit;
  const copy = deepFreeze({ ...reply, link: { label: `${company.name} on the web: every figure, with sources`, url } });
  linked.set(reply, copy);
  return copy;
}

/**
 * A data set never changes once loaded (a reload builds a new one). Cached answers (and refusals: no reliable
 * figure) of one UTC day, by company id; deep-frozen, so no caller can change one for the next, and renderers
 * may cache their output for them.
 */
const answers = new WeakMap<DataSet, { day: number; replies: Map<string, Reply | UserError> }>();

function companyAnswer(data: DataSet, company: Company, now: Date): Reply {
  const headline = headlineFigure(data, company, now);
  if (!headline) {
    // Only weak figures and estimates are left: say how many, and where to see them.
    const weak = data.figuresOf(company.id).filter((f) => !isCounted(f)).length;
    throw new UserError(
      `No reliable figure for ${company.name} yet${weak ? ` (${weak} low-reliability figure${weak > 1 ? 's' : ''} or estimate${weak > 1 ? 's' : ''}: ${commandRef(`/capex sources ${company.id}`)})` : ''}.`,
    );
  }
  const lead = headline.figures.at(-1)!;
  const history = headline.derivation ? [] : revisionHistory(seriesOf(data, lead));
  const context = contextFigures(headline, data, now);
  const shown = [...history.map((h) => h.figure), ...headline.figures, ...context.figures];
  const name = displayName(company);
  const newest = newestCompanyFigure(data, company);
  const headlineText = `${headlineWords(headline)}: ${describeYearValue(headline, data)} — ${headline.periodLabel}${firstAnnounced(history.map((h) => h.figure), lead, now)}.`;

  const fields: ReplyField[] = [
    { label: `${headlineWords(headline)} ${headline.periodLabel}`, value: describeYearValue(headline, data) },
    { label: 'Announced', value: `${formatDate(lead.announced)} (${ageWords(lead.announced, now)})` },
    ...(headline.basis === 'commitment' ? [{ label: 'Per year', value: `${formatUsd(headline.usdPerYear, true)} if spread evenly over ${lead.period.label} (a pledge, not annual capex)` }] : []),
    ...context.fields,
  ];
  const lines = [headlineText];
  if (newest && newest !== lead && newest.announced > lead.announced) {
    lines.push(`Newest figure from ${company.name}: ${describeFigure(newest, data)}, ${ageWords(newest.announced, now)}.`);
    shown.push(newest);
  }
  const reply: Reply = {
    kind: 'answer',
    visibility: 'public',
    title: `${name} — AI capex`,
    lines,
    fields,
    chart: capexTimeline(data, company),
    notes: [
      ...disputeNotes(shown, data),
      ...(company.fiscalYearEndMonth !== 12 ? [`${company.name}'s fiscal year ends in ${monthName(company.fiscalYearEndMonth)}; FY figures are not calendar years.`] : []),
      ...context.notes,
    ],
    sources: sourcesOf(shown),
    asOf: newestDate(shown),
    summary: `${company.name}: ${headlineText}`,
  };
  if (history.length > 1) {
    reply.table = {
      columns: ['Announced', 'Figure', 'Change'],
      numericColumns: [2],
      rows: history.map((h) => [
        formatDate(h.figure.announced),
        `${formatNative(h.figure)}${h.figure.label.includes('(') ? ` ${h.figure.label.slice(h.figure.label.indexOf('('))}` : ''}`,
        describeChange(h.changePct),
      ]),
    };
    const revisions = history.filter((h) => h.changePct !== undefined && h.changePct !== 0).length;
    reply.lines.push(
      revisions > 0
        ? `Revised ${revisions} time${revisions > 1 ? 's' : ''}: ${history.map((h) => formatNative(h.figure)).join(' → ')}.`
        : `Restated ${history.length - 1} time${history.length > 2 ? 's' : ''} with the same amount.`,
    );
  }
  return reply;
}

/** "Capex guidance", "Reported capex", "Pledge", or for a company with neither, what the figure is. */
function headlineWords(entry: YearFigure): string {
  if (entry.basis === 'commitment') return `Multi-year ${DEFINITION_WORDS[entry.definition]}`;
  if (!isCapexDefinition(entry.definition)) return `Latest figure (${DEFINITION_WORDS[entry.definition]}, not capex)`;
  const figure = entry.figures[0]!;
  // A company with no annual capex leads with what it has: a cumulative or quarterly figure, named as such.
  if (figure.metric !== 'reported' && figure.metric !== 'guidance' && !entry.derivation) return `Latest figure (${figure.label})`;
  return BASIS_WORDS[entry.basis];
}

/** The company's newest counted figure of any kind (a quarter, a contract), to say what is newest and how old. */
function newestCompanyFigure(data: DataSet, company: Company): Figure | undefined {
  return data.figuresOf(company.id).filter(isCounted).at(-1);
}

/** "3 months ago", "13 days ago", "1 year 2 months ago". Month-only dates count from the 1st. */
export function ageWords(announced: string, now: Date): string {
  const then = new Date(`${announced.length === 7 ? `${announced}-01` : announced}T00:00:00Z`);
  const days = Math.max(0, Math.floor((now.getTime() - then.getTime()) / 86_400_000));
  if (days < 45) return days === 0 ? 'today' : `${days} day${days === 1 ? '' : 's'} ago`;
  const months = Math.round(days / 30.44);
  if (months < 12) return `${months} months ago`;
  const years = Math.floor(months / 12);
  const rest = months % 12;
  return `${years} year${years > 1 ? 's' : ''}${rest ? ` ${rest} month${rest > 1 ? 's' : ''}` : ''} ago`;
}

function describeChange(pct: number | undefined): string {
  if (pct === undefined) return 'first';
  if (pct === 0) return 'same';
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

function firstAnnounced(series: Figure[], lead: Figure, now: Date): string {
  const first = series[0];
  const age = ageWords(lead.announced, now);
  if (!first || first === lead) return `, announced ${formatDate(lead.announced)} (${age})`;
  return `, announced ${formatDate(lead.announced)} (${age}; first announced ${formatDate(first.announced)})`;
}

/**
 * Other figures worth a line: the year before the headline (every definition reported for it, each named,
 * never a dispute), the calendar year summed from quarters, the newest pledge (not capex), newer figures only
 * weak pages state, and figures a newer one superseded.
 */
function contextFigures(headline: YearFigure, data: DataSet, now: Date) {
  const fields: ReplyField[] = [];
  const figures: Figure[] = [];
  const notes: string[] = [];
  const company = headline.company;
  const all = data.figuresOf(company.id);
  const counted = all.filter(isCounted);
  if (headline.basis !== 'commitment' && isCapexDefinition(headline.definition)) {
    const previousYear = headline.year - 1;
    const actuals = counted.filter((f) => f.metric === 'reported' && isCapexDefinition(f.definition) && Number(f.period.end.slice(0, 4)) === previousYear && monthsIn(f) === 12);
    const periods = [...new Set(actuals.map((f) => f.period.label))];
    for (const period of periods) {
      const onPeriod = actuals.filter((f) => f.period.label === period);
      fields.push({ label: `Reported ${period}`, value: onPeriod.map((f) => `${formatWithUsd(f, data)} ${DEFINITION_WORDS[f.definition]}`).join(' · ') });
      figures.push(...onPeriod);
    }
    const calendar = calendarYearFigure(data, company, previousYear);
    if (calendar?.derivation) {
      fields.push({ label: `Calendar ${previousYear}`, value: describeYearValue(calendar, data) });
      figures.push(...calendar.figures);
    }
  } else if (headline.basis === 'commitment') {
    const reported = counted.filter((f) => f.metric === 'reported' && isCapexDefinition(f.definition)).at(-1);
    if (reported) {
      fields.push({ label: `Reported capex ${reported.period.label}`, value: describeFigure(reported, data) });
      figures.push(reported);
    }
  }
  if (headline.basis !== 'commitment') {
    const pledge = pledgesOf(data, company)[0];
    if (pledge) {
      fields.push({ label: 'Pledge (not capex, not compared)', value: describeFigure(pledge, data) });
      figures.push(pledge);
    }
  }
  const newest = headline.figures.reduce((max, f) => (f.announced > max ? f.announced : max), '');
  const headlineEnd = headline.figures.reduce((max, f) => (f.period.end > max ? f.period.end : max), '');
  // Weak figures announced since, or the same day for a later period (Oracle's FY2027 outlook beside its FY2026 actual).
  const newerWeak = all.filter(
    (f) => f.status === 'weak' && isCapexDefinition(f.definition) && (f.announced > newest || (f.announced === newest && f.period.end > headlineEnd)),
  );
  for (const f of newerWeak) {
    fields.push({ label: 'Newer, weakly sourced (not used)', value: `${describeFigure(f, data)} — ${f.source.title}` });
  }
  for (const f of all.filter((x) => x.supersededBy)) {
    const by = all.find((x) => x.id === f.supersededBy);
    notes.push(`Superseded: ${formatWithUsd(f, data)} (${f.label}, ${formatDate(f.announced)})${by ? ` was replaced by ${formatWithUsd(by, data)} (${formatDate(by.announced)}, ${ageWords(by.announced, now)})` : ''}.`);
  }
  return { fields, figures, notes };
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function monthName(month: number): string {
  return MONTH_NAMES[month - 1] ?? String(month);
}
