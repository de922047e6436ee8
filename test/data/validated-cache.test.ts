/**
 * Start-up's cache of validated data versions (src/data/loader.ts parseDataTextCached): a version that passed
 * is read back instead of re-parsed; an edited file is validated in full; a refused file is never cached.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_FILE, DataFileError, parseDataText, parseDataTextCached } from '../../src/data/loader.js';

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/capex-bot/validated-data/', import.meta.url));
const bundled = readFileSync(BUNDLED_DATA_FILE, 'utf8');
/** The bundled file under a version no other test uses, so its cache entry is this test's own. */
const withVersion = (version: string) => bundled.replace(/^version:.*$/m, `version: ${JSON.stringify(version)}`);

function cacheEntryOf(version: string): string | undefined {
  for (const name of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, name);
    try {
      if ((JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version === version) return path;
    } catch {
      // another test's entry being written
    }
  }
  return undefined;
}

describe('the validated-data cache', () => {
  it('GIVEN a valid version read twice THEN the second read comes from the cache, equal to a full validation', () => {
    const version = `cache-test-${process.pid}-${Date.now()}`;
    const text = withVersion(version);
    const first = parseDataTextCached(text, 'data.yaml');
    const entry = cacheEntryOf(version);
    expect(entry).toBeDefined();
    expect(parseDataTextCached(text, 'data.yaml')).toEqual(parseDataText(text, 'data.yaml'));
    expect(first.version).toBe(version);

    // Proof the second read uses the entry: a marked entry is what comes back for the same text...
    const cached = JSON.parse(readFileSync(entry!, 'utf8')) as { figures: { id: string }[] };
    writeFileSync(entry!, JSON.stringify({ ...cached, figures: cached.figures.slice(0, 1) }));
    expect(parseDataTextCached(text, 'data.yaml').figures).toHaveLength(1);
    // ...and an edited text (one more character) is validated in full.
    expect(parseDataTextCached(`${text}\n`, 'data.yaml').figures.length).toBe(first.figures.length);
  });

  it('GIVEN an invalid file THEN it is refused every time and never cached', () => {
    const version = `cache-test-bad-${process.pid}-${Date.now()}`;
    const text = withVersion(version).replace(/^companies:/m, 'companiez:');
    for (let i = 0; i < 2; i++) expect(() => parseDataTextCached(text, 'bad.yaml')).toThrow(DataFileError);
    expect(cacheEntryOf(version)).toBeUndefined();
  });
});
