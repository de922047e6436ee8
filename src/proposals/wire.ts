/**
 * How start-up installs proposals, mirroring src/news/wire.ts and src/alerts/wire.ts:
 * - `installProposalService(host)` when the runtime is built: `services.proposals` appears and opens on first
 *   use, over the digest store's database (one database, one migration registry). Filings are read when
 *   SEC_USER_AGENT is set (the tracked US filers' 8-K feeds, on by default then); headlines come from the news
 *   service when it runs. Approvals write DATA_FILE, or with DATA_URL answer with the row to add there
 *   (writer.ts says why).
 * - `startProposals(host, outbounds)` after the adapters are up: the polling loop and the posts, stopped first
 *   on SIGTERM.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { installLazyService, type Services } from '../core/command.js';
import type { Logger } from '../core/log.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { DataSet } from '../data/dataset.js';
import { BUNDLED_DATA_FILE } from '../data/loader.js';
import { addressPolicy } from '../news/address-policy.js';
import { SecDocuments } from '../sec/filings.js';
import type { Database } from '../store/database.js';
import { ProposalDbStore } from '../store/proposals.js';
import { ProposalService } from './service.js';
import { DataFileWriter, DataUrlWriter } from './writer.js';

export interface ProposalHost {
  config: Pick<Config, 'SEC_USER_AGENT' | 'SEC_BASE_URL' | 'ALLOW_PRIVATE_FEEDS' | 'FEED_REFRESH_MINUTES' | 'DATA_URL' | 'DATA_FILE'>;
  data: () => DataSet;
  logger: Logger;
  services: Services;
  onClose(fn: () => void | Promise<void>): void;
}

export function proposalsOf(services: Services): ProposalService | undefined {
  return services.proposals;
}

/** The database under the digest store (SqliteStore today; any store exposing its Database tomorrow). */
function databaseOf(services: Services): Database | undefined {
  const store = (services.digest as { store?: { database?: Database } } | undefined)?.store;
  return store?.database?.kysely ? store.database : undefined;
}

export function installProposalService(host: ProposalHost): void {
  const built = installLazyService(host.services, 'proposals', () => {
    const database = databaseOf(host.services);
    if (!database) return undefined;
    const { config } = host;
    const live = host.services.live;
    const dataFile = config.DATA_FILE ?? BUNDLED_DATA_FILE;
    const writer = config.DATA_URL
      ? new DataUrlWriter(config.DATA_URL, () => readFileSync(dataFile, 'utf8'))
      : new DataFileWriter(dataFile, () => void live?.check());
    const filings = config.SEC_USER_AGENT
      ? new SecDocuments({ userAgent: config.SEC_USER_AGENT, baseUrl: config.SEC_BASE_URL, policy: addressPolicy({ allowPrivate: config.ALLOW_PRIVATE_FEEDS }) })
      : undefined;
    const news = () => host.services.news;
    return new ProposalService({
      store: new ProposalDbStore(database),
      data: host.data,
      writer,
      filings,
      headlines: async (limit) => (await news()?.latest({ limit })) ?? [],
      refreshMs: config.FEED_REFRESH_MINUTES * 60_000,
      logger: host.logger,
    });
  });
  host.onClose(async () => {
    await built()?.stop();
  });
}

export function startProposals(host: ProposalHost, outbounds: readonly OutboundChannel[]): ProposalService | undefined {
  const service = proposalsOf(host.services);
  if (!service) {
    host.logger.warn('proposed figures are off: they need the database (DATABASE_URL)');
    return undefined;
  }
  service.start(outbounds);
  host.onClose(() => service.stop());
  host.logger.info({ filings: service.readsFilings, writer: service.writerKind }, 'proposed figures started');
  return service;
}
