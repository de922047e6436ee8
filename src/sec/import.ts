/**
 * `capex-bot import sec <ticker …>`: fetch (or read) each company's companyfacts, extract reported
 * capex, merge it into the data file and say what changed, company by company.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.js';
import { DataFileError, parseDataText } from '../data/loader.js';
import type { DataSet } from '../data/dataset.js';
import type { Company } from '../data/schema.js';
import { padCik, SEC_FILERS, type SecFiler } from './ciks.js';
import { SecClient, SecFetchError, type SecClientOptions } from './client.js';
import { CompanyFactsError, parseCompanyFacts } from './companyfacts.js';
import { extractCapex } from './extract.js';
import { toSecFigures, type SecFigure } from './figures.js';
import { mergeSecFigures, writeFileAtomically, type CompanyMergeStats } from './merge.js';

export const USER_AGENT_EXAMPLE = 'capex-bot/0.1 you@example.com';

/** A mistake on the command line (unknown ticker, a company the SEC has no filings for, a bad file). */
export class SecImportUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecImportUserError';
  }
}

export interface SecImportOptions {
  /** Tickers, or any name the data file knows the company by. */
  targets: string[];
  /** A companyfacts JSON file to read instead of fetching (one target only). */
  fromFile?: string;
  dataFile: string;
  userAgent?: string;
  apiUrl?: string;
  /** Progress lines for the user. */
  out: (line: string) => void;
  now?: () => Date;
  client?: Omit<SecClientOptions, 'userAgent' | 'baseUrl'>;
}

export interface SecImportResult {
  written: boolean;
  versionBefore: string;
  versionAfter: string;
  stats: Map<string, CompanyMergeStats>;
  /** Companies whose facts could not be fetched (the others were still merged). */
  failed: string[];
}

interface Target {
  company: Company;
  filer: SecFiler;
}

function resolveTargets(data: DataSet, targets: string[]): Target[] {
  const problems: string[] = [];
  const resolved: Target[] = [];
  for (const raw of targets) {
    const text = raw.slice(0, 60);
    const match = data.resolve(text);
    if (!match.ok) {
      const hint = match.suggestions.length ? ` Did you mean ${match.suggestions.map((c) => c.tickers[0] ?? c.name).join(', ')}?` : '';
      problems.push(`Unknown ticker or company '${text}'.${hint}`);
      continue;
    }
    const filer = SEC_FILERS[match.company.id];
    if (!filer) {
      problems.push(`${match.company.name} has no SEC companyfacts to import (not a US-dollar SEC filer we track).`);
      continue;
    }
    if (!resolved.some((t) => t.company.id === match.company.id)) resolved.push({ company: match.company, filer });
  }
  if (problems.length > 0) {
    const importable = Object.values(SEC_FILERS).map((f) => f.ticker).join(', ');
    throw new SecImportUserError(`${problems.join('\n')}\nImportable: ${importable}.`);
  }
  return resolved;
}

function readDataFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataFileError(file, [{ file, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` }]);
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function importSec(options: SecImportOptions): Promise<SecImportResult> {
  const { out } = options;
  if (options.targets.length === 0) throw new SecImportUserError('Name at least one ticker, e.g. capex-bot import sec META MSFT.');
  if (options.fromFile && options.targets.length !== 1) throw new SecImportUserError('--from-file reads one company\'s companyfacts: name exactly one ticker with it.');
  const original = readDataFile(options.dataFile);
  const data = parseDataText(original, options.dataFile);
  const targets = resolveTargets(data, options.targets);
  if (!options.fromFile && !options.userAgent) {
    throw new ConfigError(
      `SEC_USER_AGENT is not set. The SEC asks every client to name itself and a contact: set SEC_USER_AGENT, e.g. SEC_USER_AGENT="${USER_AGENT_EXAMPLE}" (or use --from-file with a downloaded companyfacts JSON).`,
    );
  }
  const client = options.userAgent ? new SecClient({ ...options.client, userAgent: options.userAgent, baseUrl: options.apiUrl }) : undefined;

  const figuresByCompany = new Map<string, SecFigure[]>();
  const failed: string[] = [];
  for (const { company, filer } of targets) {
    const who = `${company.name} (${filer.ticker}, CIK ${filer.cik})`;
    let text: string;
    let where: string;
    if (options.fromFile) {
      where = options.fromFile;
      out(`${who}: reading ${where}`);
      try {
        text = readFileSync(where, 'utf8');
      } catch (error) {
        throw new SecImportUserError(`Cannot read ${where} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
      }
    } else {
      where = client!.companyFactsUrl(filer.cik);
      out(`${who}: fetching ${where}`);
      try {
        text = await client!.companyFacts(filer.cik, (why, waitMs) => out(`${company.name}: ${why}, retrying in ${waitMs < 1000 ? `${waitMs} ms` : `${(waitMs / 1000).toFixed(1)} s`}`));
      } catch (error) {
        if (!(error instanceof SecFetchError)) throw error;
        out(`${company.name}: FAILED: ${error.message}`);
        failed.push(company.id);
        continue;
      }
    }
    let figures: SecFigure[];
    try {
      const facts = parseCompanyFacts(text, where);
      if (padCik(facts.cik) !== filer.cik) {
        throw new CompanyFactsError(`${where} is for CIK ${padCik(facts.cik)} (${facts.entityName}), not ${company.name} (CIK ${filer.cik})`);
      }
      const extraction = extractCapex(facts);
      const warnings = [...extraction.warnings];
      figures = toSecFigures(extraction.periods, company, filer.cik, warnings);
      const annual = figures.filter((f) => f.metric === 'reported').length;
      const tags = extraction.tagsUsed.map((t) => t.tag).join(', ') || 'none of the capex tags';
      out(`${company.name}: ${plural(annual, 'annual figure')} and ${plural(figures.length - annual, 'quarterly figure')} from ${tags}`);
      for (const warning of warnings) out(`${company.name}: note: ${warning}`);
    } catch (error) {
      if (!(error instanceof CompanyFactsError)) throw error;
      if (options.fromFile) throw new SecImportUserError(error.message);
      out(`${company.name}: FAILED: ${error.message}`);
      failed.push(company.id);
      continue;
    }
    figuresByCompany.set(company.id, figures);
  }

  const merge = mergeSecFigures(original, options.dataFile, figuresByCompany, options.now?.() ?? new Date());
  for (const [companyId, s] of merge.stats) {
    const name = data.company(companyId)?.name ?? companyId;
    const extra = [
      s.keptNewer.length ? `${s.keptNewer.length} kept (the file has a newer filing)` : '',
      s.conflicts.length ? `${s.conflicts.length} skipped (id taken by a hand-curated figure: ${s.conflicts.join(', ')})` : '',
    ].filter(Boolean);
    out(`${name}: added ${s.added.length}, changed ${s.changed.length}, unchanged ${s.unchanged.length}${extra.length ? `, ${extra.join(', ')}` : ''}`);
  }
  if (merge.changed) {
    writeFileAtomically(options.dataFile, merge.text);
    out(`Wrote ${options.dataFile}: version ${merge.versionBefore} → ${merge.versionAfter}, ${merge.data.figures.length} figures.`);
  } else {
    out(`No changes; ${options.dataFile} left as it was (version ${merge.versionBefore}).`);
  }
  if (failed.length > 0) out(`Not imported: ${failed.map((id) => data.company(id)?.name ?? id).join(', ')}.`);
  return { written: merge.changed, versionBefore: merge.versionBefore, versionAfter: merge.versionAfter, stats: merge.stats, failed };
}
