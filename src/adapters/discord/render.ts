/**
 * Renders the core's platform-neutral Reply as one Discord embed: title, text, the table and the bar chart
 * as code blocks, fields, sources as links, and a footer with the as-of date. Everything is fitted inside
 * Discord's embed limits (a message over them is rejected outright), and every message carries
 * `allowed_mentions: { parse: [] }` so nothing echoed from user input can ping anyone.
 *
 * Reply strings are plain text: markdown in them is escaped, and backticks inside code blocks are swapped
 * for a look-alike so user text can never close the block early.
 */
import type { APIEmbed, APIEmbedField } from 'discord.js';
import { deepFreeze, derivedOncePerFrozen, type Reply, type ReplySource, type ReplyTable } from '../../core/reply.js';
import { cutAt, displayWidth, layoutBars, layoutTable } from '../../core/text-layout.js';
import { actionRows, type DiscordActionRow } from './action-rows.js';

/** https://discord.com/developers/docs/resources/message#embed-object-embed-limits */
export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
} as const;

/** MessageFlags.Ephemeral: only the person who asked sees the answer. */
export const EPHEMERAL = 64;

/** Mentions nobody, whatever the text says (`@everyone`, `<@123>`, `<@&role>`). */
export const NO_MENTIONS = { parse: [] as [] };

export interface DiscordMessage {
  embeds: APIEmbed[];
  allowed_mentions: { parse: [] };
  flags?: number;
  /** Buttons and selects (Sources, Compare with…): src/adapters/discord/action-rows.ts. */
  components?: DiscordActionRow[];
}

const COLOURS = { answer: 0x2f9e44, error: 0xe03131, help: 0x5865f2 } as const;
/** The description keeps at least this much room before fields are dropped to make space. */
const MIN_DESCRIPTION = 1000;
/** Sources spill over into at most this many fields; the rest are counted. */
const MAX_SOURCE_FIELDS = 3;
const ELLIPSIS = '…';

export function isEphemeral(reply: Reply): boolean {
  return reply.visibility === 'private' || reply.kind !== 'answer';
}

/** The API body of a message or interaction response (`data` of type 4) for one reply. */
/**
 * Frozen replies (the core's per-data-set answers) are rendered once: the same reply object always gives the
 * same message, so a busy /capex skips the escaping and layout (issue 18). The cached message is frozen too.
 */
export const renderMessage: (reply: Reply) => DiscordMessage = derivedOncePerFrozen(buildMessage, deepFreeze);

function buildMessage(reply: Reply): DiscordMessage {
  return {
    embeds: [renderEmbed(reply)],
    allowed_mentions: NO_MENTIONS,
    ...(isEphemeral(reply) ? { flags: EPHEMERAL } : {}),
    ...(reply.actions?.length ? { components: actionRows(reply.actions) } : {}),
  };
}

