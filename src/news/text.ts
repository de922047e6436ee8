/**
 * Feed text is hostile input shown in chat: titles may carry HTML (Atom `type="html"`, RSS titles with
 * markup), entities, control characters, line breaks and absurd lengths. This turns them into one short
 * line of plain text; the chat renderers then escape it for their platform as they do all reply text.
 */
import { decode } from 'html-entities';
import { cutAt } from '../core/text-layout.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

/** HTML fragment or text → one line of plain text, at most `max` characters (cut on a word when possible). */
export function plainText(html: string, max: number): string {
  const text = decode(html.replace(/<!\[CDATA\[|\]\]>/g, '').replace(/<[^>]*>/g, ' '))
    .replace(CONTROL, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cut(text, max);
}

export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const slice = cutAt(text, max - 1);
  const space = slice.lastIndexOf(' ');
  return `${(space > max * 0.6 ? slice.slice(0, space) : slice).trimEnd()}…`;
}
