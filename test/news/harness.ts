/**
 * A news service on a real SQLite file (the digest store's database, as in production), a fake clock and a
 * recording outbound for admin DMs, reading feeds from a local FeedServer. `restart()` closes the database
 * and opens a new service on the same file, like a process restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller } from '../../src/core/command.js';
import type { OutboundChannel } from '../../src/core/outbound.js';
import { addressPolicy } from '../../src/news/address-policy.js';
import { NewsService, type NewsServiceOptions } from '../../src/news/service.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { bundledData } from '../helpers/core.js';
import { FakeClock } from '../helpers/fake-clock.js';

export const MINUTE = 60_000;

export const newsAdmin = (platform: Caller['platform'] = 'console'): Caller => ({
  platform,
  userId: `${platform}:UADMIN`,
  userName: 'alice',
  isAdmin: true,
  channelId: `${platform}:ops`,
});

export class NewsHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'capex-news-'));
  readonly file = join(this.dir, 'capex-bot.sqlite');
  readonly clock: FakeClock;
  store: SqliteStore;
  news: NewsService;
  private readonly closed: SqliteStore[] = [];

  constructor(
    private readonly options: { start: string; outbounds?: OutboundChannel[]; service?: Partial<NewsServiceOptions> } = { start: '2026-05-15T08:00:00Z' },
  ) {
    this.clock = new FakeClock(Date.parse(options.start));
    this.store = new SqliteStore(this.file);
    this.news = this.build();
  }

  private build(): NewsService {
    return new NewsService({
      store: this.store.news,
      data: () => bundledData,
      outbounds: this.options.outbounds ?? [],
      clock: this.clock,
      heartbeat: false,
      config: { FEED_REFRESH_MINUTES: 30 },
      policy: addressPolicy({ allowPrivate: true }),
      ...this.options.service,
    });
  }

  /** The feed's stored record. */
  async feed(id: number) {
    const feed = await this.news.store.getFeed(id);
    if (!feed) throw new Error(`no feed ${id}`);
    return feed;
  }

  async add(url: string, caller: Caller = newsAdmin()) {
    const result = await this.news.addFeed(url, caller);
    if (result.status !== 'added') throw new Error(`feed not added: ${JSON.stringify(result)}`);
    return result;
  }

  /** Moves the clock and runs one pass of the fetch loop. */
  async tickAfter(ms: number) {
    this.clock.advance(ms);
    return this.news.tick();
  }

  async restart(): Promise<void> {
    await this.news.stop();
    await this.store.close();
    this.closed.push(this.store);
    this.store = new SqliteStore(this.file);
    this.news = this.build();
  }

  async cleanup(): Promise<void> {
    await this.news.stop();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
