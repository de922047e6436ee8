/**
 * A year of daylight-saving changes (2026) in ten zones, minute by minute around every transition, checked
 * against an oracle built on Intl.DateTimeFormat alone (./dst-oracle.ts): 0 skipped, 0 doubled, 0 late slots.
 *
 * The zones cover the shapes that break slot arithmetic: ordinary 1-hour shifts (Berlin, New York, Sydney on
 * the southern calendar), none at all (Kolkata), a quarter-hour base offset (Chatham, +12:45/+13:45), a
 * 30-minute shift (Lord Howe), a 2-hour shift (Troll), transitions at midnight so whole dates lose their first
 * hour (Santiago), and negative DST (Dublin: "standard" time is the summer one).
 */
import { describe, expect, it } from 'vitest';
import { slotsBetween } from '../../src/schedule/slots.js';
import { compile, type Matcher, type Weekday } from '../../src/schedule/when.js';
import { compareSlots, IntlZone, MinuteSweep, wallKey, type ExpectedSlot, type SweepFindings } from './dst-oracle.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR_END = Date.UTC(2027, 0, 1);
const EVERY_DAY: Weekday[] = [1, 2, 3, 4, 5, 6, 7];

/** Zone → the shifts (minutes, signed) its 2026 transitions make, in order: read from Intl, checked here. */
const ZONES: { zone: string; shifts: number[] }[] = [
  { zone: 'Europe/Berlin', shifts: [60, -60] },
  { zone: 'America/New_York', shifts: [60, -60] },
  { zone: 'Australia/Sydney', shifts: [-60, 60] },
  { zone: 'Asia/Kolkata', shifts: [] },
  { zone: 'Pacific/Chatham', shifts: [-60, 60] },
  { zone: 'Australia/Lord_Howe', shifts: [-30, 30] },
  { zone: 'Antarctica/Troll', shifts: [120, -120] },
  { zone: 'America/Santiago', shifts: [-60, 60] },
  { zone: 'Europe/Dublin', shifts: [60, -60] },
  { zone: 'UTC', shifts: [] },
];

/** Every wall minute of the day: the union of all schedules, where wall times collapse onto one instant. */
const EVERY_MINUTE: Matcher = {
  hours: Array.from({ length: 24 }, (_, h) => h),
  minutes: Array.from({ length: 60 }, (_, m) => m),
  matchesDay: () => true,
};

/** Real cron schedules a user can add (at most 24 runs a day): every 5 minutes within each hour, and hourly ones. */
const CRONS = [
  ...Array.from({ length: 24 }, (_, h) => `*/5 ${h} * * *`),
  ...Array.from({ length: 23 }, (_, h) => `*/10 ${h},${h + 1} * * *`),
  '0 * * * *',
  '15 * * * *',
  '30 * * * *',
  '45 * * * *',
  '30 0 * * 0', // Sundays at 00:30: Santiago's spring-forward Sunday has no 00:30
];

const daily = (hour: number, minute: number) => compile({ kind: 'time', hour, minute, days: EVERY_DAY });

function merge(into: SweepFindings, from: SweepFindings, label: string): void {
  for (const k of ['skipped', 'doubled', 'late', 'early'] as const) into[k].push(...from[k].map((f) => `${label}: ${f}`));
}

const empty = (): SweepFindings => ({ skipped: [], doubled: [], late: [], early: [] });

