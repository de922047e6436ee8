#!/usr/bin/env node
// Runs the precompiled JavaScript in dist/ (bin/build.js), rebuilt first whenever a file in src/ changed, so
// `npx capex-bot` works straight after `npm ci` and never runs a stale build. Without a build (esbuild missing,
// a read-only install) it runs the TypeScript sources through tsx, as before: slower to start, same bot.
import { builtEntry } from './build.js';

const entry = builtEntry();
let cli;
if (entry) {
  ({ cli } = await import(entry));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ cli } = await import('../src/cli.ts'));
}
process.exitCode = await cli(process.argv.slice(2));
