/**
 * vitest globalSetup: gives the run a state dir where test/helpers/postgres.ts starts one throwaway
 * PostgreSQL cluster on first use, and stops and removes that cluster when the run ends.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const stateDir = mkdtempSync(join(tmpdir(), 'capex-pg-run-'));
  project.provide('postgresStateDir', stateDir);
  return () => {
    const state = join(stateDir, 'cluster.json');
    if (existsSync(state)) {
      const { dir, bin } = JSON.parse(readFileSync(state, 'utf8')) as { dir: string; bin: string };
      const pgCtl = [join(bin, 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop'];
      try {
        if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', ...pgCtl], { stdio: 'ignore' });
        else execFileSync(pgCtl[0]!, pgCtl.slice(1), { stdio: 'ignore' });
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    }
    rmSync(stateDir, { recursive: true, force: true });
  };
}
