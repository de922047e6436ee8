/**
 * Merges SEC figures into the data file's YAML with the `yaml` Document API, so every comment, blank
 * line and hand-written entry stays exactly as it was. Only figures whose id the import owns (and whose
 * source is an EDGAR filing) are ever replaced; nothing is deleted. The result is validated with the
 * same loader the bot uses; an invalid result throws and nothing is written.
 */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap, type Document, type YAMLSeq } from 'yaml';
import { parseDataText } from '../data/loader.js';
import type { DataSet } from '../data/dataset.js';
import { SEC_ARCHIVE_URL_PREFIX, SEC_FIGURE_ID, type SecFigure } from './figures.js';

/** How the loader's file round-trips unchanged (checked by the tests on the bundled file). */
export const YAML_OUTPUT = { lineWidth: 0, flowCollectionPadding: false } as const;

export interface CompanyMergeStats {
  added: string[];
  changed: string[];
  unchanged: string[];
  /** Already in the file from a newer filing than the one imported now: left as they are. */
  keptNewer: string[];
  /** An id the import would use is taken by a hand-curated figure: left alone. */
  conflicts: string[];
}

export interface MergeResult {
  /** The new file text (equal to the input when nothing changed). */
  text: string;
  changed: boolean;
  versionBefore: string;
  versionAfter: string;
  stats: Map<string, CompanyMergeStats>;
  /** The validated data of `text`. */
  data: DataSet;
}

// Free text is double-quoted like the hand-written entries; ids and enums stay plain.
const QUOTED_KEYS = new Set(['label', 'basis', 'definitionNote', 'start', 'end', 'announced', 'title', 'url', 'note']);

