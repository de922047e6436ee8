/**
 * The Block Kit renderer: every real command's reply on the real data stays inside Slack's documented limits,
 * oversized replies are truncated gracefully, and nothing from a Reply can become a Slack control sequence.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../../../src/app.js';
import { Harness as DigestHarness } from '../../schedule/harness.js';
import { RecordingOutbound } from '../../helpers/recording-outbound.js';
import { escapeSlack, renderMessage, renderSlashResponse, type SlackMessage } from '../../../src/adapters/slack/render.js';
import type { Reply } from '../../../src/core/reply.js';
import { bundledData, testCaller, testCore } from '../../helpers/core.js';

/** Slack's documented limits, written out here rather than imported, so the test checks the renderer. */
function limitViolations(message: SlackMessage): string[] {
  const problems: string[] = [];
  const checkText = (where: string, text: unknown, max: number) => {
    if (typeof text !== 'string' || text.trim() === '') problems.push(`${where}: empty text`);
    else if (text.length > max) problems.push(`${where}: ${text.length} > ${max} characters`);
  };
  checkText('fallback text', message.text, 40_000);
  if (message.blocks.length > 50) problems.push(`${message.blocks.length} blocks > 50`);
  message.blocks.forEach((block, i) => {
    const where = `block ${i} (${block.type})`;
    if (block.type === 'header') {
      if (block.text.type !== 'plain_text') problems.push(`${where}: header must be plain_text`);
      checkText(where, block.text.text, 150);
    } else if (block.type === 'section') {
      if (!block.text && !block.fields) problems.push(`${where}: neither text nor fields`);
      if (block.text) checkText(where, block.text.text, 3000);
      if (block.fields) {
        if (block.fields.length > 10) problems.push(`${where}: ${block.fields.length} fields > 10`);
        block.fields.forEach((f, j) => checkText(`${where} field ${j}`, f.text, 2000));
      }
    } else if (block.type === 'context') {
      if (block.elements.length > 10) problems.push(`${where}: ${block.elements.length} elements > 10`);
      block.elements.forEach((e, j) => checkText(`${where} element ${j}`, e.text, 3000));
    }
  });
  return problems;
}

/** Every string a user would see, including the fallback. */
function allText(message: SlackMessage): string[] {
  const texts = [message.text];
  for (const block of message.blocks) {
    if ('text' in block && block.text) texts.push(block.text.text);
    if ('fields' in block && block.fields) texts.push(...block.fields.map((f) => f.text));
    if (block.type === 'context') texts.push(...block.elements.map((e) => e.text));
  }
  return texts;
}

