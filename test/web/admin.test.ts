/**
 * /admin over real HTTP, on a real runtime (its SQLite file, digest, news and alert services): refused
 * without a session, the token exchanged in a POST form for a signed HttpOnly SameSite=Strict cookie, forms
 * from other sites refused, failed sign-ins rate-limited, and with a session the schedule health as stored —
 * next run, last delivery, failures with their reason, missed slots, feeds, alert channels, the refused
 * data version — without the token anywhere on the page.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Caller } from '../../src/core/command.js';
import { BUNDLED_DATA_FILE } from '../../src/data/loader.js';
import { HttpServer } from '../../src/http/server.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { mountWeb } from '../../src/web/index.js';
import { ADMIN_TOKEN } from './harness.js';

let dir: string;
let runtime: Runtime;
let http: HttpServer;
let url: string;
const admin: Caller = { platform: 'slack', userId: 'slack:UADMIN', userName: 'ada', isAdmin: true, channelId: 'slack:C0DIGEST' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capex-admin-'));
  const dataFile = join(dir, 'capex-data.yaml');
  writeFileSync(dataFile, readFileSync(BUNDLED_DATA_FILE, 'utf8'));
  const config = loadConfig({}, {
    DATA_FILE: dataFile,
    DATABASE_URL: join(dir, 'capex-bot.sqlite'),
    DATA_REFRESH_MINUTES: '0',
    ALLOW_PRIVATE_FEEDS: 'true',
    ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
  });
  runtime = await createRuntime(config, pino({ level: 'silent' }));
  const digest = runtime.services.digest!;
  // A healthy schedule, and one whose channel is gone: a failed delivery with the platform's reason.
  await digest.add({ when: { kind: 'time', hour: 9, minute: 0, days: [1, 2, 3, 4, 5] }, zone: 'Europe/Berlin', channelId: 'slack:C0DIGEST' }, admin);
  const { schedule: broken } = await digest.add({ when: { kind: 'time', hour: 7, minute: 30, days: [1, 2, 3, 4, 5, 6, 7] }, zone: 'UTC', channelId: 'discord:555' }, { ...admin, platform: 'discord', userId: 'discord:1' });
  const now = Date.now();
  // Written the way the delivery engine writes them: a failed row, and a slot missed while the bot was down.
  const ledger = digest.engine.ledger;
  const [failedRow] = await ledger.insert([{ kind: 'digest', subject: String(broken.id), target: 'discord:555', slot: '2026-11-20T07:30', dueAt: now - 86_400_000 }], now, { owner: 'test', until: now + 60_000 });
  await ledger.finish(failedRow!.id, 'test', 'failed', 'Unknown Channel (10003): the bot cannot see #555');
  await ledger.insert([{ kind: 'digest', subject: String(broken.id), target: 'discord:555', slot: '2026-11-21T07:30', dueAt: now - 3_600_000, status: 'missed', error: 'the bot was not running within the grace window' }], now);
  await runtime.services.alerts!.subscribe('slack:C0ALERTS', ['meta', 'amazon'], admin);
  // A feed on a closed local port: it is stored and reads as failing (nothing listens there).
  await runtime.services.news!.addFeed('http://127.0.0.1:9/feed.xml', admin);
  // A private feed whose URL carries a key (feeds refuse user:password in URLs, keys in the query get through).
  const added = await runtime.services.news!.addFeed('http://127.0.0.1:9/private.xml?api_key=FEEDKEY123&lang=en', admin);
  expect(added.status).toBe('added');
  // A refused data version: the bot keeps answering from the good one.
  writeFileSync(dataFile, readFileSync(BUNDLED_DATA_FILE, 'utf8').replace(/^version: .*$/m, 'version: "refused-one"').replace(/(\n\s+announced: )"?\d{4}-\d{2}-\d{2}"?/, '$1yesterday'));
  await runtime.live.check();
  http = new HttpServer(() => ({}));
  mountWeb(http, runtime);
  const address = await http.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${address.port}`;
}, 60_000);

afterAll(async () => {
  await http?.close();
  await runtime?.close();
  rmSync(dir, { recursive: true, force: true });
});

const form = (token: string, headers: Record<string, string> = { origin: url }) =>
  fetch(`${url}/admin/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token }).toString(),
  });

async function signIn(): Promise<string> {
  const res = await form(ADMIN_TOKEN);
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/admin');
  const cookie = res.headers.get('set-cookie')!;
  return cookie.split(';')[0]!;
}

describe('GIVEN no session', () => {
  it('THEN /admin is the sign-in form (401) and shows no schedule, channel or feed', async () => {
    const res = await fetch(`${url}/admin`);
    const body = await res.text();
    expect(res.status).toBe(401);
    expect(body).toContain('<form method="post" action="/admin/sign-in">');
    expect(body).toContain('type="password"');
    expect(body).not.toContain('C0DIGEST');
    expect(body).not.toContain('127.0.0.1:9');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('THEN a forged or tampered cookie is refused like none', async () => {
    const cookie = await signIn();
    const [name, value] = cookie.split('=') as [string, string];
    const decoded = decodeURIComponent(value);
    const tampered = `${name}=${encodeURIComponent(decoded.replace(/^v1\.\d+/, 'v1.99999999999999'))}`;
    expect((await fetch(`${url}/admin`, { headers: { cookie: tampered } })).status).toBe(401);
    expect((await fetch(`${url}/admin`, { headers: { cookie: `${name}=v1.99999999999999.AAAA` } })).status).toBe(401);
  });
});

describe('GIVEN the sign-in form', () => {
  it('THEN the right token gives a signed HttpOnly SameSite=Strict cookie scoped to /admin that does not contain the token', async () => {
    const res = await form(ADMIN_TOKEN);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^capex_admin=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/admin/);
    expect(cookie).toMatch(/Max-Age=28800/);
    expect(cookie).not.toContain(ADMIN_TOKEN);
  });

  it('THEN a form posted from another site is refused (CSRF), even with the right token', async () => {
    const res = await form(ADMIN_TOKEN, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('THEN wrong tokens are refused, and after 5 from one address even the right one waits (429, Retry-After)', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await form(`wrong-token-${i}`);
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('That token is not right.');
    }
    const blocked = await form(ADMIN_TOKEN);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.headers.get('set-cookie')).toBeNull();
  });
});

describe('GIVEN a session', () => {
  let page: string;
  beforeAll(async () => {
    // The limiter counts per address; this suite's earlier failures came from 127.0.0.1 too, so sign in on a fresh server.
    const fresh = new HttpServer(() => ({}));
    mountWeb(fresh, runtime);
    const address = await fresh.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${address.port}`;
    const res = await fetch(`${base}/admin/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
    });
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const view = await fetch(`${base}/admin`, { headers: { cookie } });
    expect(view.status).toBe(200);
    page = await view.text();
    await fresh.close();
  }, 30_000);

  it('THEN it lists schedules per platform and channel with next run, last delivery, missed slots, failures and the reason', () => {
    expect(page).toContain('<h1>Schedule health</h1>');
    expect(page).toMatch(/<td>slack<\/td><td><code>slack:C0DIGEST<\/code><\/td><td>09:00 [^<]*\(Europe\/Berlin\)<\/td>\s*<td>active<\/td>\s*<td>\d+ \w{3} \d{4} 0[78]:00 UTC<\/td>/);
    expect(page).toMatch(/<td>discord<\/td><td><code>discord:555<\/code><\/td>/);
    expect(page).toContain('Unknown Channel (10003): the bot cannot see #555');
    expect(page).toMatch(/<td class="num">1<\/td><td class="num">1<\/td>/); // one missed slot, one failed delivery
  });

  it('THEN it shows feeds with their state, alert channels with their companies, and the refused data version', () => {
    expect(page).toContain('http://127.0.0.1:9/feed.xml');
    expect(page).toMatch(/<td>(pending|failing)/);
    expect(page).toContain('<code>slack:C0ALERTS</code></td><td>meta, amazon</td><td>active');
    expect(page).toContain('Last refused version');
    expect(page).toMatch(/is invalid and was not loaded:\n- [^<]*field announced, line \d+: use YYYY-MM-DD/);
    expect(page).toContain(`<dd class="data-version">${runtime.live.current().version}</dd>`);
  });

  it('THEN the page never shows the admin token, nor the key in the query of a feed URL', () => {
    expect(page).not.toContain(ADMIN_TOKEN);
    expect(page).not.toContain('FEEDKEY123');
    expect(page).toContain('private.xml?api_key=%E2%80%A6&amp;lang=en');
  });
});

describe('GIVEN no ADMIN_TOKEN', () => {
  it('THEN /admin is off (404) and signing in is impossible', async () => {
    const off = new HttpServer(() => ({}));
    mountWeb(off, { ...runtime, config: { ...runtime.config, ADMIN_TOKEN: undefined } });
    const address = await off.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${address.port}`;
    expect((await fetch(`${base}/admin`)).status).toBe(404);
    const post = await fetch(`${base}/admin/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base }, body: 'token=x', redirect: 'manual' });
    expect(post.status).toBe(404);
    await off.close();
  });
});
