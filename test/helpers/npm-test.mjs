#!/usr/bin/env node
/**
 * `npm test`: the type-check, the data check on the bundled file, then every test — with the type-check running
 * beside the other two instead of before them. tsc takes 12–17 s of one core and the test run spends much of its
 * time waiting (child processes, sockets, PostgreSQL), so the type-check mostly costs nothing on the wall clock.
 * Exits non-zero when any of the three fails; arguments go to vitest (`npm test -- test/sec`).
 */
import { spawn } from 'node:child_process';

const run = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', shell: false });
    child.once('error', (error) => {
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const bin = (name) => new URL(`../../node_modules/.bin/${name}`, import.meta.url).pathname;

const typecheck = run(bin('tsc'), ['--noEmit']);
const dataCheck = await run(process.execPath, [new URL('../../bin/capex-bot.js', import.meta.url).pathname, 'data', 'check']);
const tests = dataCheck === 0 ? await run(bin('vitest'), ['run', ...process.argv.slice(2)]) : dataCheck;
const types = await typecheck;
if (types !== 0) console.error('npm test: the type-check (tsc --noEmit) failed; see its errors above.');
process.exitCode = types || tests;