function styledNode(doc: Document, figure: object): YAMLMap {
  const node = doc.createNode(figure) as YAMLMap;
  const quote = (map: YAMLMap) => {
    for (const pair of map.items) {
      if (isMap(pair.value)) quote(pair.value);
      else if (isScalar(pair.value) && isScalar(pair.key) && QUOTED_KEYS.has(String(pair.key.value))) pair.value.type = Scalar.QUOTE_DOUBLE;
    }
  };
  quote(node);
  return node;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** A figure the import wrote earlier (its id pattern and an EDGAR source), as opposed to a hand-curated one. */
export function isImportedFigure(figure: { id?: unknown; source?: { url?: unknown } }): boolean {
  return typeof figure.id === 'string' && SEC_FIGURE_ID.test(figure.id) && String(figure.source?.url ?? '').startsWith(SEC_ARCHIVE_URL_PREFIX);
}

/** "2026-11-25.1" → "2026-11-26.1" on the 26th, "2026-11-25.2" on the 25th; never goes backwards. */
export function bumpVersion(version: string, today: Date): string {
  const day = today.toISOString().slice(0, 10);
  const match = /^(\d{4}-\d{2}-\d{2})\.(\d+)$/.exec(version);
  if (match && match[1]! >= day) return `${match[1]}.${Number(match[2]) + 1}`;
  return `${day}.1`;
}

export function mergeSecFigures(text: string, file: string, figuresByCompany: ReadonlyMap<string, readonly SecFigure[]>, today: Date): MergeResult {
  const doc = parseDocument(text);
  const figuresNode = doc.get('figures', true);
  if (!isSeq(figuresNode)) throw new Error(`${file} has no figures list`);
  const seq = figuresNode as YAMLSeq;
  const stats = new Map<string, CompanyMergeStats>();
  const indexById = new Map<string, number>();
  seq.items.forEach((item, i) => {
    const id = isMap(item) ? item.get('id') : undefined;
    if (typeof id === 'string') indexById.set(id, i);
  });

  for (const [companyId, figures] of figuresByCompany) {
    const s: CompanyMergeStats = { added: [], changed: [], unchanged: [], keptNewer: [], conflicts: [] };
    stats.set(companyId, s);
    for (const figure of figures) {
      const index = indexById.get(figure.id);
      if (index === undefined) {
        const at = insertionIndex(seq, companyId);
        const node = styledNode(doc, figure);
        if (at === seq.items.length && !seq.items.some((item) => isMap(item) && item.get('company') === companyId)) {
          node.commentBefore = ` ---- ${companyId} (SEC EDGAR) ----`;
          node.spaceBefore = true;
        }
        seq.items.splice(at, 0, node);
        for (const [id, i] of indexById) if (i >= at) indexById.set(id, i + 1);
        indexById.set(figure.id, at);
        s.added.push(figure.id);
        continue;
      }
      const existingNode = seq.items[index];
      const existing = (isMap(existingNode) ? existingNode.toJSON() : {}) as { announced?: string; source?: { url?: string } };
      if (!isImportedFigure(existing)) {
        s.conflicts.push(figure.id);
      } else if (sameJson(existing, figure)) {
        s.unchanged.push(figure.id);
      } else if (String(existing.announced ?? '') > figure.announced) {
        s.keptNewer.push(figure.id);
      } else {
        const node = styledNode(doc, figure);
        const old = existingNode as YAMLMap;
        node.commentBefore = old.commentBefore;
        node.spaceBefore = old.spaceBefore;
        node.comment = old.comment;
        seq.items[index] = node;
        s.changed.push(figure.id);
      }
    }
  }

  const versionBefore = String(doc.get('version'));
  const changed = [...stats.values()].some((s) => s.added.length + s.changed.length > 0);
  let versionAfter = versionBefore;
  if (changed) {
    versionAfter = bumpVersion(versionBefore, today);
    const versionNode = doc.get('version', true);
    if (isScalar(versionNode)) versionNode.value = versionAfter;
    else doc.set('version', versionAfter);
  }
  const newText = changed ? doc.toString(YAML_OUTPUT) : text;
  // Throws DataFileError naming row, field and line: the caller writes nothing then.
  const data = parseDataText(newText, file);
  return { text: newText, changed, versionBefore, versionAfter, stats, data };
}

export interface AddFigureResult {
  text: string;
  versionBefore: string;
  versionAfter: string;
  /** The validated data of `text`. */
  data: DataSet;
}

/**
 * Adds one new figure (an approved proposal) in its company's block, bumps the version and validates the
 * result with the loader; throws DataFileError (nothing to write) when the result would be invalid, and an
 * Error when the id is already taken.
 */
export function addFigure(text: string, file: string, figure: { id: string; company: string }, today: Date): AddFigureResult {
  const doc = parseDocument(text);
  const figuresNode = doc.get('figures', true);
  if (!isSeq(figuresNode)) throw new Error(`${file} has no figures list`);
  const seq = figuresNode as YAMLSeq;
  if (seq.items.some((item) => isMap(item) && item.get('id') === figure.id)) throw new Error(`${file} already has a figure with id ${figure.id}`);
  seq.items.splice(insertionIndex(seq, figure.company), 0, styledNode(doc, figure));
  const versionBefore = String(doc.get('version'));
  const versionAfter = bumpVersion(versionBefore, today);
  const versionNode = doc.get('version', true);
  if (isScalar(versionNode)) versionNode.value = versionAfter;
  else doc.set('version', versionAfter);
  const newText = doc.toString(YAML_OUTPUT);
  return { text: newText, versionBefore, versionAfter, data: parseDataText(newText, file) };
}

/** After the company's last figure, so imported figures sit in that company's block; else at the end. */
function insertionIndex(seq: YAMLSeq, companyId: string): number {
  for (let i = seq.items.length - 1; i >= 0; i--) {
    const item = seq.items[i];
    if (isMap(item) && item.get('company') === companyId) return i + 1;
  }
  return seq.items.length;
}

/** Write to a temporary file beside the target, then rename: readers (and the file watcher) never see half a file. */
export function writeFileAtomically(file: string, text: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text, 'utf8');
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw error;
  }
}
