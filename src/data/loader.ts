/**
 * Loads and validates the data file. A bad file is refused as a whole with the file, the row and the
 * field named (and the YAML line), so whoever edited it can fix it; the bot never runs on half-valid data.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LineCounter, Node } from 'yaml';
import type { z } from 'zod';
import { dataFileSchema, type DataFile } from './schema.js';
import { DataSet } from './dataset.js';

/**
 * The YAML parser, loaded on the first validation: a bot whose data version was validated before starts from the
 * cache (parseDataTextCached) and never needs it, which keeps ~9 MiB and ~45 ms out of start-up (issue 18).
 * `require` because validation is synchronous (the CLI, the SEC import); the package ships CommonJS.
 */
let yamlModule: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

/**
 * Read from src/data/ also when this module runs precompiled from dist/data/ (bin/build.js): the same relative
 * path from either, so an edit to the bundled file reaches the running bot as it always did.
 */
export const BUNDLED_DATA_FILE = fileURLToPath(new URL('../../src/data/capex-data.yaml', import.meta.url));

export interface DataProblem {
  file: string;
  /** e.g. `figures[12]` */
  row?: string;
  /** The row's id, when it has one, to find it by search. */
  rowId?: string;
  /** e.g. `period.start` */
  field?: string;
  line?: number;
  message: string;
}

export class DataFileError extends Error {
  readonly code = 'DATA_INVALID';
  constructor(
    readonly file: string,
    readonly problems: DataProblem[],
  ) {
    super(`${file} is invalid and was not loaded:\n${problems.map(describeProblem).join('\n')}`);
    this.name = 'DataFileError';
  }
}

export function describeProblem(p: DataProblem): string {
  const where = [
    p.row && `row ${p.row}${p.rowId ? ` (id ${p.rowId})` : ''}`,
    p.field && `field ${p.field}`,
    p.line && `line ${p.line}`,
  ].filter(Boolean);
  return `- ${p.file}${where.length ? `, ${where.join(', ')}` : ''}: ${p.message}`;
}

/** DATA_MAX_BYTES' default: the bundled file is ~70 KB; 5 MB is some 70 years of figures. */
export const DEFAULT_DATA_MAX_BYTES = 5 * 1024 * 1024;
/**
 * Aliases a data file may use (`*anchor`). The data needs none; a few are harmless, while thousands of nested
 * ones expand exponentially ("billion laughs") and would take the process down.
 */
export const MAX_YAML_ALIASES = 100;

