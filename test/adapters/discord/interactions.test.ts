/**
 * Signed interactions sent over real HTTP to the running endpoint on 127.0.0.1, answered by the real
 * commands on the bundled data set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCore } from '../../../src/app.js';
import { commands as realCommands } from '../../../src/commands/index.js';
import { Core } from '../../../src/core/core.js';
import { defineCommand, type CommandSpec } from '../../../src/core/command.js';
import { pino } from 'pino';
import { BUNDLED_DATA_FILE, loadDataFile, parseDataText } from '../../../src/data/loader.js';
import { readFileSync } from 'node:fs';
import { HttpServer } from '../../../src/http/server.js';
import { startDiscord } from '../../../src/adapters/discord/index.js';
import { ADMIN, autocomplete, command, generateKeys, rawInteraction, signedHeaders, type TestKeys } from './signing.js';

const data = loadDataFile();
const NOW = new Date('2026-05-15T12:00:00Z');

const boom = defineCommand({
  id: 'boom',
  path: ['boom'],
  summary: 'Always fails',
  usage: '/boom',
  examples: [],
  options: z.object({}),
  fromText: () => ({}),
  run: () => {
    throw new Error('database exploded at /secret/path');
  },
});

const echo = defineCommand({
  id: 'echo',
  path: ['echo'],
  summary: 'Repeats text (tests hostile input)',
  usage: '/echo <text>',
  examples: [],
  options: z.object({ text: z.string().max(200).describe('Text to repeat') }),
  fromText: (args) => ({ text: args.join(' ') }),
  run: ({ text }) => ({ kind: 'answer', visibility: 'public', title: `You said ${text}`, lines: [text], table: { columns: ['Said'], rows: [[text]] }, summary: text }),
});

let keys: TestKeys;
let server: HttpServer;
let base: string;
const logLines: string[] = [];

beforeAll(async () => {
  keys = generateKeys();
  const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) });
  const core = new Core({ commands: [...realCommands, boom, echo] as CommandSpec[], data: () => data, now: () => NOW, logger });
  server = new HttpServer(() => ({}));
  await startDiscord({ core, config: { DISCORD_PUBLIC_KEY: keys.publicKeyHex }, http: server, logger, charts: false });
  const address = await server.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await server.close();
});

async function post(payload: unknown, headers?: Record<string, string>, rawBody?: string): Promise<{ status: number; body: any }> {
  const body = rawBody ?? JSON.stringify(payload);
  const res = await fetch(`${base}/discord/interactions`, { method: 'POST', headers: headers ?? signedHeaders(keys, body), body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The one embed of a type-4 answer, checked for the fields every message must carry. */
function embedOf(body: any) {
  expect(body.type).toBe(4);
  expect(body.data.allowed_mentions).toEqual({ parse: [] });
  expect(body.data.embeds).toHaveLength(1);
  return body.data.embeds[0];
}

const allText = (embed: any) => [embed.title, embed.description, ...(embed.fields ?? []).flatMap((f: any) => [f.name, f.value]), embed.footer?.text].join('\n');

