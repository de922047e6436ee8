/**
 * The URL path: the import fetching companyfacts from a local stand-in for data.sec.gov (127.0.0.1),
 * with the User-Agent, the spacing between requests and the retries the SEC expects.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { retryDelayMs } from '../../src/sec/client.js';
import { importSec, type SecImportOptions } from '../../src/sec/import.js';
import { startFakeSec, type FakeSec } from './fake-sec.js';
import { parseFile, tempDataCopy, TODAY, type TempData } from './helpers.js';

const USER_AGENT = 'capex-bot-test/0.1 tests@example.com';
let sec: FakeSec;
let data: TempData;

beforeEach(async () => {
  sec = await startFakeSec();
  data = tempDataCopy();
});
afterEach(async () => {
  await sec.close();
  data.cleanup();
});

async function fetchImport(targets: string[], overrides: Partial<SecImportOptions> = {}) {
  const lines: string[] = [];
  const result = await importSec({
    targets,
    dataFile: data.file,
    userAgent: USER_AGENT,
    apiUrl: sec.url,
    out: (l) => lines.push(l),
    now: () => TODAY,
    client: { baseDelayMs: 20, minIntervalMs: 150 },
    ...overrides,
  });
  return { result, lines };
}

describe('fetching companyfacts over HTTP', { timeout: 20_000 }, () => {
  it('sends the User-Agent, retries a 429 once and imports what the second answer serves', async () => {
    sec.failFirst('0001326801', [429]);
    const { result, lines } = await fetchImport(['META']);
    expect(sec.requests.map((r) => [r.path, r.userAgent])).toEqual([
      ['/api/xbrl/companyfacts/CIK0001326801.json', USER_AGENT],
      ['/api/xbrl/companyfacts/CIK0001326801.json', USER_AGENT],
    ]);
    expect(lines).toEqual([
      `Meta Platforms (META, CIK 0001326801): fetching ${sec.url}/api/xbrl/companyfacts/CIK0001326801.json`,
      'Meta Platforms: HTTP 429, retrying in 20 ms',
      'Meta Platforms: 5 annual figures and 12 quarterly figures from PaymentsToAcquirePropertyPlantAndEquipment',
      'Meta Platforms: added 17, changed 0, unchanged 0',
      `Wrote ${data.file}: version 2026-11-25.1 → 2026-11-26.1, ${parseFile(readFileSync(data.file, 'utf8')).figures.length} figures.`,
    ]);
    expect(result.failed).toEqual([]);
    expect(parseFile(readFileSync(data.file, 'utf8')).figures.find((f) => f.id === 'meta-sec-capex-fy2024')).toMatchObject({ amount: 37.256, announced: '2025-01-30' });
  });

  it("honours the server's Retry-After and backs off on 5xx", async () => {
    sec.failFirst('0001326801', [503], { 'retry-after': '1' });
    const first = await fetchImport(['META']);
    expect(first.lines.filter((l) => l.includes('retrying'))).toEqual(['Meta Platforms: HTTP 503, retrying in 1.0 s']);
    expect(sec.requests[1]!.at - sec.requests[0]!.at).toBeGreaterThanOrEqual(990);

    sec.failFirst('0000789019', [502, 500]);
    const second = await fetchImport(['MSFT']);
    expect(second.lines.filter((l) => l.includes('retrying'))).toEqual(['Microsoft: HTTP 502, retrying in 20 ms', 'Microsoft: HTTP 500, retrying in 40 ms']);
    expect(sec.requests).toHaveLength(5);
  });

  it('gives up after the last attempt, says so, and still merges the companies that worked', async () => {
    sec.failFirst('0001326801', [500, 500, 500, 500]);
    const { result, lines } = await fetchImport(['META', 'MSFT']);
    expect(sec.requests).toHaveLength(5);
    expect(lines).toContain(`Meta Platforms: FAILED: ${sec.url}/api/xbrl/companyfacts/CIK0001326801.json failed after 4 attempts (last: HTTP 500)`);
    expect(lines).toContain('Microsoft: added 12, changed 0, unchanged 0');
    expect(lines.at(-1)).toBe('Not imported: Meta Platforms.');
    expect(result.failed).toEqual(['meta']);
    expect(parseFile(readFileSync(data.file, 'utf8')).figures.some((f) => f.id.startsWith('meta-sec-'))).toBe(false);
  });

  it('explains a 403 (the SEC refuses clients without a proper User-Agent) without retrying', async () => {
    const { result, lines } = await fetchImport(['META'], { userAgent: 'capex-bot' });
    expect(sec.requests).toHaveLength(1);
    expect(lines).toContain(`Meta Platforms: FAILED: the SEC refused ${sec.url}/api/xbrl/companyfacts/CIK0001326801.json (HTTP 403): SEC_USER_AGENT must name the app and a contact email`);
    expect(result.failed).toEqual(['meta']);
    expect(readFileSync(data.file, 'utf8')).toBe(data.original);
  });

  it('refuses to fetch without SEC_USER_AGENT: a configuration error naming the variable and an example, before any request', async () => {
    await expect(fetchImport(['META'], { userAgent: undefined })).rejects.toThrow(ConfigError);
    await expect(fetchImport(['META'], { userAgent: undefined })).rejects.toThrow('set SEC_USER_AGENT, e.g. SEC_USER_AGENT="capex-bot/0.1 you@example.com"');
    expect(sec.requests).toHaveLength(0);
  });
});

describe('retryDelayMs', () => {
  it('uses Retry-After seconds or date, else doubles from the base, and caps the wait', () => {
    expect(retryDelayMs('2', 1, 1000, 30_000)).toBe(2000);
    expect(retryDelayMs('Wed, 25 Nov 2026 10:00:05 GMT', 1, 1000, 30_000, Date.parse('2026-11-25T10:00:00Z'))).toBe(5000);
    expect(retryDelayMs(null, 1, 1000, 30_000)).toBe(1000);
    expect(retryDelayMs(null, 3, 1000, 30_000)).toBe(4000);
    expect(retryDelayMs('600', 1, 1000, 30_000)).toBe(30_000);
  });
});
