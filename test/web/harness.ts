/**
 * The web pages on a real HTTP server on 127.0.0.1 (the bot's own HttpServer with the site mounted, as
 * main.ts does), over a real data file that tests can edit while it runs (LiveData reloads it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Services } from '../../src/core/command.js';
import { LiveData } from '../../src/data/live.js';
import { loadDataFile } from '../../src/data/loader.js';
import { HttpServer } from '../../src/http/server.js';
import { mountWeb } from '../../src/web/index.js';
import { GOOD } from '../helpers/data-edits.js';

export const TODAY = new Date('2026-11-25T12:00:00Z');
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface WebSite {
  url: string;
  live: LiveData;
  /** Replaces the data file and waits until the site answers from it. */
  writeData(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface SiteOptions {
  data?: string;
  services?: Services;
  publicUrl?: string;
  adminToken?: string | null;
  now?: () => Date;
}

export async function startSite(options: SiteOptions = {}): Promise<WebSite> {
  const dir = mkdtempSync(join(tmpdir(), 'capex-web-'));
  const file = join(dir, 'capex-data.yaml');
  writeFileSync(file, options.data ?? GOOD);
  const logger = pino({ level: 'silent' });
  const live = new LiveData({ source: { file }, initial: loadDataFile(file), refreshMinutes: 0, logger });
  const services: Services = { ...(options.services ?? {}), live };
  const http = new HttpServer(() => ({ adapters: [], ...live.status() }));
  mountWeb(
    http,
    {
      config: { PUBLIC_URL: options.publicUrl, ADMIN_TOKEN: options.adminToken === null ? undefined : (options.adminToken ?? ADMIN_TOKEN) },
      logger,
      data: () => live.current(),
      live,
      services,
    },
    options.now ?? (() => TODAY),
  );
  const address = await http.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    live,
    async writeData(text) {
      writeFileSync(file, text);
      await live.check();
    },
    async close() {
      await http.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
