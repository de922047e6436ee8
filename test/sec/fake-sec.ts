/**
 * A stand-in for data.sec.gov on 127.0.0.1: serves companyfacts fixtures at the SEC's URL path, refuses
 * requests without a User-Agent (as the SEC does, 403), and can answer 429 or 5xx a set number of times
 * first. It records each request so tests can check headers and spacing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureText } from './helpers.js';

export interface SeenRequest {
  path: string;
  userAgent: string | undefined;
  at: number;
}

export interface FakeSec {
  url: string;
  requests: SeenRequest[];
  /** Status codes to answer for a CIK before serving it, consumed in order. */
  failFirst: (cik: string, statuses: number[], headers?: Record<string, string>) => void;
  close: () => Promise<void>;
}

const BY_CIK: Record<string, string> = {
  '0001326801': 'meta',
  '0000789019': 'microsoft',
  '0001018724': 'amazon',
};

export async function startFakeSec(): Promise<FakeSec> {
  const requests: SeenRequest[] = [];
  const failures = new Map<string, { statuses: number[]; headers: Record<string, string> }>();
  const server: Server = createServer((req, res) => {
    const userAgent = req.headers['user-agent'];
    requests.push({ path: req.url ?? '', userAgent, at: performance.now() });
    const match = /^\/api\/xbrl\/companyfacts\/CIK(\d{10})\.json$/.exec(req.url ?? '');
    if (!userAgent || !/@/.test(userAgent)) {
      res.writeHead(403, { 'content-type': 'text/html' }).end('<h1>Your Request Originates from an Undeclared Automated Tool</h1>');
      return;
    }
    if (!match || !BY_CIK[match[1]!]) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('Not Found');
      return;
    }
    const failure = failures.get(match[1]!);
    const status = failure?.statuses.shift();
    if (status !== undefined) {
      res.writeHead(status, { 'content-type': 'text/plain', ...failure!.headers }).end(`status ${status}`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(fixtureText(BY_CIK[match[1]!]!));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failFirst: (cik, statuses, headers = {}) => failures.set(cik, { statuses: [...statuses], headers }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
