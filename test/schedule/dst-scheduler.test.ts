/**
 * The running scheduler (real SQLite file, minute heartbeat on a fake clock) through every 2026 transition of
 * the DST sweep's zones: what it posts, and when, must be what the Intl oracle owes — once, on the minute.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { When } from '../../src/schedule/when.js';
import { compile } from '../../src/schedule/when.js';
import { RecordingOutbound } from '../helpers/recording-outbound.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Harness } from './harness.js';
import { IntlZone, MinuteSweep, pad2, wallKey } from './dst-oracle.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7] as const;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
  'Antarctica/Troll',
  'America/Santiago',
  'Europe/Dublin',
];

const cases = ZONES.flatMap((zone) => {
  const intl = new IntlZone(zone);
  return intl.transitions(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)).map((t) => ({ zone, at: new Date(t).toISOString(), t }));
});

/** Schedules aimed at the wall times a transition skips or repeats: cron every 5 minutes over those hours, and daily times inside. */
function schedulesAround(intl: IntlZone, t: number): When[] {
  const before = intl.wallOf(t - MINUTE) + MINUTE; // the wall reading the clock would have shown next
  const after = intl.wallOf(t);
  const [lo, hi] = before < after ? [before, after] : [after, before]; // skipped, or shown twice
  const hourOf = (w: number) => new Date(w).getUTCHours();
  const hours = [...new Set([hourOf(lo), hourOf(hi - MINUTE)])].sort((a, b) => a - b);
  const whens: When[] = [{ kind: 'cron', expr: `*/5 ${hours.join(',')} * * *` }];
  for (const w of [lo, lo + MINUTE, lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE, hi - MINUTE, hi]) {
    const d = new Date(w);
    whens.push({ kind: 'time', hour: d.getUTCHours(), minute: d.getUTCMinutes(), days: [...EVERY_DAY] });
  }
  return whens;
}

const describeWhen = (w: When) => (w.kind === 'cron' ? `cron "${w.expr}"` : `daily ${pad2(w.hour)}:${pad2(w.minute)}`);

describe('the scheduler on a fake clock across every 2026 transition', () => {
  it.each(cases)('$zone at $at: each schedule posts once per slot the oracle owes, on time', async ({ zone, t }) => {
    const intl = new IntlZone(zone);
    const start = t - 3 * HOUR;
    const end = t + 3 * HOUR;
    const clock = new FakeClock(start);
    const outbound = new RecordingOutbound('console', () => clock.now());
    harness = new Harness({ start, outbounds: [outbound], clock });
    const whens = schedulesAround(intl, t);
    for (const [i, when] of whens.entries()) await harness.add(when, zone, `console:c${i}`);
    await harness.service.start();
    await harness.runUntil(end);

    const sweep = new MinuteSweep(intl, start - 30 * HOUR, end + 30 * HOUR);
    const local = (ms: number) => `${wallKey(intl.wallOf(ms))} (${new Date(ms).toISOString()})`;
    const got = whens.map((when, i) => `${describeWhen(when)}: ${outbound.postsTo(`console:c${i}`).map((p) => local(p.at)).join(', ')}`);
    const want = whens.map((when) => `${describeWhen(when)}: ${sweep.expectedSlots(compile(when), start, end).map((s) => local(s.dueAt)).join(', ')}`);
    expect(got).toEqual(want);
    // Every post is due within this window, so none may be marked late.
    expect(outbound.posts.filter((p) => p.reply.notes?.some((n) => n.startsWith('Posted late')))).toEqual([]);
  });
});
