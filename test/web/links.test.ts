/**
 * With PUBLIC_URL set, a /capex <company> answer links to the company's page: a link in the Reply model that
 * Slack shows as a `<url|label>` line, Discord as the embed's title link, and the console as a last line —
 * and the link leads to the page. Without PUBLIC_URL there is no link.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlain } from '../../src/adapters/console/render.js';
import { renderEmbed } from '../../src/adapters/discord/render.js';
import { renderMessage } from '../../src/adapters/slack/render.js';
import { createCore } from '../../src/app.js';
import type { Caller, Services } from '../../src/core/command.js';
import { loadDataFile } from '../../src/data/loader.js';
import { HttpServer } from '../../src/http/server.js';
import { mountWeb } from '../../src/web/index.js';
import { TODAY } from './harness.js';

const data = loadDataFile();
const caller: Caller = { platform: 'slack', userId: 'slack:U1', isAdmin: false, channelId: 'slack:C1' };
const live = { status: () => ({ dataVersion: data.version, dataLoadedAt: TODAY.toISOString(), dataSource: 'test' }) };

let http: HttpServer;
let base: string;
const services: Services = {};

beforeAll(async () => {
  http = new HttpServer(() => ({}));
  // The public address is a proxy in front of this server; the test reaches the server itself.
  mountWeb(http, { config: { PUBLIC_URL: 'https://capex.example.org/', ADMIN_TOKEN: undefined }, logger: pino({ level: 'silent' }), data: () => data, live, services }, () => TODAY);
  base = `http://127.0.0.1:${(await http.listen(0, '127.0.0.1')).port}`;
});
afterAll(async () => {
  await http.close();
});

describe('GIVEN PUBLIC_URL and the web pages on', () => {
  it('THEN /capex meta links to https://…/company/meta in every renderer, and that page is the company page', async () => {
    const reply = await createCore({ data, services, now: () => TODAY }).handleText('/capex meta', caller);
    expect(reply.link).toEqual({ label: 'Meta Platforms on the web: every figure, with sources', url: 'https://capex.example.org/company/meta' });
    expect(JSON.stringify(renderMessage(reply).blocks)).toContain('<https://capex.example.org/company/meta|Meta Platforms on the web: every figure, with sources>');
    expect(renderEmbed(reply).url).toBe('https://capex.example.org/company/meta');
    expect(renderPlain(reply)).toContain('Meta Platforms on the web: every figure, with sources: https://capex.example.org/company/meta');
    const page = await fetch(`${base}${new URL(reply.link!.url).pathname}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<h1>${reply.title}</h1>`);
  });

  it('THEN a name or ticker links to the canonical company address, and the linked answer is the same answer', async () => {
    const core = createCore({ data, services, now: () => TODAY });
    const byTicker = await core.handleText('/capex MSFT', caller);
    expect(byTicker.link?.url).toBe('https://capex.example.org/company/microsoft');
    const plain = await createCore({ data, now: () => TODAY }).handleText('/capex MSFT', caller);
    const { link: _link, ...rest } = byTicker;
    expect(rest).toEqual(plain);
  });
});

describe('GIVEN no PUBLIC_URL', () => {
  it('THEN answers carry no link', async () => {
    const reply = await createCore({ data, services: {}, now: () => TODAY }).handleText('/capex meta', caller);
    expect(reply.link).toBeUndefined();
    expect(renderEmbed(reply).url).toBeUndefined();
  });
});
