import { describe, expect, it } from 'vitest';
import { ask } from '../helpers/core.js';
import { bundledData } from '../helpers/core.js';

describe('/capex companies', () => {
  it('GIVEN the command THEN every tracked company is listed with tickers and aliases', async () => {
    const { reply } = await ask('/capex companies');
    expect(reply.table!.rows.length).toBe(bundledData.companies.length);
    const alibaba = reply.table!.rows.find((r) => r[0] === 'Alibaba')!;
    expect(alibaba[1]).toBe('BABA, 9988.HK');
    expect(alibaba[2]).toContain('阿里巴巴');
  });
});

describe('/help', () => {
  it('GIVEN /help or /capex help THEN every command is listed with an example, privately', async () => {
    for (const line of ['/help', '/capex help']) {
      const { reply } = await ask(line);
      expect(reply.kind).toBe('help');
      expect(reply.visibility).toBe('private');
      const labels = reply.fields!.map((f) => f.label);
      expect(labels).toEqual(expect.arrayContaining(['/capex <company>', '/compare <company> <company> [… up to 6]', '/capex top [year]', '/capex companies']));
    }
  });

  it('GIVEN /capex help compare THEN it explains compare', async () => {
    const { reply } = await ask('/capex help compare');
    expect(reply.title).toBe('/compare');
    expect(reply.lines.join('\n')).toContain('Examples: /compare meta amazon');
  });
});

describe('bad input', () => {
  it.each([
    ['', 'Type a command'],
    ['/frobnicate', 'There is no command /frobnicate'],
    ['/capex ' + 'x'.repeat(600), 'at most 500 characters'],
    ['/capex \u0000alibaba', 'control characters'],
  ])('GIVEN %j THEN a one-line explanation, no stack trace', async (line, message) => {
    const { reply, text } = await ask(line);
    expect(reply.kind).toBe('error');
    expect(reply.lines[0]).toContain(message);
    expect(text).not.toMatch(/\bat \w+ \(|Error:/);
  });

  it('GIVEN a command that throws THEN the user gets a reference, not the error', async () => {
    const { createCore } = await import('../../src/app.js');
    const core = createCore({ data: () => { throw new Error('disk on fire'); } });
    const reply = await core.handleText('/capex meta', { platform: 'console', userId: 'console:x', isAdmin: false, channelId: 'console:x' });
    expect(reply.lines[0]).toMatch(/^Something went wrong \(ref [0-9a-f]{8}\)/);
    expect(reply.lines[0]).not.toContain('disk on fire');
  });
});

describe('help on Discord', () => {
  it('GIVEN a Discord user THEN usage is shown as Discord commands with named options', async () => {
    const { reply } = await ask('/help', { platform: 'discord', userId: 'discord:1', isAdmin: false, channelId: 'discord:2' });
    const labels = reply.fields!.map((f) => f.label);
    expect(labels).toContain('/capex company:<…>');
    expect(labels).toContain('/compare company1:<…> company2:<…> […]');
    expect(labels).toContain('/capex-top [year:<…>]');
  });

  it('GIVEN a Discord user makes a mistake THEN the usage names the Discord options', async () => {
    const { reply } = await ask('/compare meta', { platform: 'discord', userId: 'discord:1', isAdmin: false, channelId: 'discord:2' });
    expect(reply.lines.at(-1)).toBe('Usage: /compare company1:<…> company2:<…> […]');
  });
});
