/**
 * HTML building blocks. Every page is a tagged template from Hono's `html` helper: each interpolated value is
 * escaped (& < > " ') unless it is itself a template result, so data text, company names and anything a
 * visitor typed can never become markup. `raw` is never used on outside text.
 *
 * The helper answers a Promise only when a value is a Promise; pages interpolate plain values only, and
 * `h` checks that, so rendering stays synchronous (and cheap enough to do per request).
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString;

export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const out = html(strings, ...values);
  if (out instanceof Promise) throw new Error('a page template was given a Promise; resolve data before rendering');
  return out;
}

/** A list of fragments as one fragment (an empty list renders nothing). */
export function join(parts: readonly Html[]): Html {
  return h`${parts}`;
}

export interface PageMeta {
  title: string;
  /** One sentence for link previews (Slack/Discord unfurls read og:description). */
  description?: string;
  /** Absolute URL of this page when PUBLIC_URL is set (og:url, canonical link). */
  canonical?: string;
  /** Absolute or root-relative URL of an image for link previews (a chart). */
  image?: string;
}

export interface Footer {
  dataVersion: string;
  dataLoadedAt: string;
}

/** "30 Nov 2026 17:46 UTC" */
export function formatInstant(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

const NAV: readonly [string, string][] = [
  ['/', 'Ranking'],
  ['/#companies', 'Companies'],
  ['/compare', 'Compare'],
];

/** The page shell: no inline script or style (the Content-Security-Policy forbids both), one stylesheet. */
export function page(meta: PageMeta, footer: Footer, body: Html, current = ''): Html {
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${meta.title} · capex-bot</title>
${meta.description ? h`<meta name="description" content="${meta.description}">` : ''}
<meta property="og:site_name" content="capex-bot">
<meta property="og:title" content="${meta.title}">
${meta.description ? h`<meta property="og:description" content="${meta.description}">` : ''}
${meta.canonical ? h`<meta property="og:url" content="${meta.canonical}"><link rel="canonical" href="${meta.canonical}">` : ''}
${meta.image ? h`<meta property="og:image" content="${meta.image}">` : ''}
<link rel="stylesheet" href="/static/site.css">
<link rel="alternate" type="application/atom+xml" title="capex-bot: new and revised figures" href="/revisions.atom">
</head>
<body>
<header class="site"><a class="brand" href="/">capex-bot</a><nav aria-label="Main">${NAV.map(
    ([href, label]) => h`<a href="${href}"${href === current ? h` aria-current="page"` : ''}>${label}</a>`,
  )}</nav></header>
<main>
${body}
</main>
<footer class="site"><p>Data version <strong class="data-version">${footer.dataVersion}</strong>, loaded ${formatInstant(footer.dataLoadedAt)}.
Every figure links to its source; disputed figures are marked ⚠ and low-reliability ones are never used in totals.</p>
<p><a href="/figures.csv">CSV</a> · <a href="/figures.json">JSON</a> · <a href="/revisions.atom">Revisions feed (Atom)</a></p></footer>
</body>
</html>`;
}
