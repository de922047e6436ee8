/**
 * The console adapter driven through its real stdin/stdout: the bot as a newcomer runs it. `start` runs as a child
 * process (its stdin is the process's own); `ask` runs once as one (the entry point: exit code, real streams) and
 * otherwise in this process through src/cli.ts (test/helpers/cli.ts), the same code minus a Node start per run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const BIN = fileURLToPath(new URL('../../../bin/capex-bot.js', import.meta.url));
// No platform variables: the console adapter, whatever the developer's shell has set.
const ENV = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: ':memory:' };

function runConsole(input: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'start'], { env: ENV, cwd: tmpdir() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ stdout, stderr, code }));
    child.stdin.end(input);
  });
}

describe('console adapter (npm start with no tokens)', () => {
  it('GIVEN piped commands THEN each is answered in order, bad lines included, and EOF ends it', async () => {
    const { stdout, code } = await runConsole('/capex alibaba\n/capex alibba\n\n/compare meta amazon\n/help\n');
    expect(code).toBe(0);
    expect(stdout).toMatch(/To connect Slack set SLACK_BOT_TOKEN/);
    expect(stdout).toContain('more than 380 billion yuan ≈ US$52.7B'); // Sep 2025 restatement, at that month's rate (DATA)
    expect(stdout).toContain("✗ No company named 'alibba' — did you mean Alibaba?");
    expect(stdout).toContain('Meta Platforms vs Amazon — 2026');
    expect(stdout).toContain('/capex top [year]');
    expect(stdout.indexOf('380 billion yuan')).toBeLessThan(stdout.indexOf('Meta Platforms vs Amazon'));
  }, 30_000);

  it('GIVEN /quit THEN it stops reading', async () => {
    const { stdout, code } = await runConsole('/quit\n/capex meta\n');
    expect(code).toBe(0);
    expect(stdout).not.toContain('Meta Platforms (META)');
  }, 30_000);
});

describe('capex-bot ask (one-shot)', () => {
  const ask = (...args: string[]) => runCli(['ask', ...args], { env: ENV });

  it('GIVEN a good command THEN the answer on stdout and exit 0', async () => {
    const r = await ask('/capex top 2025');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Top AI capex 2025');
  }, 30_000);

  it('GIVEN a user error THEN a one-line message, no stack trace, exit 1 (the real bin, as a user runs it)', () => {
    const r = spawnSync(process.execPath, [BIN, 'ask', '/compare meta'], { env: ENV, cwd: tmpdir(), encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('name at least two companies');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('GIVEN a bad configuration or data file THEN exit 2 with the reason', async () => {
    const r = await runCli(['ask', '/capex meta'], { env: { ...ENV, DATA_FILE: '/nonexistent/x.yaml', PORT: 'abc' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PORT');
    const data = await runCli(['ask', '/capex meta'], { env: { ...ENV, DATA_FILE: '/nonexistent/x.yaml' } });
    expect(data.code).toBe(2);
    expect(data.stderr).toContain('/nonexistent/x.yaml is invalid and was not loaded');
    expect(data.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});

describe('capex-bot ask with digests (persisted between processes)', () => {
  // Each run opens and closes the file itself (src/cli.ts), as separate processes would: nothing is shared in memory.
  it('GIVEN a schedule added in one run THEN a new run lists it and `send` prints the digest to the console', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'capex-cli-')), 'bot.sqlite');
    const env = { ...ENV, DATABASE_URL: db };
    const run = (line: string) => runCli(['ask', line], { env });
    expect((await run('/capex-digest add 09:00 weekdays Europe/Berlin')).code).toBe(0);
    const list = await run('/capex-digest list');
    expect(list.stdout).toContain('on weekdays (Mon–Fri) at 09:00 (Europe/Berlin)');
    const send = await run('/capex-digest send 1');
    expect(send.code).toBe(0);
    expect(send.stdout).toMatch(/\[console:local\] AI capex digest — /);
    expect(send.stdout).toContain('Top spenders');
  }, 30_000);
});
