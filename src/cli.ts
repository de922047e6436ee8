/**
 * `capex-bot` on the command line:
 *   capex-bot [start]           start the bot (console when no Slack/Discord variables are set)
 *   capex-bot ask "<command>"   answer one command and exit: 0 answered, 1 user error, 2 configuration error
 *     [--chart out.png]         also write the answer's chart as a PNG image
 *   capex-bot import sec <ticker …>   merge SEC-reported capex into the data file (src/sec/cli.ts)
 *   capex-bot data check [--file <yaml>] [--today YYYY-MM-DD]   list weak sourcing; exit 1 when a headline
 *                               figure rests on aggregators only (src/data/check.ts)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs, parseEnv } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import type { Logger } from './core/log.js';
import { BUNDLED_DATA_FILE, DataFileError, loadDataFile } from './data/loader.js';
import { checkData, formatCheckReport } from './data/check.js';
import type { DigestService } from './schedule/service.js';
import type { Reply } from './core/reply.js';
import { IMPORT_USAGE } from './sec/usage.js';

export const EXIT = { ok: 0, userError: 1, configError: 2 } as const;

/**
 * What a run of the command line reads and writes besides its arguments. bin/capex-bot.js passes the process's
 * own; tests pass buffers, variables and a directory, so a command's output is checked without starting Node.
 * The bot's log (pino, warnings and errors during `ask`) still goes to file descriptor 2.
 */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** The variables configuration is read from (./.env fills in the ones not set, as for a real process). */
  env: NodeJS.ProcessEnv;
  /** Where relative paths (--chart out.png, .env) are resolved from. */
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

const USAGE = `Usage:
  capex-bot [start]            start the bot (console when no Slack/Discord variables are set)
  capex-bot ask "<command>"    answer one command and exit, e.g. capex-bot ask "/capex alibaba"
      [--chart <file.png>]     also write the answer's chart as a PNG, e.g. --chart compare.png
  capex-bot data check         check the data file's sourcing (exit 1 when a headline figure has only aggregators)
      [--file <data.yaml>]     another file than DATA_FILE or the bundled one
      [--today <YYYY-MM-DD>]   the date figures' ages are measured from (default: today)
${IMPORT_USAGE}`;

/** `data check`: the file is validated by the loader first (a broken file is exit 2, with row, field and line). */
function dataCheck(argv: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: { file: { type: 'string' }, today: { type: 'string' } } });
  if (positionals[0] !== 'check') {
    io.stderr.write(`Unknown data command '${String(positionals[0] ?? '').slice(0, 40)}'.\n${USAGE}\n`);
    return EXIT.userError;
  }
  const today = typeof values.today === 'string' ? new Date(`${values.today}T12:00:00Z`) : new Date();
  if (Number.isNaN(today.getTime())) {
    io.stderr.write(`--today needs a date such as 2026-11-30\n`);
    return EXIT.userError;
  }
  const file = typeof values.file === 'string' ? values.file : (io.env.DATA_FILE || BUNDLED_DATA_FILE);
  const data = loadDataFile(file);
  const report = checkData(data, today);
  io.stdout.write(`${formatCheckReport(report, data)}\n`);
  return report.failed ? EXIT.userError : EXIT.ok;
}

async function ask(line: string, chartFile: string | undefined, io: CliIo): Promise<number> {
  const config = loadConfig(io.env);
  // Loaded here, not at the top: `data check` and `import` (CI runs the first on every `npm test`) need none of it.
  const [{ createLogger }, { createRuntime }, { CONSOLE_CALLER, createConsoleOutbound }, { renderPlain }] = await Promise.all([
    import('./core/log.js'),
    import('./runtime.js'),
    import('./adapters/console/console.js'),
    import('./adapters/console/render.js'),
  ]);
  const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  // Only the commands that keep state (schedules, alerts, feeds, news) open the database, so plain questions
  // never create an SQLite file.
  const stateful = /^\s*\/capex-(digest|news)\b/i.test(line);
  const runtime = await createRuntime(config, log, { database: stateful });
  try {
    // `/capex-digest send` posts to the schedule's channel: in a one-shot run the console is that channel.
    if (/^\s*\/capex-digest\b/i.test(line)) {
      (runtime.services.digest as DigestService).scheduler.connect(createConsoleOutbound(io.stdout));
    }
    const reply = await runtime.core.handleText(line, CONSOLE_CALLER);
    const text = renderPlain(reply);
    if (reply.kind === 'error') {
      io.stderr.write(`${text}\n`);
      return EXIT.userError;
    }
    io.stdout.write(`${text}\n`);
    return chartFile ? await writeChart(reply, resolve(io.cwd, chartFile), log, io) : EXIT.ok;
  } finally {
    await runtime.close();
  }
}

/** `--chart <file>`: the text answer is already out; the image is an extra that may be missing. */
async function writeChart(reply: Reply, path: string, log: Logger, io: CliIo): Promise<number> {
  if (!reply.chart) {
    io.stderr.write(`This answer has no chart; nothing written to ${path}.\n`);
    return EXIT.ok;
  }
  const { renderChartSafely } = await import('./charts/render.js');
  const png = await renderChartSafely(reply.chart, { asOf: reply.asOf }, log);
  if (!png) {
    io.stderr.write(`The chart could not be drawn; nothing written to ${path}.\n`);
    return EXIT.ok;
  }
  try {
    writeFileSync(path, png);
  } catch (error) {
    io.stderr.write(`Could not write the chart to ${path}: ${(error as NodeJS.ErrnoException).code ?? 'write failed'}.\n`);
    return EXIT.userError;
  }
  io.stdout.write(`Chart written to ${path}\n`);
  return EXIT.ok;
}

/** Reads ./.env when there is one (variables already set win), so `npm start` picks up a team's settings. */
function loadDotEnv(io: CliIo): void {
  const file = join(io.cwd, '.env');
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) io.env[name] ??= value;
}

export async function cli(argv: string[], io: CliIo = processIo()): Promise<number> {
  loadDotEnv(io);
  // strict: false lets `import` take its own options; the ones declared here are still parsed properly.
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: { chart: { type: 'string' } } });
  const [verb = 'start', ...rest] = positionals;
  try {
    switch (verb) {
      case 'start':
        await (await import('./main.js')).main();
        return EXIT.ok;
      case 'ask':
        if (rest.length === 0) {
          io.stderr.write(`Nothing to ask.\n${USAGE}\n`);
          return EXIT.userError;
        }
        if (values.chart !== undefined && (typeof values.chart !== 'string' || values.chart === '')) {
          io.stderr.write(`--chart needs a file name, e.g. --chart out.png\n${USAGE}\n`);
          return EXIT.userError;
        }
        return await ask(rest.join(' '), values.chart, io);
      case 'data':
        return dataCheck(argv.slice(argv.indexOf('data') + 1), io);
      case 'import': {
        // Re-parsed by the verb itself: it has options taking values (--from-file <path>). Loaded here: it brings YAML.
        const { importCli } = await import('./sec/cli.js');
        return await importCli(argv.slice(argv.indexOf('import') + 1), { out: (t) => io.stdout.write(t), err: (t) => io.stderr.write(t), env: io.env });
      }
      case 'help':
      case '--help':
        io.stdout.write(`${USAGE}\n`);
        return EXIT.ok;
      default:
        io.stderr.write(`Unknown command '${verb.slice(0, 40)}'.\n${USAGE}\n`);
        return EXIT.userError;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DataFileError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.configError;
    }
    throw error;
  }
}
