/**
 * A chat answer (the platform-neutral Reply the commands build) as HTML. The pages show the very Reply the
 * chat adapters render — same lines, table, notes and sources — so the web never words or computes a figure
 * differently from chat; it only adds links and more detail around it.
 */
import type { Reply, ReplySource, ReplyTable } from '../core/reply.js';
import { SOURCE_KIND_WORDS } from '../data/definitions.js';
import { formatDate } from '../data/money.js';
import type { SourceKind } from '../data/schema.js';
import { h, join, type Html } from './html.js';

/** Turns a table cell into a link when it names something with a page (a company name → its page). */
export type CellLink = (cell: string, column: string) => string | undefined;

export function tableHtml(table: ReplyTable, options: { caption?: string; link?: CellLink; className?: string } = {}): Html {
  const numeric = new Set(table.numericColumns ?? []);
  const cls = (i: number) => (numeric.has(i) ? h` class="num"` : '');
  const cell = (text: string, i: number) => {
    const href = options.link?.(text, table.columns[i] ?? '');
    return href ? h`<a href="${href}">${text}</a>` : text;
  };
  return h`<div class="table-wrap"><table${options.className ? h` class="${options.className}"` : ''}>
${options.caption ? h`<caption>${options.caption}</caption>` : ''}
<thead><tr>${table.columns.map((c, i) => h`<th scope="col"${cls(i)}>${c}</th>`)}</tr></thead>
<tbody>${table.rows.map((row) => h`<tr>${row.map((c, i) => h`<td${cls(i)}>${cell(c, i)}</td>`)}</tr>`)}</tbody>
${table.footer ? h`<tfoot><tr>${table.footer.map((c, i) => h`<td${cls(i)}>${c}</td>`)}</tr></tfoot>` : ''}
</table></div>`;
}

export function linesHtml(reply: Reply): Html {
  return join(reply.lines.map((line) => h`<p>${line}</p>`));
}

export function fieldsHtml(reply: Reply): Html {
  if (!reply.fields?.length) return h``;
  return h`<dl class="fields">${reply.fields.map((f) => h`<div><dt>${f.label}</dt><dd>${f.value}</dd></div>`)}</dl>`;
}

export function notesHtml(notes: readonly string[] | undefined): Html {
  if (!notes?.length) return h``;
  return h`<ul class="notes">${notes.map((n) => h`<li>${n}</li>`)}</ul>`;
}

/**
 * The numbered source list: every link opens the source itself. `kindOf` names the kind of page (from the
 * data, in the words every answer uses); links carry rel="noreferrer" (a source never learns which page sent the reader).
 */
export function sourcesHtml(sources: readonly ReplySource[] | undefined, kindOf: (url: string) => SourceKind | undefined, asOf?: string): Html {
  if (!sources?.length) return h``;
  return h`<section class="sources" aria-labelledby="sources-heading">
<h2 id="sources-heading">Sources${asOf ? h` <small>as of ${formatDate(asOf)}</small>` : ''}</h2>
<ol>${sources.map((s) => {
    const kind = kindOf(s.url);
    return h`<li><a class="source-link" href="${s.url}" rel="noreferrer external">${s.title}</a>${kind ? h` <span class="kind">${SOURCE_KIND_WORDS[kind]}</span>` : ''}${s.date ? h` <time datetime="${s.date}">${formatDate(s.date)}</time>` : ''}</li>`;
  })}</ol>
</section>`;
}

export interface ChartImage {
  src: string;
  alt: string;
}

export function chartHtml(image: ChartImage | undefined): Html {
  if (!image) return h``;
  // 900×500 CSS pixels is the renderer's default size; the width/height attributes keep the layout from jumping.
  return h`<figure class="chart"><img src="${image.src}" alt="${image.alt}" width="900" height="500" decoding="async"></figure>`;
}
