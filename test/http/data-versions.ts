/** Hostile and broken data files, as the chaos test made them: shared by the loader, live-data and running-bot tests. */
import { parseDataText } from '../../src/data/loader.js';

/** "Billion laughs": nine levels of nine aliases each, 9^9 strings once expanded. */
export function aliasBomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`);
  return `${lines.join('\n')}\n`;
}

/** A version cut at a figure row so that its first part is a valid data file on its own (the chaos test's 58 of 109). */
export function validFirstPart(text: string): { first: string; rest: string; firstFigures: number } {
  const figures = text.indexOf('\nfigures:');
  const rows = [...text.matchAll(/^ {2}- id: /gm)].map((m) => m.index!).filter((i) => i > figures);
  for (let k = Math.floor(rows.length / 2); k < rows.length; k++) {
    const first = text.slice(0, rows[k]);
    try {
      return { first, rest: text.slice(rows[k]), firstFigures: parseDataText(first, 'first part').figures.length };
    } catch {
      // an earlier row may point at a later one (supersededBy): try the next cut
    }
  }
  throw new Error('no valid first part');
}
