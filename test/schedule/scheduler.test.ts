/**
 * The scheduler on a fake clock and a real SQLite file: every slot posted exactly once through restarts
 * at and around slot time, crashes between claim and post and in the middle of a post, downtime inside
 * and beyond the grace window, DST nights in two zones, and changes taking effect without a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { SqliteStore } from '../../src/store/sqlite.js';
import { ledgerOf } from '../../src/schedule/service.js';
import type { Weekday } from '../../src/schedule/when.js';
import { RecordingOutbound } from '../helpers/recording-outbound.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bundledData } from '../helpers/core.js';
import { admin, Harness } from './harness.js';

const EVERY_DAY: Weekday[] = [1, 2, 3, 4, 5, 6, 7];
const at = (hour: number, minute: number, days: Weekday[] = EVERY_DAY) => ({ kind: 'time' as const, hour, minute, days });

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

function setup(start: string, opts: { graceMinutes?: number; clock?: FakeClock } = {}) {
  const clock = opts.clock ?? new FakeClock(Date.parse(start));
  const outbound = new RecordingOutbound('console', () => clock.now());
  harness = new Harness({ start, outbounds: [outbound], clock, graceMinutes: opts.graceMinutes });
  return { h: harness, outbound, clock };
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('exactly once', () => {
  it('posts each slot once at its time; more heartbeats and a restart right after add nothing', async () => {
    const { h, outbound } = setup('2025-06-02T08:50:00Z');
    await h.add(at(9, 0), 'UTC', 'console:general');
    await h.service.start();
    await h.runUntil('2025-06-02T09:05:00Z');
    expect(outbound.posts.map((p) => iso(p.at))).toEqual(['2025-06-02T09:00:00.000Z']);
    expect(outbound.posts[0]!.reply.title).toBe('AI capex digest — Monday 2 June 2025');

    await h.restart('2025-06-02T09:05:30Z');
    await h.tick();
    expect(outbound.posts).toHaveLength(1);

    await h.runUntil('2025-06-03T09:01:00Z');
    expect(outbound.posts.map((p) => iso(p.at))).toEqual(['2025-06-02T09:00:00.000Z', '2025-06-03T09:00:00.000Z']);
  });

  it.each([
    ['just before the slot', '2025-06-02T08:59:59Z', '2025-06-02T09:00:00Z'],
    ['exactly at the slot', '2025-06-02T09:00:00Z', '2025-06-02T09:00:00Z'],
    ['just after the slot', '2025-06-02T09:00:00Z', '2025-06-02T09:00:40Z'],
  ])('a restart %s posts the slot once', async (_label, stopAt, startAt) => {
    const { h, outbound } = setup('2025-06-02T08:00:00Z');
    await h.add(at(9, 0), 'UTC', 'console:general');
    await h.service.start();
    await h.runUntil(stopAt);
    await h.restart(startAt);
    await h.runUntil('2025-06-02T09:10:00Z');
    expect(outbound.posts).toHaveLength(1);
    const [row] = await h.service.deliveriesOf(1);
    expect(row).toMatchObject({ slot: '2025-06-02T09:00', status: 'delivered', late: false });
  });

  it('a crash between claim and post: the next start posts the slot once', async () => {
    const { h, outbound } = setup('2025-06-02T08:00:00Z');
    const { schedule } = await h.add(at(9, 0), 'UTC', 'console:general');
    // What a process that died right after its claim leaves behind: a row leased to it, never sent.
    const due = Date.parse('2025-06-02T09:00:00Z');
    const [claimed] = await h.service.engine.ledger.insert(
      [{ kind: 'digest', subject: String(schedule.id), target: schedule.channelId, slot: '2025-06-02T09:00', dueAt: due, payload: { late: false } }],
      due,
      { owner: 'a-process-that-died', until: due + 30_000 },
    );
    expect(claimed).toMatchObject({ status: 'pending', leaseOwner: 'a-process-that-died' });
    await h.crashAndStart('2025-06-02T09:03:00Z');
    await h.service.scheduler.idle();
    await h.runUntil('2025-06-02T09:10:00Z');
    expect(outbound.posts.map((p) => iso(p.at))).toEqual(['2025-06-02T09:03:00.000Z']);
    expect(await h.service.deliveriesOf(schedule.id)).toMatchObject([{ status: 'delivered', recoveries: 0 }]);
  });

  it('a crash in the middle of a post: retried once after restart; a second crash there is not looped', async () => {
    const { h, outbound } = setup('2025-06-02T08:58:00Z');
    const { schedule } = await h.add(at(9, 0), 'UTC', 'console:general');
    await h.service.start();
    outbound.holdPosts();
    h.clock.set(Date.parse('2025-06-02T09:00:00Z'));
    await h.service.scheduler.tick();
    await new Promise((r) => setImmediate(r));
    expect(outbound.heldCount).toBe(1);
    expect((await h.service.deliveriesOf(schedule.id))[0]!.status).toBe('sending');

    // Dies with the request in flight; the platform never got it. The next start retries it once.
    await h.crashAndStart('2025-06-02T09:02:00Z');
    await new Promise((r) => setImmediate(r));
    expect(outbound.heldCount).toBe(2);
    expect((await h.service.deliveriesOf(schedule.id))[0]).toMatchObject({ status: 'sending', recoveries: 1 });

    // Dies again mid-request: the row is marked failed (it may or may not have appeared), never retried in a loop.
    await h.crashAndStart('2025-06-02T09:04:00Z');
    await h.runUntil('2025-06-02T09:30:00Z');
    expect(outbound.posts).toHaveLength(0);
    const [row] = await h.service.deliveriesOf(schedule.id);
    expect(row).toMatchObject({ status: 'failed', recoveries: 2 });
    expect(row!.error).toMatch(/stopped twice while this was being posted.*not retried again/);
  });

  it('SIGTERM while a post waits out a rate limit: stop is prompt, the slot stays owed and posts once after restart', async () => {
    const clock = new FakeClock(Date.parse('2025-06-02T08:59:00Z'), 'manual');
    const { h, outbound } = setup('2025-06-02T08:59:00Z', { clock });
    const { schedule } = await h.add(at(9, 0), 'UTC', 'console:general');
    await h.service.start();
    const { RateLimitedError } = await import('../../src/core/outbound.js');
    outbound.script.push(new RateLimitedError(30_000));
    clock.set(Date.parse('2025-06-02T09:00:00Z'));
    await h.service.scheduler.tick();
    while (clock.pendingSleeps === 0) await new Promise((r) => setImmediate(r));
    expect((await h.service.deliveriesOf(schedule.id))[0]!.status).toBe('claimed');

    const started = Date.now();
    await h.service.stop(5_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    const reopened = new SqliteStore(h.file);
    expect((await ledgerOf(reopened).rows({ kind: 'digest', subject: String(schedule.id) }))[0]).toMatchObject({ status: 'pending', leaseOwner: null });
    await reopened.close();

    await h.restart('2025-06-02T09:01:00Z');
    expect(outbound.posts.map((p) => iso(p.at))).toEqual(['2025-06-02T09:01:00.000Z']);
  });
});

describe('send now', () => {
  it('is retried later while the platform is down, and given up (never posted late) after the grace window', async () => {
    const { h, outbound } = setup('2025-06-02T08:00:00Z');
    const { TransientError } = await import('../../src/core/outbound.js');
    const { schedule } = await h.add(at(18, 0), 'UTC', 'console:general');
    await h.service.start();
    outbound.channelErrors.set('console:general', new TransientError('HTTP 503')); // down until further notice
    const outcome = await h.service.send(schedule, admin());
    expect(outcome.status).toBe('retry_later');
    await h.runUntil('2025-06-02T10:30:00Z');
    const manual = (await h.service.deliveriesOf(schedule.id)).filter((d) => d.kind === 'manual');
    expect(manual).toMatchObject([{ status: 'failed' }]);
    expect(manual[0]!.error).toMatch(/could not post within the grace window: HTTP 503/);
    outbound.channelErrors.clear();
    await h.runUntil('2025-06-02T11:00:00Z');
    expect(outbound.posts).toEqual([]);
  });
});

describe('downtime', () => {
  it('within the grace window: posted once, marked late, and says so', async () => {
    const { h, outbound } = setup('2025-06-02T06:00:00Z');
    const { schedule } = await h.add(at(9, 0), 'Europe/Berlin', 'console:general'); // 07:00 UTC
    await h.service.start();
    await h.service.stop(); // down from 08:00 to 10:30 Berlin
    await h.restart('2025-06-02T08:30:00Z'); // 90 minutes late, grace is 120
    await h.runUntil('2025-06-02T09:00:00Z');
    expect(outbound.posts.map((p) => iso(p.at))).toEqual(['2025-06-02T08:30:00.000Z']);
    expect(outbound.posts[0]!.reply.notes).toContain('Posted late: this digest was due at Mon 2 Jun 09:00 (Europe/Berlin) while the bot was offline.');
    expect((await h.service.deliveriesOf(schedule.id))[0]).toMatchObject({ status: 'delivered', late: true });
  });

  it('beyond the grace window: recorded as missed (not posted), then the schedule carries on', async () => {
    const { h, outbound } = setup('2025-06-02T08:00:00Z');
    const { schedule } = await h.add(at(9, 0), 'UTC', 'console:general');
    await h.service.start();
    await h.runUntil('2025-06-02T09:01:00Z');
    await h.service.stop();
    await h.restart('2025-06-04T12:00:00Z'); // 3 Jun 09:00 and 4 Jun 09:00 are both > 2 h ago
    expect(outbound.posts).toHaveLength(1);
    const rows = await h.service.deliveriesOf(schedule.id);
    expect(rows.map((r) => `${r.slot} ${r.status}`)).toEqual(['2025-06-02T09:00 delivered', '2025-06-03T09:00 missed', '2025-06-04T09:00 missed']);
    const [view] = await h.service.list(admin());
    expect(view!.summary).toMatchObject({ missed: 2, last: { slot: '2025-06-04T09:00', status: 'missed' } });
    await h.runUntil('2025-06-05T09:00:00Z');
    expect(outbound.posts.map((p) => iso(p.at))).toEqual(['2025-06-02T09:00:00.000Z', '2025-06-05T09:00:00.000Z']);
  });
});

describe('daylight saving, minute by minute on a fake clock', () => {
  const cases = [
    { zone: 'Europe/Berlin', what: 'spring-forward', time: [2, 30], from: '2025-03-29T22:00:00Z', to: '2025-03-30T06:00:00Z', expected: ['2025-03-30 03:00 +02:00'] },
    { zone: 'Europe/Berlin', what: 'fall-back', time: [2, 30], from: '2025-10-25T22:00:00Z', to: '2025-10-26T06:00:00Z', expected: ['2025-10-26 02:30 +02:00'] },
    { zone: 'America/New_York', what: 'spring-forward', time: [2, 30], from: '2025-03-09T04:00:00Z', to: '2025-03-09T12:00:00Z', expected: ['2025-03-09 03:00 -04:00'] },
    { zone: 'America/New_York', what: 'fall-back', time: [1, 30], from: '2025-11-02T03:00:00Z', to: '2025-11-02T10:00:00Z', expected: ['2025-11-02 01:30 -04:00'] },
  ] as const;

  it.each(cases)('$zone $what: a $time.0:$time.1 schedule posts once', async ({ zone, time, from, to, expected }) => {
    const { h, outbound } = setup(from);
    await h.add(at(time[0], time[1]), zone, 'console:general');
    await h.service.start();
    await h.runUntil(to);
    expect(outbound.posts.map((p) => DateTime.fromMillis(p.at, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ'))).toEqual(expected);
  });

  it('Europe/Berlin fall-back: a restart during the repeated hour does not post the slot again', async () => {
    const { h, outbound } = setup('2025-10-25T22:00:00Z');
    await h.add(at(2, 30), 'Europe/Berlin', 'console:general');
    await h.service.start();
    await h.runUntil('2025-10-26T01:20:00Z'); // 02:20 CET, the second time 02:xx happens
    await h.restart('2025-10-26T01:31:00Z'); // just after the second 02:30
    await h.runUntil('2025-10-26T04:00:00Z');
    expect(outbound.posts).toHaveLength(1);
  });
});

describe('changes take effect without a restart', () => {
  it('add, pause and resume act on the running scheduler', async () => {
    const { h, outbound } = setup('2025-06-02T08:00:00Z');
    await h.service.start();
    const { schedule } = await h.add(at(8, 5), 'UTC', 'console:general');
    await h.runUntil('2025-06-02T08:10:00Z');
    expect(outbound.posts).toHaveLength(1);

    await h.service.pause(schedule.id, admin());
    await h.runUntil('2025-06-03T09:00:00Z');
    expect(outbound.posts).toHaveLength(1);

    await h.service.resume(schedule.id, admin()); // at 09:00: today's 08:05 passed during the pause and is not owed
    await h.runUntil('2025-06-04T08:06:00Z');
    expect(outbound.posts.map((p) => iso(p.at))).toEqual(['2025-06-02T08:05:00.000Z', '2025-06-04T08:05:00.000Z']);
    expect(await h.service.deliveriesOf(schedule.id)).toHaveLength(2);
  });

  it('picks up a schedule another process (the CLI) wrote to the same file', async () => {
    const { h, outbound } = setup('2025-06-02T08:00:00Z');
    await h.service.start();
    const cli = new SqliteStore(h.file);
    await cli.createSchedule({ channelId: 'console:ops', kind: 'cron', cron: '15 8 * * *', zone: 'UTC', createdBy: 'console:local' }, h.clock.now());
    await cli.close();
    await h.runUntil('2025-06-02T08:20:00Z');
    // Written without the harness, so threads are on (the default): the digest post, then its thread replies.
    const digests = outbound.postsTo('console:ops').filter((p) => p.reply.title.startsWith('AI capex digest'));
    expect(digests.map((p) => iso(p.at))).toEqual(['2025-06-02T08:15:00.000Z']);
  });
});

describe('what changed since the previous digest', () => {
  it("reports each new figure once per channel, and a channel's first digest looks back a week", async () => {
    const { h, outbound } = setup('2026-04-28T08:00:00Z');
    await h.add(at(9, 0), 'UTC', 'console:general');
    await h.service.start();
    await h.runUntil('2026-05-02T09:01:00Z');
    const texts = outbound.posts.map((p) => p.reply.lines.join('\n'));
    expect(texts).toHaveLength(5);
    // Every "• …" change line appears in exactly one digest.
    const changeLines = texts.flatMap((t) => t.split('\n').filter((l) => l.startsWith('• ')));
    expect(new Set(changeLines).size).toBe(changeLines.length);
    expect(texts[0]).toMatch(/in the past 7 days/);
    expect(texts[1]).toMatch(/since the previous digest \(28 Apr 2026\)/);
  });
});

describe('heartbeat', () => {
  it('node-cron drives a minute heartbeat while running, and stop removes it', async () => {
    const cron = (await import('node-cron')).default;
    const { h } = setup('2025-06-02T08:00:00Z');
    const { DigestService } = await import('../../src/schedule/service.js');
    const service = new DigestService({ store: new SqliteStore(h.file), data: () => bundledData });
    await service.start();
    const beat = [...cron.getTasks().values()].find((t) => t.name === 'capex-digest-heartbeat');
    expect(beat?.getPattern()).toBe('* * * * *');
    expect(beat?.getStatus()).toBe('idle');
    await service.stop();
    expect([...cron.getTasks().values()].some((t) => t.name === 'capex-digest-heartbeat')).toBe(false);
  });
});
