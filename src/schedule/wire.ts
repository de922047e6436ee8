/**
 * How the bot's start-up code installs digests, in two calls:
 * - `installDigestService(runtime)` when the runtime is built, over the store the runtime opened (none for
 *   one-shot questions that never touch schedules, so they never create a database file): `services.digest`
 *   appears, built on first use.
 * - `startDigests(runtime, outbounds)` after the adapters are up: recovery, catch-up and the minute
 *   heartbeat. Its shutdown hook runs before earlier ones (hooks run in reverse), so on SIGTERM the
 *   scheduler stops taking work and finishes posts in flight (bounded) while adapters are still up; the
 *   database closes last.
 */
import type { Config } from '../config.js';
import { installLazyService, type Services } from '../core/command.js';
import type { Logger } from '../core/log.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { DataSet } from '../data/dataset.js';
import { createDigestService, type DigestService } from './service.js';
import type { FigureArrivals, HeadlineSource } from './digest.js';
import type { Store } from '../store/types.js';
import type { Database } from '../store/database.js';
import { leaderLockFor } from '../store/ledger-leader.js';
import { Leadership, soloLock } from '../delivery/leader.js';

export interface DigestHost {
  config: Pick<Config, 'DATABASE_URL' | 'DEFAULT_TIMEZONE' | 'DIGEST_GRACE_MINUTES'>;
  data: () => DataSet;
  logger: Logger;
  services: Services;
  /** The open store; without one there are no digests (services.digest stays undefined). */
  store?: Store;
  onClose(fn: () => void | Promise<void>): void;
}

/** How long SIGTERM waits for digest posts already in flight before closing the database anyway. */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * What the digest shows from news and alerts is passed in by start-up (src/runtime.ts), so schedule/ never imports
 * news/ or alerts/: they import schedule/ (the digest's HeadlineSource / FigureArrivals), not the other way round.
 */
export interface DigestSources {
  headlines: HeadlineSource;
  arrivals: FigureArrivals;
}

export function installDigestService(host: DigestHost & DigestSources): void {
  const store = host.store;
  if (!store) return;
  const built = installLazyService(host.services, 'digest', () =>
    createDigestService(host.config, {
      store,
      data: host.data,
      logger: host.logger,
      headlines: host.headlines,
      arrivals: host.arrivals,
    }),
  );
  host.onClose(async () => {
    await built()?.stop(SHUTDOWN_GRACE_MS);
  });
}

declare module '../core/command.js' {
  interface Services {
    /** Who leads the background loops in this deployment (src/delivery/leader.ts); set by startDigests. */
    leadership?: Leadership;
  }
}

/** The leadership of the background loops (made by startDigests), for news, alerts and /healthz. */
export function leadershipOf(services: Services): Leadership | undefined {
  return services.leadership;
}

/**
 * Posting on this replica (every replica claims due ledger rows), and the background loops under one leader per
 * deployment: PostgreSQL's advisory lock, or this one process on SQLite. News and alerts add their loops to the
 * same leadership (startNews, startAlerts). On SIGTERM the lead is given up first, then posts in flight finish.
 */
export async function startDigests(host: DigestHost, outbounds: readonly OutboundChannel[]): Promise<DigestService> {
  const service = host.services.digest as DigestService;
  await service.start(outbounds, { lead: false });
  const database = (service.store as { database?: Database }).database;
  const leadership = new Leadership((database && leaderLockFor(database)) ?? soloLock, { logger: host.logger });
  host.services.leadership = leadership;
  await leadership.add({ name: 'digest tick', start: () => service.lead(true), stop: () => service.lead(false) });
  await leadership.start();
  host.onClose(async () => {
    await leadership.stop();
    await service.engine.stop(SHUTDOWN_GRACE_MS);
  });
  host.logger.info({ platforms: outbounds.map((o) => o.platform), leader: leadership.leading, lock: leadership.lock.kind }, 'digest delivery started');
  return service;
}

/** For /healthz: whether this replica leads the background loops, and how late the oldest due delivery is. */
export function deliveryStatus(services: Services): Record<string, unknown> {
  const leadership = leadershipOf(services);
  const digest = services.digest;
  if (!leadership || !digest) return {};
  const engine = digest.engine.health();
  return { ...leadership.status(), oldestDueLagMs: engine.oldestDueLagMs, deliveriesHeld: engine.held, ...(engine.revoked.length ? { tokenRefused: engine.revoked } : {}) };
}