/** The only `<…>` the renderer may emit is an http(s) link it built; every `&` starts an entity. */
function controlSequenceViolations(message: SlackMessage): string[] {
  const problems: string[] = [];
  for (const text of allText(message)) {
    // The only markup the bot writes itself: source links and its own channel mentions (<#C123>, see adapters/slack/syntax.ts).
    const withoutLinks = text.replace(/<https?:\/\/[^<>|\s]+\|[^<>]*>/g, '').replace(/<#[CGD][A-Z0-9]{2,20}>/g, '');
    if (/[<>]/.test(withoutLinks)) problems.push(`raw < or > in: ${text.slice(0, 120)}`);
    if (/&(?!amp;|lt;|gt;)/.test(text)) problems.push(`bare & in: ${text.slice(0, 120)}`);
  }
  return problems;
}

function everyCommandLine(): string[] {
  const ids = bundledData.companies.map((c) => c.id);
  const lines = ['/capex top', '/capex top 2024', '/capex top 2025', '/capex top 2027', '/capex companies', '/capex help', '/help', '/capex'];
  for (const spec of testCore().commands) lines.push(`/capex help ${spec.id}`);
  for (const id of ids) lines.push(`/capex ${id}`, `/capex sources ${id}`);
  for (let i = 0; i + 1 < ids.length; i += 1) lines.push(`/compare ${ids[i]} ${ids[i + 1]}`);
  lines.push(`/compare ${ids.slice(0, 6).join(' ')}`, `/compare ${ids.slice(-6).join(', ')}`, '/compare meta', '/compare nobody nothing');
  lines.push('/capex <!channel>', '/capex AT&T <@U123>', `/capex ${'x'.repeat(600)}`);
  return lines;
}

describe('every command reply on the real data', () => {
  const core = testCore();
  const lines = everyCommandLine();

  it(`covers ${lines.length} command lines, answers and errors alike`, () => {
    expect(lines.length).toBeGreaterThan(50);
  });

  it.each(lines)('%s stays inside Block Kit limits and carries no control sequence', async (line) => {
    const reply = await core.handleText(line, testCaller({ platform: 'slack' }));
    const message = renderSlashResponse(reply);
    expect(limitViolations(message)).toEqual([]);
    expect(controlSequenceViolations(message)).toEqual([]);
    expect(message.response_type).toBe(reply.kind === 'answer' && reply.visibility === 'public' ? 'in_channel' : 'ephemeral');
  });
});

describe('every /capex-digest reply, and the digest itself', () => {
  const outbound = new RecordingOutbound('slack');
  const digests = new DigestHarness({ start: '2026-05-15T08:00:00Z', outbounds: [outbound] });
  afterAll(() => digests.cleanup());
  const core = createCore({ data: bundledData, services: { digest: digests.service }, now: () => new Date(digests.clock.now()) });
  const admin = testCaller({ platform: 'slack', userId: 'slack:U0ADMIN', channelId: 'slack:C0OPS', isAdmin: true, timeZone: 'Europe/Berlin' });
  // In order: later lines act on the schedules the earlier ones created.
  const lines = [
    '/capex-digest',
    '/capex-digest add 09:00 weekdays',
    '/capex-digest add 08:30 mon,wed,fri America/New_York <#C0NEWS|news>',
    '/capex-digest add cron "0 9 1 * *" UTC',
    '/capex-digest list',
    '/capex-digest next 1',
    '/capex-digest preview',
    '/capex-digest send 1',
    '/capex-digest pause 1',
    '/capex-digest resume 1',
    '/capex-digest remove 3',
    '/capex-digest add 25:00',
    '/capex-digest add 09:00 #general',
    '/capex-digest bogus <!channel>',
    '/capex-digest next 999',
  ];

  it.each(lines)('%s stays inside Block Kit limits and carries no control sequence', async (line) => {
    const message = renderSlashResponse(await core.handleText(line, admin));
    expect(limitViolations(message)).toEqual([]);
    expect(controlSequenceViolations(message)).toEqual([]);
  });

  it('the posted digest renders inside the limits too', () => {
    expect(outbound.posts.length).toBeGreaterThan(0);
    for (const post of outbound.posts) {
      const message = renderMessage(post.reply);
      expect(limitViolations(message)).toEqual([]);
      expect(controlSequenceViolations(message)).toEqual([]);
    }
  });
});

describe('oversized replies are cut to fit, with a visible marker', () => {
  const hostile = '<!channel> & <@U1> ';
  const huge: Reply = {
    kind: 'answer',
    visibility: 'public',
    title: `${hostile}${'Very long title '.repeat(30)}`,
    lines: Array.from({ length: 120 }, (_, i) => `${i} ${hostile}${'word '.repeat(1200)}`),
    fields: Array.from({ length: 45 }, (_, i) => ({ label: `Field ${i} ${hostile}`, value: `${hostile}${'v'.repeat(3000)}` })),
    table: {
      columns: ['Company', 'Value'],
      numericColumns: [1],
      rows: Array.from({ length: 500 }, (_, i) => [`Company ${i} ${hostile}`, String(i * 1000)]),
      footer: ['Total', '999'],
    },
    chart: { title: 'Chart', unit: 'US$B', bars: Array.from({ length: 200 }, (_, i) => ({ label: `Bar ${i}`, low: i, high: i + 10, key: `k${i}` })) },
    notes: Array.from({ length: 30 }, (_, i) => `Note ${i} ${hostile}`),
    sources: Array.from({ length: 300 }, (_, i) => ({ title: `Source ${i} ${hostile}|pipe`, url: `https://example.com/${i}?a=1&b=<2>`, date: '2026-01-01' })),
    asOf: '2026-01-01',
    summary: `${hostile}${'s'.repeat(50_000)}`,
  };

  it('stays inside every limit and escapes everything', () => {
    const message = renderMessage(huge);
    expect(limitViolations(message)).toEqual([]);
    expect(controlSequenceViolations(message)).toEqual([]);
    expect(message.blocks).toHaveLength(50);
    expect(message.blocks.at(-1)!.type).toBe('context');
    expect(allText(message).join('\n')).toContain('did not fit in one Slack message');
  });

  it('a long table keeps its header and footer and says how many rows were left out', () => {
    const message = renderMessage({ ...huge, lines: [], fields: [], chart: undefined, notes: [] });
    const table = allText(message).find((t) => t.startsWith('```\nCompany'))!;
    expect(table.length).toBeLessThanOrEqual(3000);
    expect(table).toMatch(/… \d+ more rows/);
    expect(table).toMatch(/Total\s+999\n```$/);
  });

  it('many sources: at most 10 context elements, ending with how many were left out', () => {
    const message = renderMessage({ ...huge, lines: ['x'], fields: [], table: undefined, chart: undefined, notes: [] });
    const context = message.blocks.at(-1)! as { type: 'context'; elements: { text: string }[] };
    expect(context.elements.length).toBeLessThanOrEqual(10);
    expect(context.elements[0]!.text).toBe('As of 2026-01-01');
    expect(context.elements.at(-1)!.text).toMatch(/^…and \d+ more sources$/);
    expect(context.elements[1]!.text).toContain('<https://example.com/0?a=1&amp;b=%3C2%3E|Source 0 &lt;!channel&gt; &amp; &lt;@U1&gt; ¦pipe> (2026-01-01)');
  });

  it('truncation never leaves half an entity behind', () => {
    const message = renderMessage({ kind: 'answer', visibility: 'public', title: '&'.repeat(200), lines: ['<'.repeat(5000)], summary: '>'.repeat(5000) });
    expect(controlSequenceViolations(message)).toEqual([]);
    expect(limitViolations(message)).toEqual([]);
  });
});

describe('escaping', () => {
  it('turns the three control characters into entities', () => {
    expect(escapeSlack('<!here> & <@U1|bob>')).toBe('&lt;!here&gt; &amp; &lt;@U1|bob&gt;');
  });

  it('a source with a javascript: or unparsable URL is shown as text, never as a link', () => {
    const message = renderMessage({
      kind: 'answer',
      visibility: 'public',
      title: 'T',
      lines: ['x'],
      sources: [
        { title: 'Bad', url: 'javascript:alert(1)' },
        { title: 'Worse', url: 'not a url' },
      ],
      summary: 's',
    });
    const context = allText(message).at(-1)!;
    expect(context).toBe('Sources: Bad · Worse');
  });

  it('errors get no header, just a warning line; answers get a header', () => {
    const error = renderMessage({ kind: 'error', visibility: 'private', title: 'Sorry', lines: ['Nope <b>'], summary: 'Nope' });
    expect(error.blocks.map((b) => b.type)).toEqual(['section']);
    expect(allText(error)[1]).toBe(':warning: Nope &lt;b&gt;');
  });
});

describe('shared, frozen answers', () => {
  it('/capex <company> answers are frozen, and render exactly like an unfrozen copy of the same reply', async () => {
    const core = testCore();
    const alibaba = await core.handleText('/capex alibaba', testCaller());
    const meta = await core.handleText('/capex meta', testCaller());
    expect(Object.isFrozen(alibaba)).toBe(true);
    expect(() => alibaba.lines.push('changed')).toThrow(TypeError);
    const copy = structuredClone(alibaba) as Reply;
    expect(Object.isFrozen(copy)).toBe(false);
    // Rendered twice (the second time from the cache), and for another frozen answer in between.
    expect(renderSlashResponse(alibaba)).toEqual(renderSlashResponse(copy));
    expect(renderSlashResponse(meta).text).toContain('Meta');
    expect(JSON.stringify(renderSlashResponse(alibaba))).toBe(JSON.stringify(renderSlashResponse(copy)));
    expect(renderSlashResponse(alibaba).text).toContain('Alibaba');
  });
});
