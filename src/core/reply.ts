/**
 * The platform-neutral reply every command returns. Adapters render it (plain text, Block Kit,
 * Discord embeds); nothing here knows about any platform. All strings are plain text: renderers
 * escape them for their platform, so user-typed text echoed back can never become markup or a ping.
 */
import type { ReplyAction } from './interaction.js';

/** Who sees the reply: `public` posts in the channel, `private` only to the person who asked. */
export type Visibility = 'public' | 'private';

/** `answer` is a normal result; `error` a user mistake or fault; `help` usage text. */
export type ReplyKind = 'answer' | 'error' | 'help';

export interface ReplyField {
  label: string;
  value: string;
}

export interface ReplyTable {
  columns: string[];
  /** Right-aligned columns (numbers); the rest are left-aligned. */
  numericColumns?: number[];
  rows: string[][];
  /** Optional last row (e.g. a total), rendered under a rule. */
  footer?: string[];
}

/** One bar of a chart: a single value has `low === high`; a range draws the uncertain part lighter. */
export interface ChartBar {
  label: string;
  low: number;
  high: number;
  /** Stable colour key (the company id) so one company has one colour everywhere. */
  key: string;
}

/** One dated value on a timeline, e.g. a guidance as announced that day; a range when low < high. */
export interface ChartPoint {
  /** ISO date (YYYY-MM-DD, or YYYY-MM when the day is unknown) the value was announced. */
  date: string;
  low: number;
  high: number;
  /** A `guidance` is a plan that later points may revise; `reported` is the actual outcome. */
  kind: 'guidance' | 'reported';
}

/** One line of a timeline: every value given for one period (e.g. CY2025), oldest first. */
export interface ChartSeries {
  /** The period, e.g. "CY2025" or "FY2026". */
  label: string;
  /** Colour key (the company id); series of one company are told apart by shade and label. */
  key: string;
  points: ChartPoint[];
}

export interface ReplyChart {
  /** `bars` (also when absent, as before timelines existed) or `timeline`: values over time in `series`. */
  kind?: 'bars' | 'timeline';
  title: string;
  /** Unit of every bar value, e.g. "US$ billion per year". */
  unit: string;
  /**
   * The bars. A timeline fills them too, with its summary (the current value of each period), so the
   * text layouts and any renderer that only knows bars still show something true.
   */
  bars: ChartBar[];
  /** Timeline only: how each period's value was guided and reported over time. */
  series?: ChartSeries[];
}

export interface ReplySource {
  title: string;
  url: string;
  /** ISO date (or month) the source's figure was announced. */
  date?: string;
}

/** A web page with the answer in full (a company's page when PUBLIC_URL is set); renderers show it as a link. */
export interface ReplyLink {
  label: string;
  /** Absolute http(s) URL. */
  url: string;
}

export interface Reply {
  kind: ReplyKind;
  visibility: Visibility;
  title: string;
  /** Paragraphs of plain text, in order. */
  lines: string[];
  fields?: ReplyField[];
  table?: ReplyTable;
  chart?: ReplyChart;
  /** Warnings a reader must not miss: disputed figures, fiscal/calendar mismatches. */
  notes?: string[];
  sources?: ReplySource[];
  /** ISO date of the newest figure the answer rests on. */
  asOf?: string;
  /** Where to read more on the web; absent unless the bot's pages are public (PUBLIC_URL). */
  link?: ReplyLink;
  /** Short summary for notifications and screen readers (Slack `text`, embed fallbacks). */
  summary: string;
  /** Buttons and selects under the answer (Sources, Compare with…), each a command line; see src/core/interaction.ts. */
  actions?: ReplyAction[];
}

export function errorReply(message: string, usage?: string): Reply {
  const lines = usage ? [message, `Usage: ${usage}`] : [message];
  return { kind: 'error', visibility: 'private', title: 'Sorry', lines, summary: message };
}

/**
 * `derive`, computed once per frozen value and kept with it (in a WeakMap, so it goes when the value goes); an
 * unfrozen value, which may still change, is derived on every call. Renderers use it on frozen replies (the
 * commands' per-data-set answers). `keep` prepares what is kept, e.g. deepFreeze, so one caller cannot change a
 * cached rendering under another.
 */
export function derivedOncePerFrozen<K extends object, V>(derive: (value: K) => V, keep: (derived: V) => V = (derived) => derived): (value: K) => V {
  const kept = new WeakMap<K, V>();
  return (value) => {
    if (!Object.isFrozen(value)) return derive(value);
    let derived = kept.get(value);
    if (derived === undefined) kept.set(value, (derived = keep(derive(value))));
    return derived;
  };
}

/**
 * Freezes a value and everything it holds. Commands that build an answer once per data set and share it
 * freeze it this way; a renderer may then cache what it derives from a frozen reply (`Object.isFrozen`),
 * because nothing inside it can change.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
