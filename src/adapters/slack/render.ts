/**
 * Renders the core's platform-neutral Reply as a Slack Block Kit message. Every string that comes from a
 * Reply is escaped (`&`, `<`, `>`) before it is placed in a block, so text a user typed and the bot echoes
 * back (`/capex <!channel>`) can never become a mention, a link or any other Slack control sequence.
 * Block Kit's size limits are respected by truncating gracefully instead of letting Slack reject the message.
 */
import { deepFreeze, derivedOncePerFrozen, type Reply, type ReplyChart, type ReplySource, type ReplyTable } from '../../core/reply.js';
import { cutAt } from '../../core/text-layout.js';
import { slackChannelMentions } from './syntax.js';
import { actionsBlock, type SlackActionsBlock } from './actions-block.js';

/** Documented Block Kit limits (docs.slack.dev/reference/block-kit/blocks), plus a cap for the fallback text. */
export const BLOCK_KIT_LIMITS = {
  blocksPerMessage: 50,
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  /** Conservative per-element cap for context text (Slack documents none lower than a section's). */
  contextText: 2000,
  /** Slack accepts up to 40,000, but the fallback is a notification line: keep it short. */
  fallbackText: 3000,
} as const;

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text: Mrkdwn; fields?: undefined }
  | { type: 'section'; fields: Mrkdwn[]; text?: undefined }
  | { type: 'context'; elements: Mrkdwn[] }
  | { type: 'divider' }
  | SlackActionsBlock;

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export interface SlashCommandResponse extends SlackMessage {
  response_type: 'in_channel' | 'ephemeral';
}

/** Slack's three control characters, as the formatting docs require. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function escapeSlack(text: string): string {
  // Most strings contain none of the three: skip the replace (this runs for every string of every answer).
  const escaped = /[&<>]/.test(text) ? text.replace(/[&<>]/g, (c) => ENTITIES[c]!) : text;
  // The bot's own channel references become <#C123> only now, after escaping, so no text can forge markup.
  return slackChannelMentions(escaped);
}

/**
 * The reverse, for text Slack sends us: Slack clients entity-encode `&`, `<`, `>` in everything a user types
 * ("AT&T" arrives as "AT&amp;T"), so the core must see the decoded text. Safe, because every string is
 * escaped again on the way out.
 */
