/**
 * Everything revision alerts run on, as production wires it, in a temp dir: a copy of the data file watched
 * by the real LiveData, the SQLite store on a real file (digest schedules and alerts share it), the digest
 * service with the alert service as its FigureArrivals, the real command core, a fake clock (retry waits
 * run instantly but are recorded) and the outbound channels the test gives (the real Slack / Discord
 * adapters pointed at the fake APIs).
 *
 * `restart()` stops the alert service, closes the database and builds everything again from the files,
 * like a process restart; `down()` + `up()` leave a gap in which the test edits the data file.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../src/app.js';
import { AlertService } from '../../src/alerts/service.js';
import type { Caller } from '../../src/core/command.js';
import type { Core } from '../../src/core/core.js';
import { silentLogger, type Logger } from '../../src/core/log.js';
import type { OutboundChannel } from '../../src/core/outbound.js';
import { LiveData } from '../../src/data/live.js';
import { parseDataText } from '../../src/data/loader.js';
import type { RetryPolicy } from '../../src/delivery/retry.js';
import { DigestService } from '../../src/schedule/service.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { GOOD } from '../helpers/data-edits.js';

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

/** Discord user ids are snowflakes (the fake Discord API refuses others for DMs). */
export const DISCORD_ADMIN = '770000000000000077';

export function adminOn(platform: Caller['platform'], channel: string, user = platform === 'discord' ? DISCORD_ADMIN : 'UADMIN'): Caller {
  return { platform, userId: `${platform}:${user}`, userName: 'alice', isAdmin: true, channelId: `${platform}:${channel}`, timeZone: 'UTC' };
}

export function memberOn(platform: Caller['platform'], channel: string): Caller {
  return { platform, userId: `${platform}:UMEMBER`, userName: 'bob', isAdmin: false, channelId: `${platform}:${channel}`, timeZone: 'UTC' };
}

export interface AlertHarnessOptions {
  start: string;
  outbounds: OutboundChannel[];
  policy?: RetryPolicy;
  /** Initial data text (default: the bundled file). */
  data?: string;
  logger?: Logger;
}

export class AlertHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'capex-alerts-'));
  readonly dataFile = join(this.dir, 'capex-data.yaml');
  readonly dbFile = join(this.dir, 'db', 'capex-bot.sqlite');
  readonly clock: FakeClock;
  outbounds: OutboundChannel[];
  store!: SqliteStore;
  live!: LiveData;
  digests!: DigestService;
  alerts!: AlertService;
  core!: Core;
  private isUp = false;

  constructor(private readonly options: AlertHarnessOptions) {
    this.clock = new FakeClock(Date.parse(options.start));
    this.outbounds = options.outbounds;
    writeFileSync(this.dataFile, options.data ?? GOOD);
  }

  /**
   * Builds everything from the files and starts alerts, as `startBot` does after the adapters are up. With
   * `fallback`, start-up works as with DATA_URL: the bot starts on the fallback text, then reads the source once
   * before anything else (a bad source is refused there, and the bot runs on the fallback).
   */
  async up(outbounds: OutboundChannel[] = this.outbounds, options: { fallback?: string } = {}): Promise<this> {
    this.outbounds = outbounds;
    const logger = this.options.logger ?? silentLogger;
    this.store = new SqliteStore(this.dbFile);
    const initial = parseDataText(options.fallback ?? readFileSync(this.dataFile, 'utf8'), this.dataFile);
    // The file is written whole by the test: no need to wait out the settle period a slow writer needs.
    this.live = new LiveData({ source: { file: this.dataFile }, initial, refreshMinutes: 0, logger, settleMs: 10 });
    if (options.fallback !== undefined) await this.live.check();
    // The digest service owns the delivery engine every post goes through; alerts are one kind of its rows.
    this.digests = new DigestService({
      store: this.store,
      data: () => this.live.current(),
      outbounds,
      clock: this.clock,
      logger,
      policy: this.options.policy,
      heartbeat: false,
      config: { DEFAULT_TIMEZONE: 'UTC', DIGEST_GRACE_MINUTES: 120 },
      arrivals: { since: (ms) => this.alerts.arrivedSince(ms) },
    });
    this.alerts = new AlertService({
      store: this.store.alerts,
      data: () => this.live.current(),
      engine: this.digests.engine,
      notifyAdmin: this.digests.notices.notifyAdmin,
      clock: this.clock,
      logger,
      scheduleCreators: async () => [...new Set((await this.store.listSchedules()).map((s) => s.createdBy))],
    });
    this.core = createCore({
      data: () => this.live.current(),
      services: { digest: this.digests, alerts: this.alerts, live: this.live },
      now: () => new Date(this.clock.now()),
      logger,
    });
    await this.alerts.start(outbounds, this.live);
    await this.alerts.idle();
    this.isUp = true;
    return this;
  }

  /** Stops the bot the way SIGTERM does: alerts first, then the digests and the database. */
  async down(): Promise<void> {
    if (!this.isUp) return;
    this.isUp = false;
    await this.alerts.stop(1_000);
    await this.digests.stop(1_000);
  }

  async restart(outbounds: OutboundChannel[] = this.outbounds): Promise<void> {
    await this.down();
    await this.up(outbounds);
  }

  /** Saves a new version of the data file (as an editor would). */
  writeData(text: string): void {
    writeFileSync(this.dataFile, text);
  }

  /** What the file watcher does on a save: one check, then wait for the posts it started. */
  async reload(): Promise<void> {
    await this.live.check();
    await this.alerts.idle();
  }

  ask(line: string, caller: Caller) {
    return this.core.handleText(line, caller);
  }

  async cleanup(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
