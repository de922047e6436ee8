/**
 * Background loops run once per deployment: the minute tick that records owed digests, the news feed polling
 * and the revision-alert diffing are led by ONE replica at a time. Every replica serves HTTP and posts ledger
 * rows (the engine shares the work out by leases); only the leader creates work on a timer.
 *
 * The lock: PostgreSQL's session advisory lock (`pg_try_advisory_lock` on a dedicated connection,
 * src/store/ledger-leader.ts): it is released the moment the holder's connection closes — a SIGKILLed replica's
 * socket is closed by the kernel — and the next replica to try (every CHECK_EVERY_MS) takes over, well within a
 * minute. On SQLite there is one process: it always leads (`soloLock`).
 */
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';

/** How often a follower tries to take the lead, and the leader checks it still holds it. */
export const CHECK_EVERY_MS = 5_000;

export interface LeaderLock {
  /** 'postgres-advisory' or 'single-process': for /healthz and logs. */
  readonly kind: string;
  /** Tries to take the lock; true when this replica holds it (also when it already did). */
  tryAcquire(): Promise<boolean>;
  /** Whether the lock is still held (the connection holding it is alive). */
  stillHeld(): Promise<boolean>;
  release(): Promise<void>;
}

/** One process on one SQLite file: it is always the leader. */
export const soloLock: LeaderLock = {
  kind: 'single-process',
  tryAcquire: async () => true,
  stillHeld: async () => true,
  release: async () => undefined,
};

export interface LeaderTask {
  name: string;
  /** Starts the loop on the new leader. */
  start(): Promise<void> | void;
  /** Stops it when the lead is lost or the bot stops. */
  stop(): Promise<void> | void;
}

export class Leadership {
  private readonly tasks: LeaderTask[] = [];
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private leadingSince: number | undefined;
  private stopped = false;

  constructor(
    readonly lock: LeaderLock,
    private readonly options: { logger?: Logger; checkEveryMs?: number } = {},
  ) {}

  get leading(): boolean {
    return this.leadingSince !== undefined;
  }

  /** For /healthz. */
  status(): { leader: boolean; leaderSince?: string; lock: string } {
    return { leader: this.leading, ...(this.leadingSince ? { leaderSince: new Date(this.leadingSince).toISOString() } : {}), lock: this.lock.kind };
  }

  /** A loop to run while leading; started at once if this replica leads already. */
  async add(task: LeaderTask): Promise<void> {
    this.tasks.push(task);
    if (this.leading) await this.run(task, 'start');
  }

  /** Tries now, then keeps trying (follower) or checking (leader). */
  async start(): Promise<void> {
    await this.check();
    if (this.stopped || this.timer) return;
    this.timer = setInterval(() => void this.check(), this.options.checkEveryMs ?? CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** One round: take the lead if free, or give up loops whose lock is gone. */
  check(): Promise<void> {
    this.checking ??= this.checkOnce().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    if (this.stopped) return;
    const logger = this.options.logger ?? silentLogger;
    try {
      if (this.leading) {
        if (await this.lock.stillHeld()) return;
        logger.error('lost the lead of the background loops (database connection gone); stopping them here');
        await this.stepDown();
        return;
      }
      if (!(await this.lock.tryAcquire())) return;
      this.leadingSince = Date.now();
      logger.info({ lock: this.lock.kind }, 'this replica now leads the background loops (digest tick, feeds, alerts)');
      for (const task of this.tasks) await this.run(task, 'start');
    } catch (err) {
      logger.error({ err }, 'leader check failed');
      if (this.leading) await this.stepDown();
    }
  }

  private async stepDown(): Promise<void> {
    this.leadingSince = undefined;
    for (const task of [...this.tasks].reverse()) await this.run(task, 'stop');
  }

  private async run(task: LeaderTask, what: 'start' | 'stop'): Promise<void> {
    try {
      await task[what]();
    } catch (err) {
      (this.options.logger ?? silentLogger).error({ err, task: task.name }, `could not ${what} a background loop`);
    }
  }

  /** SIGTERM: stop the loops and let another replica lead at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
    if (this.leading) await this.stepDown();
    await this.lock.release().catch(() => undefined);
  }
}
