/**
 * The pages in a real browser: Debian's chromium driven by playwright-core. It loads the home page, a company
 * page and /compare, reads what a person sees (figures, source links), follows links, checks the layout on a
 * phone-sized screen, and takes screenshots that must not be blank (kept in test/web/screenshots/ to look at;
 * docs/img/web-home.png in the README is one of them).
 */
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src/app.js';
import type { Reply } from '../../src/core/reply.js';
import { decodePng } from '../helpers/png.js';
import { ADMIN_TOKEN, startSite, TODAY, type WebSite } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = new URL('./screenshots/', import.meta.url);

let site: WebSite;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  site = await startSite();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

const chat = (line: string): Promise<Reply> =>
  createCore({ data: () => site.live.current(), now: () => TODAY }).handleText(line, { platform: 'console', userId: 'console:t', isAdmin: false, channelId: 'console:t' });

/** A page that records what the browser refused or failed to load (CSP violations show up as console errors). */
async function open(path: string, viewport = { width: 1100, height: 900 }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()}: ${r.url()}`));
  const res = await page.goto(`${site.url}${path}`);
  expect(res?.status()).toBe(200);
  return { page, problems };
}

/**
 * A screenshot a person could read: a valid PNG of the page's size, not one flat colour — many distinct
 * colours and a good share of pixels that differ from the background.
 */
async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  // Every image (the chart) drawn and loaded before the picture is taken.
  await page.waitForFunction('[...document.images].every((img) => img.complete && img.naturalWidth > 0)');
  const png = await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage });
  const img = decodePng(png);
  expect(img.width).toBeGreaterThan(300);
  const background = img.data.readUInt32BE(0);
  const colours = new Set<number>();
  let differing = 0;
  for (let i = 0; i < img.data.length; i += 4 * 7) {
    const px = img.data.readUInt32BE(i);
    colours.add(px);
    if (px !== background) differing += 1;
  }
  expect(colours.size, `${name}: distinct colours`).toBeGreaterThan(200);
  expect(differing / (img.data.length / (4 * 7)), `${name}: share of non-background pixels`).toBeGreaterThan(0.05);
}

// A browser on a busy two-core machine: page loads and screenshots take seconds, not milliseconds.
describe('GIVEN a person opening the site in chromium', { timeout: 60_000 }, () => {
  it('THEN the home page shows the ranking with the figures chat gives, the chart image loads, and nothing is refused', async () => {
    const { page, problems } = await open('/');
    const top = await chat('/capex top');
    await expect(page.locator('h1').innerText()).resolves.toBe(top.title);
    const rows = await page.locator('table.ranking tbody tr').allInnerTexts();
    expect(rows).toHaveLength(top.table!.rows.length);
    rows.forEach((row, i) => expect(row.split('\t').map((c) => c.trim())).toEqual(top.table!.rows[i]));
    const chart = page.locator('figure.chart img');
    await chart.scrollIntoViewIfNeeded();
    await page.waitForFunction("document.querySelector('figure.chart img')?.complete === true");
    await expect(chart.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).resolves.toBeGreaterThan(800);
    expect(problems, problems.join('; ')).toEqual([]);
    await screenshot(page, 'web-home');
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'web-home-top', false);
    await page.close();
  });

  it('THEN a company page shows the headline and its source links, and following a company link from the ranking lands there', async () => {
    const { page, problems } = await open('/');
    await page.locator('table.ranking').getByRole('link', { name: 'Meta Platforms' }).click();
    await page.waitForURL(`${site.url}/company/meta`);
    const reply = await chat('/capex meta');
    await expect(page.locator('h1').innerText()).resolves.toBe(reply.title);
    await expect(page.getByText(reply.lines[0]!, { exact: true }).count()).resolves.toBe(1);
    const links = await page.locator('.sources a.source-link').evaluateAll((as) => as.map((a) => ({ href: (a as unknown as { href: string }).href, text: a.textContent })));
    expect(links).toEqual(reply.sources!.map((s) => ({ href: new URL(s.url).href, text: s.title })));
    // Every figure of the company is a row, each with its source link.
    await expect(page.locator('table.figures tbody tr').count()).resolves.toBe(site.live.current().figuresOf('meta').length);
    expect(problems, problems.join('; ')).toEqual([]);
    await screenshot(page, 'web-company');
    await page.close();
  });

  it('THEN /compare shows the comparison, and ticking another company in the form (no script) compares three', async () => {
    const { page, problems } = await open('/compare?c=meta,amazon');
    const reply = await chat('/compare meta amazon');
    await expect(page.locator('h1').innerText()).resolves.toBe(reply.title);
    const cells = await page.locator('table.comparison tbody tr').first().locator('td').allInnerTexts();
    expect(cells.map((c) => c.trim())).toEqual(reply.table!.rows[0]);
    await page.getByLabel('Microsoft').check();
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/\/compare\?c=.*c=.*c=/);
    // The form sends the ticked companies in the order it lists them; chat compares them in that order too.
    const ids = new URL(page.url()).searchParams.getAll('c');
    expect([...ids].sort()).toEqual(['amazon', 'meta', 'microsoft']);
    const three = await chat(`/compare ${ids.join(' ')}`);
    await expect(page.locator('h1').innerText()).resolves.toBe(three.title);
    await expect(page.locator('table.comparison tbody tr').count()).resolves.toBe(3);
    expect(problems, problems.join('; ')).toEqual([]);
    await screenshot(page, 'web-compare');
    await page.close();
  });

  it('THEN an admin signs in through the form (the browser sends the form and keeps the cookie) and sees schedule health', async () => {
    // Without a session /admin answers 401 with the sign-in form (so not through `open`, which wants a 200).
    const admin = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const first = await admin.goto(`${site.url}/admin`);
    expect(first?.status()).toBe(401);
    await expect(admin.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Admin sign-in');
    await admin.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.waitForURL(`${site.url}/admin`);
    await expect(admin.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Schedule health');
    await expect(admin.locator('.data-version').first().innerText()).resolves.toBe(site.live.current().version);
    const cookies = await admin.context().cookies();
    expect(cookies.find((c) => c.name === 'capex_admin')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    expect(admin.url()).not.toContain(ADMIN_TOKEN);
    await screenshot(admin, 'web-admin', false);
    await admin.close();
  });

  it('THEN on a phone-sized screen the page does not scroll sideways (wide tables scroll inside their box)', async () => {
    const { page } = await open('/company/microsoft', { width: 390, height: 844 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'web-phone', false);
    await page.close();
  });
});
