/**
 * The import end to end on a temporary copy of the real data file: what it adds, that every
 * hand-curated figure survives byte for byte, that a second run changes nothing, that a newer filing
 * wins and an older one does not, and that nothing is written when the result would be invalid.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFileError, loadDataFile } from '../../src/data/loader.js';
import { importSec } from '../../src/sec/import.js';
import { bumpVersion, mergeSecFigures } from '../../src/sec/merge.js';
import type { SecFigure } from '../../src/sec/figures.js';
import { fixturePath, fixtureText, parseFile, tempDataCopy, TODAY, withoutImportedBlocks, type TempData } from './helpers.js';

// Timeouts are generous: each import parses and re-validates the whole data file, slow on a busy machine.
let data: TempData;
beforeEach(() => {
  data = tempDataCopy();
});
afterEach(() => data.cleanup());

async function runImport(company: string, ticker: string, fromFile = fixturePath(company)) {
  const lines: string[] = [];
  const result = await importSec({ targets: [ticker], fromFile, dataFile: data.file, out: (l) => lines.push(l), now: () => TODAY });
  return { result, lines, text: readFileSync(data.file, 'utf8') };
}

describe('import sec META --from-file (first run)', { timeout: 20_000 }, () => {
  it('reports progress and a per-company summary, and bumps the version', async () => {
    const { result, lines } = await runImport('meta', 'META');
    expect(lines).toEqual([
      `Meta Platforms (META, CIK 0001326801): reading ${fixturePath('meta')}`,
      'Meta Platforms: 5 annual figures and 12 quarterly figures from PaymentsToAcquirePropertyPlantAndEquipment',
      'Meta Platforms: added 17, changed 0, unchanged 0',
      `Wrote ${data.file}: version 2026-11-25.1 → 2026-11-26.1, ${loadDataFile(data.file).figures.length} figures.`,
    ]);
    expect(result.written).toBe(true);
    expect(loadDataFile(data.file).version).toBe('2026-11-26.1');
  });

  it('keeps every hand-curated figure, company and rate exactly (parsed and compared)', async () => {
    const before = parseFile(data.original);
    const { text } = await runImport('meta', 'META');
    const after = parseFile(text);
    expect(after.fx).toEqual(before.fx);
    expect(after.companies).toEqual(before.companies);
    const afterById = new Map(after.figures.map((f) => [f.id, f]));
    for (const figure of before.figures) expect(afterById.get(figure.id)).toEqual(figure);
    expect(after.figures.length).toBe(before.figures.length + 17);
    expect(after.figures.filter((f) => !before.figures.some((b) => b.id === f.id)).every((f) => f.id.startsWith('meta-sec-capex-'))).toBe(true);
  });

  it('changes no byte of the hand-written text: comments, blank lines and quoting survive; only the version line and new blocks differ', async () => {
    const { text } = await runImport('meta', 'META');
    expect(withoutImportedBlocks(text)).toBe(data.original.replace('version: "2026-11-25.1"', 'version: "2026-11-26.1"'));
  });

  it("places the new figures at the end of Meta's block, readable like hand-written entries", async () => {
    const { text } = await runImport('meta', 'META');
    const ids = parseFile(text).figures.map((f) => f.id);
    const lastHandMeta = ids.findLastIndex((id) => id.startsWith('meta-') && !id.includes('-sec-capex-'));
    expect(ids.slice(lastHandMeta + 1, lastHandMeta + 18).every((id) => id.startsWith('meta-sec-capex-'))).toBe(true);
    expect(ids[lastHandMeta + 18]!.startsWith('meta-')).toBe(false);
    expect(text).toContain(
      [
        '  - id: meta-sec-capex-q3-2025',
        '    company: meta',
        '    metric: reported-quarter',
        '    label: "capex actual (quarter, cash purchases of property and equipment, SEC filing)"',
        '    basis: "cash purchases of property and equipment (XBRL PaymentsToAcquirePropertyPlantAndEquipment; excludes finance leases)"',
        '    amount: 19.244',
        '    currency: USD',
        '    period:',
        '      label: "Q3 2025"',
        '      start: "2025-07"',
        '      end: "2025-09"',
        '    announced: "2025-10-30"',
        '    source:',
        '      title: "Meta Platforms 10-Q filed 2025-10-30 (SEC EDGAR XBRL, accession 0001326801-25-000090)"',
        '      url: "https://www.sec.gov/Archives/edgar/data/1326801/000132680125000090/0001326801-25-000090-index.htm"',
        '    status: confirmed',
        '    origin: sec-xbrl',
        '    note: "Derived from year-to-date values of XBRL PaymentsToAcquirePropertyPlantAndEquipment: 2025-01-01 to 2025-09-30 = USD 48,878,000,000 (Form 10-Q, accession 0001326801-25-000090, filed 2025-10-30) minus 2025-01-01 to 2025-06-30 = USD 29,634,000,000 (Form 10-Q, accession 0001326801-25-000071, filed 2025-07-31). Cash purchases only: finance-lease principal payments, which some headline capex figures include, are not in this tag."',
        '',
      ].join('\n'),
    );
    // Leaves no temporary file behind.
    expect(readdirSync(data.dir)).toEqual(['capex-data.yaml']);
  });
});

describe('re-running the import', { timeout: 20_000 }, () => {
  it('is idempotent: everything unchanged, the file untouched, the version not bumped', async () => {
    await runImport('meta', 'META');
    const first = readFileSync(data.file, 'utf8');
    const { result, lines, text } = await runImport('meta', 'META');
    expect(lines.slice(-2)).toEqual(['Meta Platforms: added 0, changed 0, unchanged 17', `No changes; ${data.file} left as it was (version 2026-11-26.1).`]);
    expect(result.written).toBe(false);
    expect(text).toBe(first);
  });

  it('lets a newer filing win: an amended 10-K restating FY2025 changes FY2025 and the Q4 derived from it', async () => {
    await runImport('meta', 'META');
    const amended = JSON.parse(fixtureText('meta'));
    amended.facts['us-gaap'].PaymentsToAcquirePropertyPlantAndEquipment.units.USD.push({
      start: '2025-01-01', end: '2025-12-31', val: 72_500_000_000, accn: '0001326801-26-000042', fy: 2025, fp: 'FY', form: '10-K/A', filed: '2026-03-02',
    });
    const amendedFile = join(data.dir, 'meta-amended.json');
    writeFileSync(amendedFile, JSON.stringify(amended));
    const { lines, text } = await runImport('meta', 'META', amendedFile);
    expect(lines).toContain('Meta Platforms: added 0, changed 2, unchanged 15');
    const byId = new Map(parseFile(text).figures.map((f) => [f.id, f]));
    expect(byId.get('meta-sec-capex-fy2025')).toMatchObject({
      amount: 72.5,
      announced: '2026-03-02',
      source: {
        title: 'Meta Platforms 10-K/A filed 2026-03-02 (SEC EDGAR XBRL, accession 0001326801-26-000042)',
        url: 'https://www.sec.gov/Archives/edgar/data/1326801/000132680126000042/0001326801-26-000042-index.htm',
      },
    });
    expect(byId.get('meta-sec-capex-fy2025')!.note).toContain('Restated: Form 10-K, accession 0001326801-26-000011, filed 2026-01-29 gave USD 72,220,000,000.');
    expect(byId.get('meta-sec-capex-q4-2025')).toMatchObject({ amount: 23.622, announced: '2026-03-02' }); // 72,500 − 48,878
    expect(parseFile(text).version).toBe('2026-11-26.2');

    // Importing the older file again afterwards does not undo the amendment.
    const { lines: again, text: after } = await runImport('meta', 'META');
    expect(again).toContain('Meta Platforms: added 0, changed 0, unchanged 15, 2 kept (the file has a newer filing)');
    expect(after).toBe(text);
  });

  it('adds only what is new when a later companyfacts file has another quarter', async () => {
    const older = JSON.parse(fixtureText('meta'));
    const usd = older.facts['us-gaap'].PaymentsToAcquirePropertyPlantAndEquipment.units.USD as { accn: string }[];
    older.facts['us-gaap'].PaymentsToAcquirePropertyPlantAndEquipment.units.USD = usd.filter((f) => f.accn !== '0001326801-26-000011');
    const olderFile = join(data.dir, 'meta-2025-10.json');
    writeFileSync(olderFile, JSON.stringify(older));
    const first = await runImport('meta', 'META', olderFile);
    // Without the FY2025 10-K: FY2023 comes from the restating FY2024 10-K, no FY2025 and no Q4 2025.
    expect(first.lines).toContain('Meta Platforms: added 15, changed 0, unchanged 0');
    const second = await runImport('meta', 'META');
    expect(second.lines).toContain('Meta Platforms: added 2, changed 0, unchanged 15');
    expect(parseFile(second.text).figures.filter((f) => f.id === 'meta-sec-capex-fy2025' || f.id === 'meta-sec-capex-q4-2025')).toHaveLength(2);
  });
});

describe('hand-curated figures are never touched', { timeout: 20_000 }, () => {
  it('skips an id the import would use when a hand-curated figure already has it', async () => {
    const text = data.original.replace('  - id: meta-cy2024-reported-2025-01-29\n', '  - id: meta-sec-capex-fy2024\n');
    writeFileSync(data.file, text);
    const { lines, text: after } = await runImport('meta', 'META');
    expect(lines).toContain('Meta Platforms: added 16, changed 0, unchanged 0, 1 skipped (id taken by a hand-curated figure: meta-sec-capex-fy2024)');
    const before = parseFile(text).figures.find((f) => f.id === 'meta-sec-capex-fy2024');
    expect(parseFile(after).figures.find((f) => f.id === 'meta-sec-capex-fy2024')).toEqual(before);
  });
});

describe('validation before writing', { timeout: 20_000 }, () => {
  const bad: SecFigure = {
    id: 'meta-sec-capex-fy2030', company: 'no-such-company', metric: 'reported', label: 'x', basis: 'x', amount: 1, currency: 'USD',
    period: { label: 'CY2030', start: '2030-01', end: '2030-12' }, announced: '2031-01-30',
    source: { title: 'Meta 10-K', url: 'https://www.sec.gov/Archives/edgar/data/1326801/x-index.htm' }, status: 'confirmed', origin: 'sec-xbrl', note: 'x',
  };

  it('refuses a merge whose result the loader rejects, naming the row and field', () => {
    expect(() => mergeSecFigures(data.original, data.file, new Map([['meta', [bad]]]), TODAY)).toThrow(DataFileError);
    expect(() => mergeSecFigures(data.original, data.file, new Map([['meta', [bad]]]), TODAY)).toThrow(/field company.*unknown company 'no-such-company'/);
  });

  it('writes nothing when the data file is invalid to begin with', async () => {
    const broken = data.original.replace('version: "2026-11-25.1"', 'version: ""');
    writeFileSync(data.file, broken);
    await expect(runImport('meta', 'META')).rejects.toThrow(DataFileError);
    expect(readFileSync(data.file, 'utf8')).toBe(broken);
    expect(readdirSync(data.dir)).toEqual(['capex-data.yaml']);
  });
});

describe('several companies in one file', { timeout: 20_000 }, () => {
  it('merges each into its own block; the result loads and the bot sees the figures', async () => {
    await runImport('meta', 'META');
    await runImport('microsoft', 'MSFT');
    await runImport('amazon', 'amazon'); // a name works as well as a ticker
    const loaded = loadDataFile(data.file);
    expect(loaded.version).toBe('2026-11-26.3');
    expect(loaded.figuresOf('microsoft').find((f) => f.id === 'microsoft-sec-capex-q1-fy2026')).toMatchObject({
      metric: 'reported-quarter', amount: 19.394, period: { label: 'Q1 FY2026 (Jul–Sep 2025)', start: '2025-07', end: '2025-09' },
    });
    expect(withoutImportedBlocks(readFileSync(data.file, 'utf8'))).toBe(data.original.replace('version: "2026-11-25.1"', 'version: "2026-11-26.3"'));
  });
});

describe('bumpVersion', () => {
  it('counts up within a day, starts a new day at .1, never goes backwards', () => {
    expect(bumpVersion('2026-11-26.1', TODAY)).toBe('2026-11-26.2');
    expect(bumpVersion('2026-11-25.4', TODAY)).toBe('2026-11-26.1');
    expect(bumpVersion('2026-12-01.3', TODAY)).toBe('2026-12-01.4');
    expect(bumpVersion('v7', TODAY)).toBe('2026-11-26.1');
  });
});
