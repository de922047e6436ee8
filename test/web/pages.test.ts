/**
 * The public pages over real HTTP: they show what the chat answers say (the same Reply, so the same
 * figures), link every company and source, escape whatever a visitor puts in a URL, and carry the security
 * headers on every kind of response.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createCore } from '../../src/app.js';
import type { Reply } from '../../src/core/reply.js';
import { SOURCE_KIND_WORDS } from '../../src/data/definitions.js';
import { loadDataFile } from '../../src/data/loader.js';
import { createWebApp } from '../../src/web/app.js';
import { startSite, TODAY, type WebSite } from './harness.js';

let site: WebSite;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site.close();
});

const get = (path: string, init?: RequestInit) => fetch(`${site.url}${path}`, { redirect: 'manual', ...init });
const text = async (path: string) => {
  const res = await get(path);
  return { res, body: await res.text() };
};
/** What chat answers for the same question, at the same date and on the same data. */
const chat = async (line: string): Promise<Reply> =>
  createCore({ data: () => site.live.current(), now: () => TODAY }).handleText(line, { platform: 'console', userId: 'console:t', isAdmin: false, channelId: 'console:t' });

/** HTML-escaped, as the page writes text. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe('GIVEN the home page', () => {
  it('THEN it shows the /capex top ranking, total and notes exactly as chat does, each company linked to its page', async () => {
    const { res, body } = await text('/');
    expect(res.status).toBe(200);
    const top = await chat('/capex top');
    expect(top.kind).toBe('answer');
    expect(body).toContain(`<h1>${esc(top.title)}</h1>`);
    for (const line of top.lines) expect(body).toContain(esc(line));
    for (const note of top.notes ?? []) expect(body).toContain(esc(note));
    for (const row of top.table!.rows) {
      const [rank, company, amount] = row;
      expect(body).toMatch(new RegExp(`<td class="num">${rank}</td><td><a href="/company/[a-z0-9-]+">${esc(company!)}</a></td><td class="num">${esc(amount!).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td>`));
    }
    expect(body).toContain(`<td>Total</td><td class="num">${esc(top.table!.footer![2]!)}</td>`);
    expect(body).toContain('<img src="/chart/top/2026.png"');
  });

  it('THEN it lists every tracked company with its newest figure and its age, and names the data version', async () => {
    const { body } = await text('/');
    const data = site.live.current();
    for (const company of data.companies) expect(body).toContain(`<a href="/company/${company.id}">${esc(company.name)}</a>`);
    expect(body).toContain(`Every tracked company (${data.companies.length})`);
    expect(body).toMatch(/<td class="num">\d+ (days?|months|years?( \d+ months?)?)<\/td>/);
    expect(body).toContain(`Data version <strong class="data-version">${esc(data.version)}</strong>`);
  });

  it('THEN ?year= picks the year as /capex top <year> does, and a bad year is a 404 page that says why', async () => {
    const { body } = await text('/?year=2025');
    expect(body).toContain(`<h1>${esc((await chat('/capex top 2025')).title)}</h1>`);
    const bad = await text('/?year=1999');
    expect(bad.res.status).toBe(404);
    expect(bad.body).toContain('figures start in 2020');
  });
});

describe('GIVEN a company page', () => {
  it('THEN it says everything /capex <company> says: headline, fields, guidance history with % change, notes, sources with kind and date', async () => {
    const { res, body } = await text('/company/meta');
    expect(res.status).toBe(200);
    const reply = await chat('/capex meta');
    expect(body).toContain(`<h1>${esc(reply.title)}</h1>`);
    for (const line of reply.lines) expect(body).toContain(`<p>${esc(line)}</p>`);
    for (const f of reply.fields ?? []) expect(body).toContain(`<dt>${esc(f.label)}</dt><dd>${esc(f.value)}</dd>`);
    for (const row of reply.table?.rows ?? []) for (const cell of row) expect(body).toContain(esc(cell));
    expect(body).toMatch(/<td class="num">\+\d+\.\d%<\/td>/);
    for (const source of reply.sources ?? []) expect(body).toContain(`href="${esc(source.url)}" rel="noreferrer external">${esc(source.title)}</a>`);
    const kinds = Object.values(SOURCE_KIND_WORDS).map((w) => esc(w).replace(/[()/]/g, '\\$&')).join('|');
    expect(body).toMatch(new RegExp(`<span class="kind">(${kinds})</span> <time datetime="\\d{4}-\\d{2}(-\\d{2})?">`));
  });

  it('THEN every figure of the company is listed with its definition, basis, status and source — low-reliability ones marked as not used', async () => {
    const { body } = await text('/company/meta');
    const figures = site.live.current().figuresOf('meta');
    expect(body).toContain(`All ${figures.length} figures`);
    for (const f of figures) {
      expect(body).toContain(`<tr id="figure-${f.id}" class="status-${f.status}">`);
      expect(body).toContain(`href="${esc(f.source.url)}"`);
    }
    expect(body).toContain('low reliability, not used');
  });

  it('THEN a name, ticker or alias redirects to the company address, and an unknown one is a 404 with suggestions', async () => {
    const byTicker = await get('/company/MSFT');
    expect(byTicker.status).toBe(301);
    expect(byTicker.headers.get('location')).toBe('/company/microsoft');
    const typo = await text('/company/alibabba');
    expect(typo.res.status).toBe(404);
    expect(typo.body).toContain('<a href="/company/alibaba">Alibaba</a>');
  });
});

describe('GIVEN the compare page', () => {
  it('THEN /compare?c=meta,amazon shows the /compare answer with its table and chart, companies linked', async () => {
    const { res, body } = await text('/compare?c=meta,amazon');
    expect(res.status).toBe(200);
    const reply = await chat('/compare meta amazon');
    expect(body).toContain(`<h1>${esc(reply.title)}</h1>`);
    for (const row of reply.table!.rows) for (const cell of row.slice(1)) expect(body).toContain(esc(cell));
    expect(body).toContain('<img src="/chart/compare.png?c=meta,amazon"');
    expect(body).toContain('<input type="checkbox" name="c" value="meta" checked>');
  });

  it('THEN the form (repeated c=) works without script, and one company asks for another', async () => {
    const { body } = await text('/compare?c=meta&c=alphabet');
    expect(body).toContain(esc((await chat('/compare meta alphabet')).title));
    const one = await text('/compare?c=meta');
    expect(one.res.status).toBe(200);
    expect(one.body).toContain('Pick at least one more company');
  });
});

describe('GIVEN hostile input in a URL', () => {
  const SCRIPT = '<script>alert(1)</script>';

  it('THEN a company id with markup is a 404 whose page shows it escaped, never as markup', async () => {
    const { res, body } = await text(`/company/${encodeURIComponent(SCRIPT)}`);
    expect(res.status).toBe(404);
    expect(body).not.toContain(SCRIPT);
    expect(body).toContain(esc(SCRIPT));
  });

  it('THEN compare names, a year and quotes in attributes are escaped or refused', async () => {
    const hostile = `"><img src=x onerror=alert(1)>`;
    const cmp = await text(`/compare?c=${encodeURIComponent(hostile)},meta`);
    expect(cmp.res.status).toBe(404);
    expect(cmp.body).not.toContain('<img src=x');
    expect(cmp.body).toContain('&quot;&gt;&lt;img src=x');
    const year = await text(`/?year=${encodeURIComponent(SCRIPT)}`);
    expect(year.res.status).toBe(404);
    expect(year.body).not.toContain(SCRIPT);
    const many = await text(`/compare?c=${Array.from({ length: 40 }, (_, i) => `x${i}`).join(',')}`);
    expect(many.res.status).toBe(400);
  });

  it('THEN no page has a script element or an inline event handler at all', async () => {
    for (const path of ['/', '/company/alibaba', '/compare?c=meta,amazon', '/nope', '/admin']) {
      const { body } = await text(path);
      expect(body).not.toMatch(/<script|\son[a-z]+=/i);
    }
  });
});

describe('GIVEN any response', () => {
  it('THEN it carries a CSP without inline script, nosniff and a referrer policy — pages, images, exports and 404s alike', async () => {
    for (const path of ['/', '/company/meta', '/chart/top/2026.png', '/figures.csv', '/revisions.atom', '/does-not-exist']) {
      const res = await get(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('THEN an unknown path is an HTML 404 page, and /healthz still answers beside the site', async () => {
    const missing = await text('/etc/passwd');
    expect(missing.res.status).toBe(404);
    expect(missing.res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(missing.body).toContain('Page not found');
    const health = await get('/healthz');
    expect(await health.json()).toMatchObject({ ok: true, dataVersion: site.live.current().version });
  });

  it('THEN a page that fails is a 500 with a reference the log also has, never the error or a stack', async () => {
    const logged: Record<string, unknown>[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const data = loadDataFile();
    const app = createWebApp({
      data: () => {
        throw new Error('secret detail at /srv/capex/src/data.ts:12');
      },
      status: () => ({ dataVersion: data.version, dataLoadedAt: new Date().toISOString() }),
      services: {},
      logger,
    });
    const res = await app.request('/company/meta');
    const body = await res.text();
    expect(res.status).toBe(500);
    expect(body).not.toContain('secret detail');
    expect(body).not.toMatch(/\.ts:\d+|at [A-Za-z.]+ \(/);
    const ref = /reference ([0-9a-f]{8})/.exec(body)?.[1];
    expect(ref).toBeDefined();
    expect(logged.some((l) => l.ref === ref && String((l.err as { message?: string })?.message).includes('secret detail'))).toBe(true);
  });
});

describe('GIVEN a chart image', { timeout: 30_000 }, () => {
  it('THEN it is the chat renderer PNG with an ETag, and the same ETag is answered 304 without a body', async () => {
    const first = await get('/chart/top/2026.png');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await first.arrayBuffer());
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/chart/top/2026.png', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    for (const path of ['/chart/company/meta.png', '/chart/compare.png?c=meta,amazon']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
    }
  });

  it('THEN a new data version changes the ETag (and a chart that does not exist is a 404)', async () => {
    const before = (await get('/chart/company/microsoft.png')).headers.get('etag');
    expect(before).toMatch(/^"/);
    const original = site.live.current();
    const { GOOD } = await import('../helpers/data-edits.js');
    await site.writeData(GOOD.replace(/^version: .*$/m, 'version: "etag-test"'));
    expect(site.live.current()).not.toBe(original);
    const after = await get('/chart/company/microsoft.png', { headers: { 'if-none-match': before ?? '' } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before);
    expect((await get('/chart/company/nobody.png')).status).toBe(404);
    expect((await get('/chart/top/1990.png')).status).toBe(404);
  });
});