export function unescapeSlack(text: string): string {
  return text.includes('&') ? text.replace(/&(amp|lt|gt);/g, (_m, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>')) : text;
}

/** A link as Slack sends it in slash-command text with should_escape: `<https://…>` or `<https://…|label>`. */
const SLACK_LINK = /<((?:https?|mailto):[^|>\s]*)(?:\|[^>]*)?>/gi;

/**
 * Slash-command text as Slack sends it (`should_escape: true`) → what the user typed: links unwrapped to
 * the bare URL (the label is only what Slack displays), then `&amp;`/`&lt;`/`&gt;` decoded — in that order,
 * because the URL inside `<…>` is itself entity-encoded. Channel and user references (`<#C1|name>`, `<@U1>`)
 * stay as they are: the command grammar reads the channel id from them.
 */
export function slackTextToPlain(text: string): string {
  const unwrapped = text.includes('<') ? text.replace(SLACK_LINK, (_m, url: string) => (url.toLowerCase().startsWith('mailto:') ? url.slice(7) : url)) : text;
  return unescapeSlack(unwrapped);
}

/** Escapes, then cuts to `max` characters without splitting an entity such as `&amp;` in half. */
export function fitEscaped(text: string, max: number): string {
  return fit(escapeSlack(text), max);
}

/** Cuts already-escaped text to `max` characters, ending with an ellipsis, never inside an entity. */
function fit(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  let cut = cutAt(escaped, max - 1);
  cut = cut.replace(/&[a-z]{0,3}$/, '');
  return `${cut}…`;
}

/**
 * Answers go to the channel; errors and help only to the person who asked. A frozen reply (a command's shared,
 * cached answer) cannot change, so its rendering is kept with it and itself frozen; the receiver then also keeps
 * its JSON bytes (see `jsonBytesOf`).
 */
export const renderSlashResponse: (reply: Reply) => SlashCommandResponse = derivedOncePerFrozen(buildSlashResponse, deepFreeze);

function buildSlashResponse(reply: Reply): SlashCommandResponse {
  const responseType = reply.kind === 'answer' && reply.visibility === 'public' ? 'in_channel' : 'ephemeral';
  return { response_type: responseType, ...renderMessage(reply) };
}

export function renderMessage(reply: Reply): SlackMessage {
  const content: SlackBlock[] = [];
  if (reply.kind === 'error') {
    // A one-line apology does not need a big header: a single section reads better.
    pushSections(content, reply.lines.map((line, i) => (i === 0 ? `:warning: ${escapeSlack(line)}` : escapeSlack(line))));
  } else {
    content.push(header(reply.title));
    pushSections(content, reply.lines.map(escapeSlack));
  }
  if (reply.fields?.length) pushFields(content, reply.fields);
  if (reply.table && reply.table.rows.length + (reply.table.footer ? 1 : 0) > 0) content.push(section(renderTable(reply.table)));
  if (reply.chart && reply.chart.bars.length > 0) content.push(section(renderChart(reply.chart)));
  if (reply.notes?.length) pushSections(content, reply.notes.map((note) => `:warning: ${escapeSlack(note)}`));

  const context = contextBlock(reply.asOf, reply.sources ?? []);
  // The web page with the answer in full (PUBLIC_URL): one more context line, a link built like a source's.
  const page: SlackBlock | undefined = reply.link ? { type: 'context', elements: [{ type: 'mrkdwn', text: sourceLink({ title: reply.link.label, url: reply.link.url }) }] } : undefined;
  // Buttons and selects (Sources, Compare with…) come last, under the sources: src/adapters/slack/interactivity.ts.
  const trailing = [context, page, actionsBlock(reply.actions)].filter((b): b is SlackBlock => b !== undefined);
  const room = BLOCK_KIT_LIMITS.blocksPerMessage - trailing.length;
  if (content.length > room) {
    content.length = room - 1;
    content.push(section('_…the rest of this answer did not fit in one Slack message._'));
  }
  const blocks = [...content, ...trailing];
  const fallback = reply.summary.trim() || reply.title || 'capex-bot';
  return { text: fitEscaped(fallback, BLOCK_KIT_LIMITS.fallbackText), blocks };
}

function header(title: string): SlackBlock {
  return { type: 'header', text: { type: 'plain_text', text: fitEscaped(title.trim() || 'capex-bot', BLOCK_KIT_LIMITS.headerText), emoji: false } };
}

function section(mrkdwn: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: fit(mrkdwn, BLOCK_KIT_LIMITS.sectionText) } };
}

/** Packs escaped paragraphs into as few sections as the 3,000-character limit allows. */
function pushSections(blocks: SlackBlock[], paragraphs: string[]): void {
  let current = '';
  for (const paragraph of paragraphs) {
    if (paragraph.trim() === '') continue;
    const joined = current === '' ? paragraph : `${current}\n\n${paragraph}`;
    if (joined.length <= BLOCK_KIT_LIMITS.sectionText) {
      current = joined;
      continue;
    }
    if (current !== '') blocks.push(section(current));
    current = paragraph;
  }
  if (current !== '') blocks.push(section(current));
}

function pushFields(blocks: SlackBlock[], fields: NonNullable<Reply['fields']>): void {
  for (let i = 0; i < fields.length; i += BLOCK_KIT_LIMITS.fieldsPerSection) {
    const chunk = fields.slice(i, i + BLOCK_KIT_LIMITS.fieldsPerSection).map((field) => {
      const label = fitEscaped(field.label, 200);
      const text = `*${label}*\n${fitEscaped(field.value, BLOCK_KIT_LIMITS.fieldText - label.length - 3)}`;
      return { type: 'mrkdwn' as const, text };
    });
    blocks.push({ type: 'section', fields: chunk });
  }
}

