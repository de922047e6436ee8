/**
 * How a platform writes what the bot says about itself: a command, a channel, a usage line, who counts as
 * an admin. Commands, digests, alerts and admin notices never spell a command or a channel themselves:
 * they write a *reference* in the neutral text grammar — `commandRef('/capex-digest list')`,
 * `channelRef('slack:C123')` — and before a reply reaches a renderer, `localize()` rewrites every reference
 * with the `Syntax` of the platform that shows it (`/digest list` and `<#123>` on Discord, `/capex help` in
 * Slack, where `/help` would open Slack's own help). Each adapter folder holds its platform's `Syntax`; the
 * core only knows the text grammar its parser reads (`textSyntax`), used where no adapter claims a caller.
 *
 * References are delimited by Unicode private-use characters, which nobody types on purpose; the core strips
 * them from everything a user sends (`stripRefMarks`), so a reference in a reply always comes from the bot.
 */
import type { z } from 'zod';
import type { CommandSpec } from './command.js';
import { parseCommandLine } from './parse.js';
import { deepFreeze, type Reply } from './reply.js';

const COMMAND_OPEN = '\uE000';
const CHANNEL_OPEN = '\uE001';
const CLOSE = '\uE002';
const MARKS = /[\uE000-\uE002]/g;
/** The same, without the global flag: `test` keeps no lastIndex between calls. */
const ANY_MARK = /[\uE000-\uE002]/;
const ANY_REF = /\uE000([^\uE000-\uE002]*)\uE002|\uE001([^\uE000-\uE002]*)\uE002/g;
const CHANNEL_REF = /\uE001([^\uE000-\uE002]*)\uE002/g;

/** A command line in the text grammar (`/capex-digest next 3`), shown in the reader's platform syntax. */
export function commandRef(line: string): string {
  return `${COMMAND_OPEN}${line.replace(MARKS, '')}${CLOSE}`;
}

/** A platform-prefixed channel id (`discord:123`), shown as the reader's platform mentions a channel. */
export function channelRef(channelId: string): string {
  return `${CHANNEL_OPEN}${channelId.replace(MARKS, '')}${CLOSE}`;
}

/** Removes reference delimiters from text a user sent, so nobody can forge a reference. */
export function stripRefMarks(text: string): string {
  return text.replace(MARKS, '');
}

/** Whether `stripRefMarks` would change the text. */
export function hasRefMarks(text: string): boolean {
  return ANY_MARK.test(text);
}

/** Result of reading a channel the user typed or picked. */
export type ChannelParse = { ok: true; channelId: string } | { ok: false; message: string };

/**
 * One platform's way of writing things. `platform` is the prefix of its ids (`slack`, `discord`, `console`).
 * Built per command registry by a `SyntaxFactory`, because writing a command needs the declarations.
 */
export interface Syntax {
  readonly platform: string;
  /** The command as a user of this platform types its name: `/capex top` (Slack), `/capex-top` (Discord). */
  commandName(spec: CommandSpec): string;
  /** A text-grammar command line (`/capex-digest add 09:00 weekdays`) as typed on this platform. */
  command(line: string): string;
  /**
   * The usage line shown under an error and in help. `textUsage` is a more specific text-grammar usage a
   * command gave (a `UserError`'s); platforms that do not type the text grammar ignore it.
   */
  usage(spec: CommandSpec, textUsage?: string): string;
  /**
   * A platform-prefixed channel id as readers see it: `<#123>` on Discord, `#general` in the console. A platform
   * whose renderer escapes mention markup (Slack) returns `channelRef(id)` unchanged and its renderer turns it
   * into the mention after escaping (`replaceChannelRefs`), so escaping can never break it or let user text in.
   */
  channel(channelId: string): string;
  /** A channel as typed (`<#C123|general>`, `#general`) → platform-prefixed id, or how to pick one instead. */
  parseChannel(text: string): ChannelParse;
  /** Who may run admin-only commands, as the refusal names them: "someone with the Manage Server permission". */
  readonly admins: string;
  /** Platform quirks a command mentions where they bite, in the platform's words. */
  readonly hints?: {
    /** Said when images are switched on for a channel of this platform (Slack: the bot must be a member). */
    imageNeedsMembership?: string;
  };
}

export type SyntaxFactory = (commands: readonly CommandSpec[]) => Syntax;

/** The command a text line names: the longest matching path wins (`/capex top` before `/capex`). */
export function findByText(commands: readonly CommandSpec[], command: string, args: readonly string[]): { spec: CommandSpec; rest: string[] } | undefined {
  const paths = textPaths(commands).get(command);
  if (!paths) return undefined;
  const sub = args[0]?.toLowerCase();
  const spec = sub === undefined ? undefined : paths.second.get(sub);
  if (spec) return { spec, rest: args.slice(1) };
  return paths.alone ? { spec: paths.alone, rest: [...args] } : undefined;
}

/** Per first word of a path (or alias): the command for each second word, and the one named by the word alone. */
type TextPaths = Map<string, { second: Map<string, CommandSpec>; alone?: CommandSpec }>;

/**
 * Built once per command list (every command line is looked up in it, issue 18). The first declaration wins,
 * as a scan in declaration order would find it; a list that grew since is indexed again.
 */
const textPathIndexes = new WeakMap<readonly CommandSpec[], { size: number; paths: TextPaths }>();

function textPaths(commands: readonly CommandSpec[]): TextPaths {
  const known = textPathIndexes.get(commands);
  if (known?.size === commands.length) return known.paths;
  const paths: TextPaths = new Map();
  for (const spec of commands) {
    for (const path of [spec.path, ...(spec.aliases ?? [])]) {
      let entry = paths.get(path[0]);
      if (!entry) paths.set(path[0], (entry = { second: new Map() }));
      if (path.length === 1) entry.alone ??= spec;
      else if (!entry.second.has(path[1])) entry.second.set(path[1], spec);
    }
  }
  textPathIndexes.set(commands, { size: commands.length, paths });
  return paths;
}

