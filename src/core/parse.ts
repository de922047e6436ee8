/**
 * Turns a command line as a chat user types it ("/capex alibaba", "/compare meta, amazon",
 * '/capex-digest add cron "0 9 * * 1-5"') into a command name and argument tokens.
 * Returns a typed result instead of throwing: the caller maps the error code to words.
 */

/** Slack caps slash-command text at 4,000 characters; we accept far less, nothing legitimate is longer. */
export const MAX_INPUT_CHARS = 500;

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Characters as a person counts them (code points), not UTF-16 units: an emoji is one character, not two.
 * Text without surrogates (nearly all) is counted by its length.
 */
export function characterCount(text: string): number {
  if (!SURROGATE.test(text)) return text.length;
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

export type ParseErrorCode = 'empty' | 'too_long' | 'control_chars' | 'no_slash' | 'unbalanced_quote';

export type ParsedLine =
  | { ok: true; command: string; args: string[]; rawArgs: string }
  | { ok: false; code: ParseErrorCode };

/**
 * C0 controls except tab, plus DEL and C1 controls (newlines are allowed only as separators), and the
 * bidirectional formatting controls — ALM, LRM, RLM, LRE/RLE/PDF/LRO/RLO (U+202A–U+202E), LRI/RLI/FSI/PDI
 * (U+2066–U+2069). Those are invisible and reorder how the rest of a line is displayed (U+202E shows
 * "abc\u202Eexe.txt" as "abctxt.exe"), so an id or name echoed back in an answer could read as something else.
 */
const UNSAFE_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Whether typed text carries characters no command takes (control or text-direction characters). */
export function hasUnsafeChars(text: string): boolean {
  return UNSAFE_CHARS.test(text);
}

/**
 * The same checks as a typed line, for options that arrive already structured (Discord application commands):
 * every string, also inside arrays and nested options, in total no longer than a typed command may be.
 */
export function checkStructuredOptions(options: unknown): ParseErrorCode | undefined {
  const checked = checkOptionValue(options, 0, 0);
  return typeof checked === 'string' ? checked : undefined;
}

/**
 * One value of `checkStructuredOptions`: the running character total, or the first problem. A module-level
 * function threading the total through, so a check allocates no closure or value list per command (issue 18).
 */
function checkOptionValue(value: unknown, depth: number, total: number): number | ParseErrorCode {
  if (typeof value === 'string') {
    total += characterCount(value);
    if (total > MAX_INPUT_CHARS) return 'too_long';
    return hasUnsafeChars(value) ? 'control_chars' : total;
  }
  if (depth > 4 || value === null || typeof value !== 'object') return total;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const checked = checkOptionValue(value[i], depth + 1, total);
      if (typeof checked === 'string') return checked;
      total = checked;
    }
    return total;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const checked = checkOptionValue((value as Record<string, unknown>)[key], depth + 1, total);
    if (typeof checked === 'string') return checked;
    total = checked;
  }
  return total;
}

export function parseCommandLine(input: string): ParsedLine {
  if (characterCount(input) > MAX_INPUT_CHARS) return { ok: false, code: 'too_long' };
  if (hasUnsafeChars(input)) return { ok: false, code: 'control_chars' };
  const line = input.trim();
  if (line === '') return { ok: false, code: 'empty' };
  if (!line.startsWith('/')) return { ok: false, code: 'no_slash' };
  const space = line.search(/\s/);
  const command = (space === -1 ? line.slice(1) : line.slice(1, space)).toLowerCase();
  const rawArgs = space === -1 ? '' : line.slice(space + 1).trim();
  const args = tokenize(rawArgs);
  if (args === undefined) return { ok: false, code: 'unbalanced_quote' };
  return { ok: true, command, args, rawArgs };
}

/** The quote that closes each opening quote. */
const CLOSING_QUOTE: Record<string, string> = { '"': '"', '“': '”', '”': '”' };
const ANY_QUOTE = /["“”]/;
const WHITESPACE = /\s/;
const WHITESPACE_RUN = /\s+/;

/** Splits on whitespace, keeping "double-quoted" or “curly-quoted” text together. Undefined on an open quote. */
export function tokenize(text: string): string[] | undefined {
  // Nearly every line has no quotes: its words, split at once (trim() strips exactly what \s matches).
  if (!ANY_QUOTE.test(text)) {
    const words = text.trim();
    return words === '' ? [] : words.split(WHITESPACE_RUN);
  }
  return tokenizeByCharacter(text);
}

/** The character-by-character split, needed for quotes; for a line without them it gives what tokenize's split gives. */
export function tokenizeByCharacter(text: string): string[] | undefined {
  const tokens: string[] = [];
  let current = '';
  let inQuote: string | undefined;
  let started = false;
  for (const ch of text) {
    if (inQuote !== undefined) {
      if (ch === inQuote) inQuote = undefined;
      else current += ch;
    } else if (ch in CLOSING_QUOTE) {
      inQuote = CLOSING_QUOTE[ch];
      started = true;
    } else if (WHITESPACE.test(ch)) {
      if (started) tokens.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (inQuote !== undefined) return undefined;
  if (started) tokens.push(current);
  return tokens;
}

/** Company lists may be separated by commas, "and", "vs" or spaces: "meta, amazon", "meta vs amazon". */
export function splitCompanyList(args: string[]): string[] {
  return args
    .join(' ')
    .split(/\s*,\s*|\s+(?:and|vs\.?|versus)\s+|\s+/i)
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '&');
}
