/**
 * Slot computation across daylight-saving changes in two zones (Europe/Berlin, America/New_York):
 * a non-existent local time fires at the first valid time after it, a repeated one fires once.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { nextSlots, normalizeZone, slotsBetween, suggestZones } from '../../src/schedule/slots.js';
import { compile, type Weekday } from '../../src/schedule/when.js';

const EVERY_DAY: Weekday[] = [1, 2, 3, 4, 5, 6, 7];
const daily = (hour: number, minute: number) => compile({ kind: 'time', hour, minute, days: EVERY_DAY });
const local = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd HH:mm ZZ");
const utc = (iso: string) => Date.parse(iso);

describe('Europe/Berlin', () => {
  const zone = 'Europe/Berlin';

  it('spring-forward (30 Mar 2025): 02:30 does not exist, so it runs at 03:00 local, once', () => {
    const runs = nextSlots(daily(2, 30), zone, utc('2025-03-28T12:00Z'), 3);
    expect(runs.map((r) => local(r.dueAt, zone))).toEqual([
      '2025-03-29 02:30 +01:00',
      '2025-03-30 03:00 +02:00',
      '2025-03-31 02:30 +02:00',
    ]);
    expect(runs[1]!.key).toBe('2025-03-30T02:30');
    expect(new Date(runs[1]!.dueAt).toISOString()).toBe('2025-03-30T01:00:00.000Z');
  });

  it('fall-back (26 Oct 2025): 02:30 happens twice but runs once, at the first occurrence', () => {
    const day = slotsBetween(daily(2, 30), zone, utc('2025-10-25T12:00Z'), utc('2025-10-26T12:00Z'));
    expect(day).toHaveLength(1);
    expect(local(day[0]!.dueAt, zone)).toBe('2025-10-26 02:30 +02:00');
    // The second 02:30 (+01:00) is not another slot.
    expect(slotsBetween(daily(2, 30), zone, day[0]!.dueAt, utc('2025-10-26T23:00Z'))).toEqual([]);
  });

  it('a cron expression with several times in the skipped hour runs once at 03:00, then continues', () => {
    const day = slotsBetween(compile({ kind: 'cron', expr: '*/30 2,3 * * *' }), zone, utc('2025-03-29T23:30Z'), utc('2025-03-30T05:00Z'));
    expect(day.map((s) => `${s.key} → ${local(s.dueAt, zone)}`)).toEqual([
      '2025-03-30T02:00 → 2025-03-30 03:00 +02:00',
      '2025-03-30T03:30 → 2025-03-30 03:30 +02:00',
    ]);
  });

  it('an ordinary time keeps its wall-clock time across the change (UTC moves, local does not)', () => {
    const runs = nextSlots(daily(9, 0), zone, utc('2025-03-29T00:00Z'), 2);
    expect(runs.map((r) => new Date(r.dueAt).toISOString())).toEqual(['2025-03-29T08:00:00.000Z', '2025-03-30T07:00:00.000Z']);
  });
});

describe('America/New_York', () => {
  const zone = 'America/New_York';

  it('spring-forward (9 Mar 2025): 02:30 runs at 03:00 EDT', () => {
    const runs = nextSlots(daily(2, 30), zone, utc('2025-03-08T12:00Z'), 2);
    expect(runs.map((r) => local(r.dueAt, zone))).toEqual(['2025-03-09 03:00 -04:00', '2025-03-10 02:30 -04:00']);
  });

  it('fall-back (2 Nov 2025): 01:30 runs once, at the first (EDT) occurrence', () => {
    const day = slotsBetween(daily(1, 30), zone, utc('2025-11-01T12:00Z'), utc('2025-11-02T15:00Z'));
    expect(day.map((s) => local(s.dueAt, zone))).toEqual(['2025-11-02 01:30 -04:00']);
  });

  it('weekday schedules skip the weekend in local time, not UTC', () => {
    const weekdays = compile({ kind: 'time', hour: 21, minute: 0, days: [1, 2, 3, 4, 5] });
    // Friday 21:00 New York is Saturday 01:00 UTC: still Friday's slot.
    const runs = nextSlots(weekdays, zone, utc('2025-06-06T12:00Z'), 2);
    expect(runs.map((r) => local(r.dueAt, zone))).toEqual(['2025-06-06 21:00 -04:00', '2025-06-09 21:00 -04:00']);
  });
});

describe('slot enumeration', () => {
  it('finds 29 February in the next leap year', () => {
    const runs = nextSlots(compile({ kind: 'cron', expr: '0 9 29 2 *' }), 'UTC', utc('2025-01-01T00:00Z'), 2);
    expect(runs.map((r) => r.key)).toEqual(['2028-02-29T09:00', '2032-02-29T09:00']);
  });

  it('runs on the last day of the month with L', () => {
    const runs = nextSlots(compile({ kind: 'cron', expr: '0 18 L * *' }), 'UTC', utc('2025-02-01T00:00Z'), 3);
    expect(runs.map((r) => r.key)).toEqual(['2025-02-28T18:00', '2025-03-31T18:00', '2025-04-30T18:00']);
  });

  it('bounds the slots of a long outage by the range', () => {
    const slots = slotsBetween(daily(9, 0), 'UTC', utc('2025-01-01T09:00Z'), utc('2025-01-31T09:00Z'));
    expect(slots).toHaveLength(30);
    expect(slots[0]!.key).toBe('2025-01-02T09:00');
  });
});

describe('zones', () => {
  it('normalizes case and knows UTC', () => {
    expect(normalizeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(normalizeZone('utc')).toBe('UTC');
    expect(normalizeZone('Mars/Olympus')).toBeUndefined();
    expect(normalizeZone('Berlin')).toBeUndefined();
  });

  it('suggests a zone from a city name', () => {
    expect(suggestZones('berlin')).toEqual(['Europe/Berlin']);
    expect(suggestZones('new york')).toEqual(['America/New_York']);
  });
});