/** A text-grammar line split into its command and the words after the command's path; undefined when it names none. */
export function readCommandLine(commands: readonly CommandSpec[], line: string): { spec: CommandSpec; typed: string; rest: string[] } | undefined {
  const parsed = parseCommandLine(line);
  if (!parsed.ok) return undefined;
  const match = findByText(commands, parsed.command, parsed.args);
  return match ? { spec: match.spec, typed: parsed.command, rest: match.rest } : undefined;
}

/** The options' keys in declaration order, with whether each is optional and an array (for generated usage lines). */
export function optionShape(spec: CommandSpec): { key: string; optional: boolean; array: boolean; itemName: string }[] {
  const shape = (spec.options as z.ZodObject).shape as Record<string, z.ZodType>;
  return Object.entries(shape).map(([key, schema]) => ({
    key,
    optional: schema.safeParse(undefined).success,
    array: (schema as { def?: { type?: string } }).def?.type === 'array',
    itemName: String(schema.meta()?.itemName ?? key),
  }));
}

/**
 * The text grammar the core's parser reads (the console's and, apart from `/help`, Slack's): commands are
 * written as declared, usage is the declared usage line. Channel words are the console's (`#general`).
 */
export function textSyntax(platform = 'console'): Syntax {
  return {
    platform,
    commandName: (spec) => `/${spec.path.join(' ')}`,
    command: (line) => line,
    usage: (spec, textUsage) => textUsage ?? spec.usage,
    channel: (channelId) => `#${channelId.slice(channelId.indexOf(':') + 1)}`,
    parseChannel: (text) => {
      const m = /^#?([A-Za-z0-9][\w-]{0,79})$/.exec(text.trim());
      return m
        ? { ok: true, channelId: `${platform}:${m[1]}` }
        : { ok: false, message: `'${quote(text.trim())}' is not a channel name: use letters, digits and dashes, e.g. #general.` };
    },
    admins: 'the operator of this bot',
  };
}

export function quote(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** One string with every reference written in `syntax`. */
export function localizeText(text: string, syntax: Syntax): string {
  if (!text.includes(COMMAND_OPEN) && !text.includes(CHANNEL_OPEN)) return text;
  return text.replace(ANY_REF, (_all, line: string | undefined, channelId: string | undefined) =>
    line !== undefined ? stripRefMarks(syntax.command(line)) : syntax.channel(channelId ?? ''),
  );
}

/** For renderers that escape markup: turns the channel references left in escaped text into their mention. */
export function replaceChannelRefs(escaped: string, mention: (channelId: string) => string): string {
  return escaped.includes(CHANNEL_OPEN) ? escaped.replace(CHANNEL_REF, (_all, id: string) => mention(id)) : escaped;
}

/** Whether one string holds a reference. Module-level, so checking a reply creates no closures (issue 18). */
function hasRef(s: string | undefined): boolean {
  return s !== undefined && (s.includes(COMMAND_OPEN) || s.includes(CHANNEL_OPEN));
}

const fieldHasRef = (f: { label: string; value: string }) => hasRef(f.label) || hasRef(f.value);
const rowHasRef = (row: readonly string[]) => row.some(hasRef);

/** Whether any string of the reply holds a reference (most answers hold none and are passed on as they are). */
function hasRefs(reply: Reply): boolean {
  return (
    hasRef(reply.title) ||
    hasRef(reply.summary) ||
    reply.lines.some(hasRef) ||
    (reply.notes?.some(hasRef) ?? false) ||
    (reply.fields?.some(fieldHasRef) ?? false) ||
    (reply.table ? rowHasRef(reply.table.columns) || reply.table.rows.some(rowHasRef) || rowHasRef(reply.table.footer ?? []) : false)
  );
}

/** A frozen (shared, cached) reply is localized once per platform, and the result is frozen too. */
const localizedFrozen = new WeakMap<Reply, Map<string, Reply>>();

/**
 * The reply with every reference written in `syntax`. Returns the reply itself when it holds none, so frozen
 * replies keep their identity (renderers cache what they derive from them).
 */
export function localize(reply: Reply, syntax: Syntax): Reply {
  const frozen = Object.isFrozen(reply);
  const cached = frozen ? localizedFrozen.get(reply)?.get(syntax.platform) : undefined;
  if (cached) return cached;
  if (!hasRefs(reply)) {
    // Remembered for shared answers too, so a cached /capex top is not searched again on every request.
    if (frozen) remember(reply, syntax.platform, reply);
    return reply;
  }
  const text = (s: string) => localizeText(s, syntax);
  const out: Reply = {
    ...reply,
    title: text(reply.title),
    summary: text(reply.summary),
    lines: reply.lines.map(text),
    ...(reply.notes && { notes: reply.notes.map(text) }),
    ...(reply.fields && { fields: reply.fields.map((f) => ({ label: text(f.label), value: text(f.value) })) }),
    ...(reply.table && {
      table: {
        ...reply.table,
        columns: reply.table.columns.map(text),
        rows: reply.table.rows.map((row) => row.map(text)),
        ...(reply.table.footer && { footer: reply.table.footer.map(text) }),
      },
    }),
  };
  if (frozen) remember(reply, syntax.platform, deepFreeze(out));
  return out;
}

function remember(reply: Reply, platform: string, localized: Reply): void {
  const perPlatform = localizedFrozen.get(reply) ?? new Map<string, Reply>();
  perPlatform.set(platform, localized);
  localizedFrozen.set(reply, perPlatform);
}
