#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx capex-bot` works straight after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { cli } = await import('../src/cli.ts');
process.exitCode = await cli(process.argv.slice(2));
