/**
 * `npm run bench`: every benchmark, one after another, each in its own process so one cannot skew the
 * next. Paste the tables into BENCHMARKS.md with the date and machine.
 *   npm run bench -- core slack discord charts startup tests   (only these, in this order: issue 18's table)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ALL = ['core', 'slack', 'discord', 'digest', 'charts', 'startup', 'tests', 'connections', 'web'];
const picked = process.argv.slice(2);
const BENCHES = picked.length > 0 ? picked : ALL;

let failed = false;
for (const name of BENCHES) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(file)) {
    console.error(`no bench named ${name} (${ALL.join(', ')})`);
    failed = true;
    continue;
  }
  console.log(`\n## ${name}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`bench ${name} failed (exit ${result.status})`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
