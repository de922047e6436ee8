/**
 * One bot replica as a real process, for the kill tests (test/delivery/replicas.test.ts): the production
 * start-up (`startBot`) with the configuration from its environment, from the precompiled dist/ that
 * `npx capex-bot` runs (bin/build.js rebuilds it first when a source changed, so it is never stale; without a
 * build, the sources through tsx). Prints `ready` on stdout once started.
 */
import { builtEntry } from '../../bin/build.js';

const entry = builtEntry();
const load = async (module) => {
  if (entry) return import(new URL(`${module}.js`, entry).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(`../../src/${module}.ts`);
};
const { loadConfig } = await load('config');
const { startBot } = await load('main');

const bot = await startBot(loadConfig());
process.stdout.write('ready\n');
const stop = async () => {
  await bot.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
