/**
 * How start-up installs revision alerts, mirroring src/news/wire.ts:
 * - `installAlertService(host)` when the runtime is built: `services.alerts` appears and opens on first use,
 *   over the digest store's database (SQLite or PostgreSQL: one database, one set of migrations). Installed after the
 *   digest service, so on shutdown it stops before the database closes.
 * - `figureArrivals(services)`: the digest's view of which figures entered the data since its previous
 *   post, looked up at call time so the services can be created lazily in any order.
 * - `startAlerts(host, outbounds)` after the adapters are up: recovery, the changes made while the bot was
 *   down, then following the live data; stopped first on SIGTERM.
 */
import type { Config } from '../config.js';
import { installLazyService, type Services } from '../core/command.js';
import type { Logger } from '../core/log.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { DataSet } from '../data/dataset.js';
import type { FigureArrivals } from '../schedule/digest.js';
import type { DigestService } from '../schedule/service.js';
import { leadershipOf } from '../schedule/wire.js';
import { AlertService, type LiveSource } from './service.js';

export interface AlertHost {
  config?: Partial<Config>;
  data: () => DataSet;
  logger: Logger;
  services: Services;
  onClose(fn: () => void | Promise<void>): void;
}

/** The running service, or undefined when no database is open. */
export function alertsOf(services: Services): AlertService | undefined {
  return services.alerts as AlertService | undefined;
}

export function installAlertService(host: AlertHost): void {
  const built = installLazyService(host.services, 'alerts', () => {
    const digest = host.services.digest as DigestService | undefined;
    // Alerts live in the same database as the schedules: no database opened, no alerts.
    if (!digest) return undefined;
    return new AlertService({
      store: digest.store.alerts,
      data: host.data,
      // Every post goes through the one delivery engine (its ledger is in the same database).
      engine: digest.engine,
      notifyAdmin: digest.notices.notifyAdmin,
      logger: host.logger,
      scheduleCreators: async () => [...new Set((await digest.store.listSchedules()).map((s) => s.createdBy))],
    });
  });
  host.onClose(async () => {
    await built()?.stop();
  });
}

/** The digest's view of alerts: no arrivals when alerts are not installed. */
export function figureArrivals(services: Services): FigureArrivals {
  return { since: async (ms) => (await alertsOf(services)?.arrivedSince(ms)) ?? [] };
}

export async function startAlerts(host: AlertHost & { live: LiveSource }, outbounds: readonly OutboundChannel[]): Promise<AlertService | undefined> {
  const service = alertsOf(host.services);
  if (!service) {
    host.logger.warn('revision alerts are off: they need the database (DATABASE_URL)');
    return undefined;
  }
  // Every replica posts alert rows; the leader of the background loops diffs data versions.
  const leadership = leadershipOf(host.services);
  await service.start(outbounds, host.live, { lead: !leadership });
  await leadership?.add({ name: 'revision alerts', start: () => service.lead(true), stop: () => service.lead(false) });
  host.onClose(() => service.stop());
  host.logger.info({ platforms: outbounds.map((o) => o.platform) }, 'revision alerts started');
  return service;
}
