/**
 * Where an approved proposal goes.
 *
 * - DATA_FILE (the default): into the data file, through the same validated, atomic YAML writer the SEC
 *   import uses (src/sec/merge.ts: comments and hand-written rows kept, the whole result validated by the
 *   loader before anything is written, temp file + rename). Then the live data is re-read at once, so the
 *   bot answers with the figure and revision alerts announce it through their normal path.
 * - DATA_URL: the bot does NOT write. The URL's owner (typically a reviewed file in a repository) stays the
 *   single source of truth; a database overlay would fork it silently, and the next version served from the
 *   URL could contradict it with nobody noticing. Approving answers with the exact YAML row to add there;
 *   the figure goes live (and is announced) when the URL serves a version containing it.
 */
import { readFileSync } from 'node:fs';
import type { ProposalRecord } from '../store/proposals.js';
import { figureIdOf, toDataFigure } from './figure.js';

export interface WriteOutcome {
  figureId: string;
  version: string;
}

export interface FigureWriter {
  readonly kind: 'file' | 'url';
  write(p: ProposalRecord, approvedBy: string, now: Date): Promise<WriteOutcome>;
}

/** DATA_URL deployments: the row to add at the source, for the approving admin. */
export class NotWritableError extends Error {
  constructor(
    readonly source: string,
    readonly yaml: string,
    readonly figureId: string,
  ) {
    super(`the data comes from ${source}, which the bot does not write`);
    this.name = 'NotWritableError';
  }
}

/**
 * The YAML writer (`yaml` and the SEC import's merge code) loads on the first approval, not at start-up: a bot
 * that approves nothing never pays its ~9 MiB (issue 18).
 */
const yamlWriter = async () => ({ ...(await import('yaml')), ...(await import('../sec/merge.js')) });
type YamlWriter = Awaited<ReturnType<typeof yamlWriter>>;

/** The row for an approved proposal, with DATA's `definition`/`basis`/`source.kind` when the file's rows carry them. */
function rowFor(p: ProposalRecord, approvedBy: string, now: Date, fileText: string, yaml: YamlWriter): { id: string; company: string } & Record<string, unknown> {
  const id = figureIdOf(p);
  return { ...toDataFigure(p, { id, approvedBy, approvedOn: now.toISOString().slice(0, 10), definitions: fileHasDefinitions(fileText, yaml) }), id, company: p.figure.company };
}

/** The data file's figures carry DATA's `definition`/`basis`/`source.kind` fields: write them too. */
function fileHasDefinitions(text: string, { parseDocument, isSeq, isMap }: YamlWriter): boolean {
  const figures = parseDocument(text).get('figures', true);
  if (!isSeq(figures)) return false;
  const first = figures.items.find(isMap);
  return Boolean(first && first.has('definition'));
}

export class DataFileWriter implements FigureWriter {
  readonly kind = 'file';

  constructor(
    private readonly file: string,
    /**
     * Re-read the data now (LiveData.check), so answers and alerts follow without waiting for the file watcher.
     * Not awaited: revision alerts post from the reload, and the approving admin's answer must not wait for them.
     */
    private readonly reload: () => void,
  ) {}

  async write(p: ProposalRecord, approvedBy: string, now: Date): Promise<WriteOutcome> {
    const yaml = await yamlWriter();
    const text = readFileSync(this.file, 'utf8');
    const figure = rowFor(p, approvedBy, now, text, yaml);
    // Throws DataFileError naming row and field when the result would be invalid: nothing is written then.
    const result = yaml.addFigure(text, this.file, figure, now);
    yaml.writeFileAtomically(this.file, result.text);
    this.reload();
    return { figureId: figure.id, version: result.versionAfter };
  }
}

export class DataUrlWriter implements FigureWriter {
  readonly kind = 'url';

  constructor(
    private readonly url: string,
    /** The current data text (for which fields the rows carry); the fallback file is a fair sample. */
    private readonly sample: () => string,
  ) {}

  async write(p: ProposalRecord, approvedBy: string, now: Date): Promise<WriteOutcome> {
    const yaml = await yamlWriter();
    const figure = rowFor(p, approvedBy, now, this.sample(), yaml);
    throw new NotWritableError(this.url, yaml.stringify([figure], yaml.YAML_OUTPUT), figure.id);
  }
}
