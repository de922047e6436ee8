/**
 * The web pages, mounted on the bot's one HTTP server beside Slack's, Discord's and /healthz's routes:
 * every request none of those routes takes goes to the site (src/web/app.ts). On by default; WEB=off
 * leaves the server as it was.
 *
 * @hono/node-server turns node's request into a fetch Request for Hono and writes the Response back; it is
 * told not to replace the process's global Request/Response (the Slack and Discord clients use them).
 */
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import type { Config } from '../config.js';
import type { Services } from '../core/command.js';
import type { Logger } from '../core/log.js';
import type { DataSet } from '../data/dataset.js';
import type { LiveData } from '../data/live.js';
import { HttpServer } from '../http/server.js';
import { createWebApp } from './app.js';
import { companyPath } from './site.js';
import type {} from '../commands/services.js';

export interface WebHost {
  config: Pick<Config, 'PUBLIC_URL' | 'ADMIN_TOKEN'>;
  logger: Logger;
  data: () => DataSet;
  live: Pick<LiveData, 'status'>;
  services: Services;
}

/** Mounts the site on `http` (call before it listens); with PUBLIC_URL, chat answers link to its pages. */
export function mountWeb(http: HttpServer, host: WebHost, now?: () => Date): void {
  const publicUrl = host.config.PUBLIC_URL?.replace(/\/+$/, '');
  if (publicUrl) host.services.pages = { company: (id) => `${publicUrl}${companyPath(id)}` };
  const app = createWebApp({
    data: host.data,
    status: () => host.live.status(),
    services: host.services,
    logger: host.logger,
    publicUrl: host.config.PUBLIC_URL,
    adminToken: host.config.ADMIN_TOKEN,
    now,
    clientAddress: (c) => (c.env as HttpBindings | undefined)?.incoming?.socket?.remoteAddress ?? 'unknown',
  });
  const listener = getRequestListener(app.fetch, {
    overrideGlobalObjects: false,
    errorHandler: (err) => {
      host.logger.error({ err }, 'web request failed');
      return new Response('Something went wrong.', { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    },
  });
  http.fallback((req, res) => listener(req, res));
}

/**
 * The console run (no chat platform configured): the pages on their own HTTP server on PORT, beside the
 * console. Answers the address to print, or undefined when the port is taken (logged; the console still runs).
 */
export async function startWebBesideConsole(host: WebHost & { config: Pick<Config, 'PORT' | 'HOST'>; onClose(fn: () => Promise<void>): void }): Promise<string | undefined> {
  const http = new HttpServer(() => ({ adapters: ['console'], ...host.live.status() }));
  mountWeb(http, host);
  try {
    const address = await http.listen(host.config.PORT, host.config.HOST);
    host.onClose(() => http.close());
    const shown = host.config.HOST === '0.0.0.0' || host.config.HOST === '::' ? 'localhost' : address.address;
    return `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}/`;
  } catch (error) {
    host.logger.warn({ err: error, port: host.config.PORT }, 'web pages not started: the port could not be opened (set PORT, or WEB=off)');
    return undefined;
  }
}
