/**
 * Keeps the data current without a restart. The data comes from a file (DATA_FILE, watched) or a URL
 * (DATA_URL, polled with conditional GET every DATA_REFRESH_MINUTES). Every new version is validated with the
 * same schema before it replaces the old one; an invalid version is refused, the bot keeps answering from the
 * last good one, and admins are told once per distinct refusal — not on every poll.
 *
 * Hostile or broken versions cost a refusal, never the process or its answers:
 * - size: a file or body over DATA_MAX_BYTES is refused before it is read (Content-Length) or as soon as it
 *   passes the limit;
 * - time: validation runs in a worker thread (./parse-worker.ts), so even a 5 MB file leaves answers flowing;
 * - half-written files: a file is read only once its size, mtime and inode have stayed the same for a settle
 *   period (and again after reading), and a URL body must be as long as its Content-Length says;
 * - restarts: every accepted version is copied to a last-good file beside DATA_FILE, and a start-up whose data
 *   file is refused starts from that copy (or stops with the problems named: exit 2, never a stack).
 */
import { createHash } from 'node:crypto';
import { existsSync, renameSync, statSync, unwatchFile, watchFile, writeFileSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { DataSet } from './dataset.js';
import { DataFileError, DEFAULT_DATA_MAX_BYTES, parseDataText, parseDataTextCached, readDataFile, tooLargeError } from './loader.js';
import { parseDataTextOffThread } from './parse-worker.js';

export interface DataRefusal {
  at: Date;
  source: string;
  message: string;
}

export interface LiveDataOptions {
  /** The data file to watch, or a URL to poll. */
  source: { file: string } | { url: string };
  initial: DataSet;
  /** The text `initial` was read from: an identical version later is recognised without parsing it again. */
  initialText?: string;
  /** A refusal from start-up (the data file was refused and `initial` is the last good copy). */
  startupRefusal?: DataFileError;
  refreshMinutes: number;
  logger: Logger;
  fetch?: typeof fetch;
  /** DATA_MAX_BYTES: larger files and bodies are refused. */
  maxBytes?: number;
  /** Where each accepted version is copied, for the next start (see `lastGoodPathFor`); none when absent. */
  lastGoodFile?: string;
  /** How long a file's size, mtime and inode must stay the same before it is read. */
  settleMs?: number;
}

export interface LiveDataListener {
  /** A new valid version replaced the old one. */
  onChange?: (previous: DataSet, next: DataSet) => void | Promise<void>;
  /** A new version was refused (called once per distinct problem). */
  onRefused?: (refusal: DataRefusal) => void | Promise<void>;
}

/** How often a watched file's modification time is checked: editors save by rename, so polling is robust. */
const FILE_WATCH_INTERVAL_MS = 1000;
/**
 * A file must look the same (size, mtime, inode) this long before it is read. A script writing in place
 * pauses between writes; rename is atomic and needs no settling (docs/data.md asks for temp file + rename).
 */
export const DEFAULT_SETTLE_MS = 2_000;
/** A file still changing after this long is left for the next change or poll. */
const MAX_SETTLE_ROUNDS = 15;

/** The last-good copy of a data file: beside it, so it lives wherever the operator keeps their data. */
export function lastGoodPathFor(dataFile: string): string {
  return `${dataFile}.last-good`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Not a new version yet (still being written, or cut short): keep the current data, look again later. */
class NotReadyError extends Error {}

export interface StartupData {
  data: DataSet;
  text: string;
  /** Set when the data file was refused and `data` is the last good copy. */
  refusal?: DataFileError;
}

/**
 * The data the bot starts with: the data file, or — when it is refused — the last good copy of it, with
 * the refusal kept to report. Throws DataFileError (naming the file's problems and the missing copy) when
 * neither can be used; the CLI turns that into exit 2.
 */
export function loadStartupData(file: string, { maxBytes = DEFAULT_DATA_MAX_BYTES, lastGoodFile, logger }: { maxBytes?: number; lastGoodFile?: string; logger: Logger }): StartupData {
  try {
    const text = readDataFile(file, { maxBytes });
    const data = parseDataTextCached(text, file);
    if (lastGoodFile) saveLastGood(lastGoodFile, text, logger);
    return { data, text };
  } catch (error) {
    if (!(error instanceof DataFileError)) throw error;
    if (!lastGoodFile || !existsSync(lastGoodFile)) {
      throw new DataFileError(file, [
        ...error.problems,
        { file, message: lastGoodFile ? `and there is no last good copy (${lastGoodFile}) to start from: fix the file, or restore a good version` : 'fix the file, or restore a good version' },
      ]);
    }
    let text: string;
    let data: DataSet;
    try {
      text = readDataFile(lastGoodFile, { maxBytes });
      data = parseDataText(text, lastGoodFile);
    } catch (copyError) {
      const copyProblems = copyError instanceof DataFileError ? copyError.problems : [{ file: lastGoodFile, message: String(copyError) }];
      throw new DataFileError(file, [...error.problems, ...copyProblems, { file, message: `the last good copy (${lastGoodFile}) cannot be used either: fix the data file` }]);
    }
    logger.error({ file, lastGood: lastGoodFile, version: data.version, problems: error.problems }, 'data file refused at start-up; starting with the last good copy');
    return { data, text, refusal: error };
  }
}

/** Writes the copy atomically (temp file + rename), so a crash mid-write never leaves a half copy. */
function saveLastGood(path: string, text: string, logger: Logger): void {
  try {
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    logger.warn({ err: error, path }, 'could not keep a last good copy of the data; a refused file at the next start will stop the bot');
  }
}

const sameFile = (a: Stats, b: Stats) => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;

export class LiveData {
  private data: DataSet;
  private loaded = new Date();
  private refusal: DataRefusal | undefined;
  private refusalHash: string | undefined;
  /** sha256 of the text of the version in use, when known. */
  private goodHash: string | undefined;
  private etag: string | undefined;
  private lastModified: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private stopped = false;
  private readonly listeners: LiveDataListener[] = [];
  private readonly maxBytes: number;
  private readonly settleMs: number;

  constructor(private readonly options: LiveDataOptions) {
    this.data = options.initial;
    this.goodHash = options.initialText === undefined ? undefined : sha256(options.initialText);
    this.maxBytes = options.maxBytes ?? DEFAULT_DATA_MAX_BYTES;
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    const refused = options.startupRefusal;
    if (refused) {
      this.refusal = { at: new Date(), source: this.sourceName, message: refused.message };
      this.refusalHash = sha256(refused.message);
    }
  }

  /** Features (revision alerts, admin notices) subscribe here; listeners run in order, errors are logged. */
  subscribe(listener: LiveDataListener): void {
    this.listeners.push(listener);
  }

  private async notify(call: (l: LiveDataListener) => void | Promise<void> | undefined): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await call(listener);
      } catch (error) {
        this.options.logger.error({ err: error }, 'data listener failed');
      }
    }
  }

  current(): DataSet {
    return this.data;
  }

  status(): { dataVersion: string; dataLoadedAt: string; dataSource: string; lastRefusal?: { at: string; message: string } } {
    return {
      dataVersion: this.data.version,
      dataLoadedAt: this.loaded.toISOString(),
      dataSource: this.sourceName,
      ...(this.refusal ? { lastRefusal: { at: this.refusal.at.toISOString(), message: this.refusal.message } } : {}),
    };
  }

  get lastRefusal(): DataRefusal | undefined {
    return this.refusal;
  }

  get loadedAt(): Date {
    return this.loaded;
  }

  start(): void {
    const { source, refreshMinutes } = this.options;
    this.stopped = false;
    if ('file' in source) watchFile(source.file, { interval: FILE_WATCH_INTERVAL_MS }, () => void this.check());
    if (refreshMinutes > 0) {
      this.timer = setInterval(() => void this.check(), refreshMinutes * 60_000);
      this.timer.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    if ('file' in this.options.source) unwatchFile(this.options.source.file);
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Loads the source now (one check at a time); resolves when the new version is in place or refused. A
   * change arriving during a check is looked at by one more check right after it.
   */
  check(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.checkAgain = false;
        await this.load();
      } while (this.checkAgain && !this.stopped);
    })().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private checkAgain = false;

  private get sourceName(): string {
    const { source } = this.options;
    return 'file' in source ? source.file : source.url;
  }

  private async load(): Promise<void> {
    let text: string | undefined;
    try {
      text = await this.read();
    } catch (error) {
      if (error instanceof DataFileError) {
        await this.refuse(error);
        return;
      }
      // A source we cannot reach (or a version not completely there yet) is not a bad version: keep the data,
      // log, look again at the next change or poll.
      this.options.logger.warn({ err: error, source: this.sourceName }, 'data source unreachable or incomplete; keeping the current data');
      return;
    }
    if (text === undefined) return;
    const hash = sha256(text);
    if (hash === this.goodHash) {
      // The version in use: a valid version ends any refusal.
      this.refusal = undefined;
      this.refusalHash = undefined;
      return;
    }
    let next: DataSet;
    try {
      next = await parseDataTextOffThread(text, this.sourceName);
    } catch (error) {
      await this.refuse(error instanceof DataFileError ? error : new DataFileError(this.sourceName, [{ file: this.sourceName, message: `could not be validated (${String(error)})` }]));
      return;
    }
    // A valid version ends any refusal, even if it is the version we already run.
    this.refusal = undefined;
    this.refusalHash = undefined;
    this.goodHash = hash;
    if (this.options.lastGoodFile) saveLastGood(this.options.lastGoodFile, text, this.options.logger);
    if (next.version === this.data.version && JSON.stringify(next.figures) === JSON.stringify(this.data.figures)) return;
    const previous = this.data;
    this.data = next;
    this.loaded = new Date();
    this.options.logger.info({ version: next.version, previous: previous.version }, 'data reloaded');
    await this.notify((l) => l.onChange?.(previous, next));
  }

  private async refuse(error: DataFileError): Promise<void> {
    const hash = sha256(error.message);
    this.options.logger.error({ source: this.sourceName, problems: error.problems }, 'new data version refused; still answering from the last good version');
    if (hash === this.refusalHash) return;
    this.refusalHash = hash;
    this.refusal = { at: new Date(), source: this.sourceName, message: error.message };
    const refusal = this.refusal;
    await this.notify((l) => l.onRefused?.(refusal));
  }

  /** The new text, or undefined when nothing changed (HTTP 304). */
  private async read(): Promise<string | undefined> {
    const { source } = this.options;
    return 'file' in source ? this.readSettledFile(source.file) : this.readUrl(source.url);
  }

  /**
   * The file's text once it has stopped changing: unchanged (size, mtime, inode) for `settleMs` — a file last
   * written longer ago than that counts as settled at once, a fresh one is looked at again when its mtime is
   * `settleMs` old — and unchanged again after reading (a writer that resumed mid-read means another round).
   */
  private async readSettledFile(file: string): Promise<string> {
    let before = statSync(file);
    for (let round = 0; round < MAX_SETTLE_ROUNDS && !this.stopped; round++) {
      if (before.size > this.maxBytes) throw tooLargeError(file, before.size, this.maxBytes);
      const unchangedFor = Date.now() - before.mtimeMs;
      // An mtime in the future (clock skew on a network share) waits the full period.
      const wait = unchangedFor >= 0 ? this.settleMs - unchangedFor : this.settleMs;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const settled = statSync(file);
      if (sameFile(before, settled)) {
        const text = await readFile(file, 'utf8');
        const after = statSync(file);
        if (sameFile(settled, after) && Buffer.byteLength(text) === after.size) return text;
        before = after;
      } else {
        before = settled;
      }
    }
    throw new NotReadyError(`${file} kept changing for ${Math.round((MAX_SETTLE_ROUNDS * this.settleMs) / 1000)} s; it will be read once it stops`);
  }

  /** A polled body: refused when over the size limit, and only taken when it is as long as Content-Length says. */
  private async readUrl(url: string): Promise<string | undefined> {
    const headers: Record<string, string> = {};
    if (this.etag) headers['if-none-match'] = this.etag;
    if (this.lastModified) headers['if-modified-since'] = this.lastModified;
    const response = await (this.options.fetch ?? fetch)(url, { headers, signal: AbortSignal.timeout(30_000) });
    if (response.status === 304) return undefined;
    if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > this.maxBytes) {
      await response.body?.cancel();
      throw tooLargeError(url, declared, this.maxBytes);
    }
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader = response.body?.getReader();
    for (;;) {
      const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
      if (chunk.done) break;
      received += chunk.value.byteLength;
      if (received > this.maxBytes) {
        await reader!.cancel();
        throw tooLargeError(url, received, this.maxBytes);
      }
      chunks.push(chunk.value);
    }
    // fetch hands over decoded bytes: Content-Length counts the encoded ones, so compare only when not encoded.
    const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
    if (Number.isFinite(declared) && !encoded && received !== declared) {
      throw new NotReadyError(`${url} sent ${received} of the ${declared} bytes its Content-Length announced`);
    }
    this.etag = response.headers.get('etag') ?? undefined;
    this.lastModified = response.headers.get('last-modified') ?? undefined;
    return Buffer.concat(chunks).toString('utf8');
  }
}