describe('signature checks', () => {
  it('answers a signed PING with type 1', async () => {
    expect(await post(rawInteraction(1))).toEqual({ status: 200, body: { type: 1 } });
  });

  it('refuses a tampered body with 401 and runs nothing', async () => {
    const original = JSON.stringify(command('boom'));
    const tampered = original.replace('"boom"', '"echo"');
    const res = await post(undefined, signedHeaders(keys, original), tampered);
    expect(res.status).toBe(401);
    expect(logLines.join('')).not.toContain('database exploded');
  });

  it('refuses a body signed with another key', async () => {
    const body = JSON.stringify(rawInteraction(1));
    expect((await post(undefined, signedHeaders(generateKeys(), body), body)).status).toBe(401);
  });

  it('refuses missing, malformed or mismatched signature headers', async () => {
    const body = JSON.stringify(rawInteraction(1));
    const good = signedHeaders(keys, body);
    expect((await post(undefined, { 'content-type': 'application/json' }, body)).status).toBe(401);
    expect((await post(undefined, { ...good, 'x-signature-ed25519': 'zz'.repeat(64) }, body)).status).toBe(401);
    expect((await post(undefined, { ...good, 'x-signature-ed25519': good['x-signature-ed25519']!.slice(0, 126) }, body)).status).toBe(401);
    expect((await post(undefined, { ...good, 'x-signature-timestamp': String(Number(good['x-signature-timestamp']) + 1) }, body)).status).toBe(401);
    const noTimestamp = { ...good };
    delete noTimestamp['x-signature-timestamp'];
    expect((await post(undefined, noTimestamp, body)).status).toBe(401);
  });

  it('leaves other paths to the shared server', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe('commands', () => {
  it('/capex company:alibaba answers publicly with figures, table, sources and as-of date', async () => {
    const { status, body } = await post(command('capex', [{ name: 'company', type: 3, value: 'alibaba' }]));
    expect(status).toBe(200);
    const embed = embedOf(body);
    expect(body.data.flags).toBeUndefined();
    expect(embed.title).toContain('Alibaba');
    expect(embed.description).toContain('380 billion yuan');
    // The revision table is wider than an embed, so it comes one line per announcement.
    expect(embed.description).toMatch(/\*\*\d{1,2} \w{3} \d{4}\*\* — Figure: more than 380 billion yuan/);
    const sources = embed.fields.find((f: any) => f.name === 'Sources');
    expect(sources.value).toMatch(/\[[^\]]+\]\(https:\/\/[^)\s]+\)/);
    expect(embed.footer.text).toMatch(/^As of \d{4}-\d{2}-\d{2}/);
  });

  it('/compare reassembles company1..company3 into one list, in numbering order', async () => {
    const { body } = await post(
      command('compare', [
        { name: 'company3', type: 3, value: 'msft' },
        { name: 'company1', type: 3, value: 'meta' },
        { name: 'company2', type: 3, value: 'amazon' },
      ]),
    );
    const embed = embedOf(body);
    expect(embed.title).toMatch(/^Meta Platforms vs Amazon vs Microsoft/);
    expect(embed.description).toContain('AI capex 2026, US$ billion per year');
    expect(embed.description).toMatch(/█/);
  });

  it('/compare with one company explains the minimum, privately', async () => {
    const { body } = await post(command('compare', [{ name: 'company1', type: 3, value: 'meta' }]));
    const embed = embedOf(body);
    expect(body.data.flags).toBe(64);
    expect(embed.description).toContain('at least two companies');
  });

  it('/capex-top ranks companies with a total', async () => {
    const embed = embedOf((await post(command('capex-top', [{ name: 'year', type: 4, value: 2025 }]))).body);
    expect(embed.title).toContain('2025');
    expect(embed.description).toMatch(/\*\*1\. \w+/);
    expect(embed.description).toMatch(/\*\*Total\*\* — US\$B \/ year: [\d–,]+/);
  });

  it('/capex-companies lists the tracked companies', async () => {
    const embed = embedOf((await post(command('capex-companies'))).body);
    expect(embed.title).toMatch(/Tracked companies \(\d+\)/);
    expect(embed.description).toContain('Alibaba');
  });

  it('/capex-sources lists figures with their sources, privately', async () => {
    const { body } = await post(command('capex-sources', [{ name: 'company', type: 3, value: 'meta' }]));
    const embed = embedOf(body);
    expect(body.data.flags).toBe(64);
    expect(embed.fields.some((f: any) => f.name.startsWith('Sources'))).toBe(true);
  });

  it('/capex-help is ephemeral', async () => {
    const { body } = await post(command('capex-help'));
    const embed = embedOf(body);
    expect(body.data.flags).toBe(64);
    expect(allText(embed)).toContain('/compare');
  });

  it('an unknown company is a private, friendly error with suggestions', async () => {
    const { body } = await post(command('capex', [{ name: 'company', type: 3, value: 'alibabba' }]));
    const embed = embedOf(body);
    expect(body.data.flags).toBe(64);
    expect(embed.description).toContain('Alibaba');
  });

  it('an unknown command or option gets an ephemeral explanation', async () => {
    const unknown = await post(command('capex-nonsense'));
    expect(unknown.body.data.flags).toBe(64);
    expect(embedOf(unknown.body).description).toContain('does not know /capex-nonsense');
    const option = await post(command('capex', [{ name: 'colour', type: 3, value: 'red' }]));
    expect(option.body.data.flags).toBe(64);
    expect(embedOf(option.body).description).toContain("has no option 'colour'");
  });

  it('an exception becomes "Something went wrong (ref …)" with the details only in the log', async () => {
    const { body } = await post(command('boom'));
    const embed = embedOf(body);
    expect(body.data.flags).toBe(64);
    const ref = /Something went wrong \(ref ([0-9a-f]{8})\)/.exec(embed.description)?.[1];
    expect(ref).toBeDefined();
    expect(allText(embed)).not.toContain('exploded');
    expect(logLines.some((l) => l.includes(ref!) && l.includes('database exploded'))).toBe(true);
  });

  it('hostile text cannot ping or break out of a code block', async () => {
    const text = '@everyone <@&123> ```\n**bold** [x](https://evil.example)';
    const { body } = await post(command('echo', [{ name: 'text', type: 3, value: text }]));
    const embed = embedOf(body);
    expect(body.data.allowed_mentions).toEqual({ parse: [] });
    // Exactly one code block: its fences are the only triple backticks.
    expect(embed.description.match(/```/g)).toHaveLength(2);
    // Outside the code block markdown is escaped: no bold, no live masked link.
    const prose = embed.description.replace(/```[\s\S]*?```/g, '');
    expect(prose).toContain('\\*\\*bold\\*\\*');
    expect(prose).not.toMatch(/(?<!\\)\[x\]\(/);
    expect(prose).toContain('\\[x\\](https://evil.example)');
  });

  it("admin commands are gated by Discord: whoever it lets invoke one in a server may; outside a server nobody", async () => {
    const guarded = defineCommand({
      id: 'guarded', path: ['guarded'], summary: 'Admins only', usage: '/guarded', examples: [], adminOnly: true,
      options: z.object({}), fromText: () => ({}),
      run: (_o, { caller }) => ({ kind: 'answer', visibility: 'public', title: 'ok', lines: [`${caller.userId} in ${caller.channelId}`], summary: 'ok' }),
    });
    const core = new Core({ commands: [guarded] as CommandSpec[], data: () => data });
    const local = new HttpServer(() => ({}));
    await startDiscord({ core, config: { DISCORD_PUBLIC_KEY: keys.publicKeyHex }, http: local, logger: pino({ level: 'silent' }), charts: false });
    const { port } = await local.listen(0, '127.0.0.1');
    try {
      const send = async (payload: unknown) => {
        const body = JSON.stringify(payload);
        return (await (await fetch(`http://127.0.0.1:${port}/discord/interactions`, { method: 'POST', headers: signedHeaders(keys, body), body })).json()) as any;
      };
      // Discord only delivers a gated command to members it allows (Manage Server, or a role given it under Integrations).
      const delegated = await send(command('guarded', [], { permissions: '2048' }));
      expect(delegated.data.embeds[0].title).toBe('ok');
      const refused = await send(command('guarded', [], { dm: true }));
      expect(refused.data.embeds[0].description).toContain('Only admins');
      const allowed = await send(command('guarded', [], { ...ADMIN, userId: '42', channelId: '77' }));
      expect(allowed.data.embeds[0].description).toBe('discord:42 in discord:77');
      const administrator = await send(command('guarded', [], { permissions: String(0x8) }));
      expect(administrator.data.embeds[0].title).toBe('ok');
    } finally {
      await local.close();
    }
  });
});

describe('autocomplete', () => {
  it('offers companies matching a name, ticker or alias, with the company id as value', async () => {
    const byTicker = await post(autocomplete('capex', [{ name: 'company', type: 3, value: 'BAB', focused: true }]));
    expect(byTicker.body.type).toBe(8);
    expect(byTicker.body.data.choices[0]).toEqual({ name: 'Alibaba (BABA, 9988.HK)', value: 'alibaba' });

    const byAlias = await post(autocomplete('capex', [{ name: 'company', type: 3, value: 'faceb', focused: true }]));
    expect(byAlias.body.data.choices.map((c: any) => c.value)).toEqual(['meta']);
  });

  it('offers at most 25, and completes the numbered /compare options too', async () => {
    const all = await post(autocomplete('compare', [
      { name: 'company1', type: 3, value: 'meta' },
      { name: 'company2', type: 3, value: '', focused: true },
    ]));
    expect(all.body.data.choices.length).toBeGreaterThan(5);
    expect(all.body.data.choices.length).toBeLessThanOrEqual(25);
    for (const choice of all.body.data.choices) expect(choice.name.length).toBeLessThanOrEqual(100);
  });

  it('offers nothing for an option that is not a company', async () => {
    const res = await post(autocomplete('capex-help', [{ name: 'command', type: 3, value: 'co', focused: true }]));
    expect(res.body).toEqual({ type: 8, data: { choices: [] } });
  });
});

describe('startDiscord', () => {
  it('without a token there is no outbound channel, and stop() is safe', async () => {
    const local = new HttpServer(() => ({}));
    const adapter = await startDiscord({ core: createCore({ data }), config: { DISCORD_PUBLIC_KEY: keys.publicKeyHex }, http: local, logger: pino({ level: 'silent' }), charts: false });
    expect(adapter.outbound).toBeUndefined();
    await adapter.stop();
  });
});

describe('answers cached per data set', () => {
  it('a repeated /capex gets the same bytes, and the new data after a reload (also in autocomplete)', async () => {
    const renamed = parseDataText(readFileSync(BUNDLED_DATA_FILE, 'utf8').replace(/^( {4}name: )Alibaba$/m, '$1Alibaba Group'), 'renamed.yaml');
    let current = data;
    const local = new HttpServer(() => ({}));
    await startDiscord({ core: createCore({ data: () => current, now: () => NOW }), config: { DISCORD_PUBLIC_KEY: keys.publicKeyHex }, http: local, logger: pino({ level: 'silent' }), charts: false });
    const url = `http://127.0.0.1:${(await local.listen(0, '127.0.0.1')).port}/discord/interactions`;
    const ask = async (payload: unknown) => {
      const body = JSON.stringify(payload);
      const res = await fetch(url, { method: 'POST', headers: signedHeaders(keys, body), body });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const text = await res.text();
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
      return text;
    };
    const capex = () => ask(command('capex', [{ name: 'company', type: 3, value: 'alibaba' }]));
    const suggest = async () => JSON.parse(await ask(autocomplete('capex', [{ name: 'company', type: 3, value: 'alib', focused: true }]))).data.choices[0].name;
    try {
      const first = await capex();
      expect(await capex()).toBe(first);
      expect(JSON.parse(first).data.embeds[0].title).not.toContain('Alibaba Group');
      expect(await suggest()).toBe('Alibaba (BABA, 9988.HK)');

      current = renamed;
      expect(JSON.parse(await capex()).data.embeds[0].title).toContain('Alibaba Group');
      expect(await suggest()).toBe('Alibaba Group (BABA, 9988.HK)');
      current = data;
      expect(await capex()).toBe(first);
    } finally {
      await local.close();
    }
  });
});
