/**
 * `/` (and `/?year=2025`): the `/capex top` answer for the year — ranking, combined total, definitions and
 * notes, its chart — then every tracked company with its newest figure and how old that figure is.
 */
import { formatDate, formatWithUsd } from '../../data/money.js';
import { defaultYear, isCounted, yearsWithData } from '../../data/queries.js';
import { h, page, type Html } from '../html.js';
import { topAnswer } from '../answers.js';
import { chartHtml, fieldsHtml, linesHtml, notesHtml, sourcesHtml, tableHtml } from '../reply-html.js';
import { absolute, ageOf, companyNameLinks, companyPath, sourceKinds, topChartPath, type PageContext } from '../site.js';
import { messagePage, type PageResult } from './message.js';

export async function homePage(ctx: PageContext, yearText: string | undefined): Promise<PageResult> {
  const { data, now } = ctx;
  const answer = await topAnswer(data, yearText, now);
  if (!answer.ok) return messagePage(ctx, 404, 'No ranking for that year', answer.message);
  const reply = answer.reply;
  // Valid once the command accepted it (its schema coerces the text the same way).
  const year = yearText ? Number(yearText) : defaultYear(data, now);
  const years = yearsWithData(data).filter((y) => y <= now.getUTCFullYear() + 1);
  const body = h`<article class="answer">
<h1>${reply.title}</h1>
<nav class="years" aria-label="Year">${years.map((y) => (y === year ? h`<strong aria-current="page">${y}</strong>` : h`<a href="/?year=${y}">${y}</a>`))}</nav>
${linesHtml(reply)}
${fieldsHtml(reply)}
${chartHtml(reply.chart ? { src: topChartPath(year), alt: `${reply.chart.title}: ${reply.summary}` } : undefined)}
${reply.table ? tableHtml(reply.table, { caption: `Ranking ${year}`, link: companyNameLinks(data), className: 'ranking' }) : ''}
${notesHtml(reply.notes)}
${sourcesHtml(reply.sources, sourceKinds(data.figures), reply.asOf)}
</article>
${companiesTable(ctx)}`;
  return {
    status: 200,
    body: page(
      { title: reply.title, description: reply.summary, canonical: absolute(ctx, yearText ? `/?year=${year}` : '/'), image: absolute(ctx, topChartPath(year)) },
      ctx.footer,
      body,
      '/',
    ),
  };
}

/** Every tracked company: its newest reliable figure (by announcement), and that figure's age. */
function companiesTable(ctx: PageContext): Html {
  const { data, now } = ctx;
  const rows = data.companies.map((company) => {
    const newest = data.figuresOf(company.id).filter(isCounted).at(-1);
    return h`<tr>
<td><a href="${companyPath(company.id)}">${company.name}</a>${company.tickers.length ? h` <small>${company.tickers.join(', ')}</small>` : ''}</td>
${newest
  ? h`<td>${formatWithUsd(newest, data)} <small>${newest.label}, ${newest.period.label}</small></td><td><time datetime="${newest.announced}">${formatDate(newest.announced)}</time></td><td class="num">${ageOf(newest.announced, now)}</td>`
  : h`<td colspan="3">no reliable figure yet</td>`}
</tr>`;
  });
  return h`<section aria-labelledby="companies" class="companies">
<h2 id="companies">Every tracked company (${data.companies.length})</h2>
<div class="table-wrap"><table>
<thead><tr><th scope="col">Company</th><th scope="col">Newest figure</th><th scope="col">Announced</th><th scope="col" class="num">Age</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
</section>`;
}
