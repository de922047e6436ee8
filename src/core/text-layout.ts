/**
 * Monospace layouts of a reply's table and chart. The console prints them as they are; Slack and Discord
 * put them in code blocks, so one layout serves every platform and works without images.
 */
import type { ReplyChart, ReplyTable } from './reply.js';

/** Width in terminal cells: CJK characters take two (阿里巴巴 lines up with Latin names). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    width += (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xff00 && code <= 0xff60) ? 2 : 1;
  }
  return width;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
}

/** Cells longer than this are cut with an ellipsis so a table stays readable on a phone. */
export const MAX_CELL_CHARS = 40;

function clip(cell: string): string {
  return cell.length > MAX_CELL_CHARS ? `${cell.slice(0, MAX_CELL_CHARS - 1)}…` : cell;
}

export function layoutTable(table: ReplyTable): string {
  const numeric = new Set(table.numericColumns ?? []);
  const all = [table.columns, ...table.rows, ...(table.footer ? [table.footer] : [])].map((r) => r.map(clip));
  const widths = table.columns.map((_, i) => Math.max(...all.map((r) => displayWidth(r[i] ?? ''))));
  const line = (row: string[]) =>
    row
      .map((cell, i) => pad(cell, widths[i]!, numeric.has(i)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  const out = [line(all[0]!), rule, ...all.slice(1, 1 + table.rows.length).map(line)];
  if (table.footer) out.push(rule, line(all.at(-1)!));
  return out.join('\n');
}

/** Bar width in characters for the largest value. */
export const BAR_CHARS = 24;

/**
 * Horizontal bars: solid up to the low end of a range, light shading up to the high end, so ranges
 * read as uncertain without colour.
 */
export function layoutBars(chart: ReplyChart, width = BAR_CHARS): string {
  const max = Math.max(...chart.bars.map((b) => b.high), 0);
  if (max === 0) return '';
  const labelWidth = Math.max(...chart.bars.map((b) => displayWidth(clip(b.label))));
  return chart.bars
    .map((b) => {
      const solid = Math.round((b.low / max) * width);
      const light = Math.round((b.high / max) * width) - solid;
      const value = b.low === b.high ? fmt(b.high) : `${fmt(b.low)}–${fmt(b.high)}`;
      return `${pad(clip(b.label), labelWidth, false)}  ${'█'.repeat(solid)}${'░'.repeat(light)} ${value}`;
    })
    .join('\n');
}

function fmt(n: number): string {
  return n >= 100 ? String(Math.round(n)) : String(Math.round(n * 10) / 10);
}

/**
 * The first `max` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair (an emoji):
 * a lone surrogate is invalid in the JSON Slack and Discord parse, and shows as a broken glyph anywhere else.
 */
export function cutAt(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