describe.each(ZONES)('$zone, 2026', ({ zone, shifts }) => {
  const intl = new IntlZone(zone);
  const transitions = intl.transitions(YEAR_START, YEAR_END);
  // The oracle's reading of the wall clock around a transition (3,600 Intl readings) is the same for both sweeps
  // below: read once. A MinuteSweep is not changed after it is built.
  const sweeps = new Map<number, MinuteSweep>();
  const sweepAround = (t: number) => sweeps.get(t) ?? sweeps.set(t, new MinuteSweep(intl, t - 30 * HOUR, t + 30 * HOUR)).get(t)!;

  it('the oracle finds the transitions this zone is known for', () => {
    expect(transitions.map((t) => intl.offsetAt(t) - intl.offsetAt(t - MINUTE))).toEqual(shifts);
  });

  it('minute by minute around every transition: every wall minute, every-minute and cron schedules match the oracle', () => {
    const findings = empty();
    let compared = 0;
    // Zones without a transition still get a window, so the comparison itself is exercised everywhere.
    for (const t of transitions.length > 0 ? transitions : [Date.UTC(2026, 5, 15, 12)]) {
      const sweep = sweepAround(t);
      const after = t - 24 * HOUR;
      const until = t + 24 * HOUR;
      const check = (matcher: Matcher, label: string) => {
        const actual: ExpectedSlot[] = slotsBetween(matcher, zone, after, until).map(({ key, dueAt }) => ({ key, dueAt }));
        const expected = sweep.expectedSlots(matcher, after, until);
        compared += expected.length;
        merge(findings, compareSlots(actual, expected), `${label} near ${new Date(t).toISOString()}`);
      };
      // Each wall minute as its own daily schedule (02:17 must post at the jump, not a minute later).
      for (let h = 0; h < 24; h++) for (let m = 0; m < 60; m++) check(daily(h, m), `daily ${h}:${m}`);
      check(EVERY_MINUTE, 'every minute');
      for (const expr of CRONS) check(compile({ kind: 'cron', expr }), `cron "${expr}"`);
    }
    expect(compared).toBeGreaterThan(3000);
    expect(findings).toEqual(empty());
  });

  it('a whole year of daily slots: one per local date, each at its wall time or at the jump', () => {
    const windows = transitions.map((t) => ({ t, sweep: sweepAround(t) }));
    const findings = empty();
    for (const [hour, minute] of [[0, 0], [0, 30], [1, 30], [2, 0], [2, 30], [2, 45], [3, 0], [3, 15], [12, 0], [23, 30]] as const) {
      const actual = slotsBetween(daily(hour, minute), zone, YEAR_START, YEAR_END);
      const expected: ExpectedSlot[] = [];
      for (const slot of actual) {
        const wall = Date.parse(`${slot.key}:00Z`);
        const near = windows.find((w) => Math.abs(slot.dueAt - w.t) < 24 * HOUR);
        const dueAt = near ? near.sweep.dueOf(wall) : intl.wallOf(slot.dueAt) === wall ? slot.dueAt : undefined;
        expected.push({ key: slot.key, dueAt: dueAt ?? Number.NaN });
      }
      // One slot per local date of the year: none skipped, none twice.
      const dates = actual.map((s) => s.key.slice(0, 10));
      const first = new Date(YEAR_START + intl.offsetAt(YEAR_START) * MINUTE);
      const localDays = Math.round((YEAR_END - YEAR_START) / (24 * HOUR));
      expect(new Set(dates).size, `${zone} ${hour}:${minute}`).toBe(dates.length);
      expect(dates.length, `${zone} ${hour}:${minute}`).toBeGreaterThanOrEqual(localDays - 1);
      expect(dates.length, `${zone} ${hour}:${minute}`).toBeLessThanOrEqual(localDays + 1);
      expect(first.getUTCFullYear()).toBeGreaterThanOrEqual(2025);
      merge(findings, compareSlots(actual, expected), `daily ${hour}:${minute}`);
    }
    expect(findings).toEqual(empty());
  });
});

describe('the cases the chaos test found', () => {
  const berlin = new IntlZone('Europe/Berlin');
  const local = (ms: number) => wallKey(berlin.wallOf(ms));

  it('cron "*/5 2 * * *" in Europe/Berlin on 29 Mar 2026 runs once, at 03:00 (not 03:00 and 03:01)', () => {
    const slots = slotsBetween(compile({ kind: 'cron', expr: '*/5 2 * * *' }), 'Europe/Berlin', Date.UTC(2026, 2, 28, 23), Date.UTC(2026, 2, 29, 5));
    expect(slots.map((s) => `${s.key} → ${local(s.dueAt)}`)).toEqual(['2026-03-29T02:00 → 2026-03-29T03:00']);
    expect(slots[0]!.dueAt).toBe(Date.UTC(2026, 2, 29, 1, 0, 0, 0));
  });

  it('daily times 02:01–02:59 on the spring-forward day are due at exactly 03:00:00.000', () => {
    for (let m = 1; m < 60; m++) {
      const [slot] = slotsBetween(daily(2, m), 'Europe/Berlin', Date.UTC(2026, 2, 28, 23), Date.UTC(2026, 2, 29, 5));
      expect(slot?.dueAt, `02:${m}`).toBe(Date.UTC(2026, 2, 29, 1));
    }
  });
});
