/**
 * The `import sec` verb of the command line:
 *   capex-bot import sec <ticker …> [--from-file companyfacts.json] [--data-file path]
 * Exit codes follow src/cli.ts: 0 done, 1 user error, 2 configuration error.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { BUNDLED_DATA_FILE, DataFileError } from '../data/loader.js';
import { importSec, SecImportUserError } from './import.js';

import { IMPORT_USAGE } from './usage.js';

export { IMPORT_USAGE };

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

export async function importCli(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { 'from-file': { type: 'string' }, 'data-file': { type: 'string' } },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\nUsage:\n${IMPORT_USAGE}\n`);
    return 1;
  }
  const [source, ...targets] = parsed.positionals;
  if (source !== 'sec') {
    io.err(`${source ? `Unknown import source '${source.slice(0, 40)}'; ` : ''}the only source is 'sec'.\nUsage:\n${IMPORT_USAGE}\n`);
    return 1;
  }
  const dataFileFlag = parsed.values['data-file'];
  try {
    const config = loadConfig(io.env ?? process.env);
    const result = await importSec({
      targets,
      fromFile: parsed.values['from-file'],
      dataFile: dataFileFlag ?? config.DATA_FILE ?? BUNDLED_DATA_FILE,
      userAgent: config.SEC_USER_AGENT,
      apiUrl: config.SEC_API_URL,
      out: (line) => io.out(`${line}\n`),
    });
    return result.failed.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof SecImportUserError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    if (error instanceof DataFileError) {
      // A --data-file typed on this command line is the user's mistake; DATA_FILE is configuration.
      io.err(`${error.message}\nNothing was written.\n`);
      return dataFileFlag ? 1 : 2;
    }
    if (error instanceof ConfigError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
