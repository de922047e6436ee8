/**
 * The proposal service against a fake EDGAR on 127.0.0.1, a real SQLite file and a copy of the data file:
 * EDGAR's feed and index shapes are read; feeds and filings that are huge, slow, malformed or that link
 * elsewhere are refused as news feeds are (the failure stored on that feed, retried with backoff); a figure
 * the data already has is not proposed; an undecided proposal expires after 30 days and can no longer be
 * approved; approval writes a valid data file with the new figure.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/core/command.js';
import { BUNDLED_DATA_FILE, loadDataFile } from '../../src/data/loader.js';
import { addressPolicy } from '../../src/news/address-policy.js';
import { ProposalService } from '../../src/proposals/service.js';
import { DataFileWriter, DataUrlWriter } from '../../src/proposals/writer.js';
import { exhibitText, exhibitUrlFromIndex, parseEightKFeed, SEC_MIN_INTERVAL_MS, SecDocuments } from '../../src/sec/filings.js';
import { openDatabase, type Database } from '../../src/store/index.js';
import { ProposalDbStore } from '../../src/store/proposals.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { atomFeed, FakeEdgar, indexHtml, indexPath, pressRelease, type FixtureFiling } from './edgar-server.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const META = '0001326801';
const FILED = '2026-10-29';
/** The fake EDGAR answers at once: the SEC's 125 ms spacing is asserted once below, not waited for in every tick. */
const TEST_INTERVAL_MS = 1;
const admin: Caller = { platform: 'slack', userId: 'slack:UADMIN', userName: 'alice', isAdmin: true, channelId: 'slack:C0OPS' };

const release = (paragraph: string): FixtureFiling => ({
  cik: META,
  accession: '0001326801-26-000090',
  filed: FILED,
  items: ['2.02', '9.01'],
  exhibitHtml: pressRelease('Meta', [paragraph]),
});
const RAISE = release('We anticipate our full-year 2026 capital expenditures, including principal payments on finance leases, to be in the range of $142-158 billion.');

let edgar: FakeEdgar;
let dir: string;
let database: Database;
let clock: FakeClock;
let service: ProposalService;

