/**
 * `capex-bot ask "…" --chart out.png`: a real file in a temp directory. The first case runs the real binary as a
 * user would; the others run the command line in this process (test/helpers/cli.ts), same code, same output.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliProcess } from '../helpers/cli.js';
import { decodePng } from '../helpers/png.js';

const env = { DATABASE_URL: ':memory:' };
const ask = (cwd: string, ...args: string[]) => runCli(['ask', ...args], { env, cwd });

describe('capex-bot ask --chart', () => {
  it('GIVEN /compare meta amazon --chart out.png THEN the text answer, then the PNG written where it says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capex-chart-'));
    const r = await runCliProcess(['ask', '/compare meta amazon', '--chart', 'out.png'], { env, cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Meta Platforms vs Amazon');
    // The file name was taken as the option's value, not as a third company to compare.
    expect(r.stdout.split('out.png')).toHaveLength(2);
    const path = join(dir, 'out.png');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`Chart written to ${path}`);
    const img = decodePng(readFileSync(path));
    expect([img.width, img.height]).toEqual([900, 500]);
  }, 30_000);

  it('GIVEN --chart=file before the command THEN it works the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capex-chart-'));
    const r = await ask(dir, '--chart=top.png', '/capex top 2025');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Top AI capex 2025');
    expect(decodePng(readFileSync(join(dir, 'top.png'))).width).toBe(900);
  });

  it('GIVEN an answer without a chart THEN the answer, a note, no file, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capex-chart-'));
    const r = await ask(dir, '/capex alibaba', '--chart', 'none.png');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('380 billion yuan');
    expect(r.stderr).toContain('This answer has no chart; nothing written');
    expect(existsSync(join(dir, 'none.png'))).toBe(false);
  });

  it('GIVEN a folder that does not exist or no file name THEN a one-line reason, exit 1, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capex-chart-'));
    const bad = await ask(dir, '/capex meta', '--chart', 'missing/dir/x.png');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('Meta Platforms'); // the text answer still went out
    expect(bad.stderr).toMatch(/^Could not write the chart to .*missing\/dir\/x\.png: ENOENT\.$/m);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const none = await ask(dir, '/capex meta', '--chart');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--chart needs a file name');
  });
});
