/**
 * Pages that only say something: not found, a bad request, an error. They repeat what the visitor asked
 * for only through the escaping templates, and an error page shows a reference for the log, never a stack.
 */
import { h, page, type Footer, type Html } from '../html.js';

export interface PageResult {
  status: 200 | 400 | 401 | 403 | 404 | 429 | 500;
  body: Html;
}

export function messagePage(ctx: { footer: Footer }, status: PageResult['status'], title: string, message: string, extra: Html = h``): PageResult {
  return {
    status,
    body: page(
      { title },
      ctx.footer,
      h`<article class="message">
<h1>${title}</h1>
<p>${message}</p>
${extra}
<p><a href="/">See the ranking</a> or <a href="/#companies">every tracked company</a>.</p>
</article>`,
    ),
  };
}

export function notFoundPage(ctx: { footer: Footer }): PageResult {
  return messagePage(ctx, 404, 'Page not found', 'There is no page at this address.');
}

export function errorPage(ctx: { footer: Footer }, ref: string): PageResult {
  return messagePage(ctx, 500, 'Something went wrong', `The page could not be built (reference ${ref}; the details are in the bot's log). Please try again.`);
}