export function renderEmbed(reply: Reply): APIEmbed {
  const title = truncate(escapeText(reply.title), EMBED_LIMITS.title);
  const footerText = footerOf(reply);
  const fields = [...(reply.fields ?? []).map(replyField), ...sourceFields(reply.sources ?? [])].slice(0, EMBED_LIMITS.fields);

  // Fields and footer are short and fixed; the description takes what is left, but never less than
  // MIN_DESCRIPTION while there are fields that could be dropped instead.
  const fixed = () => title.length + (footerText?.length ?? 0) + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  while (fields.length > 0 && EMBED_LIMITS.total - fixed() < MIN_DESCRIPTION) fields.pop();
  const description = describe(reply, Math.min(EMBED_LIMITS.description, EMBED_LIMITS.total - fixed()));

  return {
    title,
    // The web page with the answer in full (PUBLIC_URL) makes the title a link; only http(s) is ever linked.
    ...(reply.link && /^https?:\/\//i.test(reply.link.url) ? { url: reply.link.url } : {}),
    color: COLOURS[reply.kind],
    ...(description ? { description } : {}),
    ...(fields.length ? { fields } : {}),
    ...(footerText ? { footer: { text: footerText } } : {}),
  };
}

/** Sum of the parts Discord counts towards the 6,000-character embed total. */
export function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/**
 * Code blocks wider than this wrap inside an embed (and far sooner on a phone), which scrambles columns:
 * wider tables are shown as one line per row instead.
 */
export const MAX_CODE_WIDTH = 60;

type Block = { heading?: string; code: boolean; lines: string[] };

/** Text, notes, table and chart, fitted into `budget` characters without ever cutting a code block open. */
function describe(reply: Reply, budget: number): string {
  const text = [...reply.lines.map(escapeText), ...(reply.notes ?? []).map((n) => (n.startsWith('⚠') ? escapeText(n) : `⚠ ${escapeText(n)}`))].join('\n');
  const blocks: Block[] = [];
  if (reply.table) blocks.push(tableBlock(reply.table));
  if (reply.chart) {
    const bars = layoutBars(reply.chart);
    if (bars) blocks.push({ heading: `**${escapeText(reply.chart.title)}**`, code: true, lines: safeInCode(bars).split('\n') });
  }

  const separator = '\n\n';
  const sizes = blocks.map((b) => renderBlock(b, b.lines).length + separator.length);
  const wanted = text.length + sizes.reduce((a, b) => a + b, 0);
  // When everything does not fit, the text keeps at least 40% of the room and the blocks share the rest.
  const textBudget = wanted <= budget ? text.length : Math.min(text.length, Math.max(Math.floor(budget * 0.4), budget - sizes.reduce((a, b) => a + b, 0)));
  const parts = text ? [truncate(text, textBudget)] : [];
  let used = parts[0]?.length ?? 0;
  for (const block of blocks) {
    const part = fitBlock(block, budget - used - (parts.length ? separator.length : 0));
    if (!part) continue;
    parts.push(part);
    used += part.length + separator.length;
  }
  return parts.join(separator);
}

function tableBlock(table: ReplyTable): Block {
  const laid = safeInCode(layoutTable(table)).split('\n');
  if (Math.max(...laid.map(displayWidth)) <= MAX_CODE_WIDTH) return { code: true, lines: laid };
  // One line per row: the first cell in bold, then "Column: value" for the rest.
  // A leading rank column ("#") joins the name: "1. Amazon".
  const ranked = table.columns[0] === '#' && table.columns.length > 1;
  const row = (raw: string[]) => {
    const cells = raw.map((c) => escapeText(c));
    const first = ranked ? [cells[0] ? `${cells[0]}.` : '', cells[1] ?? ''].filter(Boolean).join(' ') : (cells[0] ?? '');
    const offset = ranked ? 2 : 1;
    const pairs = cells.slice(offset).map((cell, i) => (cell ? `${escapeText(table.columns[i + offset] ?? '')}: ${cell}` : '')).filter(Boolean);
    return `**${first || '—'}** — ${pairs.join(' · ')}`;
  };
  return { code: false, lines: [...table.rows.map(row), ...(table.footer ? [row(table.footer)] : [])] };
}

function renderBlock(block: Block, lines: string[]): string {
  const body = block.code ? codeBlock(lines.join('\n')) : lines.join('\n');
  return block.heading ? `${block.heading}\n${body}` : body;
}

/** The block, dropping whole lines from the end (with a "…" line) until it fits `room`; undefined if nothing fits. */
function fitBlock(block: Block, room: number): string | undefined {
  const full = renderBlock(block, block.lines);
  if (full.length <= room) return full;
  // Tables keep their header and rule; a lone "…" is not worth showing.
  const minimum = block.code && block.lines[1]?.startsWith('─') ? 3 : 1;
  // Binary search for the most lines that fit: rendered length grows with the number of lines kept.
  const fits = (keep: number) => renderBlock(block, [...block.lines.slice(0, keep), ELLIPSIS]);
  let lo = minimum;
  let hi = block.lines.length - 1;
  let best: string | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const part = fits(mid);
    if (part.length <= room) {
      best = part;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

function codeBlock(body: string): string {
  return `\`\`\`\n${body}\n\`\`\``;
}

/** Inside a code block only a backtick run can end it: swap backticks for the look-alike ˋ (U+02CB). */
export function safeInCode(text: string): string {
  return text.replace(/`/g, 'ˋ');
}

/** Characters that start inline markdown: bold/italic, underline, strikethrough, code, spoilers, masked links. */
const INLINE_MARKDOWN = /[\\*_~`|[\]]/g;
/** Markdown that only counts at the start of a line: headings, subtext, block quotes. */
const LINE_START_MARKDOWN = /^([ \t]*)(#{1,3}[ \t]|-#[ \t]|>)/gm;

/**
 * Plain text → Discord markdown that shows exactly that text. Discord hides a backslash before any
 * punctuation, so escaping is invisible; two regex passes (discord.js's escapeMarkdown takes ~70 µs per
 * string, which dominated the whole reply).
 */
export function escapeText(text: string): string {
  return text.replace(INLINE_MARKDOWN, '\\$&').replace(LINE_START_MARKDOWN, '$1\\$2');
}

function replyField(field: { label: string; value: string }): APIEmbedField {
  const value = truncate(escapeText(field.value), EMBED_LIMITS.fieldValue) || '—';
  return { name: truncate(escapeText(field.label), EMBED_LIMITS.fieldName) || '—', value, inline: value.length <= 40 };
}

/** Sources as markdown links, one per line, over as many fields as needed (up to MAX_SOURCE_FIELDS). */
function sourceFields(sources: readonly ReplySource[]): APIEmbedField[] {
  const fields: APIEmbedField[] = [];
  let lines: string[] = [];
  let length = 0;
  for (let i = 0; i < sources.length; i++) {
    const line = sourceLine(sources[i]!);
    if (length + line.length + 1 > EMBED_LIMITS.fieldValue - 40 && lines.length > 0) {
      fields.push({ name: fields.length ? 'Sources (continued)' : 'Sources', value: lines.join('\n') });
      lines = [];
      length = 0;
      if (fields.length === MAX_SOURCE_FIELDS) {
        fields[fields.length - 1]!.value += `\n${ELLIPSIS}and ${sources.length - i} more`;
        return fields;
      }
    }
    lines.push(line);
    length += line.length + 1;
  }
  if (lines.length) fields.push({ name: fields.length ? 'Sources (continued)' : 'Sources', value: lines.join('\n') });
  return fields;
}

function sourceLine(source: ReplySource): string {
  const title = truncate(escapeText(source.title), 200);
  const date = source.date ? ` (${source.date})` : '';
  if (!/^https?:\/\//i.test(source.url)) return `• ${title}${date}`;
  // Parentheses and spaces would end the link target early.
  const url = source.url.replace(/[()\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return truncate(`• [${title}](${url})${date}`, EMBED_LIMITS.fieldValue - 40);
}

function footerOf(reply: Reply): string | undefined {
  const parts: string[] = [];
  if (reply.asOf) parts.push(`As of ${reply.asOf}`);
  const count = reply.sources?.length ?? 0;
  if (count) parts.push(`${count} source${count === 1 ? '' : 's'} linked above`);
  return parts.length ? truncate(parts.join(' · '), EMBED_LIMITS.footer) : undefined;
}

/** At most `max` UTF-16 units (Discord's limits count no more than that), never half an emoji. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  return `${cutAt(text, max - 1)}${ELLIPSIS}`;
}
