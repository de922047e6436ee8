/** Every command's real reply rendered as Discord would receive it, checked against Discord's embed limits. */
import { afterAll, describe, expect, it } from 'vitest';
import type { APIEmbed } from 'discord.js';
import { createCore } from '../../../src/app.js';
import { loadDataFile } from '../../../src/data/loader.js';
import type { Caller } from '../../../src/core/command.js';
import type { Reply } from '../../../src/core/reply.js';
import { EMBED_LIMITS, embedLength, escapeText, MAX_CODE_WIDTH, renderMessage } from '../../../src/adapters/discord/render.js';
import { displayWidth } from '../../../src/core/text-layout.js';
import { Harness } from '../../schedule/harness.js';

const data = loadDataFile();
// Digest commands need the digest service: a real one on a temporary SQLite file.
const harness = new Harness({ start: '2026-05-15T12:00:00Z', outbounds: [] });
afterAll(() => harness.cleanup());
const core = createCore({ data, services: { digest: harness.service }, now: () => new Date('2026-05-15T12:00:00Z') });
const caller: Caller = { platform: 'discord', userId: 'discord:1', isAdmin: true, channelId: 'discord:2' };

function checkLimits(embed: APIEmbed, what: string): void {
  const where = `${what}: ${JSON.stringify(embed).slice(0, 200)}`;
  expect(embed.title?.length ?? 0, where).toBeLessThanOrEqual(EMBED_LIMITS.title);
  expect(embed.title, where).toBeTruthy();
  expect(embed.description?.length ?? 0, where).toBeLessThanOrEqual(EMBED_LIMITS.description);
  expect(embed.fields?.length ?? 0, where).toBeLessThanOrEqual(EMBED_LIMITS.fields);
  for (const field of embed.fields ?? []) {
    expect(field.name.length, where).toBeGreaterThan(0);
    expect(field.name.length, where).toBeLessThanOrEqual(EMBED_LIMITS.fieldName);
    expect(field.value.length, where).toBeGreaterThan(0);
    expect(field.value.length, where).toBeLessThanOrEqual(EMBED_LIMITS.fieldValue);
  }
  expect(embed.footer?.text.length ?? 0, where).toBeLessThanOrEqual(EMBED_LIMITS.footer);
  expect(embedLength(embed), where).toBeLessThanOrEqual(EMBED_LIMITS.total);
  // Code fences come in pairs, and what is inside stays narrow enough not to wrap.
  const description = embed.description ?? '';
  expect((description.match(/```/g) ?? []).length % 2, where).toBe(0);
  for (const block of description.match(/```\n[\s\S]*?\n```/g) ?? []) {
    for (const line of block.split('\n').slice(1, -1)) expect(displayWidth(line), `${where}\n${line}`).toBeLessThanOrEqual(MAX_CODE_WIDTH);
  }
}

async function rendered(id: string, options: Record<string, unknown>) {
  const reply = await core.handleStructured(id, options, caller);
  const message = renderMessage(reply);
  expect(message.allowed_mentions).toEqual({ parse: [] });
  expect(message.embeds).toHaveLength(1);
  checkLimits(message.embeds[0]!, `${id} ${JSON.stringify(options)}`);
  return { reply, message };
}

describe('every command reply fits Discord', () => {
  it('covers every registered command', () => {
    const digests = ['add', 'list', 'next', 'preview', 'send', 'pause', 'resume', 'remove', 'chart', 'thread', 'help'].map((s) => `digest-${s}`);
    // capex-news and digest-feeds (they need the news service) are rendered in test/news/platforms.test.ts;
    // digest-alerts and digest-status (the alert service) in test/alerts/commands.test.ts; digest-proposals (the
    // proposals service) in test/proposals/.
    const covered = ['capex', 'compare', 'capex-top', 'capex-companies', 'capex-sources', 'capex-help', ...digests, 'capex-news', 'digest-feeds', 'digest-alerts', 'digest-status', 'digest-proposals'];
    expect(core.commands.map((c) => c.id).sort()).toEqual(covered.sort());
  });

  it('/capex and /capex-sources for every company', async () => {
    for (const company of data.companies) {
      const capex = await rendered('capex', { company: company.id });
      expect(capex.reply.kind === 'answer' || capex.reply.kind === 'error').toBe(true);
      await rendered('capex-sources', { company: company.id });
    }
  });

  it('/compare with two to six companies', async () => {
    const ids = data.companies.map((c) => c.id);
    for (let n = 2; n <= 6; n++) {
      for (let start = 0; start + n <= ids.length; start += 2) await rendered('compare', { companies: ids.slice(start, start + n) });
    }
  });

  it('/capex-top for every year, /capex-companies, and /capex-help for every command', async () => {
    for (let year = 2020; year <= 2035; year++) await rendered('capex-top', { year });
    await rendered('capex-top', {});
    await rendered('capex-companies', {});
    await rendered('capex-help', {});
    for (const spec of core.commands) await rendered('capex-help', { command: spec.id });
  });

  it('every /digest subcommand', async () => {
    await rendered('digest-help', {});
    await rendered('digest-add', { time: '09:00', days: 'weekdays', zone: 'Europe/Berlin', channel: '123456789012' });
    await rendered('digest-add', { cron: 'not a cron' });
    await rendered('digest-list', {});
    await rendered('digest-next', { id: '1' });
    await rendered('digest-preview', {});
    await rendered('digest-send', { id: '1' });
    await rendered('digest-chart', { id: '1', chart: 'on' });
    await rendered('digest-chart', { id: '1', chart: 'on' });
    await rendered('digest-chart', { id: '1', chart: 'sideways' });
    for (const change of ['pause', 'resume', 'remove']) await rendered(`digest-${change}`, { id: '1' });
    await rendered('digest-next', { id: '999' });
  });

  it('errors and help are ephemeral, answers public', async () => {
    expect((await rendered('capex-help', {})).message.flags).toBe(64);
    expect((await rendered('capex', { company: 'nope-nope' })).message.flags).toBe(64);
    expect((await rendered('capex', { company: 'meta' })).message.flags).toBeUndefined();
  });
});

describe('oversized and hostile replies', () => {
  const long = (n: number, unit = 'x') => unit.repeat(n);

  it('are cut to the limits, never leaving a code block open', () => {
    const reply: Reply = {
      kind: 'answer',
      visibility: 'public',
      title: long(400, 'T'),
      lines: Array.from({ length: 30 }, (_, i) => `Paragraph ${i} ${long(300)}`),
      notes: [long(500, 'n')],
      fields: Array.from({ length: 40 }, (_, i) => ({ label: `Field ${i} ${long(300)}`, value: long(2000, 'v') })),
      table: { columns: ['A', 'B'], rows: Array.from({ length: 200 }, (_, i) => [`row ${i}`, '```']) },
      chart: { title: 'Chart', unit: 'US$B', bars: Array.from({ length: 80 }, (_, i) => ({ label: `bar ${i}`, low: i, high: i + 1, key: `k${i}` })) },
      sources: Array.from({ length: 200 }, (_, i) => ({ title: `Source ${i} [with] (brackets)`, url: `https://example.com/a_(b)/${i}`, date: '2026-01-01' })),
      asOf: '2026-01-01',
      summary: 'big',
    };
    const embed = renderMessage(reply).embeds[0]!;
    checkLimits(embed, 'oversized');
    expect(embed.title!.endsWith('…')).toBe(true);
  });

  it('never cuts an emoji in half: a lone surrogate is not text (Discord would refuse the JSON or show a broken glyph)', () => {
    // Each cut lands on the second half of a 2-unit emoji when it counts UTF-16 units naively.
    const emojiAt = (limit: number) => `${long(limit - 2, 'a')}📈${long(50, 'b')}`;
    const reply: Reply = {
      kind: 'answer',
      visibility: 'public',
      title: emojiAt(EMBED_LIMITS.title),
      lines: ['x'],
      fields: [{ label: emojiAt(EMBED_LIMITS.fieldName), value: 'v' }],
      summary: 'emoji',
    };
    const embed = renderMessage(reply).embeds[0]!;
    const texts = [embed.title!, embed.fields![0]!.name];
    for (const text of texts) {
      expect(text.endsWith('…')).toBe(true);
      expect(text, 'a lone surrogate').not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
    }
    checkLimits(embed, 'emoji');
  });

  it('keeps the table and sources when the text is merely long', () => {
    const reply: Reply = {
      kind: 'answer',
      visibility: 'public',
      title: 'Long',
      lines: [long(5000)],
      table: { columns: ['Company', 'US$B'], numericColumns: [1], rows: [['Meta', '125']] },
      sources: [{ title: 'A (b) [c]', url: 'https://example.com/x_(y)', date: '2026-01-01' }],
      summary: 'long',
    };
    const embed = renderMessage(reply).embeds[0]!;
    checkLimits(embed, 'long text');
    expect(embed.description).toContain('```\nCompany  US$B\n');
    expect(embed.fields).toEqual([{ name: 'Sources', value: '• [A (b) \\[c\\]](https://example.com/x_%28y%29) (2026-01-01)' }]);
  });

  it('user text with backticks stays inside its code block', () => {
    const reply: Reply = {
      kind: 'answer',
      visibility: 'public',
      title: '`title`',
      lines: ['```js'],
      table: { columns: ['Said'], rows: [['```'], ['@everyone ``` <@1>']] },
      summary: 's',
    };
    const description = renderMessage(reply).embeds[0]!.description!;
    expect(description.match(/```/g)).toHaveLength(2);
    expect(description).toContain('ˋˋˋ');
  });

  it('escapes markdown so text shows as typed, and nothing else', () => {
    expect(escapeText('US$125–145B (CY2026), S&P 500 ≈ 5%')).toBe('US$125–145B (CY2026), S&P 500 ≈ 5%');
    expect(escapeText('**bold** __u__ ~~s~~ ||spoiler|| `code` [link](https://x.y)')).toBe(
      '\\*\\*bold\\*\\* \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\|\\|spoiler\\|\\| \\`code\\` \\[link\\](https://x.y)',
    );
    expect(escapeText('# big\n> quote\n-# small\nnot # a heading')).toBe('\\# big\n\\> quote\n\\-# small\nnot # a heading');
    expect(escapeText('back\\slash')).toBe('back\\\\slash');
  });
});
