/** `/capex <company>`: the headline figure, its revision history, other recent figures and sources. */
import { z } from 'zod';
import { defineCommand, UserError } from '../core/command.js';
import { deepFreeze, type Reply, type ReplyField } from '../core/reply.js';
import type { DataSet } from '../data/dataset.js';
import { formatDate, formatNative, formatUsd } from '../data/money.js';
import { headlineFigure, isCounted, revisionHistory, seriesOf, yearFigure, type YearFigure } from '../data/queries.js';
import type { Company, Figure } from '../data/schema.js';
import { capexTimeline } from './capex-timeline.js';
import {
  BASIS_WORDS,
  companyOption,
  describeFigure,
  describeYearValue,
  displayName,
  disputeNotes,
  newestDate,
  resolveCompany,
  sourcesOf,
} from './shared.js';

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
  run: ({ company: query }, { data, now }) => {
    const company = resolveCompany(data, query, USAGE);
    // The answer depends only on the data set, the company and the year, so it is built once per set.
    const cache = answers.get(data) ?? answers.set(data, new Map()).get(data)!;
    const key = `${company.id}|${now.getUTCFullYear()}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const reply = deepFreeze(companyAnswer(data, company, now));
    cache.set(key, reply);
    return reply;
  },
});

/**
 * A data set never changes once loaded (a reload builds a new one). Cached answers are deep-frozen, so no
 * caller can change one for the next, and renderers may cache their output for them.
 */
const answers = new WeakMap<DataSet, Map<string, Reply>>();

function companyAnswer(data: DataSet, company: Company, now: Date): Reply {
  const headline = headlineFigure(data, company, now);
  if (!headline) {
    const weak = data.figuresOf(company.id).length;
    throw new UserError(
      `No reliable capex figure for ${company.name} yet${weak ? ` (${weak} low-reliability figure${weak > 1 ? 's' : ''}: /capex sources ${company.id})` : ''}.`,
    );
  }
  const lead = headline.figures.at(-1)!;
  const history = revisionHistory(seriesOf(data, lead));
  const context = contextFigures(headline, data.figuresOf(company.id).filter(isCounted), data);
  const shown = [...history.map((h) => h.figure), ...headline.figures, ...context.figures];
  const name = displayName(company);
  const headlineText = `${BASIS_WORDS[headline.basis]}: ${describeYearValue(headline, data)} — ${lead.period.label}${firstAnnounced(history.map((h) => h.figure), lead)}.`;

  const fields: ReplyField[] = [
    { label: headline.basis === 'commitment' ? 'Commitment' : `${BASIS_WORDS[headline.basis]} ${lead.period.label}`, value: describeYearValue(headline, data) },
    { label: 'Announced', value: formatDate(lead.announced) },
    ...(headline.basis === 'commitment' ? [{ label: 'Per year', value: `${formatUsd(headline.usdPerYear, true)} (spread evenly over ${lead.period.label})` }] : []),
    ...context.fields,
  ];
  const reply: Reply = {
    kind: 'answer',
    visibility: 'public',
    title: `${name} — AI capex`,
    lines: [headlineText],
    fields,
    chart: capexTimeline(data, company),
    notes: [
      ...disputeNotes(shown, data),
      ...(headline.fiscal ? [`${company.name}'s fiscal year ends in ${monthName(company.fiscalYearEndMonth)}; FY figures are not calendar years.`] : []),
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

function describeChange(pct: number | undefined): string {
  if (pct === undefined) return 'first';
  if (pct === 0) return 'same';
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

function firstAnnounced(series: Figure[], lead: Figure): string {
  const first = series[0];
  if (!first || first === lead) return `, announced ${formatDate(lead.announced)}`;
  return `, announced ${formatDate(lead.announced)} (first announced ${formatDate(first.announced)})`;
}

/** Other figures worth a line: last reported year next to a guidance, the newest commitment next to capex. */
function contextFigures(headline: YearFigure, counted: Figure[], data: Parameters<typeof yearFigure>[0]) {
  const fields: ReplyField[] = [];
  const figures: Figure[] = [];
  const add = (label: string, entry: YearFigure | undefined) => {
    if (!entry) return;
    fields.push({ label, value: describeYearValue(entry, data) });
    figures.push(...entry.figures);
  };
  if (headline.basis !== 'commitment') {
    const previous = yearFigure(data, headline.company, headline.year - 1);
    if (previous) add(`${BASIS_WORDS[previous.basis]} ${previous.figures[0]!.period.label}`, previous);
    const commitment = counted.filter((f) => f.metric === 'commitment').at(-1);
    if (commitment) {
      fields.push({ label: 'Multi-year commitment', value: describeFigure(commitment, data) });
      figures.push(commitment);
    }
  } else {
    const reported = counted.filter((f) => f.metric === 'reported').at(-1);
    if (reported) {
      fields.push({ label: `Reported capex ${reported.period.label}`, value: describeFigure(reported, data) });
      figures.push(reported);
    }
  }
  return { fields, figures };
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function monthName(month: number): string {
  return MONTH_NAMES[month - 1] ?? String(month);
}
