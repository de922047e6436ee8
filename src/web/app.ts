/**
 * The web site as a Hono application (routing, escaping templates, signed cookies, security headers —
 * Hono is small, has no dependencies, and needs no build step). src/web/index.ts mounts it on the bot's
 * one HTTP server.
 *
 * Every response carries a Content-Security-Policy without inline script or style (the pages have no
 * script at all), X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer. A page that cannot be
 * built is a 500 page with a reference that is also in the log — never a stack trace.
 */
import { randomBytes, createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import type { Services } from '../core/command.js';
import type { Logger } from '../core/log.js';
import type { DataSet } from '../data/dataset.js';
import { readAdminSnapshot } from './admin-data.js';
import { companyAnswer, compareAnswer, topAnswer } from './answers.js';
import { revisionsFeed } from './atom.js';
import { ChartImages, matchesEtag, type ChartSource } from './charts.js';
import { exportOf } from './export.js';
import { h, type Footer } from './html.js';
import { adminPage, signInPage } from './pages/admin.js';
import { companyPage } from './pages/company.js';
import { comparePage, namesFromQuery } from './pages/compare.js';
import { homePage } from './pages/home.js';
import { errorPage, messagePage, notFoundPage, type PageResult } from './pages/message.js';
import { AdminSessions, FAILED_SIGN_IN_WINDOW_MS, FAILED_SIGN_INS_PER_ADDRESS, FAILED_SIGN_INS_TOTAL, FailureLimiter } from './session.js';
import { companyPath, type PageContext } from './site.js';
import { SITE_CSS } from './style.js';

export interface WebOptions {
  data: () => DataSet;
  /** When and from where the current data was loaded (LiveData.status()); the footer of every page. */
  status: () => { dataVersion: string; dataLoadedAt: string };
  /** The bot's services: the admin view reads schedules, feeds and alert subscriptions through them. */
  services: Services;
  logger: Logger;
  /** PUBLIC_URL: absolute links in the feed and link previews; Secure cookies when https. */
  publicUrl?: string;
  /** ADMIN_TOKEN: /admin is off without it. */
  adminToken?: string;
  now?: () => Date;
  /** The client's address, for rate-limiting failed sign-ins (the node adapter passes the socket's). */
  clientAddress?: (c: Context) => string;
}

const CSS_ETAG = `"${createHash('sha256').update(SITE_CSS).digest('base64url').slice(0, 27)}"`;
/** Browsers and proxies revalidate data-dependent responses with their ETag on every use. */
const REVALIDATE = 'public, no-cache';

export function createWebApp(options: WebOptions): Hono {
  const app = new Hono();
  const now = options.now ?? (() => new Date());
  const publicUrl = options.publicUrl?.replace(/\/+$/, '');
  const charts = new ChartImages();
  const sessions = options.adminToken ? new AdminSessions(options.adminToken, Boolean(publicUrl?.startsWith('https:'))) : undefined;
  const failures = new FailureLimiter(FAILED_SIGN_INS_PER_ADDRESS, FAILED_SIGN_INS_TOTAL, FAILED_SIGN_IN_WINDOW_MS);
  const clientAddress = options.clientAddress ?? (() => 'unknown');

  const footer = (): Footer => {
    const s = options.status();
    return { dataVersion: s.dataVersion, dataLoadedAt: s.dataLoadedAt };
  };
  // One data snapshot per request: a reload while a page is being built cannot mix two versions.
  const context = (): PageContext => ({ data: options.data(), now: now(), footer: footer(), publicUrl });
  const send = (c: Context, result: PageResult, headers: Record<string, string> = {}) => c.html(result.body.toString(), result.status, headers);

  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      // Chart images may be embedded by other sites (a memo, a wiki); pages cannot be framed (above).
      crossOriginResourcePolicy: 'cross-origin',
    }),
  );

  app.get('/static/site.css', (c) => {
    if (matchesEtag(c.req.header('if-none-match'), CSS_ETAG)) return c.body(null, 304, { etag: CSS_ETAG });
    return c.body(SITE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', etag: CSS_ETAG, 'cache-control': 'public, max-age=3600' });
  });

  // Browsers ask for it on every site; there is none, and saying so plainly keeps their consoles quiet.
  app.get('/favicon.ico', (c) => c.body(null, 204, { 'cache-control': 'public, max-age=86400' }));

  app.get('/', async (c) => send(c, await homePage(context(), c.req.query('year') || undefined)));

  app.get('/company/:id', async (c) => {
    const ctx = context();
    const id = c.req.param('id');
    const company = ctx.data.company(id);
    if (company) return send(c, await companyPage(ctx, company));
    // A name, ticker or alias (/company/MSFT, /company/google) leads to the company's one address.
    const match = id.length <= 60 ? ctx.data.resolve(id) : { ok: false as const, suggestions: [] };
    if (match.ok) return c.redirect(companyPath(match.company.id), 301);
    return send(
      c,
      messagePage(
        ctx,
        404,
        'Company not found',
        `No company named '${id.length > 40 ? `${id.slice(0, 40)}…` : id}' is tracked.`,
        match.suggestions.length ? suggestionList(match.suggestions) : undefined,
      ),
    );
  });

  app.get('/compare', async (c) => send(c, await comparePage(context(), namesFromQuery(c.req.queries('c') ?? []))));

  const chartRoute = async (c: Context, key: string, source: (ctx: PageContext) => Promise<ChartSource | undefined>) => {
    const ctx = context();
    const etag = charts.etag(ctx.data, key, ctx.now);
    if (matchesEtag(c.req.header('if-none-match'), etag)) return c.body(null, 304, { etag, 'cache-control': REVALIDATE });
    const png = await charts.png(ctx.data, key, () => source(ctx));
    if (!png) return send(c, notFoundPage(ctx));
    // A view of the cached bytes, not a copy (the Buffer is never written to).
    return c.body(new Uint8Array(png.buffer as ArrayBuffer, png.byteOffset, png.byteLength), 200, { 'content-type': 'image/png', etag, 'cache-control': REVALIDATE });
  };
  const chartOf = async (answer: Promise<{ ok: true; reply: ChartSource } | { ok: false }>) => {
    const a = await answer;
    return a.ok ? a.reply : undefined;
  };

  app.get('/chart/top/:file', (c) => {
    const year = /^(\d{4})\.png$/.exec(c.req.param('file'))?.[1];
    if (!year) return send(c, notFoundPage(context()));
    return chartRoute(c, `top/${year}`, (ctx) => chartOf(topAnswer(ctx.data, year, ctx.now)));
  });
  app.get('/chart/company/:file', (c) => {
    const id = /^([a-z0-9-]{1,60})\.png$/.exec(c.req.param('file'))?.[1];
    const ctx = context();
    if (!id || !ctx.data.company(id)) return send(c, notFoundPage(ctx));
    return chartRoute(c, `company/${id}`, (page) => chartOf(companyAnswer(page.data, id, page.now)));
  });
  app.get('/chart/compare.png', (c) => {
    const ctx = context();
    const names = namesFromQuery(c.req.queries('c') ?? []);
    const ids = names.map((n) => ctx.data.resolve(n)).flatMap((r) => (r.ok ? [r.company.id] : []));
    if (ids.length !== names.length || ids.length < 2) return send(c, notFoundPage(ctx));
    return chartRoute(c, `compare/${ids.join(',')}`, (page) => chartOf(compareAnswer(page.data, ids, page.now)));
  });

  const exportRoute = (format: 'json' | 'csv', type: string) => (c: Context) => {
    const data = options.data();
    const file = exportOf(data, format);
    const headers = { etag: file.etag, 'cache-control': REVALIDATE };
    if (matchesEtag(c.req.header('if-none-match'), file.etag)) return c.body(null, 304, headers);
    return c.body(file.body, 200, { ...headers, 'content-type': type, 'content-disposition': `inline; filename="capex-figures.${format}"` });
  };
  app.get('/figures.json', exportRoute('json', 'application/json; charset=utf-8'));
  app.get('/figures.csv', exportRoute('csv', 'text/csv; charset=utf-8; header=present'));

  app.get('/revisions.atom', (c) => {
    const status = options.status();
    const xml = revisionsFeed(options.data(), { publicUrl, dataLoadedAt: status.dataLoadedAt });
    return c.body(xml, 200, { 'content-type': 'application/atom+xml; charset=utf-8', 'cache-control': 'public, max-age=300' });
  });

  // --- /admin: read-only schedule health behind a session cookie -------------------------------------
  const adminHeaders = { 'cache-control': 'no-store', 'x-robots-tag': 'noindex' };
  // Forms must come from this site: the request's own origin, or PUBLIC_URL's when behind a proxy.
  // A sign-in form is a few dozen bytes; nothing bigger is read into memory.
  app.use('/admin/*', bodyLimit({ maxSize: 4096, onError: (c) => c.text('Too large.', 413) }));
  app.use('/admin/*', csrf({ origin: (origin, c) => origin === new URL(c.req.url).origin || (publicUrl !== undefined && origin === new URL(publicUrl).origin) }));
  const adminOff = (c: Context) =>
    send(c, messagePage(context(), 404, 'Admin view is off', 'This bot has no ADMIN_TOKEN set, so there is no admin view.'), adminHeaders);

  app.get('/admin', async (c) => {
    if (!sessions) return adminOff(c);
    if (!(await sessions.valid(c))) return send(c, signInPage(context(), 401), adminHeaders);
    const snapshot = await readAdminSnapshot(options.services, (err) => options.logger.error({ err }, 'admin view: a part could not be read'));
    return send(c, adminPage(context(), snapshot), adminHeaders);
  });
  app.get('/admin/sign-in', (c) => (sessions ? send(c, signInPage(context(), 200), adminHeaders) : adminOff(c)));
  app.post('/admin/sign-in', async (c) => {
    if (!sessions) return adminOff(c);
    const address = clientAddress(c);
    const wait = failures.retryAfterMs(address);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      return send(c, signInPage(context(), 429, `Too many failed sign-ins. Try again in ${Math.ceil(seconds / 60)} minutes.`), { ...adminHeaders, 'retry-after': String(seconds) });
    }
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === 'string' ? form.token : '';
    if (!sessions.tokenMatches(token)) {
      failures.fail(address);
      options.logger.warn({ address }, 'admin sign-in failed');
      return send(c, signInPage(context(), 401, 'That token is not right.'), adminHeaders);
    }
    await sessions.start(c);
    return c.redirect('/admin', 303);
  });
  app.post('/admin/sign-out', (c) => {
    sessions?.end(c);
    return c.redirect('/', 303);
  });

  app.notFound((c) => send(c, notFoundPage(context())));
  app.onError((error, c) => {
    // Refusals the middleware raise on purpose (a form from another site: 403) are pages, not failures.
    if (error instanceof HTTPException && error.status < 500) {
      return send(c, messagePage(context(), error.status === 403 ? 403 : 400, 'Not accepted', 'This form can only be sent from this site’s own page. Open the page again and send it from there.'), { 'cache-control': 'no-store' });
    }
    const ref = randomBytes(4).toString('hex');
    options.logger.error({ err: error, ref, path: c.req.path }, 'web page failed');
    try {
      return send(c, errorPage(context(), ref));
    } catch {
      return c.text(`Something went wrong (reference ${ref}).`, 500);
    }
  });
  return app;
}

/** "Did you mean Alibaba or Alphabet?", each a link to the company's page. */
function suggestionList(companies: readonly { id: string; name: string }[]) {
  return h`<p>Did you mean ${companies.map((c, i) => h`${i ? ' or ' : ''}<a href="${companyPath(c.id)}">${c.name}</a>`)}?</p>`;
}
