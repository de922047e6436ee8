/**
 * `/capex-digest alerts …` and `/capex-digest status` as people type them: signed Slack slash commands and
 * Discord interactions against the running adapters, and the console grammar on the real core — companies
 * resolved with the data set, channels, admin rights, the audit log, and the status an admin sees.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { APIEmbed } from 'discord.js';
import { startDiscord } from '../../src/adapters/discord/index.js';
import { buildDiscordCommands } from '../../src/adapters/discord/commands.js';
import { commands } from '../../src/commands/index.js';
import { renderPlain } from '../../src/adapters/console/render.js';
import { shown } from '../core/shown.js';
import { HttpServer } from '../../src/http/server.js';
import { ADMIN, command, generateKeys, signedHeaders } from '../adapters/discord/signing.js';
import { postSlash, startHarness, visibleText, type Harness as SlackHarness } from '../adapters/slack/harness.js';
import { broken, GOOD, META_REVISION, withRows } from '../helpers/data-edits.js';
import { adminOn, AlertHarness, memberOn } from './harness.js';

const harnesses: AlertHarness[] = [];
async function bot(): Promise<AlertHarness> {
  const h = new AlertHarness({ start: '2026-11-25T08:00:00Z', outbounds: [] });
  harnesses.push(h);
  return h.up();
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.cleanup();
});

const text = (reply: { lines: string[] } & Parameters<typeof renderPlain>[0]) => renderPlain(reply);

describe('the text grammar (console)', () => {
  const admin = adminOn('console', 'ops');

  it('on: names, tickers and aliases, with commas or spaces; multi-word names; the channel defaults to this one', async () => {
    const h = await bot();
    const a = await h.ask('/capex-digest alerts on meta platforms, GOOGL, aws', admin);
    expect(a.kind).toBe('answer');
    expect(a.visibility).toBe('private');
    expect(a.title).toBe('Revision alerts on in #ops');
    expect(a.lines[0]).toBe(
      '#ops gets a short post whenever a new data version adds a figure or revises a guidance for Meta Platforms, Alphabet, Amazon: old → new, % change, date and source.',
    );
    const b = await h.ask('/capex-digest alerts on meta amazon #capex', admin);
    expect(b.title).toBe('Revision alerts on in #capex');
    expect(b.lines[0]).toContain('for Meta Platforms, Amazon:');
    expect((await h.alerts.store.getSubscription('console:capex'))?.companies).toEqual(['meta', 'amazon']);

    // On again with other companies replaces the filter, and says what it was.
    const c = await h.ask('/capex-digest alerts on #capex', admin);
    expect(c.lines[0]).toContain('for every company:');
    expect(c.lines[1]).toBe('Before, they covered Meta Platforms, Amazon.');
    expect((await h.alerts.store.getSubscription('console:capex'))?.companies).toEqual([]);
  });

  it('an unknown company gets "did you mean"; too many companies, two channels, company names after off, and unknown verbs are explained', async () => {
    const h = await bot();
    const typo = await h.ask('/capex-digest alerts on metta', admin);
    expect(typo.kind).toBe('error');
    expect(typo.lines[0]).toBe("No company named 'metta' — did you mean Meta Platforms?");
    expect(typo.lines[1]).toContain('Usage: /capex-digest alerts on [company …] [#channel]');
    const inside = await h.ask('/capex-digest alerts on meta amazzon', admin);
    expect(inside.lines[0]).toMatch(/^No company named 'amazzon' — did you mean Amazon/);
    expect((await h.ask('/capex-digest alerts on meta, amazon, alphabet, microsoft, oracle, alibaba, tencent', admin)).lines[0]).toBe(
      'companies: name at most 6 companies, or none for every company',
    );
    expect((await h.ask('/capex-digest alerts on meta amazon alphabet microsoft oracle alibaba tencent', admin)).lines[0]).toBe(
      'Name at most 6 companies, or none for every company.',
    );
    expect((await h.ask('/capex-digest alerts on meta #a #b', admin)).lines[0]).toBe('Name one channel, not two.');
    expect((await h.ask('/capex-digest alerts off meta', admin)).lines[0]).toContain('takes no company names');
    expect((await h.ask('/capex-digest alerts sideways', admin)).lines[0]).toBe("/capex-digest alerts has no 'sideways': use on, off or list.");
    expect((await h.ask('/capex-digest alerts on #not/a/channel', admin)).lines[0]).toContain('is not a channel name');
    expect(await h.alerts.store.listSubscriptions()).toEqual([]);
  });

  it('off and list; every change is in the audit log with who did it', async () => {
    const h = await bot();
    expect((await h.ask('/capex-digest alerts', admin)).lines[0]).toContain('No channel gets revision alerts yet.');
    await h.ask('/capex-digest alerts on meta', admin);
    await h.ask('/capex-digest alerts on #capex', admin);
    const list = await h.ask('/capex-digest alerts list', admin);
    expect(list.title).toBe('Revision alerts (2 channels)');
    expect(list.lines).toEqual([
      '#ops · Meta Platforms · active · since 25 Nov 2026 08:00 UTC · by alice',
      '#capex · every company · active · since 25 Nov 2026 08:00 UTC · by alice',
    ]);
    const off = await h.ask('/capex-digest alerts off', admin);
    expect(off.lines[0]).toBe('#ops no longer gets revision alerts (it had them for Meta Platforms).');
    expect((await h.ask('/capex-digest alerts off', admin)).lines[0]).toBe('#ops had no revision alerts. /capex-digest alerts list shows the channels that do.');

    const audit = (await h.store.auditLog()).reverse().map((e) => [e.action, e.actor, e.details.channelId, e.details.companies]);
    expect(audit).toEqual([
      ['alerts-on', 'console:UADMIN', 'console:ops', ['meta']],
      ['alerts-on', 'console:UADMIN', 'console:capex', []],
      ['alerts-off', 'console:UADMIN', 'console:ops', ['meta']],
    ]);
  });

  it('members are refused every alerts action and the status', async () => {
    const h = await bot();
    for (const line of ['/capex-digest alerts on', '/capex-digest alerts off', '/capex-digest alerts list', '/capex-digest status']) {
      const reply = await h.ask(line, memberOn('console', 'ops'));
      expect(reply.kind).toBe('error');
      expect(reply.lines[0]).toMatch(/^Only admins can do that/);
    }
    expect(await h.alerts.store.listSubscriptions()).toEqual([]);
  });

  it('a platform sees only its own channels', async () => {
    const h = await bot();
    await h.ask('/capex-digest alerts on <#C0SLACK|x>', adminOn('slack', 'C0OPS'));
    await h.ask('/capex-digest alerts on <#880000000000000088>', adminOn('discord', '990000000000000099'));
    // As each platform shows it: Slack's and Discord's own channel mentions.
    expect(shown(await h.ask('/capex-digest alerts list', adminOn('slack', 'C0OPS')), 'slack')).toMatch(/\n<#C0SLACK> · /);
    expect(shown(await h.ask('/capex-digest alerts list', adminOn('discord', '990000000000000099')), 'discord')).toMatch(/\n<#880000000000000088> · /);
    expect(shown(await h.ask('/capex-digest alerts list', adminOn('discord', '990000000000000099')), 'discord')).not.toContain('C0SLACK');
  });
});

describe('/capex-digest status', () => {
  it('shows the data version, when and where it was loaded, the last refusal, and the counts', async () => {
    const h = await bot();
    const admin = adminOn('console', 'ops');
    await h.ask('/capex-digest add 09:00 #digest', admin);
    await h.ask('/capex-digest alerts on meta #capex', admin);
    h.writeData(withRows(GOOD, '2026-11-25.2', META_REVISION));
    await h.reload();

    const ok = await h.ask('/capex-digest status', admin);
    expect(ok.visibility).toBe('private');
    const fields = Object.fromEntries((ok.fields ?? []).map((f) => [f.label, f.value]));
    expect(fields['Data version']).toBe('2026-11-25.2');
    // The status names the file, not its path on the server.
    expect(fields.Source).toBe('file capex-data.yaml');
    expect(fields.Loaded).toMatch(/^\d{1,2} \w{3} 20\d\d \d\d:\d\d UTC$/);
    expect(fields['Digest schedules']).toBe('1 (1 active)');
    // No console outbound in this run: the Meta announcement waits in the ledger, and the status says so.
    expect(fields['Revision alerts']).toBe('1 channel (1 active); 1 announcement waiting to be posted');
    expect(fields['News feeds']).toBe('not set up (no database)');
    expect(ok.lines[0]).toBe('The bot answers from data version 2026-11-25.2; no new version has been refused since it was loaded.');

    h.writeData(broken());
    await h.reload();
    const refused = await h.ask('/capex-digest status', admin);
    expect(refused.lines[0]).toMatch(/^The last new version was refused at \d{1,2} \w{3} 20\d\d \d\d:\d\d UTC; the bot answers from version 2026-11-25\.2:$/);
    expect(refused.lines[1]).toMatch(/capex-data\.yaml, row figures\[\d+\] \(id [a-z0-9-]+\), field announced, line \d+/);
    expect(text(refused)).toMatch(/Data version +2026-11-25\.2\n/);
  });
});

describe('on Slack (signed slash commands)', () => {
  let h: AlertHarness;
  let slack: SlackHarness;

  beforeAll(async () => {
    h = await new AlertHarness({ start: '2026-11-25T08:00:00Z', outbounds: [] }).up();
    slack = await startHarness({
      services: { digest: h.digests, alerts: h.alerts, live: h.live },
      users: [
        { id: 'U0ADMIN', is_admin: true, tz: 'UTC' },
        { id: 'U0MEMBER', tz: 'UTC' },
      ],
    });
  });
  afterAll(async () => {
    await slack.close();
    await h.cleanup();
  });

  const slash = (user: string, text: string) => postSlash(slack.url, { command: '/capex-digest', text, user_id: user, channel_id: 'C0OPS' });

  it('an admin turns alerts on for a picked channel, lists and turns them off; a member is refused; all privately', async () => {
    const on = await slash('U0ADMIN', 'alerts on meta, alphabet <#C0NEWS|capex-news>');
    expect(on.json?.response_type).toBe('ephemeral');
    expect(visibleText(on.json)).toContain('<#C0NEWS> gets a short post whenever a new data version adds a figure or revises a guidance for Meta Platforms, Alphabet');
    expect((await h.alerts.store.getSubscription('slack:C0NEWS'))?.createdBy).toBe('slack:U0ADMIN');

    const refused = await slash('U0MEMBER', 'alerts off <#C0NEWS|capex-news>');
    expect(refused.json?.response_type).toBe('ephemeral');
    expect(visibleText(refused.json)).toContain('Only admins');
    expect(await h.alerts.store.getSubscription('slack:C0NEWS')).toBeDefined();

    expect(visibleText((await slash('U0ADMIN', 'alerts list')).json)).toContain('<#C0NEWS> · Meta Platforms, Alphabet · active');
    const status = await slash('U0ADMIN', 'status');
    expect(status.json?.response_type).toBe('ephemeral');
    expect(visibleText(status.json)).toContain('2026-11-25.1');
    expect(visibleText(status.json)).toContain('1 channel (1 active)');
    expect(visibleText((await slash('U0ADMIN', 'alerts off <#C0NEWS|capex-news>')).json)).toContain('<#C0NEWS> no longer gets revision alerts');
  });
});

describe('on Discord (/digest alerts, /digest status)', () => {
  const keys = generateKeys();
  let h: AlertHarness;
  let http: HttpServer;
  let url: string;

  beforeAll(async () => {
    h = await new AlertHarness({ start: '2026-11-25T08:00:00Z', outbounds: [] }).up();
    http = new HttpServer(() => ({}));
    await startDiscord({ core: h.core, config: { DISCORD_PUBLIC_KEY: keys.publicKeyHex }, http, logger: pino({ level: 'silent' }), charts: false });
    url = `http://127.0.0.1:${(await http.listen(0, '127.0.0.1')).port}/discord/interactions`;
  });
  afterAll(async () => {
    await http.close();
    await h.cleanup();
  });

  async function interact(payload: unknown): Promise<{ embeds: APIEmbed[]; flags?: number; allowed_mentions: unknown }> {
    const body = JSON.stringify(payload);
    const res = await fetch(url, { method: 'POST', headers: signedHeaders(keys, body), body });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { embeds: APIEmbed[]; flags?: number; allowed_mentions: unknown } }).data;
  }
  const sub = (name: string, options: unknown[] = []) => [{ name, type: 1, options }];

  it('is registered as /digest alerts (action choices, company1…company6 with autocomplete, a channel picker) and /digest status', () => {
    const digest = buildDiscordCommands(commands).json.find((c) => c.name === 'digest')!;
    const alerts = digest.options!.find((o) => o.name === 'alerts') as { options: { name: string; type: number; autocomplete?: boolean; choices?: unknown[] }[] };
    expect(alerts.options.map((o) => o.name)).toEqual(['action', 'company1', 'company2', 'company3', 'company4', 'company5', 'company6', 'channel']);
    expect(alerts.options[0]!.choices).toEqual(['list', 'on', 'off'].map((v) => ({ name: v, value: v })));
    expect(alerts.options[1]!.autocomplete).toBe(true);
    expect(alerts.options.at(-1)!.type).toBe(7);
    expect(digest.options!.some((o) => o.name === 'status')).toBe(true);
  });

  it('an admin turns alerts on with picked companies and channel; outside a server (where Discord does not gate /digest) nobody may change them', async () => {
    const on = await interact(
      command(
        'digest',
        sub('alerts', [
          { name: 'action', type: 3, value: 'on' },
          { name: 'company1', type: 3, value: 'meta' },
          { name: 'company2', type: 3, value: 'MSFT' },
          { name: 'channel', type: 7, value: '880000000000000088' },
        ]),
        ADMIN,
      ),
    );
    expect(on.flags).toBe(64);
    expect(on.allowed_mentions).toEqual({ parse: [] });
    expect(on.embeds[0]!.title).toBe('Revision alerts on in <#880000000000000088>');
    expect(JSON.stringify(on.embeds[0])).toContain('for Meta Platforms, Microsoft');
    expect((await h.alerts.store.getSubscription('discord:880000000000000088'))?.companies).toEqual(['meta', 'microsoft']);

    // In a server Discord itself lets only Manage Server members run /digest (default_member_permissions); in a DM it does not gate it.
    const refused = await interact(command('digest', sub('alerts', [{ name: 'action', type: 3, value: 'off' }, { name: 'channel', type: 7, value: '880000000000000088' }]), { dm: true }));
    expect(JSON.stringify(refused.embeds[0])).toContain('Only admins');
    expect(await h.alerts.store.getSubscription('discord:880000000000000088')).toBeDefined();

    const status = await interact(command('digest', sub('status'), ADMIN));
    expect(status.flags).toBe(64);
    expect(JSON.stringify(status.embeds[0])).toContain('2026-11-25.1');
  });
});
