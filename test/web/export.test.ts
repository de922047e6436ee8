/**
 * /figures.csv and /figures.json: every figure with every field it has, read back with a real CSV parser and
 * JSON.parse and compared with the data set; the schema documented in docs/web.md names every column.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usdOf } from '../../src/data/money.js';
import { isCounted } from '../../src/data/queries.js';
import type { Figure } from '../../src/data/schema.js';
import { DERIVED_FIELDS, FIGURE_FIELDS, FIGURES_SCHEMA_VERSION } from '../../src/web/export.js';
import { GOOD } from '../helpers/data-edits.js';
import { startSite, type WebSite } from './harness.js';

let site: WebSite;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site.close();
});

/** Every leaf of a figure as a dotted path, arrays as one value ("alsoSources"). */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

/** Undoes the formula guard, as docs/web.md tells scripts to: a leading apostrophe before = + - @ tab or CR. */
const unguard = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

async function csvRows(): Promise<Record<string, string>[]> {
  const res = await fetch(`${site.url}/figures.csv`);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
  return parse(await res.text(), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
}

describe('GIVEN /figures.csv', { timeout: 30_000 }, () => {
  it('THEN it parses back to one row per figure with every field of the data file, the same values', async () => {
    const data = site.live.current();
    const rows = await csvRows();
    expect(rows).toHaveLength(data.figures.length);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const figure of data.figures) {
      const row = byId.get(figure.id)!;
      expect(row, figure.id).toBeDefined();
      for (const path of leafPaths(figure)) {
        const value = at(figure, path);
        const expected = typeof value === 'object' ? JSON.stringify(value) : String(value);
        expect(unguard(row[path]!), `${figure.id} ${path}`).toBe(expected);
      }
      // Columns the figure does not have are empty, not "undefined".
      for (const column of FIGURE_FIELDS) if (at(figure, column) === undefined) expect(row[column]).toBe('');
      const usd = usdOf(figure, data);
      expect(Number(row.usdLow)).toBeCloseTo(usd.low, 3);
      expect(Number(row.usdHigh)).toBeCloseTo(usd.high, 3);
      // The rule every answer and total uses (not weak, not an estimate, not superseded).
      expect(row.counted).toBe(String(isCounted(figure)));
      expect(row.companyName).toBe(data.company(figure.company)!.name);
    }
  });

  it('THEN no field a figure has is left out (a new data field needs a column here and a line in docs/web.md)', () => {
    const paths = new Set(site.live.current().figures.flatMap((f) => leafPaths(f)));
    const columns = new Set<string>(FIGURE_FIELDS);
    expect([...paths].filter((p) => !columns.has(p))).toEqual([]);
  });

  it('THEN docs/web.md documents every column of the current schema version', () => {
    const doc = readFileSync(new URL('../../docs/web.md', import.meta.url), 'utf8');
    expect(doc).toContain(`schemaVersion\` ${FIGURES_SCHEMA_VERSION}`);
    for (const column of [...FIGURE_FIELDS, ...DERIVED_FIELDS]) expect(doc, column).toContain(`\`${column}\``);
  });

  it('THEN a text cell that a spreadsheet would run as a formula is defused with an apostrophe', async () => {
    const hostile = GOOD.replace(/^version: .*$/m, 'version: "formula"').replace(/(\n\s+title: )"?Meta Reports Fourth Quarter[^\n]*/, '$1"=HYPERLINK(\\"https://evil.example\\",\\"click\\")"');
    await site.writeData(hostile);
    expect(site.live.current().version).toBe('formula');
    const rows = await csvRows();
    const cells = rows.flatMap((r) => Object.values(r));
    expect(cells.some((c) => c.startsWith("'=HYPERLINK("))).toBe(true);
    expect(cells.filter((c) => /^[=+@]/.test(c))).toEqual([]);
    await site.writeData(GOOD);
  });
});

describe('GIVEN /figures.json', { timeout: 30_000 }, () => {
  it('THEN it is the data file figures, unchanged, each with the derived values apart, under a versioned schema', async () => {
    const res = await fetch(`${site.url}/figures.json`);
    const doc = (await res.json()) as { schema: string; schemaVersion: number; dataVersion: string; figures: (Figure & { derived: Record<string, unknown> })[]; companies: unknown[] };
    const data = site.live.current();
    expect(doc.schema).toBe('capex-bot/figures');
    expect(doc.schemaVersion).toBe(FIGURES_SCHEMA_VERSION);
    expect(doc.dataVersion).toBe(data.version);
    expect(doc.companies).toEqual(JSON.parse(JSON.stringify(data.companies)));
    expect(doc.figures.map(({ derived: _derived, ...figure }) => figure)).toEqual(JSON.parse(JSON.stringify(data.figures)));
    for (const f of doc.figures) expect(Object.keys(f.derived).sort()).toEqual([...DERIVED_FIELDS].sort());
  });

  it('THEN it has an ETag and a matching revalidation is a 304', async () => {
    const first = await fetch(`${site.url}/figures.json`);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const again = await fetch(`${site.url}/figures.json`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });
});