beforeAll(async () => {
  edgar = await FakeEdgar.start();
});
afterAll(() => edgar.close());

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capex-proposals-service-'));
  copyFileSync(BUNDLED_DATA_FILE, join(dir, 'capex-data.yaml'));
  database = await openDatabase(join(dir, 'db.sqlite'));
  clock = new FakeClock(Date.parse(`${FILED}T22:00:00Z`));
  const dataFile = join(dir, 'capex-data.yaml');
  let data = loadDataFile(dataFile);
  service = new ProposalService({
    store: new ProposalDbStore(database),
    data: () => data,
    writer: new DataFileWriter(dataFile, () => void (data = loadDataFile(dataFile))),
    filings: new SecDocuments({ userAgent: 'capex-bot-tests/0.1 tests@example.com', baseUrl: edgar.base, policy: addressPolicy({ allowPrivate: true }), timeoutMs: 400, minIntervalMs: TEST_INTERVAL_MS }),
    clock,
    refreshMs: 30 * MIN,
    heartbeat: false,
  });
});
afterEach(async () => {
  await service.stop();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

const feedState = () => service.store.feedState(`sec:${META}`);

describe('EDGAR documents', () => {
  it('GIVEN the 8-K Atom feed and a filing index THEN filings, items and the exhibit 99.1 link are read', () => {
    const feed = atomFeed('https://www.sec.gov', 'Meta Platforms, Inc.', META, [RAISE, { cik: META, accession: '0001326801-26-000088', filed: '2026-10-01', items: ['5.02'] }]);
    expect(parseEightKFeed(feed, 'https://www.sec.gov/cgi-bin/browse-edgar')).toEqual([
      { accession: '0001326801-26-000090', filed: FILED, items: ['2.02', '9.01'], indexUrl: `https://www.sec.gov${indexPath(RAISE)}`, title: '8-K - Current report' },
      { accession: '0001326801-26-000088', filed: '2026-10-01', items: ['5.02'], indexUrl: 'https://www.sec.gov/Archives/edgar/data/1326801/000132680126000088/0001326801-26-000088-index.htm', title: '8-K - Current report' },
    ]);
    expect(exhibitUrlFromIndex(indexHtml(RAISE), `https://www.sec.gov${indexPath(RAISE)}`)).toBe('https://www.sec.gov/Archives/edgar/data/1326801/000132680126000090/ex99-1.htm');
    expect(exhibitUrlFromIndex(indexHtml({ ...RAISE, exhibitHtml: undefined }), 'https://www.sec.gov/x')).toBeUndefined();
    // Script text is not release text: its "$999 billion" must never be read.
    expect(exhibitText(RAISE.exhibitHtml!)).not.toContain('999');
  });

  it('GIVEN the default spacing THEN requests to the SEC arrive at least 125 ms apart (its limit is 10 per second)', async () => {
    const arrivals: number[] = [];
    const server = createServer((_req, res) => {
      arrivals.push(performance.now());
      res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(atomFeed('https://www.sec.gov', 'Meta Platforms, Inc.', META, []));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const docs = new SecDocuments({ userAgent: 'capex-bot-tests/0.1 tests@example.com', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, policy: addressPolicy({ allowPrivate: true }) });
      for (const cik of [META, '0001018724', '0000789019']) expect((await docs.feed(cik, {})).status).toBe('ok');
      expect(arrivals).toHaveLength(3);
      // Each wait starts when the previous answer is in, after it arrived here: the gaps are at least the spacing.
      for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(SEC_MIN_INTERVAL_MS - 2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

// Each tick polls every tracked filer (TEST_INTERVAL_MS apart here; 125 ms in the bot).
describe('ProposalService over a fake EDGAR', { timeout: 30_000 }, () => {
  it('GIVEN a guidance raise THEN one proposal; GIVEN a figure the data already has THEN none', async () => {
    edgar.setFilings(META, 'Meta Platforms, Inc.', [RAISE]);
    await service.tick();
    const [p, ...rest] = await service.pending();
    expect(rest).toEqual([]);
    expect(p!.figure).toMatchObject({ company: 'meta', low: 142, high: 158, basis: 'incl. principal payments on finance leases' });

    // Approve: the data file gets the row, valid, with the filing as its source.
    const decision = await service.approve(p!.id, admin);
    expect(decision.status).toBe('approved');
    const data = loadDataFile(join(dir, 'capex-data.yaml'));
    const written = data.figures.find((f) => f.id === `meta-cy2026-guidance-${FILED}-p${p!.id}`)!;
    expect(written).toMatchObject({
      company: 'meta',
      metric: 'guidance',
      definition: 'capex-incl-finance-leases',
      basis: 'guidance',
      definitionNote: 'incl. principal payments on finance leases',
      low: 142,
      high: 158,
      announced: FILED,
      source: { kind: 'filing', url: `${edgar.base}/Archives/edgar/data/1326801/000132680126000090/ex99-1.htm` },
    });
    expect(written.note).toContain('Approved by alice');

    // The same figure in a later filing: the data has it now, so it is not proposed again.
    edgar.setFilings(META, 'Meta Platforms, Inc.', [{ ...RAISE, accession: '0001326801-26-000091' }]);
    clock.advance(31 * MIN);
    await service.tick();
    expect(await service.pending()).toEqual([]);
  });

  it('GIVEN a proposal nobody decides for 30 days THEN it expires, cannot be approved, and the data file is unchanged', async () => {
    edgar.setFilings(META, 'Meta Platforms, Inc.', [RAISE]);
    await service.tick();
    const [p] = await service.pending();
    const before = readFileSync(join(dir, 'capex-data.yaml'), 'utf8');
    clock.advance(29 * DAY);
    expect(await service.pending()).toHaveLength(1);
    clock.advance(1 * DAY + 1);
    expect(await service.pending()).toEqual([]);
    const decision = await service.approve(p!.id, admin);
    expect(decision).toMatchObject({ status: 'already', proposal: { status: 'expired' } });
    expect(readFileSync(join(dir, 'capex-data.yaml'), 'utf8')).toBe(before);
    expect((await service.store.auditOf(p!.id)).map((a) => a.action)).toEqual(['propose', 'expire']);
  });

  it('GIVEN an admin edits a pending proposal THEN the approval writes the corrected figure and the audit keeps both', async () => {
    edgar.setFilings(META, 'Meta Platforms, Inc.', [RAISE]);
    await service.tick();
    const [p] = await service.pending();
    expect(await service.edit(p!.id, { low: 160, high: 150 }, admin)).toEqual({ ok: false, reason: 'The low end of a range must not be above the high end.' });
    const edited = await service.edit(p!.id, { amount: 150, qualifier: 'about' }, admin);
    expect(edited).toMatchObject({ ok: true, proposal: { figure: { amount: 150, qualifier: 'about' } } });
    expect((edited as { proposal: { figure: object } }).proposal.figure).not.toHaveProperty('low');
    expect((await service.approve(p!.id, admin)).status).toBe('approved');
    const written = loadDataFile(join(dir, 'capex-data.yaml')).figures.find((f) => f.id.endsWith(`-p${p!.id}`));
    expect(written).toMatchObject({ amount: 150, qualifier: 'about' });
    const audit = await service.store.auditOf(p!.id);
    expect(audit.map((a) => a.action)).toEqual(['propose', 'edit', 'approve']);
    expect(audit[1]!.details).toMatchObject({ before: { low: 142, high: 158 }, after: { amount: 150, qualifier: 'about' } });
    expect(await service.edit(p!.id, { amount: 1 }, admin)).toEqual({ ok: false, reason: `Proposal ${p!.id} is approved; only a pending proposal can be edited.` });
  });

  it('GIVEN DATA_URL THEN approval writes nothing and answers with the row to add at the source (audited)', async () => {
    const dataFile = join(dir, 'capex-data.yaml');
    const before = readFileSync(dataFile, 'utf8');
    const urlService = new ProposalService({
      store: service.store,
      data: () => loadDataFile(dataFile),
      writer: new DataUrlWriter('https://data.example/capex-data.yaml', () => before),
      filings: new SecDocuments({ userAgent: 'capex-bot-tests/0.1 tests@example.com', baseUrl: edgar.base, policy: addressPolicy({ allowPrivate: true }), minIntervalMs: TEST_INTERVAL_MS }),
      clock,
      heartbeat: false,
    });
    edgar.setFilings(META, 'Meta Platforms, Inc.', [RAISE]);
    await urlService.tick();
    const [p] = await urlService.pending();
    const decision = await urlService.approve(p!.id, admin);
    expect(decision).toMatchObject({ status: 'approved-not-written', source: 'https://data.example/capex-data.yaml' });
    const yaml = (decision as { yaml: string }).yaml;
    expect(yaml).toContain(`id: meta-cy2026-guidance-${FILED}-p${p!.id}`);
    expect(yaml).toMatch(/low: 142\n\s+high: 158/);
    expect(readFileSync(dataFile, 'utf8')).toBe(before);
    expect((await urlService.get(p!.id))?.status).toBe('approved');
    expect((await urlService.store.auditOf(p!.id)).at(-1)).toMatchObject({ action: 'approve', actor: 'slack:UADMIN', details: { writtenTo: 'nothing (DATA_URL)' } });
    await urlService.stop();
  });

  it('GIVEN a malformed feed THEN the failure is stored on that feed and retried with growing delays', async () => {
    edgar.server.route('/cgi-bin/browse-edgar', (_req, res) => void res.writeHead(200, { 'content-type': 'application/atom+xml' }).end('<?xml version="1.0"?><feed><entry><title>8-K</tit'));
    try {
      await service.tick();
      expect(await feedState()).toMatchObject({ failures: 1, reason: expect.stringMatching(/malformed XML|not a readable|could not be parsed/), nextFetchAt: clock.now() + 30 * MIN });
      clock.advance(30 * MIN);
      await service.tick();
      expect(await feedState()).toMatchObject({ failures: 2, nextFetchAt: clock.now() + 60 * MIN });
      expect(await service.pending()).toEqual([]);
    } finally {
      edgar.restoreFeed();
    }
  });

  it('GIVEN a huge or a slow feed THEN it is refused like a news feed', async () => {
    try {
      edgar.server.route('/cgi-bin/browse-edgar', (_req, res) => void res.writeHead(200, { 'content-type': 'application/atom+xml', 'content-length': String(3 * 1024 * 1024) }).end());
      await service.tick();
      expect((await feedState())?.reason).toMatch(/larger than the 1 MB limit/);

      edgar.server.route('/cgi-bin/browse-edgar', () => undefined); // never answers
      clock.advance(31 * MIN);
      await service.tick();
      expect((await feedState())?.reason).toMatch(/timed out/);
    } finally {
      edgar.restoreFeed();
    }
  });

  it('GIVEN an exhibit that answers 503 THEN the filing is tried again on the next poll (no 304 hides it) and proposed once it answers', async () => {
    const flaky = { ...RAISE, accession: '0001326801-26-000094' };
    edgar.setFilings(META, 'Meta Platforms, Inc.', [flaky]);
    const path = '/Archives/edgar/data/1326801/000132680126000094/ex99-1.htm';
    edgar.server.route(path, (_req, res) => void res.writeHead(503, 'Service Unavailable').end());
    await service.tick();
    expect(await service.pending()).toEqual([]);
    expect(await service.store.wasRead('sec:0001326801-26-000094')).toBe(false);
    expect((await feedState())?.etag).toBeNull();

    edgar.server.serve(path, flaky.exhibitHtml!, 'text/html');
    clock.advance(31 * MIN);
    await service.tick();
    expect((await service.pending()).map((p) => [p.figure.low, p.figure.high])).toEqual([[142, 158]]);
    expect((await feedState())?.etag).not.toBeNull();
  });

  it('GIVEN an exhibit over the size cap or a link outside the SEC THEN the filing is read with nothing proposed and the feed stays healthy', async () => {
    const huge = { ...RAISE, accession: '0001326801-26-000092' };
    edgar.setFilings(META, 'Meta Platforms, Inc.', [huge]);
    edgar.server.route(`/Archives/edgar/data/1326801/000132680126000092/ex99-1.htm`, (_req, res) => void res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(6 * 1024 * 1024) }).end());
    await service.tick();
    expect(await service.pending()).toEqual([]);
    expect(await service.store.wasRead('sec:0001326801-26-000092')).toBe(true);
    expect(await feedState()).toMatchObject({ failures: 0 });

    const elsewhere = { ...RAISE, accession: '0001326801-26-000093' };
    edgar.setFilings(META, 'Meta Platforms, Inc.', [elsewhere]);
    edgar.server.serve(indexPath(elsewhere), indexHtml(elsewhere).replace(/href="\/Archives[^"]*ex99-1.htm"/, 'href="http://127.0.0.2:9/ex99-1.htm"'), 'text/html');
    clock.advance(31 * MIN);
    await service.tick();
    expect(await service.pending()).toEqual([]);
    expect(await service.store.wasRead('sec:0001326801-26-000093')).toBe(true);
  });
});
