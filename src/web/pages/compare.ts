/**
 * `/compare?c=meta,amazon`: the `/compare` answer (table with difference and ratio, notes, chart, sources)
 * and a plain GET form of checkboxes to pick other companies — no script needed. `c` may be a comma list
 * (links) or repeated (the form); names, tickers and aliases work as in chat.
 */
import { h, page, type Html } from '../html.js';
import { compareAnswer } from '../answers.js';
import { MAX_COMPARED } from '../../commands/compare.js';
import { chartHtml, linesHtml, notesHtml, sourcesHtml, tableHtml } from '../reply-html.js';
import { absolute, compareChartPath, comparePath, companyNameLinks, sourceKinds, type PageContext } from '../site.js';
import type { PageResult } from './message.js';

/** More names than this in a URL is not a comparison anyone asked for; the page says so instead of resolving them. */
const MAX_NAMES_READ = 12;

/** The company names in `c` (comma lists and repeats), trimmed, at most MAX_NAMES_READ + 1 of them. */
export function namesFromQuery(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)
    .slice(0, MAX_NAMES_READ + 1);
}

export async function comparePage(ctx: PageContext, names: string[]): Promise<PageResult> {
  const { data, now } = ctx;
  const resolved = names.map((n) => data.resolve(n));
  const selected = new Set(resolved.flatMap((r) => (r.ok ? [r.company.id] : [])));
  let content: Html = h`<p>Pick two to ${MAX_COMPARED} companies: their AI capex side by side, in US$ per year, for the newest year all of them have.</p>`;
  let status: PageResult['status'] = 200;
  let title = 'Compare AI capex';
  let description = 'AI capex of two to six companies side by side, with sources.';
  let ids: string[] = [];
  if (names.length > MAX_NAMES_READ) {
    status = 400;
    content = h`<p class="error">Compare at most ${MAX_COMPARED} companies at a time.</p>`;
  } else if (names.length === 1) {
    content = h`<p class="error">Pick at least one more company to compare with.</p>`;
  } else if (names.length >= 2) {
    const answer = await compareAnswer(data, names, now);
    if (!answer.ok) {
      status = resolved.some((r) => !r.ok) ? 404 : 400;
      content = h`<p class="error">${answer.message}</p>`;
    } else {
      const reply = answer.reply;
      ids = resolved.flatMap((r) => (r.ok ? [r.company.id] : []));
      title = reply.title;
      description = reply.summary;
      content = h`${linesHtml(reply)}
${chartHtml(reply.chart ? { src: compareChartPath(ids), alt: `${reply.chart.title}. ${reply.summary}` } : undefined)}
${reply.table ? tableHtml(reply.table, { caption: title, link: companyNameLinks(data), className: 'comparison' }) : ''}
${notesHtml(reply.notes)}
${sourcesHtml(reply.sources, sourceKinds(data.figures), reply.asOf)}`;
    }
  }
  const form = h`<form class="pick" method="get" action="/compare">
<fieldset><legend>Companies</legend>
${data.companies.map((c) => h`<label><input type="checkbox" name="c" value="${c.id}"${selected.has(c.id) ? h` checked` : ''}> ${c.name}</label>`)}
</fieldset>
<button type="submit">Compare</button>
</form>`;
  const body = h`<article class="answer compare">
<h1>${title}</h1>
${content}
${form}
</article>`;
  const canonical = ids.length ? comparePath(ids) : '/compare';
  return {
    status,
    body: page({ title, description, canonical: absolute(ctx, canonical), image: ids.length ? absolute(ctx, compareChartPath(ids)) : undefined }, ctx.footer, body, '/compare'),
  };
}
