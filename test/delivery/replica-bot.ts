/**
 * One bot replica as a real process, for the kill tests (test/delivery/replicas.test.ts): the production
 * start-up (`startBot`) with the configuration from its environment. Prints `ready` on stdout once started.
 */
import { loadConfig } from '../../src/config.js';
import { startBot } from '../../src/main.js';

const bot = await startBot(loadConfig());
process.stdout.write('ready\n');
const stop = async () => {
  await bot.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
