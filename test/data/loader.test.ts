import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_FILE, DataFileError, loadDataFile, MAX_YAML_ALIASES, parseDataText } from '../../src/data/loader.js';
import { parseDataTextOffThread } from '../../src/data/parse-worker.js';
import { aliasBomb } from '../http/data-versions.js';

const bundled = readFileSync(BUNDLED_DATA_FILE, 'utf8');

function refusal(text: string): DataFileError {
  try {
    parseDataText(text, 'fixture.yaml');
  } catch (error) {
    if (error instanceof DataFileError) return error;
    throw error;
  }
  throw new Error('expected the data to be refused');
}

describe('data file validation', () => {
  it('GIVEN the bundled data file THEN it loads', () => {
    const data = loadDataFile();
    expect(data.companies.length).toBeGreaterThanOrEqual(10);
    expect(data.figures.length).toBeGreaterThanOrEqual(60);
  });

  it('GIVEN a figure with a bad date THEN the file, row, id, field and line are named', () => {
    const bad = bundled.replace(/announced: "?2025-02-24"?/, 'announced: 24/02/2025');
    const error = refusal(bad);
    expect(error.message).toContain('fixture.yaml');
    const problem = error.problems[0]!;
    expect(problem.row).toMatch(/^figures\[\d+\]$/);
    expect(problem.field).toBe('announced');
    expect(problem.rowId).toBeTruthy();
    expect(problem.line).toBe(bad.split('\n').findIndex((l) => l.includes('announced: 24/02/2025')) + 1);
    expect(problem.message).toContain('YYYY-MM-DD');
  });

  it('GIVEN a figure with both amount and a range THEN it is refused on that field', () => {
    const bad = bundled.replace(/(\n(\s+)amount: 80\n)/, '$1$2low: 70\n$2high: 90\n');
    const error = refusal(bad);
    expect(error.problems.some((p) => p.field === 'amount' && /either amount or low and high/.test(p.message))).toBe(true);
  });

  it('GIVEN a figure naming an unknown company THEN it is refused with the company named', () => {
    const bad = bundled.replace(/company: meta\n/, 'company: metaa\n');
    const error = refusal(bad);
    expect(error.problems[0]).toMatchObject({ field: 'company' });
    expect(error.problems[0]!.message).toContain("unknown company 'metaa'");
  });

  it('GIVEN a source URL that is not http(s) THEN it is refused', () => {
    const bad = bundled.replace(/url: "?https:\/\/english\.jschina/, 'url: "ftp://english.jschina');
    expect(refusal(bad).problems.some((p) => p.field?.endsWith('url'))).toBe(true);
  });

  it('GIVEN broken YAML THEN the line is named', () => {
    const error = refusal('version: 1\nfigures: [\n');
    expect(error.problems[0]!.message).toMatch(/not valid YAML/);
  });

  it('GIVEN a bad file on disk THEN the bot refuses to load it at all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capex-data-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, bundled.replace(/(\n\s+)currency: USD(\n\s+period:)/, '$1currency: dollars$2'));
    expect(() => loadDataFile(file)).toThrow(/bad\.yaml.*row figures\[\d+\].*field currency/s);
  });

  it('GIVEN a YAML alias bomb THEN it is refused as a DataFileError naming the file, not thrown as a ReferenceError', () => {
    const error = refusal(aliasBomb());
    expect(error.message).toMatch(/fixture\.yaml: cannot be expanded: Excessive alias count/);
    expect(error.message).toContain(`at most ${MAX_YAML_ALIASES} aliases`);
  });

  it('GIVEN a file over the size limit THEN it is refused before it is read, naming its size and DATA_MAX_BYTES', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capex-data-'));
    const file = join(dir, 'big.yaml');
    writeFileSync(file, bundled + '#'.repeat(200_000));
    expect(() => loadDataFile(file, { maxBytes: 100_000 })).toThrow(DataFileError);
    expect(() => loadDataFile(file, { maxBytes: 100_000 })).toThrow(/big\.yaml: is 0\.3 MB, over the 0\.1 MB limit \(DATA_MAX_BYTES\)/);
    expect(loadDataFile(file).version).toBe(loadDataFile().version);
  });
});

describe('validation off the event loop', () => {
  it('GIVEN the bundled file THEN the worker validates it and the main thread gets the same data set', async () => {
    const data = await parseDataTextOffThread(bundled, 'bundled.yaml');
    expect(data.version).toBe(loadDataFile().version);
    expect(data.figures).toEqual(loadDataFile().figures);
  });

  it('GIVEN an alias bomb or bad data THEN the worker refuses it with the same problems as in-thread', async () => {
    await expect(parseDataTextOffThread(aliasBomb(), 'bomb.yaml')).rejects.toThrow(/bomb\.yaml: cannot be expanded/);
    const bad = bundled.replace(/company: meta\n/, 'company: metaa\n');
    await expect(parseDataTextOffThread(bad, 'fixture.yaml')).rejects.toThrow(refusal(bad).message);
  });

  it('GIVEN a validation that takes too long THEN it is refused when the time is up', async () => {
    await expect(parseDataTextOffThread(bundled, 'slow.yaml', { timeoutMs: 1 })).rejects.toThrow(/slow\.yaml: took longer than 0 s to validate/);
  });
});

