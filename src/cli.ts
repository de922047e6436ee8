/**
 * `capex-bot` on the command line:
 *   capex-bot [start]           start the bot (console when no Slack/Discord variables are set)
 *   capex-bot ask "<command>"   answer one command and exit: 0 answered, 1 user error, 2 configuration error
 *     [--chart out.png]         also write the answer's chart as a PNG image
 *   capex-bot import sec <ticker …>   merge SEC-reported capex into the data file (src/sec/cli.ts)
 *   capex-bot data check [--file <yaml>] [--today YYYY-MM-DD]   list weak sourcing; exit 1 when a headline
 *                               figure rests on aggregators only (src/data/check.ts)
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './core/log.js';
import { BUNDLED_DATA_FILE, DataFileError, loadDataFile } from './data/loader.js';
import { checkData, formatCheckReport } from './data/check.js';
import { createRuntime } from './runtime.js';
import { CONSOLE_CALLER, createConsoleOutbound } from './adapters/console/console.js';
import type { DigestService } from './schedule/service.js';
import { renderPlain } from './adapters/console/render.js';
import { renderChartSafely } from './charts/render.js';
import type { Reply } from './core/reply.js';
import { main } from './main.js';
import { importCli, IMPORT_USAGE } from './sec/cli.js';

export const EXIT = { ok: 0, userError: 1, configError: 2 } as const;

const USAGE = `Usage:
  capex-bot [start]            start the bot (console when no Slack/Discord variables are set)
  capex-bot ask "<command>"    answer one command and exit, e.g. capex-bot ask "/capex alibaba"
      [--chart <file.png>]     also write the answer's chart as a PNG, e.g. --chart compare.png
  capex-bot data check         check the data file's sourcing (exit 1 when a headline figure has only aggregators)
      [--file <data.yaml>]     another file than DATA_FILE or the bundled one
      [--today <YYYY-MM-DD>]   the date figures' ages are measured from (default: today)
${IMPORT_USAGE}`;

/** `data check`: the file is validated by the loader first (a broken file is exit 2, with row, field and line). */
function dataCheck(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: { file: { type: 'string' }, today: { type: 'string' } } });
  if (positionals[0] !== 'check') {
    process.stderr.write(`Unknown data command '${String(positionals[0] ?? '').slice(0, 40)}'.\n${USAGE}\n`);
    return EXIT.userError;
  }
  const today = typeof values.today === 'string' ? new Date(`${values.today}T12:00:00Z`) : new Date();
  if (Number.isNaN(today.getTime())) {
    process.stderr.write(`--today needs a date such as 2026-11-30\n`);
    return EXIT.userError;
  }
  const file = typeof values.file === 'string' ? values.file : (process.env.DATA_FILE || BUNDLED_DATA_FILE);
  const data = loadDataFile(file);
  const report = checkData(data, today);
  process.stdout.write(`${formatCheckReport(report, data)}\n`);
  return report.failed ? EXIT.userError : EXIT.ok;
}

async function ask(line: string, chartFile?: string): Promise<number> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  // Only the commands that keep state (schedules, alerts, feeds, news) open the database, so plain questions
  // never create an SQLite file.
  const stateful = /^\s*\/capex-(digest|news)\b/i.test(line);
  const runtime = await createRuntime(config, log, { database: stateful });
  try {
    // `/capex-digest send` posts to the schedule's channel: in a one-shot run the console is that channel.
    if (/^\s*\/capex-digest\b/i.test(line)) {
      (runtime.services.digest as DigestService).scheduler.connect(createConsoleOutbound(process.stdout));
    }
    const reply = await runtime.core.handleText(line, CONSOLE_CALLER);
    const text = renderPlain(reply);
    if (reply.kind === 'error') {
      process.stderr.write(`${text}\n`);
      return EXIT.userError;
    }
    process.stdout.write(`${text}\n`);
    return chartFile ? await writeChart(reply, chartFile, log) : EXIT.ok;
  } finally {
    await runtime.close();
  }
}

/** `--chart <file>`: the text answer is already out; the image is an extra that may be missing. */
async function writeChart(reply: Reply, file: string, log: ReturnType<typeof createLogger>): Promise<number> {
  const path = resolve(file);
  if (!reply.chart) {
    process.stderr.write(`This answer has no chart; nothing written to ${path}.\n`);
    return EXIT.ok;
  }
  const png = await renderChartSafely(reply.chart, { asOf: reply.asOf }, log);
  if (!png) {
    process.stderr.write(`The chart could not be drawn; nothing written to ${path}.\n`);
    return EXIT.ok;
  }
  try {
    writeFileSync(path, png);
  } catch (error) {
    process.stderr.write(`Could not write the chart to ${path}: ${(error as NodeJS.ErrnoException).code ?? 'write failed'}.\n`);
    return EXIT.userError;
  }
  process.stdout.write(`Chart written to ${path}\n`);
  return EXIT.ok;
}

/** Reads ./.env when there is one (variables already set win), so `npm start` picks up a team's settings. */
function loadDotEnv(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
}

export async function cli(argv: string[]): Promise<number> {
  loadDotEnv();
  // strict: false lets `import` take its own options; the ones declared here are still parsed properly.
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: { chart: { type: 'string' } } });
  const [verb = 'start', ...rest] = positionals;
  try {
    switch (verb) {
      case 'start':
        await main();
        return EXIT.ok;
      case 'ask':
        if (rest.length === 0) {
          process.stderr.write(`Nothing to ask.\n${USAGE}\n`);
          return EXIT.userError;
        }
        if (values.chart !== undefined && (typeof values.chart !== 'string' || values.chart === '')) {
          process.stderr.write(`--chart needs a file name, e.g. --chart out.png\n${USAGE}\n`);
          return EXIT.userError;
        }
        return await ask(rest.join(' '), values.chart);
      case 'data':
        return dataCheck(argv.slice(argv.indexOf('data') + 1));
      case 'import':
        // Re-parsed by the verb itself: it has options taking values (--from-file <path>).
        return await importCli(argv.slice(argv.indexOf('import') + 1), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
      case 'help':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        return EXIT.ok;
      default:
        process.stderr.write(`Unknown command '${verb.slice(0, 40)}'.\n${USAGE}\n`);
        return EXIT.userError;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DataFileError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.configError;
    }
    throw error;
  }
}
