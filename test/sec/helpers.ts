/** Shared by the SEC import tests: a temporary copy of the bundled data file and fixture access. */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { BUNDLED_DATA_FILE } from '../../src/data/loader.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/sec/', import.meta.url));
export const fixturePath = (company: string) => join(FIXTURES, `${company}-companyfacts.json`);
export const fixtureText = (company: string) => readFileSync(fixturePath(company), 'utf8');

export const TODAY = new Date('2026-11-26T09:00:00Z');

export interface TempData {
  dir: string;
  file: string;
  original: string;
  cleanup: () => void;
}

export function tempDataCopy(): TempData {
  const dir = mkdtempSync(join(tmpdir(), 'capex-sec-'));
  const file = join(dir, 'capex-data.yaml');
  copyFileSync(BUNDLED_DATA_FILE, file);
  return { dir, file, original: readFileSync(file, 'utf8'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RawFigure {
  id: string;
  company: string;
  [key: string]: unknown;
}

export function parseFile(text: string): { version: string; fx: unknown[]; companies: unknown[]; figures: RawFigure[] } {
  return parse(text) as never;
}

/** The text with every imported (`-sec-capex-`) figure block cut out: what is left must be the hand-written file. */
export function withoutImportedBlocks(text: string): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  let skipping = false;
  for (const line of lines) {
    if (/^ {2}- id: /.test(line)) skipping = /^ {2}- id: [a-z0-9-]+-sec-capex-/.test(line);
    else if (!/^ {4}/.test(line)) skipping = false; // a comment, blank line or the next section ends a block
    if (!skipping) kept.push(line);
  }
  return kept.join('\n');
}
