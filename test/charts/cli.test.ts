/** `capex-bot ask "…" --chart out.png`, run as a user would: the real binary, a real file. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../helpers/png.js';

const BIN = fileURLToPath(new URL('../../bin/capex-bot.js', import.meta.url));
const ENV = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: ':memory:' };

function ask(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [BIN, 'ask', ...args], { env: ENV, cwd, encoding: 'utf8' });
}

describe('capex-bot ask --chart', () => {
  it('GIVEN /compare meta amazon --chart out.png THEN the text answer, then the PNG written where it says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capex-chart-'));
    const r = ask(dir, '/compare meta amazon', '--chart', 'out.png');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Meta Platforms vs Amazon');
    // The file name was taken as the option's value, not as a third company to compare.
    expect(r.stdout.split('out.png')).toHaveLength(2);
    const path = join(dir, 'out.png');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`Chart written to ${path}`);
    const img = decodePng(readFileSync(path));
    expect([img.width, img.height]).toEqual([900, 500]);
  }, 30_000);

  it('GIVEN --chart=file before the command THEN it works the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capex-chart-'));
    const r = ask(dir, '--chart=top.png', '/capex top 2025');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Top AI capex 2025');
    expect(decodePng(readFileSync(join(dir, 'top.png'))).width).toBe(900);
  }, 30_000);

  it('GIVEN an answer without a chart THEN the answer, a note, no file, exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capex-chart-'));
    const r = ask(dir, '/capex alibaba', '--chart', 'none.png');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('380 billion yuan');
    expect(r.stderr).toContain('This answer has no chart; nothing written');
    expect(existsSync(join(dir, 'none.png'))).toBe(false);
  }, 30_000);

  it('GIVEN a folder that does not exist or no file name THEN a one-line reason, exit 1, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capex-chart-'));
    const bad = ask(dir, '/capex meta', '--chart', 'missing/dir/x.png');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('Meta Platforms'); // the text answer still went out
    expect(bad.stderr).toMatch(/^Could not write the chart to .*missing\/dir\/x\.png: ENOENT\.$/m);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const none = ask(dir, '/capex meta', '--chart');
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('--chart needs a file name');
  }, 30_000);
});
