/** Live data: a changed file or URL is picked up without a restart; a bad version never replaces a good one. */
import { createServer, type Server } from 'node:http';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../../src/app.js';
import { DataFileError, parseDataText } from '../../src/data/loader.js';
import { LiveData, type DataRefusal } from '../../src/data/live.js';
import { diffDataSets } from '../../src/data/diff.js';
import { silentLogger } from '../../src/core/log.js';
import { testCaller, TODAY } from '../helpers/core.js';
import { broken, GOOD, META_REVISION, withRows } from '../helpers/data-edits.js';
import { validFirstPart } from '../http/data-versions.js';

const BROKEN = broken();

function tmpFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'capex-live-')), 'data.yaml');
  writeFileSync(file, text);
  return file;
}

let live: LiveData | undefined;
let server: Server | undefined;
afterEach(async () => {
  live?.stop();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('live data from a file', () => {
  it('GIVEN a valid new version THEN answers change without a restart, and the revision is detected', async () => {
    const file = tmpFile(GOOD);
    const initial = parseDataText(GOOD, file);
    const changes: string[] = [];
    live = new LiveData({ source: { file }, initial, refreshMinutes: 0, logger: silentLogger, settleMs: 50 });
    live.subscribe({ onChange: (prev, next) => void changes.push(...diffDataSets(prev, next).map((c) => `${c.kind} ${c.figure.id} ${c.changePct?.toFixed(1)}`)) });
    const core = createCore({ data: () => live!.current(), now: () => TODAY });

    expect((await core.handleText('/capex meta', testCaller())).lines[0]).toContain('US$125–145B');
    writeFileSync(file, withRows(GOOD, '2026-11-25.2', META_REVISION));
    await live.check();
    expect((await core.handleText('/capex meta', testCaller())).lines[0]).toContain('US$135–150B');
    expect(live.status().dataVersion).toBe('2026-11-25.2');
    expect(changes).toEqual(['revised meta-cy2026-guidance-2026-07-29 5.6']);
  });

  it('GIVEN an invalid version THEN the bot keeps the good one, names row and field, and tells admins once', async () => {
    const file = tmpFile(GOOD);
    const refusals: DataRefusal[] = [];
    live = new LiveData({ source: { file }, initial: parseDataText(GOOD, file), refreshMinutes: 0, logger: silentLogger, settleMs: 50 });
    live.subscribe({ onRefused: (r) => void refusals.push(r) });
    const core = createCore({ data: () => live!.current(), now: () => TODAY });

    writeFileSync(file, BROKEN);
    await live.check();
    await live.check(); // the next poll sees the same bad file: no second notice
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.message).toMatch(/data\.yaml, row figures\[\d+\] \(id [a-z0-9-]+\), field announced, line \d+/);
    expect(live.status().dataVersion).toBe('2026-11-25.1');
    expect(live.status().lastRefusal?.message).toContain('field announced');
    expect((await core.handleText('/capex meta', testCaller())).lines[0]).toContain('US$125–145B');

    writeFileSync(file, withRows(GOOD, '2026-11-25.2', META_REVISION));
    await live.check();
    expect(live.status().lastRefusal).toBeUndefined();
    expect(live.status().dataVersion).toBe('2026-11-25.2');
  });

  it('GIVEN the watcher is running THEN an edit is picked up on its own', { timeout: 20_000 }, async () => {
    const file = tmpFile(GOOD);
    live = new LiveData({ source: { file }, initial: parseDataText(GOOD, file), refreshMinutes: 0, logger: silentLogger, settleMs: 50 });
    live.start();
    // Let the watcher take its first look (it polls every second), then edit as a person would.
    await new Promise((r) => setTimeout(r, 1500));
    writeFileSync(file, withRows(GOOD, '2026-11-25.7', META_REVISION));
    await expect.poll(() => live!.current().version, { timeout: 10_000, interval: 100 }).toBe('2026-11-25.7');
  });
});

describe('live data from a URL', () => {
  it('GIVEN ETag and Last-Modified THEN later polls are conditional and a 304 changes nothing', async () => {
    let body = withRows(GOOD, '2026-11-25.3', META_REVISION);
    let etag = '"v3"';
    const seen: { inm?: string; ims?: string; status: number }[] = [];
    server = createServer((req, res) => {
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      const status = inm === etag ? 304 : 200;
      seen.push({ inm, ims, status });
      res.writeHead(status, { etag, 'last-modified': 'Wed, 25 Nov 2026 08:00:00 GMT' });
      res.end(status === 200 ? body : undefined);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/capex-data.yaml`;
    const initial = parseDataText(GOOD, 'bundled');
    let changes = 0;
    live = new LiveData({ source: { url }, initial, refreshMinutes: 0, logger: silentLogger });
    live.subscribe({ onChange: () => void changes++ });

    await live.check();
    expect(live.current().version).toBe('2026-11-25.3');
    await live.check();
    expect(seen[1]).toEqual({ inm: '"v3"', ims: 'Wed, 25 Nov 2026 08:00:00 GMT', status: 304 });
    expect(changes).toBe(1);
    expect(live.current().version).toBe('2026-11-25.3');

    body = BROKEN;
    etag = '"broken"';
    await live.check();
    expect(live.current().version).toBe('2026-11-25.3');
    expect(live.status().lastRefusal?.message).toContain('field announced');
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hostile and broken versions', () => {
  it('GIVEN a slow writer THEN its valid first half is never served: the file is read once it has settled', async () => {
    const file = tmpFile(GOOD);
    const full = withRows(GOOD, '2026-11-25.8', META_REVISION);
    const { first, rest, firstFigures } = validFirstPart(full);
    const fullFigures = parseDataText(full, 'full').figures.length;
    expect(firstFigures).toBeLessThan(fullFigures);
    const served: number[] = [];
    live = new LiveData({ source: { file }, initial: parseDataText(GOOD, file), refreshMinutes: 0, logger: silentLogger, settleMs: 400 });
    live.subscribe({ onChange: (_prev, next) => void served.push(next.figures.length) });

    writeFileSync(file, first);
    const checking = live.check(); // what the watcher does when it sees the first write
    await sleep(150);
    appendFileSync(file, rest);
    await checking;
    expect(served).toEqual([fullFigures]);
    expect(live.current().version).toBe('2026-11-25.8');
    expect(live.status().lastRefusal).toBeUndefined();
  });

  it('GIVEN a file over DATA_MAX_BYTES THEN it is refused like any invalid version and the last good data keeps answering', async () => {
    const file = tmpFile(GOOD);
    const refusals: DataRefusal[] = [];
    live = new LiveData({ source: { file }, initial: parseDataText(GOOD, file), refreshMinutes: 0, logger: silentLogger, settleMs: 20, maxBytes: 1024 * 1024 });
    live.subscribe({ onRefused: (r) => void refusals.push(r) });
    writeFileSync(file, withRows(GOOD, '2026-11-25.9', META_REVISION) + `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    await live.check();
    expect(refusals.map((r) => r.message)).toEqual([expect.stringMatching(/data\.yaml: is 2\.\d MB, over the 1\.0 MB limit \(DATA_MAX_BYTES\)/)]);
    expect(live.current().version).toBe('2026-11-25.1');
  });

  it('GIVEN a large valid version THEN it is validated off the event loop: timers keep firing while it loads', async () => {
    const file = tmpFile(GOOD);
    live = new LiveData({ source: { file }, initial: parseDataText(GOOD, file), refreshMinutes: 0, logger: silentLogger, settleMs: 20 });
    // Over 1 MB of valid figures (the figures repeated under new ids), which takes the YAML library seconds on a busy machine.
    const text = withRows(GOOD, '2026-11-25.10', META_REVISION);
    const figuresAt = text.indexOf('\nfigures:\n') + '\nfigures:\n'.length;
    let big = text;
    for (let n = 0; big.length < 1_100_000; n++) big += text.slice(figuresAt).replace(/^( {2}- id: .*)$/gm, `$1-copy${n}`).replace(/supersededBy: .*/g, '');
    expect(big.length).toBeGreaterThan(1_000_000);
    writeFileSync(file, big);
    let worst = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    await live.check();
    clearInterval(probe);
    expect(live.current().version).toBe('2026-11-25.10');
    // The load took a while, but no single turn of the event loop did (indexing the result is the main-thread part).
    expect(performance.now() - started).toBeGreaterThan(worst * 3);
    expect(worst).toBeLessThan(400);
  });

  it('GIVEN a DATA_URL body shorter than its Content-Length THEN it is not taken (and not refused): the next poll gets it', async () => {
    const full = withRows(GOOD, '2026-11-25.11', META_REVISION);
    let cut = true;
    server = createServer((req, res) => {
      const bytes = Buffer.from(full);
      res.writeHead(200, { 'content-length': bytes.length, etag: '"v11"' });
      if (cut) {
        const { first } = validFirstPart(full);
        res.write(first);
        setTimeout(() => res.socket?.destroy(), 50);
      } else res.end(bytes);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/capex-data.yaml`;
    live = new LiveData({ source: { url }, initial: parseDataText(GOOD, 'bundled'), refreshMinutes: 0, logger: silentLogger });
    await live.check();
    expect(live.current().version).toBe('2026-11-25.1');
    expect(live.status().lastRefusal).toBeUndefined();
    cut = false;
    await live.check();
    expect(live.current().version).toBe('2026-11-25.11');
  });

  it('GIVEN a DATA_URL body over DATA_MAX_BYTES THEN it is refused, with or without Content-Length', async () => {
    let chunked = false;
    server = createServer((_req, res) => {
      const body = GOOD + `# ${'x'.repeat(300_000)}\n`;
      if (chunked) res.writeHead(200, { 'transfer-encoding': 'chunked' });
      else res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/capex-data.yaml`;
    live = new LiveData({ source: { url }, initial: parseDataText(GOOD, 'bundled'), refreshMinutes: 0, logger: silentLogger, maxBytes: 200_000 });
    await live.check();
    expect(live.status().lastRefusal?.message).toMatch(/over the 0\.2 MB limit/);
    chunked = true;
    await live.check();
    expect(live.status().lastRefusal?.message).toMatch(/over the 0\.2 MB limit/);
    expect(live.current().version).toBe('2026-11-25.1');
    expect(DataFileError).toBeDefined();
  });
});

