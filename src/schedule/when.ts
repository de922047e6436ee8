/**
 * When a digest runs: either a wall-clock time on some weekdays ("09:00 weekdays") or a cron expression.
 * Both compile to the same `Matcher` (which minutes, hours and days match, in the schedule's own zone),
 * so one slot computation (slots.ts) serves both and holds the DST guarantees for both.
 *
 * Cron expressions are validated and parsed by node-cron (the product's scheduler) so "valid" means
 * exactly what node-cron accepts; we then compute runs ourselves because node-cron skips local times
 * that do not exist on spring-forward days.
 */
import cron from 'node-cron';

/** ISO weekday numbers as luxon uses them: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const ALL_DAYS: Weekday[] = [1, 2, 3, 4, 5, 6, 7];
const WORK_DAYS: Weekday[] = [1, 2, 3, 4, 5];

export type When =
  | { kind: 'time'; hour: number; minute: number; days: Weekday[] }
  | { kind: 'cron'; expr: string };

/** Which local wall-clock times match. Days are checked as a whole date: node-cron's AND of day-of-month and weekday. */
export interface Matcher {
  /** Ascending. */
  hours: number[];
  /** Ascending. */
  minutes: number[];
  matchesDay(year: number, month: number, day: number, weekday: Weekday): boolean;
}

/** A user mistake in a schedule: the message names what is wrong and shows an example. */
export class WhenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WhenError';
  }
}

/** More than this many runs a day is a chat spammer, not a digest (and every run is a post per channel). */
export const MAX_RUNS_PER_DAY = 24;

// ---- time of day -------------------------------------------------------------------------------------

const TIME_RE = /^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$/i;

/** "09:00", "9:30", "21:05", "9am", "9:30pm" → hour and minute; undefined if it does not look like a time at all. */
export function parseTimeOfDay(text: string): { hour: number; minute: number } | undefined {
  const m = TIME_RE.exec(text.trim());
  if (!m || (m[2] === undefined && m[3] === undefined)) return undefined;
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  const suffix = m[3]?.toLowerCase();
  if (suffix) {
    if (hour < 1 || hour > 12) throw new WhenError(`'${text}' is not a time of day: with am/pm the hour is 1–12. Example: 9:30am or 09:30.`);
    hour = (hour % 12) + (suffix === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59) {
    throw new WhenError(`'${text}' is not a time of day: use 24-hour HH:MM from 00:00 to 23:59, for example 09:00 or 17:30.`);
  }
  return { hour, minute };
}

/** Anything that starts like a time ("25:00", "9:7") so we can say "that time is wrong" instead of "unknown word". */
export function looksLikeTime(text: string): boolean {
  return /^\d{1,2}[:.h]\d*|^\d{1,2}\s*(am|pm)$/i.test(text.trim());
}

// ---- days ----------------------------------------------------------------------------------------------

const DAY_WORDS: Record<string, Weekday> = {
  mon: 1, monday: 1, tue: 2, tues: 2, tuesday: 2, wed: 3, wednesday: 3, thu: 4, thur: 4, thurs: 4, thursday: 4,
  fri: 5, friday: 5, sat: 6, saturday: 6, sun: 7, sunday: 7,
};

/**
 * "daily", "weekdays", "weekends", "mon,wed,fri", "mon-fri", "tue, thu" → ISO weekdays, ascending.
 * Undefined when the text is not a day spec at all; WhenError when it is one with a wrong day in it.
 */
export function parseDays(text: string): Weekday[] | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'daily' || t === 'everyday' || t === 'every-day') return ALL_DAYS;
  if (t === 'weekdays' || t === 'workdays') return WORK_DAYS;
  if (t === 'weekends') return [6, 7];
  if (!/^[a-z]+([,\-][a-z]*)*,?$/.test(t) || !/[,\-]/.test(t) && DAY_WORDS[t] === undefined) {
    // A single unknown word: not a day list (it may be a zone or a typo the caller reports).
    return undefined;
  }
  const days = new Set<Weekday>();
  for (const part of t.split(',').filter(Boolean)) {
    const [from, to, extra] = part.split('-');
    const a = DAY_WORDS[from ?? ''];
    if (a === undefined) throw new WhenError(dayError(from ?? part));
    if (extra !== undefined) throw new WhenError(dayError(part));
    if (to === undefined) {
      days.add(a);
      continue;
    }
    const b = DAY_WORDS[to];
    if (b === undefined) throw new WhenError(dayError(to));
    // mon-fri, and wrapping ranges like fri-mon.
    for (let d = a; ; d = ((d % 7) + 1) as Weekday) {
      days.add(d);
      if (d === b) break;
    }
  }
  return [...days].sort((x, y) => x - y);
}

function dayError(word: string): string {
  return `'${word}' is not a weekday. Use daily, weekdays, or days like mon,wed,fri (mon tue wed thu fri sat sun).`;
}

/** "every day", "weekdays (Mon–Fri)", "Mon, Wed, Fri". */
export function describeDays(days: readonly Weekday[]): string {
  const key = days.join('');
  if (key === '1234567') return 'every day';
  if (key === '12345') return 'weekdays (Mon–Fri)';
  if (key === '67') return 'weekends (Sat, Sun)';
  return days.map((d) => WEEKDAY_NAMES[d - 1]).join(', ');
}

/** Canonical text stored in the database: "daily", "weekdays" or "mon,wed,fri". */
export function daysToText(days: readonly Weekday[]): string {
  const key = days.join('');
  if (key === '1234567') return 'daily';
  if (key === '12345') return 'weekdays';
  return days.map((d) => WEEKDAY_NAMES[d - 1]!.toLowerCase()).join(',');
}

