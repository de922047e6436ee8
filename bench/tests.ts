/**
 * `npm run bench:tests` — the wall time of `npm test` (the README's test command: type-check, data check and
 * every vitest file), so issue 18's last row comes from `npm run bench` like the others. Reports the wall time,
 * the CPU time of the whole process tree (user + system of every waited-for descendant, from /proc/self/stat's
 * cutime/cstime), vitest's own summary lines and the slowest test files. Target (issue 18): ≤ 2 min.
 *   npm run bench:tests
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const TARGET_SECONDS = 120;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLOCK_TICKS_PER_SECOND = 100; // Linux's USER_HZ

/** Seconds of CPU used by this process's waited-for children and their descendants. */
function childrenCpuSeconds(): number {
  // Fields after the parenthesised command name: state is field 3, cutime 16, cstime 17 (1-based).
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

const load = () => loadavg().map((n) => n.toFixed(1)).join(', ');
console.log(`npm test on ${cpus().length} CPUs, Node ${process.version}, load average ${load()} at the start.`);
const cpuBefore = childrenCpuSeconds();
const started = performance.now();
let output = '';
const code = await new Promise<number>((resolve) => {
  const child = spawn('npm', ['test'], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('exit', (exitCode) => resolve(exitCode ?? 1));
});
const wallSeconds = (performance.now() - started) / 1000;
const cpuSeconds = childrenCpuSeconds() - cpuBefore;
const text = stripAnsi(output);

const summary = text.split('\n').filter((line) => /^\s*(Test Files|Tests|Duration)\s/.test(line)).map((line) => line.trim());
const files = [...text.matchAll(/^ [✓❯×] (test\/\S+) \((\d+) tests?[^)]*\) +(\d+)ms/gm)]
  .map((m) => ({ file: m[1]!, tests: Number(m[2]), ms: Number(m[3]) }))
  .sort((a, b) => b.ms - a.ms);

console.log(`\n| measure | value |\n|---|---:|`);
console.log(`| npm test wall time | ${wallSeconds.toFixed(1)} s |`);
console.log(`| CPU of the whole process tree | ${cpuSeconds.toFixed(1)} s |`);
console.log(`| exit code | ${code} |`);
for (const line of summary) console.log(`| vitest ${line.split(/\s{2,}/)[0]} | ${line.split(/\s{2,}/).slice(1).join(' ')} |`);
console.log(`\nSlowest files: ${files.slice(0, 8).map((f) => `${f.file.replace(/^test\//, '')} ${(f.ms / 1000).toFixed(1)} s`).join(', ')}.`);
console.log(`Load average ${load()} at the end. Target: ≤ ${TARGET_SECONDS} s — ${wallSeconds <= TARGET_SECONDS ? 'met' : 'NOT met'}.`);
if (code !== 0) {
  console.log(text.split('\n').slice(-60).join('\n'));
  process.exitCode = 1;
}
