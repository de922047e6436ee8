/**
 * How start-up installs news, mirroring src/schedule/wire.ts:
 * - `installNewsService(host)` when the runtime is built: `services.news` appears and opens on first use,
 *   over the digest store's database (SQLite or PostgreSQL: one database, one set of migrations). Installed after the
 *   digest service, so on shutdown it stops before the database closes.
 * - `newsHeadlines(services)`: the digest's HeadlineSource, looked up at call time, so the digest service
 *   and the news service can each be created lazily in any order.
 * - `startNews(host, outbounds)` after the adapters are up: the fetch loop, stopped first on SIGTERM.
 */
import type { Config } from '../config.js';
import { installLazyService, type Services } from '../core/command.js';
import type { Logger } from '../core/log.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { DataSet } from '../data/dataset.js';
import type { HeadlineSource } from '../schedule/digest.js';
import { leadershipOf } from '../schedule/wire.js';
import { NewsService } from './service.js';

export interface NewsHost {
  config: Pick<Config, 'FEED_REFRESH_MINUTES' | 'ALLOW_PRIVATE_FEEDS'>;
  data: () => DataSet;
  logger: Logger;
  services: Services;
  onClose(fn: () => void | Promise<void>): void;
}

export function installNewsService(host: NewsHost): void {
  const built = installLazyService(host.services, 'news', () => {
    const digest = host.services.digest;
    const store = digest?.store;
    // News lives in the same database as the schedules: no database opened, no news.
    if (!store) return undefined;
    return new NewsService({ store: store.news, data: host.data, config: host.config, logger: host.logger, notifyAdmin: digest.notices.notifyAdmin });
  });
  host.onClose(async () => {
    await built()?.stop();
  });
}

/** The digest's view of news: empty when news is not installed. */
export function newsHeadlines(services: Services): HeadlineSource {
  const news = () => services.news;
  return {
    forDigest: async (channelId, window) => (await news()?.forDigest(channelId, window)) ?? [],
    recordShown: async (channelId, ids, deliveryId, at) => {
      await news()?.recordShown(channelId, ids, deliveryId, at);
    },
  };
}

export function startNews(host: NewsHost, outbounds: readonly OutboundChannel[]): NewsService | undefined {
  const service = host.services.news;
  if (!service) {
    host.logger.warn('news feeds are off: they need the database (DATABASE_URL)');
    return undefined;
  }
  for (const outbound of outbounds) service.connect(outbound);
  // Feeds are polled by the replica that leads the background loops (src/delivery/leader.ts).
  void leadershipOf(host.services)?.add({ name: 'news feeds', start: () => service.start(outbounds), stop: () => service.pause() });
  if (!leadershipOf(host.services)) service.start(outbounds);
  host.onClose(() => service.stop());
  host.logger.info({ refreshMinutes: host.config.FEED_REFRESH_MINUTES }, 'news feed reader started');
  return service;
}
