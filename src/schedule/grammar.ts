/**
 * The `/capex-digest add` grammar, the same on every platform:
 *   add <HH:MM> [daily | weekdays | mon,wed,fri] [<IANA zone>] [#channel]
 *   add cron "<expr>" [<IANA zone>] [#channel]
 * Words after the time may come in any order: a channel looks like one, a zone contains "/" (or is
 * UTC), the rest is the day list. Every mistake becomes a WhenError naming what is wrong with an example.
 */
import type { Caller } from '../core/command.js';
import { commandRef, type Syntax } from '../core/syntax.js';
import { inCallerWorkspace } from '../core/workspace.js';
import { normalizeZone, suggestZones } from './slots.js';
import { looksLikeTime, parseCron, parseDays, parseTimeOfDay, WhenError, type When } from './when.js';

export const ADD_USAGE =
  '/capex-digest add <HH:MM> [days] [zone] [#channel] — days: daily (default), weekdays or mon,wed,fri; zone: an IANA name such as Europe/Berlin; or: add cron "<expr>" [zone] [#channel]';

/** Raw options as typed (text) or as Discord sends them (one option each). */
export interface AddOptions {
  time?: string;
  days?: string;
  cron?: string;
  zone?: string;
  channel?: string;
}

const quote = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

const isChannelToken = (t: string) => t.startsWith('#') || t.startsWith('<#');
const isZoneToken = (t: string) => t.includes('/') || normalizeZone(t) !== undefined;

/** Splits typed words into options; what each word *is* gets validated in `resolveAdd`. */
export function addOptionsFromText(args: string[]): AddOptions {
  const options: AddOptions = {};
  let rest: string[];
  if (args[0]?.toLowerCase() === 'cron') {
    // Quoted: one token. Unquoted: the five fields as separate words.
    if (args[1] !== undefined && /\s/.test(args[1].trim())) {
      options.cron = args[1];
      rest = args.slice(2);
    } else {
      options.cron = args.slice(1, 6).join(' ');
      rest = args.slice(6);
    }
  } else {
    options.time = args[0];
    rest = args.slice(1);
  }
  const dayWords: string[] = [];
  for (const word of rest) {
    if (isChannelToken(word)) {
      if (options.channel !== undefined) throw new WhenError(`Name one channel, not two ('${quote(options.channel)}' and '${quote(word)}').`);
      options.channel = word;
    } else if (isZoneToken(word)) {
      if (options.zone !== undefined) throw new WhenError(`Name one time zone, not two ('${quote(options.zone)}' and '${quote(word)}').`);
      options.zone = word;
    } else {
      dayWords.push(word);
    }
  }
  if (dayWords.length) {
    if (options.cron !== undefined) {
      throw new WhenError(
        `'${quote(dayWords.join(' '))}' is not a time zone or channel; with cron, the days are in the expression. Example: ${commandRef('/capex-digest add cron "0 9 * * 1-5" Europe/Berlin')}`,
      );
    }
    // "mon, wed, fri" arrives as three words.
    options.days = dayWords.join(',').replace(/,+/g, ',');
  }
  return options;
}

export interface ResolvedAdd {
  when: When;
  zone: string;
  /** True when the zone was not typed: the answer says where it came from. */
  zoneDefaulted: boolean;
  channelId: string;
}

/** Validates everything; throws WhenError with the first problem. Channels are read in the caller's platform `syntax`. */
export function resolveAdd(options: AddOptions, caller: Caller, defaultZone: string, syntax: Syntax): ResolvedAdd {
  const when = resolveWhen(options);
  let zone: string;
  let zoneDefaulted = false;
  if (options.zone !== undefined && options.zone.trim() !== '') {
    const z = normalizeZone(options.zone);
    if (!z) {
      const close = suggestZones(options.zone);
      const hint = close.length ? ` Did you mean ${close.join(' or ')}?` : '';
      throw new WhenError(`'${quote(options.zone)}' is not a time zone I know.${hint} Use an IANA name such as Europe/Berlin, America/New_York or UTC.`);
    }
    zone = z;
  } else {
    zone = (caller.timeZone && normalizeZone(caller.timeZone)) || defaultZone;
    zoneDefaulted = true;
  }
  const channelId = options.channel !== undefined && options.channel.trim() !== '' ? inCallerWorkspace(caller, parseChannel(options.channel, syntax)) : caller.channelId;
  return { when, zone, zoneDefaulted, channelId };
}

function resolveWhen(options: AddOptions): When {
  const hasTime = options.time !== undefined && options.time.trim() !== '';
  const hasCron = options.cron !== undefined && options.cron.trim() !== '';
  if (hasTime && hasCron) {
    throw new WhenError(`Give a time or a cron expression, not both. Examples: ${commandRef('/capex-digest add 09:00 weekdays')}, ${commandRef('/capex-digest add cron "0 9 * * 1-5"')}.`);
  }
  if (hasCron) {
    const expr = options.cron!.trim().replace(/\s+/g, ' ');
    parseCron(expr);
    return { kind: 'cron', expr };
  }
  if (!hasTime) {
    throw new WhenError(`Say when to post: ${commandRef('/capex-digest add 09:00 weekdays Europe/Berlin')}, or ${commandRef('/capex-digest add cron "0 9 * * 1-5"')}.`);
  }
  const timeText = options.time!.trim();
  const time = parseTimeOfDay(timeText);
  if (!time) {
    const what = looksLikeTime(timeText) ? `'${quote(timeText)}' is not a valid time` : `'${quote(timeText)}' is not a time`;
    throw new WhenError(`${what}: start with the time of day as 24-hour HH:MM, for example ${commandRef('/capex-digest add 09:00 weekdays Europe/Berlin')}.`);
  }
  let days = parseDays('daily')!;
  if (options.days !== undefined && options.days.trim() !== '') {
    const parsed = parseDays(options.days);
    if (!parsed) {
      const close = suggestZones(options.days);
      const zoneHint = close.length ? ` If you meant a time zone, use its IANA name: ${close.join(' or ')}.` : '';
      throw new WhenError(`'${quote(options.days)}' is not a day list or a time zone. Use daily, weekdays, or days like mon,wed,fri.${zoneHint}`);
    }
    days = parsed;
  }
  return { kind: 'time', hour: time.hour, minute: time.minute, days };
}

/**
 * A typed channel → platform-prefixed id, read by the caller's platform (src/adapters/<platform>/syntax.ts):
 * Slack sends `<#C123|name>` for a picked channel and Discord `<#123>`; a bare `#name` has no id on those
 * platforms, so the syntax says how to pick it instead of guessing.
 */
export function parseChannel(text: string, syntax: Syntax): string {
  const parsed = syntax.parseChannel(text);
  if (!parsed.ok) throw new WhenError(parsed.message);
  return parsed.channelId;
}
