/**
 * `capex-bot data check` on fixture files that break each rule (test/fixtures/data), through the real loader,
 * and on the bundled data file: it must pass there, as CI runs it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, runCliProcess } from '../helpers/cli.js';
import { loadDataFile } from '../../src/data/loader.js';
import { checkData, formatCheckReport, type CheckRule } from '../../src/data/check.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/data/${name}.yaml`, import.meta.url));
const TODAY = new Date('2026-11-30T12:00:00Z');

function findings(name: string) {
  const data = loadDataFile(fixture(name));
  const report = checkData(data, TODAY);
  const of = (rule: CheckRule) => report.findings.filter((f) => f.rule === rule);
  return { data, report, of };
}

/** `capex-bot data check …` in this process (test/helpers/cli.ts); DATA_FILE unset, so the bundled file is the default. */
const cli = (...args: string[]) => runCli(['data', 'check', ...args]);

describe('data check rules', () => {
  it('GIVEN a clean file THEN nothing is reported and it passes', () => {
    const { report } = findings('check-clean');
    expect(report.findings).toEqual([]);
    expect(report.failed).toBe(false);
  });

  it('GIVEN a headline stated only by an aggregator THEN it fails, naming the figure', () => {
    const { of, report } = findings('check-fails');
    expect(of('headline-aggregator-only').map((f) => f.figureId)).toEqual(['acme-cy2026-guidance-2026-10-01']);
    expect(report.failed).toBe(true);
  });

  it('GIVEN an entry without definition, basis and source kind THEN it fails, naming what the loader guessed', () => {
    const { of } = findings('check-fails');
    const [finding] = of('fields-not-stated');
    expect(finding).toMatchObject({ company: 'bolt', figureId: 'bolt-cy2026-guidance-2026-10-02' });
    expect(finding!.message).toContain('state basis, definition, source.kind');
    expect(finding!.message).toContain('kind other-press');
  });

  it('GIVEN four quarters adding up to 110 against a stated 100 THEN the 10 % gap is reported', () => {
    const { of } = findings('check-warnings');
    const [gap] = of('quarters-disagree');
    expect(gap!.figureId).toBe('acme-cy2025-reported-2026-02-01');
    expect(gap!.message).toMatch(/25 \+ 27 \+ 28 \+ 30 = 110\.00 \(10\.0 % apart\)/);
  });

  it('GIVEN guidance for a year since reported THEN it is listed as superseded by the actual', () => {
    const { of } = findings('check-warnings');
    expect(of('guidance-superseded').map((f) => f.figureId)).toEqual(['acme-cy2025-guidance-2025-02-01']);
    expect(of('guidance-superseded')[0]!.message).toContain('→ actual US$100B capex');
  });

  it('GIVEN sources of each kind THEN aggregator-only and no-primary-source figures are told apart', () => {
    const { of } = findings('check-warnings');
    expect(of('aggregator-only').map((f) => f.figureId)).toEqual(['acme-q1-2025']);
    expect(of('no-primary-source').map((f) => f.figureId)).toEqual(['acme-cy2025-guidance-2025-02-01']);
  });

  it('GIVEN a "dispute" between two definitions THEN it is reported as a definition difference, both sides', () => {
    const { of } = findings('check-warnings');
    expect(of('dispute-is-definition').map((f) => f.figureId).sort()).toEqual(['bolt-fy2025-cash', 'bolt-fy2025-incl-leases']);
  });

  it('GIVEN a company whose newest figure is 22 months old THEN it is stale; recent companies are not', () => {
    const { of, report } = findings('check-warnings');
    expect(of('stale').map((f) => f.company)).toEqual(['cato']);
    expect(report.failed).toBe(false);
  });

  it('GIVEN the report THEN it is grouped per company with a summary of every rule', () => {
    const { report, data } = findings('check-warnings');
    const text = formatCheckReport(report, data);
    expect(text).toMatch(/^Acme \(acme\)$/m);
    expect(text).toMatch(/^\s+1\s+four quarters disagree with the stated year by more than 2 %$/m);
    expect(text).toContain('PASSED');
  });
});

describe('npx capex-bot data check', () => {
  it('GIVEN a file breaking a failing rule THEN it exits 1; a clean one exits 0', async () => {
    expect((await cli('--file', fixture('check-fails'), '--today', '2026-11-30')).code).toBe(1);
    const clean = await cli('--file', fixture('check-clean'), '--today', '2026-11-30');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('PASSED');
  });

  // The real bin, as CI runs it (tsx compiles on the fly: seconds on a busy machine).
  it('GIVEN the bundled data file THEN it passes (CI runs it) and lists weak sourcing per company', async () => {
    const { code, stdout } = await runCliProcess(['data', 'check', '--today', '2026-11-30'], { env: { DATA_FILE: '' } });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\s+0\s+headline figure stated only by aggregators \(FAILS\)$/m);
    expect(stdout).toMatch(/^\s+0\s+definition, basis or source kind not stated \(FAILS\)$/m);
    expect(stdout).toMatch(/^\s+0\s+dispute that is really a definition difference$/m);
    expect(stdout).toMatch(/^\s+0\s+four quarters disagree/m);
  }, 30_000);
});

describe('headlines without a primary page', () => {
  it('GIVEN headlines on other press or aggregators only THEN they are listed (a warning); primary ones are not', () => {
    const { of } = findings('check-fails');
    expect(of('headline-no-primary').map((f) => f.company).sort()).toEqual(['acme', 'bolt']);
    expect(findings('check-warnings').of('headline-no-primary')).toEqual([]);
  });
});
