/** The console's plain-text rendering of shared (frozen) answers: laid out once, and new text after a reload. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../../src/app.js';
import { renderPlain } from '../../../src/adapters/console/render.js';
import type { Reply } from '../../../src/core/reply.js';
import type { DataSet } from '../../../src/data/dataset.js';
import { BUNDLED_DATA_FILE, parseDataText } from '../../../src/data/loader.js';
import { bundledData, testCaller, TODAY } from '../../helpers/core.js';

describe('renderPlain of shared answers', () => {
  it('GIVEN a frozen answer THEN its text, also from the cache, is exactly that of an unfrozen copy', async () => {
    const core = createCore({ data: bundledData, now: () => TODAY });
    const top = await core.handleText('/capex top 2025', testCaller());
    const meta = await core.handleText('/capex meta', testCaller());
    expect(Object.isFrozen(top)).toBe(true);
    const copy = structuredClone(top) as Reply;
    expect(Object.isFrozen(copy)).toBe(false);
    const first = renderPlain(top);
    expect(renderPlain(meta)).toContain('Meta Platforms (META, FB) — AI capex');
    expect(renderPlain(top)).toBe(first);
    expect(first).toBe(renderPlain(copy));
    expect(first).toContain('Top AI capex 2025');
    expect(first).toMatch(/Total\s+\d/);
  });

  it('GIVEN the data is reloaded with a changed company THEN the same command renders the new data, not the cached text', async () => {
    const renamed = parseDataText(
      readFileSync(BUNDLED_DATA_FILE, 'utf8').replace('    name: Meta Platforms\n', '    name: Meta Platforms Renamed\n'),
      'renamed.yaml',
    );
    let current: DataSet = bundledData;
    const core = createCore({ data: () => current, now: () => TODAY });
    for (const line of ['/capex top 2025', '/capex meta', '/compare meta amazon', '/capex companies']) {
      const before = renderPlain(await core.handleText(line, testCaller()));
      expect(renderPlain(await core.handleText(line, testCaller()))).toBe(before);
      expect(before).not.toContain('Meta Platforms Renamed');
      current = renamed;
      const after = renderPlain(await core.handleText(line, testCaller()));
      expect(after, line).toContain('Meta Platforms Renamed');
      current = bundledData;
      expect(renderPlain(await core.handleText(line, testCaller()))).toBe(before);
    }
  });

  it('GIVEN an error THEN it is one ✗ line with the usage, rendered afresh with the typed text', async () => {
    const core = createCore({ data: bundledData, now: () => TODAY });
    expect(renderPlain(await core.handleText('/capex alibba', testCaller()))).toMatch(/^✗ No company named 'alibba' — did you mean Alibaba\?\n  Usage: \/capex <company>/);
    expect(renderPlain(await core.handleText('/capex nvidiaa', testCaller()))).toContain("No company named 'nvidiaa'");
  });
});
