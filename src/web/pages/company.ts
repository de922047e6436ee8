/**
 * `/company/<id>`: everything `/capex <company>` says (headline, guidance history with % change, context
 * figures, disputes, conversions, sources, the timeline chart), then every figure of the company — reported
 * and guided years, quarters and half-years, pledges, other figures — with its definition, basis, status and
 * source (linked, with its kind and date).
 */
import type { DataSet } from '../../data/dataset.js';
import { formatDate, formatWithUsd } from '../../data/money.js';
import { isCounted } from '../../data/queries.js';
import { BASIS_WORDS, DEFINITION_MEANINGS, DEFINITION_WORDS, SOURCE_KIND_WORDS } from '../../data/definitions.js';
import type { Company, Figure } from '../../data/schema.js';
import { h, page, type Html } from '../html.js';
import { companyAnswer } from '../answers.js';
import { chartHtml, fieldsHtml, linesHtml, notesHtml, sourcesHtml, tableHtml } from '../reply-html.js';
import { absolute, companyChartPath, companyPath, comparePath, sourceKinds, type PageContext } from '../site.js';
import type { PageResult } from './message.js';

const GROUPS: readonly { title: string; metrics: readonly Figure['metric'][] }[] = [
  { title: 'Annual capex: guidance and reported', metrics: ['guidance', 'reported'] },
  { title: 'Quarters and half-years', metrics: ['guidance-quarter', 'reported-quarter', 'reported-half'] },
  { title: 'Multi-year commitments', metrics: ['commitment'] },
  { title: 'Other figures', metrics: ['other'] },
];

const STATUS_WORDS: Record<Figure['status'], string> = { confirmed: 'confirmed', disputed: '⚠ disputed', weak: 'low reliability, not used' };

/** The status, and why a figure that is not weak is still not used in answers (an estimate, superseded). */
function statusWords(f: Figure): string {
  if (f.status === 'weak' || isCounted(f)) return STATUS_WORDS[f.status];
  return `${STATUS_WORDS[f.status]}; not used: ${f.supersededBy ? 'superseded by a newer figure' : 'an estimate'}`;
}

/** "capex incl. leases — capital expenditures including …", then the source's own words when given. */
function definitionWords(figure: Figure): string {
  const words = `${DEFINITION_WORDS[figure.definition]}: ${DEFINITION_MEANINGS[figure.definition]}`;
  return figure.definitionNote ? `${words} (${figure.definitionNote})` : words;
}

export async function companyPage(ctx: PageContext, company: Company): Promise<PageResult> {
  const { data, now } = ctx;
  const answer = await companyAnswer(data, company.id, now);
  const figures = data.figuresOf(company.id);
  const kindOf = sourceKinds(figures);
  let lead: Html;
  let description: string;
  let hasChart = false;
  if (answer.ok) {
    const reply = answer.reply;
    hasChart = Boolean(reply.chart);
    description = reply.summary;
    lead = h`<h1>${reply.title}</h1>
${linesHtml(reply)}
${fieldsHtml(reply)}
${chartHtml(reply.chart ? { src: companyChartPath(company.id), alt: `${reply.chart.title}. ${reply.summary}` } : undefined)}
${reply.table ? tableHtml(reply.table, { caption: 'Guidance history' }) : ''}
${notesHtml(reply.notes)}
${sourcesHtml(reply.sources, kindOf, reply.asOf)}`;
  } else {
    // No reliable headline (only low-reliability figures): say so as the chat does, and still list them below.
    description = answer.message;
    lead = h`<h1>${company.name} — AI capex</h1><p>${answer.message}</p>`;
  }
  const body = h`<article class="answer company">
${lead}
<p class="actions"><a href="${comparePath([company.id])}">Compare ${company.name} with other companies</a></p>
</article>
${allFigures(data, figures)}`;
  return {
    status: 200,
    body: page(
      {
        title: `${company.name} — AI capex`,
        description,
        canonical: absolute(ctx, companyPath(company.id)),
        image: hasChart ? absolute(ctx, companyChartPath(company.id)) : undefined,
      },
      ctx.footer,
      body,
    ),
  };
}

function allFigures(data: DataSet, figures: readonly Figure[]): Html {
  const sections = GROUPS.map((group) => {
    const rows = figures
      .filter((f) => group.metrics.includes(f.metric))
      .sort((a, b) => b.period.end.localeCompare(a.period.end) || b.announced.localeCompare(a.announced));
    if (rows.length === 0) return h``;
    return h`<h3>${group.title}</h3>
<div class="table-wrap"><table class="figures">
<thead><tr><th scope="col">Period</th><th scope="col">Figure</th><th scope="col">What it measures</th><th scope="col">Announced</th><th scope="col">Status</th><th scope="col">Source</th></tr></thead>
<tbody>${rows.map((f) => figureRow(f, data))}</tbody>
</table></div>`;
  });
  const remarks = figures.filter((f) => f.status !== 'confirmed' || f.note);
  return h`<section class="all-figures" aria-labelledby="all-figures">
<h2 id="all-figures">All ${figures.length} figures, with definitions and sources</h2>
${sections}
${remarks.length ? h`<h3>Disputes and remarks</h3><ul class="notes">${remarks.map((f) => h`<li id="remark-${f.id}"><strong>${f.period.label} ${f.label}</strong> (${statusWords(f)}): ${f.dispute ?? f.note ?? ''}</li>`)}</ul>` : ''}
</section>`;
}

function figureRow(f: Figure, data: DataSet): Html {
  const kind = f.source.kind;
  return h`<tr id="figure-${f.id}" class="status-${f.status}">
<td>${f.period.label}</td>
<td>${formatWithUsd(f, data)}</td>
<td>${f.label}<br><small>${BASIS_WORDS[f.basis]} · ${definitionWords(f)}${f.origin === 'sec-xbrl' ? ' · imported from SEC filings' : ''}</small></td>
<td><time datetime="${f.announced}">${formatDate(f.announced)}</time></td>
<td>${statusWords(f)}</td>
<td><a class="source-link" href="${f.source.url}" rel="noreferrer external">${f.source.title}</a>${kind ? h` <small class="kind">${SOURCE_KIND_WORDS[kind]}</small>` : ''}</td>
</tr>`;
}
