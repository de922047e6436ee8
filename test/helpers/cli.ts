/**
 * The command line two ways:
 * - `runCli` calls src/cli.ts in this process with its own stdout/stderr buffers, variables and directory: the
 *   same code as `npx capex-bot …` minus starting Node and compiling with tsx (seconds per run on a busy machine).
 *   For tests about what a command prints and its exit code.
 * - `runCliProcess` runs the real bin/capex-bot.js as a child process: one such test per CLI verb keeps the
 *   entry point itself (tsx registration, process.exitCode, real streams) covered.
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { cli } from '../../src/cli.js';

export const BIN = fileURLToPath(new URL('../../bin/capex-bot.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The whole environment of the run (nothing is inherited from the test process). */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

function collect(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** `capex-bot <args>` in this process. */
export async function runCli(args: string[], { env = {}, cwd = tmpdir() }: CliOptions = {}): Promise<CliRun> {
  const stdout = collect();
  const stderr = collect();
  const code = await cli(args, { stdout: stdout.stream, stderr: stderr.stream, env: { ...env }, cwd });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** `capex-bot <args>` as a child process, as a user runs it. */
export function runCliProcess(args: string[], { env = {}, cwd = tmpdir() }: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, cwd }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}