/** A cell of preformatted text: no backticks (they would close the code block), bounded width. */
function cell(text: string, width = 40): string {
  const clean = text.replace(/`/g, 'ˋ').replace(/\s+/g, ' ').trim();
  return clean.length > width ? `${cutAt(clean, width - 1)}…` : clean;
}

/** The table as aligned monospace text in a code block; rows that do not fit are counted, not dropped silently. */
export function renderTable(table: ReplyTable): string {
  const numeric = new Set(table.numericColumns ?? []);
  const rows = table.rows.map((row) => table.columns.map((_, c) => cell(row[c] ?? '')));
  const footer = table.footer ? table.columns.map((_, c) => cell(table.footer?.[c] ?? '')) : undefined;
  const head = table.columns.map((c) => cell(c));
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length), footer ? footer[c]!.length : 0));
  const format = (cells: string[]): string =>
    cells
      .map((value, c) => (numeric.has(c) ? value.padStart(widths[c]!) : value.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  const tail = footer ? [rule, format(footer)] : [];

  const fenced = (body: string[]): string => '```\n' + escapeSlack(body.join('\n')) + '\n```';
  let shown = rows.length;
  for (;;) {
    const more = rows.length - shown;
    const body = [format(head), rule, ...rows.slice(0, shown).map(format), ...(more > 0 ? [`… ${more} more rows`] : []), ...tail];
    const text = fenced(body);
    if (text.length <= BLOCK_KIT_LIMITS.sectionText || shown === 0) return text;
    shown -= 1;
  }
}

const CHART_WIDTH = 24;

/** Horizontal bars in monospace: solid up to the low value, shaded up to the high value of a range. */
export function renderChart(chart: ReplyChart): string {
  const max = Math.max(...chart.bars.map((b) => Math.max(b.high, b.low)), 0);
  const labels = chart.bars.map((b) => cell(b.label, 24));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const lines = chart.bars.map((bar, i) => {
    const low = Math.min(bar.low, bar.high);
    const high = Math.max(bar.low, bar.high);
    const solid = max > 0 ? Math.round((low / max) * CHART_WIDTH) : 0;
    const range = max > 0 ? Math.max(Math.round((high / max) * CHART_WIDTH) - solid, high > low ? 1 : 0) : 0;
    const value = high > low ? `${formatNumber(low)}–${formatNumber(high)}` : formatNumber(high);
    return `${labels[i]!.padEnd(labelWidth)}  ${'█'.repeat(solid)}${'░'.repeat(range)}${' '.repeat(Math.max(CHART_WIDTH - solid - range, 0))}  ${value}`;
  });
  const legend = chart.bars.some((b) => b.high !== b.low) ? '\n░ = range of the estimate' : '';
  // Titles often name the unit already ("AI capex 2026, US$ billion per year"): do not say it twice.
  const unit = chart.title.includes(chart.unit) ? '' : ` (${fitEscaped(chart.unit, 100)})`;
  const title = `*${fitEscaped(chart.title, 200)}*${unit}`;
  const budget = BLOCK_KIT_LIMITS.sectionText - title.length - legend.length - 10;
  let body = escapeSlack(lines.join('\n'));
  if (body.length > budget) body = fit(body.slice(0, body.lastIndexOf('\n', budget)), budget);
  return `${title}\n\`\`\`\n${body}${legend}\n\`\`\``;
}

// One formatter for the process: building an Intl.NumberFormat per call costs tens of microseconds.
const NUMBER_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function formatNumber(n: number): string {
  return NUMBER_FORMAT.format(n);
}

/** `<url|title>` for http(s) sources; anything else is shown as plain (escaped) text, never as a link. */
export function sourceLink(source: ReplySource): string {
  const title = fitEscaped(source.title, 150);
  const date = source.date ? ` (${fitEscaped(source.date, 20)})` : '';
  let url: URL | undefined;
  try {
    url = new URL(source.url);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return `${title}${date}`;
  const href = escapeSlack(url.href).replace(/\|/g, '%7C');
  // A link must never be cut in half by truncation; an absurdly long URL is shown as its title only.
  if (href.length > 1500) return `${title}${date}`;
  return `<${href}|${title.replace(/\|/g, '¦')}>${date}`;
}

/** The as-of date and the sources, packed into at most 10 context elements. */
function contextBlock(asOf: string | undefined, sources: ReplySource[]): SlackBlock | undefined {
  const elements: string[] = asOf ? [`As of ${fitEscaped(asOf, 40)}`] : [];
  // One element stays free for the "…and N more sources" note.
  const maxSourceElements = BLOCK_KIT_LIMITS.contextElements - elements.length - 1;
  const packed: string[] = [];
  let shown = 0;
  for (const link of sources.map(sourceLink)) {
    const last = packed.length - 1;
    if (last < 0) {
      packed.push(`Sources: ${link}`);
    } else if (packed[last]!.length + 3 + link.length <= BLOCK_KIT_LIMITS.contextText) {
      packed[last] = `${packed[last]} · ${link}`;
    } else if (packed.length < maxSourceElements) {
      packed.push(link);
    } else {
      break;
    }
    shown += 1;
  }
  elements.push(...packed);
  const omitted = sources.length - shown;
  if (omitted > 0) elements.push(`…and ${omitted} more source${omitted === 1 ? '' : 's'}`);
  if (elements.length === 0) return undefined;
  return { type: 'context', elements: elements.map((text) => ({ type: 'mrkdwn', text })) };
}