export interface LoadOptions {
  /** Refuse files larger than this many bytes (DATA_MAX_BYTES). */
  maxBytes?: number;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The refusal for a file (or body) over the size limit: a version like any invalid one. */
export function tooLargeError(file: string, bytes: number, maxBytes: number): DataFileError {
  return new DataFileError(file, [
    { file, message: `is ${megabytes(bytes)}, over the ${megabytes(maxBytes)} limit (DATA_MAX_BYTES); split it or raise the limit` },
  ]);
}

/** Reads and validates a data file; throws DataFileError (never anything else) when it cannot be used. */
export function loadDataFile(file: string = BUNDLED_DATA_FILE, options: LoadOptions = {}): DataSet {
  return parseDataText(readDataFile(file, options), file);
}

/** The file's text, after checking its size on disk; DataFileError when it cannot be read or is too large. */
export function readDataFile(file: string, { maxBytes = DEFAULT_DATA_MAX_BYTES }: LoadOptions = {}): string {
  try {
    const { size } = statSync(file);
    if (size > maxBytes) throw tooLargeError(file, size, maxBytes);
    const text = readFileSync(file, 'utf8');
    // It may have grown between the look and the read.
    const bytes = Buffer.byteLength(text);
    if (bytes > maxBytes) throw tooLargeError(file, bytes, maxBytes);
    return text;
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(file, [{ file, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); check DATA_FILE` }]);
  }
}

export type Validation = { ok: true; data: DataFile } | { ok: false; problems: DataProblem[] };

/**
 * Validates YAML (or JSON, which is YAML) text into plain data, never throwing: whatever goes wrong — bad
 * YAML, too many aliases, a schema or cross-check problem, an error inside the YAML library — is a problem
 * naming the file. Plain data so it can cross from the parse worker (./parse-worker.ts).
 */
export function validateDataText(text: string, file: string): Validation {
  try {
    const { LineCounter, parseDocument } = yaml();
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false });
    if (doc.errors.length > 0) {
      return { ok: false, problems: doc.errors.map((e) => ({ file, line: e.linePos?.[0]?.line, message: `not valid YAML: ${e.message.split('\n')[0]}` })) };
    }
    let raw: unknown;
    try {
      raw = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (error) {
      // yaml throws a ReferenceError for an alias bomb ("Excessive alias count…").
      return { ok: false, problems: [{ file, message: `cannot be expanded: ${(error as Error).message.split('\n')[0]} (at most ${MAX_YAML_ALIASES} aliases)` }] };
    }
    const parsed = dataFileSchema.safeParse(raw);
    if (!parsed.success) {
      return { ok: false, problems: parsed.error.issues.slice(0, 20).map((issue) => locateIssue(issue, raw, doc.contents, lineCounter, file)) };
    }
    const problems = crossCheck(parsed.data, file);
    return problems.length > 0 ? { ok: false, problems } : { ok: true, data: parsed.data };
  } catch (error) {
    return { ok: false, problems: [{ file, message: `could not be validated: ${(error as Error)?.message?.split('\n')[0] ?? String(error)}` }] };
  }
}

/** Validates YAML (or JSON, which is YAML) text; `file` is only used in messages. Throws DataFileError only. */
export function parseDataText(text: string, file: string): DataSet {
  return new DataSet(validatedData(text, file));
}

/** The validated data of `text`, or DataFileError naming every problem. */
function validatedData(text: string, file: string): DataFile {
  const result = validateDataText(text, file);
  if (!result.ok) throw new DataFileError(file, result.problems);
  return result.data;
}

/**
 * Start-up reads a data version it has validated before from a cache instead of parsing the YAML and running
 * the schema again (≈ 270 ms of CPU and a YAML document's worth of garbage in a ~1.8 s start; BENCHMARKS.md,
 * issue 18, STARTUP). The key is the SHA-256 of the text and of the validator itself (this module, the schema,
 * the yaml and zod versions), so an edited file or a changed rule is validated in full. Only versions that
 * passed are kept, as the plain validated data (JSON round-trips it exactly); a refused file is refused every
 * time. Kept under node_modules/.cache, as build tools do; any trouble with it means a full validation.
 */
const VALIDATED_CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/capex-bot/validated-data/', import.meta.url));
/** Data versions kept; older ones are deleted when a new one is added. */
const VALIDATED_CACHE_ENTRIES = 16;

function validatedCacheKey(text: string): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const hash = createHash('sha256');
    const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    for (const module of [import.meta.url, new URL(`./schema${extension}`, import.meta.url).href]) hash.update(readFileSync(fileURLToPath(module)));
    hash.update(`yaml ${(require('yaml/package.json') as { version: string }).version} zod ${(require('zod/package.json') as { version: string }).version}\n`);
    return hash.update(text).digest('hex');
  } catch {
    return undefined;
  }
}

function writeValidated(key: string, data: DataFile): void {
  try {
    mkdirSync(VALIDATED_CACHE_DIR, { recursive: true });
    const path = join(VALIDATED_CACHE_DIR, `${key}.json`);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(data));
    renameSync(temp, path);
    const entries = readdirSync(VALIDATED_CACHE_DIR)
      .filter((name) => name.endsWith('.json'))
      .map((name) => ({ path: join(VALIDATED_CACHE_DIR, name), mtime: statSync(join(VALIDATED_CACHE_DIR, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const old of entries.slice(VALIDATED_CACHE_ENTRIES)) rmSync(old.path, { force: true });
  } catch {
    // A cache that cannot be written costs the next start a full validation, nothing else.
  }
}

/** `parseDataText` for start-up: a version validated before comes from the cache (see above). */
export function parseDataTextCached(text: string, file: string): DataSet {
  const key = validatedCacheKey(text);
  if (key) {
    try {
      return new DataSet(JSON.parse(readFileSync(join(VALIDATED_CACHE_DIR, `${key}.json`), 'utf8')) as DataFile);
    } catch {
      // not cached yet (or unreadable): validated in full below
    }
  }
  const data = validatedData(text, file);
  if (key) writeValidated(key, data);
  return new DataSet(data);
}

function locateIssue(issue: z.core.$ZodIssue, raw: unknown, root: Node | null, lines: LineCounter, file: string): DataProblem {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? p.toString() : p));
  const [section, index, ...rest] = path;
  const rowIsIndexed = typeof index === 'number';
  const rowValue = rowIsIndexed ? (raw as Record<string, unknown[]>)[section as string]?.[index] : undefined;
  const rowId = rowValue && typeof rowValue === 'object' && 'id' in rowValue ? String((rowValue as { id: unknown }).id) : undefined;
  return {
    file,
    row: rowIsIndexed ? `${String(section)}[${index}]` : undefined,
    rowId,
    field: rowIsIndexed ? rest.join('.') || undefined : path.join('.') || undefined,
    line: lineOf(root, path, lines),
    message: issue.message,
  };
}

/** Walks the YAML tree along `path` as far as it goes and returns that node's line. */
function lineOf(root: Node | null, path: (string | number)[], lines: LineCounter): number | undefined {
  const { isMap, isSeq } = yaml();
  let node: Node | null | undefined = root;
  let found = node;
  for (const key of path) {
    if (isMap(node)) {
      const pair: { key: unknown; value: unknown } | undefined = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
      node = pair ? ((pair.value as Node | null) ?? (pair.key as Node)) : undefined;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as Node | undefined;
    } else {
      node = undefined;
    }
    if (!node) break;
    found = node;
  }
  const offset = found?.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** Rules zod cannot see row by row: unique ids, known companies, a rate for every currency. */
function crossCheck(data: DataFile, file: string): DataProblem[] {
  const problems: DataProblem[] = [];
  const companyIds = new Set<string>();
  data.companies.forEach((c, i) => {
    if (companyIds.has(c.id)) problems.push({ file, row: `companies[${i}]`, rowId: c.id, field: 'id', message: `duplicate company id '${c.id}'` });
    companyIds.add(c.id);
    if (c.currency !== 'USD' && !data.fx.some((r) => r.currency === c.currency)) {
      problems.push({ file, row: `companies[${i}]`, rowId: c.id, field: 'currency', message: `no fx rate for ${c.currency}: add one under fx` });
    }
  });
  const figureIds = new Set<string>();
  data.figures.forEach((f, i) => {
    const row = `figures[${i}]`;
    if (figureIds.has(f.id)) problems.push({ file, row, rowId: f.id, field: 'id', message: `duplicate figure id '${f.id}'` });
    figureIds.add(f.id);
    if (!companyIds.has(f.company)) problems.push({ file, row, rowId: f.id, field: 'company', message: `unknown company '${f.company}': add it under companies or fix the id` });
    if (f.currency !== 'USD' && !f.usd && !data.fx.some((r) => r.currency === f.currency)) {
      problems.push({ file, row, rowId: f.id, field: 'currency', message: `no fx rate for ${f.currency}: add one under fx or give usd` });
    }
  });
  return problems;
}
