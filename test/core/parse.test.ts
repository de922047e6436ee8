import { describe, expect, it } from 'vitest';
import { parseCommandLine, splitCompanyList, tokenize, tokenizeByCharacter, MAX_INPUT_CHARS } from '../../src/core/parse.js';

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

describe('tokenize', () => {
  it('GIVEN lines with and without quotes, any Unicode space, emoji and CJK THEN the same words as a character-by-character split', () => {
    const pieces = ['meta', 'Amazon', '阿里巴巴', '😀', 'a,b', '-', ' ', '  ', '\t', '\u00a0', '\u3000', '\u2028', '\ufeff', '\u200b', '"', '“', '”', 'x y'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % pieces.length;
    const lines = ['', ' ', 'meta amazon', '  meta   amazon  ', 'meta\u00a0amazon', '"meta platforms" amazon', '“meta” amazon', 'open "quote'];
    for (let i = 0; i < 2000; i++) lines.push(Array.from({ length: 1 + (i % 7) }, () => pieces[next()]).join(''));
    for (const line of lines) expect(tokenize(line), JSON.stringify(line)).toEqual(tokenizeByCharacter(line));
  });
});