export const pad2 = (n: number): string => String(n).padStart(2, '0');

export function formatTime(hour: number, minute: number): string {
  return `${pad2(hour)}:${pad2(minute)}`;
}

// ---- cron ----------------------------------------------------------------------------------------------

const CRON_EXAMPLE = 'Example: add cron "0 9 * * 1-5" (09:00 Monday to Friday).';
const FIELD_WORDS: Record<string, string> = {
  second: 'seconds',
  minute: 'minute (1st field)',
  hour: 'hour (2nd field)',
  dayOfMonth: 'day of month (3rd field)',
  month: 'month (4th field)',
  dayOfWeek: 'day of week (5th field)',
};

interface CronFields {
  minute: number[];
  hour: number[];
  dayOfMonth: (number | 'L')[];
  month: number[];
  /** 0 = Sunday, as cron writes it. */
  dayOfWeek: number[];
}

/** Validates with node-cron and returns the expanded fields; WhenError naming the field otherwise. */
export function parseCron(expr: string): CronFields {
  const text = expr.trim().replace(/\s+/g, ' ');
  if (text === '') throw new WhenError(`The cron expression is empty. ${CRON_EXAMPLE}`);
  const fieldCount = text.split(' ').length;
  if (fieldCount !== 5) {
    throw new WhenError(
      `'${text}' has ${fieldCount} field${fieldCount === 1 ? '' : 's'}; a cron expression here has five: minute hour day-of-month month day-of-week. ${CRON_EXAMPLE}`,
    );
  }
  const detail = cron.validateDetailed(text);
  if (!detail.valid || !detail.fields) {
    const e = detail.errors[0];
    const where = e ? `the ${FIELD_WORDS[e.field] ?? e.field}${e.value !== undefined ? ` '${e.value}'` : ''} is not valid` : 'it is not valid';
    throw new WhenError(`'${text}' is not a valid cron expression: ${where}. ${CRON_EXAMPLE}`);
  }
  const f = detail.fields;
  const plainNumbers = (values: (number | string)[], allowLast: boolean, field: string) =>
    values.map((v) => {
      if (typeof v === 'number' || (allowLast && v === 'L')) return v;
      throw new WhenError(`'${text}': the ${FIELD_WORDS[field]} uses '${v}', which digests do not support; use numbers, ranges, lists and steps (or L for the last day of the month). ${CRON_EXAMPLE}`);
    });
  const fields: CronFields = {
    minute: [...f.minute].sort((a, b) => a - b),
    hour: [...f.hour].sort((a, b) => a - b),
    dayOfMonth: plainNumbers(f.dayOfMonth, true, 'dayOfMonth') as (number | 'L')[],
    month: f.month,
    dayOfWeek: plainNumbers(f.dayOfWeek, false, 'dayOfWeek') as number[],
  };
  const perDay = fields.minute.length * fields.hour.length;
  if (perDay > MAX_RUNS_PER_DAY) {
    throw new WhenError(`'${text}' would post ${perDay} times a day; digests run at most ${MAX_RUNS_PER_DAY} times a day (hourly). ${CRON_EXAMPLE}`);
  }
  return fields;
}

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// ---- compile -------------------------------------------------------------------------------------------

export function compile(when: When): Matcher {
  if (when.kind === 'time') {
    const days = new Set<number>(when.days);
    return { hours: [when.hour], minutes: [when.minute], matchesDay: (_y, _m, _d, weekday) => days.has(weekday) };
  }
  const f = parseCron(when.expr);
  const months = new Set(f.month);
  const weekdays = new Set(f.dayOfWeek.map((d) => (d === 7 ? 0 : d)));
  const numericDays = new Set(f.dayOfMonth.filter((d): d is number => d !== 'L'));
  const last = f.dayOfMonth.includes('L');
  return {
    hours: f.hour,
    minutes: f.minute,
    // node-cron requires day-of-month AND weekday to match (unlike Vixie cron's OR); we keep its semantics.
    matchesDay: (year, month, day, weekday) =>
      months.has(month) &&
      weekdays.has(weekday % 7) &&
      (numericDays.has(day) || (last && day === lastDayOfMonth(year, month))),
  };
}

/** The schedule in words: "every weekday (Mon–Fri) at 09:00", `cron "0 9 * * 1-5"`. */
export function describeWhen(when: When): string {
  if (when.kind === 'time') {
    const days = describeDays(when.days);
    return `${days === 'every day' ? 'every day' : `on ${days}`} at ${formatTime(when.hour, when.minute)}`;
  }
  const f = parseCron(when.expr);
  const times = f.hour.flatMap((h) => f.minute.map((m) => formatTime(h, m)));
  const everyDayOfMonth = f.dayOfMonth.length === 31 && f.month.length === 12;
  const timeWords = times.length <= 4 ? `at ${times.join(', ')}` : `${times.length} times a day (${times[0]}–${times.at(-1)})`;
  if (everyDayOfMonth) {
    const days = [...new Set(f.dayOfWeek.map((d) => (d === 0 ? 7 : d)))].sort((a, b) => a - b) as Weekday[];
    const dayWords = describeDays(days);
    return `cron "${when.expr}": ${dayWords === 'every day' ? 'every day' : `on ${dayWords}`} ${timeWords}`;
  }
  return `cron "${when.expr}": ${timeWords} on the matching days`;
}
