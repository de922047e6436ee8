/**
 * Slot computation: which instants a schedule fires at, computed from local wall-clock times in the
 * schedule's IANA zone (luxon's zone data), so daylight saving cannot lose or double a run:
 *
 * - A wall time that does not exist (02:30 on a spring-forward day) fires at the first valid instant
 *   after it: the moment the clocks jump (03:00 local in Europe/Berlin). node-cron alone would skip it.
 * - A wall time that happens twice (02:30 on a fall-back day) fires once, at its first occurrence.
 * - Several wall times that land on the same instant (02:30 and 03:00 on a spring-forward day) fire once.
 *
 * A slot is identified by its local wall-clock time ("2025-03-30T02:30"): the ledger's UNIQUE key, so
 * the fall-back day's repeated hour can never produce a second row for the same slot.
 */
import { distance } from 'fastest-levenshtein';
import { IANAZone } from 'luxon';
import { pad2, type Matcher, type Weekday } from './when.js';

export interface Slot {
  /** Local wall-clock time in the schedule's zone, "YYYY-MM-DDTHH:MM": the slot's identity. */
  key: string;
  /** The instant it is due, epoch ms. */
  dueAt: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far ahead `nextSlots` looks: far enough for "0 9 29 2 *" (29 February) to find its next leap year. */
const MAX_SEARCH_DAYS = 366 * 8 + 2;

// ---- zones ---------------------------------------------------------------------------------------------

let zoneIndex: Map<string, string> | undefined;

/** "europe/berlin" → "Europe/Berlin", "utc" → "UTC"; undefined if not an IANA zone this runtime knows. */
export function normalizeZone(input: string): string | undefined {
  const text = input.trim();
  if (text === '' || text.length > 64) return undefined;
  zoneIndex ??= new Map(['UTC', ...Intl.supportedValuesOf('timeZone')].map((z) => [z.toLowerCase(), z]));
  const known = zoneIndex.get(text.toLowerCase());
  if (known) return known;
  // Links such as "US/Eastern" are valid but not in the canonical list.
  return IANAZone.isValidZone(text) ? text : undefined;
}

/** Up to three zones close to what was typed ("berlin", "Europe/Berlln" → Europe/Berlin), for error messages. */
export function suggestZones(input: string): string[] {
  const typed = input.trim().toLowerCase().replace(/\s+/g, '_');
  if (typed.length < 3) return [];
  normalizeZone('UTC');
  const scored: { zone: string; score: number }[] = [];
  for (const zone of zoneIndex?.values() ?? []) {
    const full = zone.toLowerCase();
    const city = full.split('/').at(-1)!;
    const against = typed.includes('/') ? full : city;
    if (against.startsWith(typed)) {
      scored.push({ zone, score: 0 });
      continue;
    }
    const d = distance(typed, against);
    if (d <= Math.max(1, Math.floor(typed.length / 4))) scored.push({ zone, score: d });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.zone.localeCompare(b.zone))
    .slice(0, 3)
    .map((s) => s.zone);
}

// ---- wall time → instant -------------------------------------------------------------------------------

function offsetAt(zone: IANAZone, ms: number): number {
  return zone.offset(ms);
}

const MEMO_CAP = 100_000;

/** Numbers memoised per zone. Bounded: emptied when it holds MEMO_CAP entries, so no input can grow it forever. */
class ZoneMemo {
  private readonly zones = new Map<string, Map<number, number>>();
  private count = 0;

  get(zone: IANAZone, key: number): number | undefined {
    return this.zones.get(zone.name)?.get(key);
  }

