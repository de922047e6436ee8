/**
 * `/figures.json` and `/figures.csv`: every figure of the data set with every field it has in the data
 * file, plus a few derived columns (the company's name, the US$ value the answers use, whether it counts),
 * under a versioned schema documented in docs/web.md. Built once per data version.
 *
 * - JSON keeps each figure exactly as validated (nested `period`, `source`, `usd`, …) and puts what the bot
 *   derives under `derived`, so a script never confuses the two.
 * - CSV flattens the same fields into dotted column names (`period.start`, `source.url`), one row per figure,
 *   written by csv-stringify (RFC 4180 quoting, UTF-8 with a BOM so spreadsheet programs read ≈ and 阿里巴巴).
 *   A text cell starting with = + - @ or a tab gets a leading apostrophe, so a hostile source title cannot run
 *   as a spreadsheet formula.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { DataSet } from '../data/dataset.js';
import { usdOf } from '../data/money.js';
import { isCounted } from '../data/queries.js';
import type { Figure } from '../data/schema.js';

/** Bump when a column or key changes meaning or disappears (adding one is compatible). docs/web.md lists them. */
export const FIGURES_SCHEMA_VERSION = 1;
export const FIGURES_SCHEMA = 'capex-bot/figures';

/** Every field a figure may have in the data file, as dotted paths; the CSV's columns, in this order. */
export const FIGURE_FIELDS = [
  'id',
  'company',
  'metric',
  'label',
  'definition',
  'definitionNote',
  'basis',
  'amount',
  'low',
  'high',
  'qualifier',
  'currency',
  'period.label',
  'period.start',
  'period.end',
  'announced',
  'source.title',
  'source.url',
  'source.kind',
  'alsoSources',
  'usd.amount',
  'usd.date',
  'usd.source.title',
  'usd.source.url',
  'usd.source.kind',
  'series',
  'status',
  'supersededBy',
  'origin',
  'dispute',
  'note',
] as const;

/** Columns the bot derives, after the data's own. */
export const DERIVED_FIELDS = ['companyName', 'usdLow', 'usdHigh', 'counted'] as const;

export interface DerivedFields {
  companyName: string;
  /** US$ billions, as every answer converts it (the source's own conversion, else the data file's rate); 4 decimals. */
  usdLow: number;
  usdHigh: number;
  /** False for figures no answer or total uses: weak, an analyst's estimate, or superseded. */
  counted: boolean;
}

export interface FiguresDocument {
  schema: typeof FIGURES_SCHEMA;
  schemaVersion: typeof FIGURES_SCHEMA_VERSION;
  dataVersion: string;
  companies: DataSet['companies'];
  fx: DataSet['fx'];
  figures: (Figure & { derived: DerivedFields })[];
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

export function derive(figure: Figure, data: DataSet): DerivedFields {
  const usd = usdOf(figure, data);
  return {
    companyName: data.company(figure.company)?.name ?? figure.company,
    usdLow: round4(usd.low),
    usdHigh: round4(usd.high),
    counted: isCounted(figure),
  };
}

export function figuresDocument(data: DataSet): FiguresDocument {
  return {
    schema: FIGURES_SCHEMA,
    schemaVersion: FIGURES_SCHEMA_VERSION,
    dataVersion: data.version,
    companies: data.companies,
    fx: data.fx,
    figures: data.figures.map((f) => ({ ...f, derived: derive(f, data) })),
  };
}

function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function figuresCsv(data: DataSet): string {
  const rows = data.figures.map((f) => {
    const derived = derive(f, data);
    return [...FIGURE_FIELDS.map((path) => cell(at(f, path))), ...DERIVED_FIELDS.map((key) => cell(derived[key]))];
  });
  // Loaded on the first CSV export, not at start-up; one export per data version is all that uses it.
  const { stringify } = createRequire(import.meta.url)('csv-stringify/sync') as typeof import('csv-stringify/sync');
  return stringify(rows, { header: true, columns: [...FIGURE_FIELDS, ...DERIVED_FIELDS], bom: true, record_delimiter: 'windows' });
}

export interface ExportFile {
  body: string;
  etag: string;
}

const cached = new WeakMap<DataSet, { json?: ExportFile; csv?: ExportFile }>();

function file(body: string): ExportFile {
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** The export, built once per data set. */
export function exportOf(data: DataSet, format: 'json' | 'csv'): ExportFile {
  const entry = cached.get(data) ?? cached.set(data, {}).get(data)!;
  return (entry[format] ??= file(format === 'json' ? JSON.stringify(figuresDocument(data), null, 1) : figuresCsv(data)));
}
