import { describe, expect, it } from 'vitest';
import { parseCommandLine, splitCompanyList, tokenize, MAX_INPUT_CHARS } from '../../src/core/parse.js';

describe('parseCommandLine', () => {
  it('GIVEN a slash command with arguments THEN it splits the name and the words', () => {
    expect(parseCommandLine('  /Capex  top 2025 ')).toEqual({ ok: true, command: 'capex', args: ['top', '2025'], rawArgs: 'top 2025' });
  });
  it('GIVEN quoted text THEN it stays one argument', () => {
    expect(tokenize('add cron "0 9 * * 1-5" Europe/Berlin')).toEqual(['add', 'cron', '0 9 * * 1-5', 'Europe/Berlin']);
    expect(tokenize('“meta platforms” amazon')).toEqual(['meta platforms', 'amazon']);
  });
  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['capex alibaba', 'no_slash'],
    ['/capex "alibaba', 'unbalanced_quote'],
    ['/capex ali\u0007baba', 'control_chars'],
    ['/capex ' + 'a'.repeat(MAX_INPUT_CHARS), 'too_long'],
  ])('GIVEN %j THEN it is refused as %s', (input, code) => {
    expect(parseCommandLine(input)).toEqual({ ok: false, code });
  });
});

describe('splitCompanyList', () => {
  it('GIVEN commas, "vs", "and" or spaces THEN each company is one item', () => {
    expect(splitCompanyList(['meta,', 'amazon'])).toEqual(['meta', 'amazon']);
    expect(splitCompanyList(['meta', 'vs', 'amazon', 'and', 'google'])).toEqual(['meta', 'amazon', 'google']);
  });
});