  set(zone: IANAZone, key: number, value: number): void {
    if (this.count >= MEMO_CAP) {
      this.zones.clear();
      this.count = 0;
    }
    let perZone = this.zones.get(zone.name);
    if (!perZone) this.zones.set(zone.name, (perZone = new Map()));
    perZone.set(key, value);
    this.count++;
  }
}

/**
 * Resolved wall times, per zone. A tick resolves the same few wall times for every schedule sharing a
 * zone and time (and each offset lookup formats a date through Intl), so memoising keeps a minute tick over
 * thousands of schedules cheap.
 */
const resolved = new ZoneMemo();

/**
 * The instant a local wall time (given as "UTC ms of the same wall-clock reading") is due in `zone`:
 * its first occurrence if it exists (once or twice), else the first valid instant after it (the jump).
 */
export function resolveWallTime(zone: IANAZone, wallMs: number): number {
  const hit = resolved.get(zone, wallMs);
  if (hit !== undefined) return hit;
  const dueAt = computeWallTime(zone, wallMs);
  resolved.set(zone, wallMs, dueAt);
  return dueAt;
}

function computeWallTime(zone: IANAZone, wallMs: number): number {
  // The offsets in force around this wall time: at most one transition within a day either side.
  const offsets = [...new Set([offsetAt(zone, wallMs - DAY), offsetAt(zone, wallMs), offsetAt(zone, wallMs + DAY)])];
  const valid = offsets.map((off) => wallMs - off * MINUTE).filter((t) => offsetAt(zone, t) * MINUTE === wallMs - t);
  if (valid.length > 0) return Math.min(...valid);
  // A gap: the wall time was skipped. The clocks jumped somewhere between reading it with the larger
  // offset (earlier instant) and with the smaller offset (later instant); binary-search the jump.
  const candidates = offsets.map((off) => wallMs - off * MINUTE);
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  const before = offsetAt(zone, lo);
  // Down to the millisecond: `hi` ends on the very instant of the jump. (Stopping within a second and
  // rounding up gave 03:00:01 for some gap times and 03:00:00 for others: two slots at "03:00", and a
  // daily 02:17 ticked at 03:01.) About 23 halvings for a 2-hour gap, memoised per zone and wall time.
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (offsetAt(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

// ---- enumeration ---------------------------------------------------------------------------------------

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const HOUR = 3_600_000;
/** Zone offsets per whole UTC hour in which the offset does not change: every tick asks for "now" again. */
const hourOffsets = new ZoneMemo();

function cachedOffset(zone: IANAZone, ms: number): number {
  const bucket = Math.floor(ms / HOUR);
  const hit = hourOffsets.get(zone, bucket);
  if (hit !== undefined) return hit;
  const start = zone.offset(bucket * HOUR);
  if (start !== zone.offset(bucket * HOUR + HOUR - 1)) return zone.offset(ms); // a transition inside this hour
  hourOffsets.set(zone, bucket, start);
  return start;
}

function localDateOf(zone: IANAZone, ms: number): LocalDate {
  const local = new Date(ms + cachedOffset(zone, ms) * MINUTE);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

function nextDate(d: LocalDate): LocalDate {
  const next = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

function weekdayOf(d: LocalDate): Weekday {
  const js = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
  return (js === 0 ? 7 : js) as Weekday;
}

/** Slots of one local date, ascending, with wall times that collapse onto one instant kept once (the first). */
function slotsOnDate(matcher: Matcher, zone: IANAZone, d: LocalDate): Slot[] {
  if (!matcher.matchesDay(d.year, d.month, d.day, weekdayOf(d))) return [];
  const out: Slot[] = [];
  const dateKey = `${d.year}-${pad2(d.month)}-${pad2(d.day)}`;
  for (const hour of matcher.hours) {
    for (const minute of matcher.minutes) {
      const wallMs = Date.UTC(d.year, d.month - 1, d.day, hour, minute);
      const dueAt = resolveWallTime(zone, wallMs);
      if (out.length > 0 && out[out.length - 1]!.dueAt >= dueAt) continue;
      out.push({ key: `${dateKey}T${pad2(hour)}:${pad2(minute)}`, dueAt });
    }
  }
  return out;
}

function zoneOf(name: string): IANAZone {
  const zone = IANAZone.create(name);
  if (!zone.isValid) throw new Error(`invalid time zone ${name}`);
  return zone;
}

/**
 * Slots with `from < dueAt <= to`, ascending. `limit` bounds the work after a long outage; the caller
 * learns it was hit from the result's length.
 */
export function slotsBetween(matcher: Matcher, zoneName: string, from: number, to: number, limit = 10_000): Slot[] {
  const zone = zoneOf(zoneName);
  const out: Slot[] = [];
  // Start a day early: a slot on yesterday's local date can be due after `from` in a zone behind UTC.
  let d = localDateOf(zone, from - DAY);
  const last = localDateOf(zone, to + DAY);
  for (;;) {
    for (const slot of slotsOnDate(matcher, zone, d)) {
      if (slot.dueAt > from && slot.dueAt <= to) {
        // A day boundary can also collapse (a 00:00 slot skipped into 01:00): keep instants unique.
        if (out.length > 0 && out[out.length - 1]!.dueAt >= slot.dueAt) continue;
        out.push(slot);
        if (out.length >= limit) return out;
      }
    }
    if (d.year === last.year && d.month === last.month && d.day === last.day) return out;
    d = nextDate(d);
  }
}

/** The next `count` slots strictly after `after`. Fewer if the schedule never runs again within 8 years. */
export function nextSlots(matcher: Matcher, zoneName: string, after: number, count: number): Slot[] {
  const zone = zoneOf(zoneName);
  const out: Slot[] = [];
  let d = localDateOf(zone, after - DAY);
  for (let i = 0; i < MAX_SEARCH_DAYS && out.length < count; i++) {
    for (const slot of slotsOnDate(matcher, zone, d)) {
      if (slot.dueAt <= after) continue;
      if (out.length > 0 && out[out.length - 1]!.dueAt >= slot.dueAt) continue;
      out.push(slot);
      if (out.length >= count) break;
    }
    d = nextDate(d);
  }
  return out;
}
