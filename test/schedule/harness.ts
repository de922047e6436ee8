/**
 * A digest service on a real SQLite file in a temp dir, a fake clock and any outbound channels, with
 * helpers to run the minute heartbeat over a stretch of fake time and to restart (close the store, build
 * a new service on the same file) the way a real process restart does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller } from '../../src/core/command.js';
import type { OutboundChannel } from '../../src/core/outbound.js';
import { DigestService } from '../../src/schedule/service.js';
import type { RetryPolicy } from '../../src/delivery/retry.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { When } from '../../src/schedule/when.js';
import { bundledData } from '../helpers/core.js';
import { FakeClock } from '../helpers/fake-clock.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

export const admin = (platform: Caller['platform'] = 'console', channel = 'local'): Caller => ({
  platform,
  userId: `${platform}:UADMIN`,
  userName: 'alice',
  isAdmin: true,
  channelId: `${platform}:${channel}`,
});

export interface HarnessOptions {
  start: string | number;
  outbounds: OutboundChannel[];
  clock?: FakeClock;
  graceMinutes?: number;
  policy?: RetryPolicy;
  /**
   * Digests as a parent post plus a thread (the product default, issue 14). Off unless asked: these suites are about
   * slots, retries and exactly-once of one post per slot (threads: test/interactive/digest-thread.test.ts).
   */
  threads?: boolean;
}

export class Harness {
  readonly dir = mkdtempSync(join(tmpdir(), 'capex-digest-'));
  readonly file = join(this.dir, 'data', 'capex-bot.sqlite');
  readonly clock: FakeClock;
  service: DigestService;
  /** Services abandoned by `crash()`: their stores are closed at cleanup. */
  private readonly dead: DigestService[] = [];

  constructor(private readonly options: HarnessOptions) {
    this.clock = options.clock ?? new FakeClock(typeof options.start === 'number' ? options.start : Date.parse(options.start));
    this.service = this.build();
  }

  private build(): DigestService {
    return new DigestService({
      store: new SqliteStore(this.file),
      data: () => bundledData,
      outbounds: this.options.outbounds,
      clock: this.clock,
      heartbeat: false,
      policy: this.options.policy,
      config: { DEFAULT_TIMEZONE: 'UTC', DIGEST_GRACE_MINUTES: this.options.graceMinutes ?? 120 },
    });
  }

  get store() {
    return this.service.store;
  }

  async add(when: When, zone: string, channelId: string, caller: Caller = admin(channelId.split(':')[0] as Caller['platform'])) {
    const added = await this.service.add({ when, zone, channelId }, caller);
    if (!this.options.threads) await this.service.setThread(added.schedule.id, false, caller);
    return added;
  }

  /** One heartbeat and everything it started. */
  async tick(): Promise<void> {
    await this.service.scheduler.tick();
    await this.service.scheduler.idle();
  }

  /** Heartbeats every minute (on the minute) until `until`, as node-cron would fire them. */
  async runUntil(until: string | number): Promise<void> {
    const end = typeof until === 'number' ? until : Date.parse(until);
    for (let t = Math.floor(this.clock.now() / MINUTE) * MINUTE + MINUTE; t <= end; t += MINUTE) {
      if (this.clock.now() < t) this.clock.set(t);
      await this.tick();
    }
    if (this.clock.now() < end) this.clock.set(end);
  }

  /** Graceful stop (SIGTERM) and a fresh process on the same file, started at the clock's time. */
  async restart(at?: string | number): Promise<void> {
    await this.service.stop(1_000);
    if (at !== undefined) this.clock.set(typeof at === 'number' ? at : Date.parse(at));
    this.service = this.build();
    await this.service.start();
    await this.service.scheduler.idle();
  }

  /**
   * The process dies: nothing is stopped or flushed; a new process opens the same file and starts. Its
   * deliveries are not awaited (a test may be holding them mid-request); `runUntil` waits for them.
   */
  async crashAndStart(at?: string | number): Promise<void> {
    this.dead.push(this.service);
    if (at !== undefined) this.clock.set(typeof at === 'number' ? at : Date.parse(at));
    this.service = this.build();
    await this.service.start();
  }

  async cleanup(): Promise<void> {
    for (const s of [...this.dead, this.service]) await s.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
