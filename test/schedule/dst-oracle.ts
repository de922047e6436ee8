/**
 * An independent oracle for DST tests, built on `Intl.DateTimeFormat` only (no luxon, nothing from src/):
 * it reads the local wall clock of instants minute by minute and derives from those readings alone when a
 * schedule's wall time is due — its first occurrence if the wall clock shows it (once or twice), else the
 * first instant whose reading is past it (the jump) — with wall times that land on one instant kept once.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A wall-clock reading as "UTC ms of the same reading": 2026-03-29 02:30 → Date.UTC(2026, 2, 29, 2, 30). */
export type Wall = number;

export interface OracleMatcher {
  hours: readonly number[];
  minutes: readonly number[];
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  matchesDay(year: number, month: number, day: number, weekday: number): boolean;
}

export interface ExpectedSlot {
  key: string;
  dueAt: number;
}

export const pad2 = (n: number): string => String(n).padStart(2, '0');

export function wallKey(wall: Wall): string {
  const d = new Date(wall);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

export class IntlZone {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The wall clock's reading at `instant` (to the second). */
  wallOf(instant: number): Wall {
    const parts: Record<string, number> = {};
    for (const p of this.format.formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  }

  /** Minutes ahead of UTC at `instant`. */
  offsetAt(instant: number): number {
    const whole = Math.floor(instant / 1000) * 1000;
    return (this.wallOf(whole) - whole) / MINUTE;
  }

  /** Every instant in [from, to) at which the offset changes (found hour by hour, then to the minute). */
  transitions(from: number, to: number): number[] {
    const out: number[] = [];
    let previous = this.offsetAt(from);
    for (let t = from + HOUR; t <= to; t += HOUR) {
      const offset = this.offsetAt(t);
      if (offset === previous) continue;
      // The change lies in (t - 1 h, t]: the first whole minute with the new offset.
      let lo = t - HOUR;
      let hi = t;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
        if (this.offsetAt(mid) === previous) lo = mid;
        else hi = mid;
      }
      out.push(hi);
      previous = offset;
    }
    return out;
  }
}

/**
 * The wall clock read every minute over [from, to]: answers "when is this wall time due" for every wall time
 * whose answer lies inside the window.
 */
export class MinuteSweep {
  /** Wall reading → first instant showing it. */
  private readonly firstAt = new Map<Wall, number>();
  private readonly instants: number[] = [];
  private readonly walls: Wall[] = [];
  /** Local dates the window reads, in order, as Date.UTC(y, m, d) (read once: every matcher asks). */
  private readonly dates: Wall[];

  constructor(
    readonly zone: IntlZone,
    readonly from: number,
    readonly to: number,
  ) {
    for (let t = from; t <= to; t += MINUTE) {
      const wall = zone.wallOf(t);
      this.instants.push(t);
      this.walls.push(wall);
      if (!this.firstAt.has(wall)) this.firstAt.set(wall, t);
    }
    const dates = new Set<Wall>();
    for (const w of this.walls) dates.add(Math.floor(w / (24 * HOUR)) * 24 * HOUR);
    this.dates = [...dates].sort((a, b) => a - b);
  }

  /** When a wall time is due, or undefined if the window cannot tell (its answer lies outside). */
  dueOf(wall: Wall): number | undefined {
    const first = this.firstAt.get(wall);
    if (first !== undefined) return first;
    // Not shown by any minute of the window: skipped by a jump inside it, or simply outside the window.
    const i = this.walls.findIndex((w) => w > wall);
    if (i <= 0) return undefined;
    return this.instants[i];
  }

  /** Local dates the window reads, in order, as Date.UTC(y, m, d). */
  localDates(): readonly Wall[] {
    return this.dates;
  }

  /** The slots a matcher owes with `after < dueAt <= until` (which must lie well inside the window). */
  expectedSlots(matcher: OracleMatcher, after: number, until: number): ExpectedSlot[] {
    const out: ExpectedSlot[] = [];
    for (const date of this.localDates()) {
      const d = new Date(date);
      const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
      if (!matcher.matchesDay(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), weekday)) continue;
      for (const hour of matcher.hours) {
        for (const minute of matcher.minutes) {
          const wall = date + hour * HOUR + minute * MINUTE;
          const dueAt = this.dueOf(wall);
          if (dueAt === undefined || dueAt <= after || dueAt > until) continue;
          // Wall times that land on one instant fire once, under the first of them.
          if (out.length > 0 && out[out.length - 1]!.dueAt >= dueAt) continue;
          out.push({ key: wallKey(wall), dueAt });
        }
      }
    }
    return out;
  }
}

export interface SweepFindings {
  skipped: string[];
  doubled: string[];
  late: string[];
  early: string[];
}

/** Compares what the code under test computed with what the oracle expects, by slot key and instant. */
export function compareSlots(actual: readonly ExpectedSlot[], expected: readonly ExpectedSlot[]): SweepFindings {
  const findings: SweepFindings = { skipped: [], doubled: [], late: [], early: [] };
  const expectedByKey = new Map(expected.map((s) => [s.key, s]));
  const expectedDue = new Set(expected.map((s) => s.dueAt));
  const seenDue = new Set<number>();
  const seenKey = new Set<string>();
  const iso = (ms: number) => new Date(ms).toISOString();
  for (const slot of actual) {
    if (seenDue.has(slot.dueAt) || seenKey.has(slot.key)) findings.doubled.push(`${slot.key} at ${iso(slot.dueAt)} (again)`);
    seenDue.add(slot.dueAt);
    seenKey.add(slot.key);
    const want = expectedByKey.get(slot.key);
    if (!want) {
      // A slot the oracle does not owe: a second post for an instant (or a wall time) already served.
      findings.doubled.push(`${slot.key} at ${iso(slot.dueAt)} (not owed${expectedDue.has(slot.dueAt) ? ', same instant as another slot' : ''})`);
      continue;
    }
    if (slot.dueAt > want.dueAt) findings.late.push(`${slot.key} at ${iso(slot.dueAt)}, due ${iso(want.dueAt)}`);
    if (slot.dueAt < want.dueAt) findings.early.push(`${slot.key} at ${iso(slot.dueAt)}, due ${iso(want.dueAt)}`);
  }
  for (const want of expected) if (!seenDue.has(want.dueAt)) findings.skipped.push(`${want.key} due ${iso(want.dueAt)}`);
  return findings;
}
