/** The ids the adapters answer once: remembered for the window, bounded in memory, cheap per request. */
import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../src/adapters/replay-guard.js';

const MINUTE = 60_000;

describe('ReplayGuard', () => {
  it('GIVEN an id seen within twice the 5-minute window THEN it is refused; long after, the timestamp check takes over', () => {
    let now = 0;
    const guard = new ReplayGuard(5 * MINUTE, 1_000, () => now);
    expect(guard.firstTime('a')).toBe(true);
    expect(guard.firstTime('a')).toBe(false);
    now += 9 * MINUTE;
    expect(guard.firstTime('a')).toBe(false);
    now += 2 * MINUTE; // one rotation: 'a' is in the previous generation
    expect(guard.firstTime('a')).toBe(false);
    now += 60 * MINUTE; // a week-old replay is refused by its signed timestamp, not by memory
    expect(guard.firstTime('a')).toBe(true);
  });

  it('GIVEN far more ids than the cap THEN memory stays within it and recent ids are still refused', () => {
    const guard = new ReplayGuard(5 * MINUTE, 1_000, () => 0);
    for (let i = 0; i < 10_000; i++) expect(guard.firstTime(`id-${i}`)).toBe(true);
    expect(guard.size).toBeLessThanOrEqual(1_000);
    expect(guard.firstTime('id-9999')).toBe(false);
    expect(guard.firstTime('id-9600')).toBe(false);
  });
});
