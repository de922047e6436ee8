/**
 * `npx capex-bot import sec …`: stdout/stderr and exit codes (0 done, 1 user error, 2 configuration error),
 * against a temp copy of the data file. The command line runs in this process (test/helpers/cli.ts) with its own
 * variables and output buffers; the rate-limit case runs the real bin as a child process, as a user runs it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, runCliProcess } from '../helpers/cli.js';
import { startFakeSec, type FakeSec } from './fake-sec.js';
import { fixturePath, parseFile, tempDataCopy, type TempData } from './helpers.js';

let data: TempData;
beforeEach(() => {
  data = tempDataCopy();
});
afterEach(() => data.cleanup());

const run = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { env });

describe('capex-bot import sec', () => {
  it('imports from a file and exits 0; a second run reports everything unchanged', async () => {
    const first = await run(['import', 'sec', 'MSFT', '--from-file', fixturePath('microsoft'), '--data-file', data.file]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Microsoft: 4 annual figures and 8 quarterly figures from PaymentsToAcquirePropertyPlantAndEquipment\n');
    expect(first.stdout).toContain('Microsoft: added 12, changed 0, unchanged 0\n');
    const second = await run(['import', 'sec', 'msft', '--from-file', fixturePath('microsoft'), '--data-file', data.file]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Microsoft: added 0, changed 0, unchanged 12\n');
    expect(second.stdout).toContain('No changes;');
  });

  it('fetches from SEC_API_URL with SEC_USER_AGENT, and uses DATA_FILE when --data-file is not given', async () => {
    const sec: FakeSec = await startFakeSec();
    try {
      const r = await run(['import', 'sec', 'META', 'AMZN'], { SEC_USER_AGENT: 'capex-bot-test/0.1 tests@example.com', SEC_API_URL: sec.url, DATA_FILE: data.file });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Meta Platforms: added 17, changed 0, unchanged 0\n');
      expect(r.stdout).toContain('Amazon: added 7, changed 0, unchanged 0\n');
      expect(sec.requests.map((q) => q.userAgent)).toEqual(['capex-bot-test/0.1 tests@example.com', 'capex-bot-test/0.1 tests@example.com']);
      expect(parseFile(readFileSync(data.file, 'utf8')).figures.filter((f) => f.id.includes('-sec-capex-'))).toHaveLength(24);
    } finally {
      await sec.close();
    }
  });

  // The real bin (tsx compiles on the fly: seconds on a busy machine). A child process also leaves this process,
  // which runs the server, idle, so it sees arrivals on time.
  it('spaces its requests out to stay under the SEC rate limit of 10 per second, retries included', { timeout: 30_000 }, async () => {
    const sec: FakeSec = await startFakeSec();
    try {
      sec.failFirst('0001326801', [429], { 'retry-after': '0' });
      const r = await runCliProcess(['import', 'sec', 'META', 'MSFT', 'AMZN'], { env: { SEC_USER_AGENT: 'capex-bot-test/0.1 tests@example.com', SEC_API_URL: sec.url, DATA_FILE: data.file } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Meta Platforms: added 17, changed 0, unchanged 0\n');
      expect(sec.requests).toHaveLength(4);
      const gaps = sec.requests.slice(1).map((q, i) => q.at - sec.requests[i]!.at);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(100);
    } finally {
      await sec.close();
    }
  });

  it('exits 2 naming SEC_USER_AGENT and an example when it is missing', async () => {
    const r = await run(['import', 'sec', 'META', '--data-file', data.file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SEC_USER_AGENT is not set');
    expect(r.stderr).toContain('SEC_USER_AGENT="capex-bot/0.1 you@example.com"');
    expect(r.stdout).toBe('');
    expect(readFileSync(data.file, 'utf8')).toBe(data.original);
  });

  it('exits 2 when SEC_USER_AGENT has no contact email', async () => {
    const r = await run(['import', 'sec', 'META', '--data-file', data.file], { SEC_USER_AGENT: 'capex-bot' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SEC_USER_AGENT: must name the app and a contact email, e.g. "capex-bot/0.1 you@example.com"');
  });

  it.each([
    [['import', 'sec', 'NOPE1'], "Unknown ticker or company 'NOPE1'."],
    [['import', 'sec', 'metta'], "Unknown ticker or company 'metta'. Did you mean META?"],
    [['import', 'sec', 'tencent'], 'Tencent has no SEC companyfacts to import (not a US-dollar SEC filer we track).'],
    [['import', 'sec'], 'Name at least one ticker, e.g. capex-bot import sec META MSFT.'],
    [['import', 'sec', 'META', 'MSFT', '--from-file', 'x.json'], '--from-file reads one company\'s companyfacts: name exactly one ticker with it.'],
    [['import', 'sec', 'META', '--from-file', '/nonexistent/companyfacts.json'], 'Cannot read /nonexistent/companyfacts.json (ENOENT).'],
    [['import', 'sec', 'META', '--from-file', fixturePath('microsoft')], `${fixturePath('microsoft')} is for CIK 0000789019 (MICROSOFT CORPORATION), not Meta Platforms (CIK 0001326801)`],
    [['import', 'edgar', 'META'], "Unknown import source 'edgar'; the only source is 'sec'."],
    [['import', 'sec', 'META', '--from'], "Unknown option '--from'"],
  ])('exits 1 with a plain message for %j', async (args, message) => {
    const r = await run([...args, '--data-file', data.file], { SEC_USER_AGENT: 'capex-bot-test/0.1 tests@example.com', SEC_API_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readFileSync(data.file, 'utf8')).toBe(data.original);
  });

  it('exits 1 for a --from-file that is not companyfacts JSON', async () => {
    const bad = join(data.dir, 'page.html');
    writeFileSync(bad, '<html>Undeclared Automated Tool</html>');
    const r = await run(['import', 'sec', 'META', '--from-file', bad, '--data-file', data.file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad} is not JSON; expected the SEC companyfacts file`);
  });

  it('exits 1 for a --data-file that does not exist, 2 for a DATA_FILE that does not', async () => {
    const flag = await run(['import', 'sec', 'META', '--from-file', fixturePath('meta'), '--data-file', '/nonexistent/data.yaml']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('/nonexistent/data.yaml is invalid and was not loaded');
    expect(flag.stderr).toContain('Nothing was written.');
    const env = await run(['import', 'sec', 'META', '--from-file', fixturePath('meta')], { DATA_FILE: '/nonexistent/data.yaml' });
    expect(env.code).toBe(2);
  });

  it('lists the import in --help', async () => {
    const r = await run(['help']);
    expect(r.stdout).toContain('capex-bot import sec <ticker …> [--from-file companyfacts.json] [--data-file path]');
  });
});
