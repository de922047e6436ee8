/**
 * Keeps the data current without a restart. The data comes from a file (DATA_FILE, watched) or a URL
 * (DATA_URL, polled with conditional GET every DATA_REFRESH_MINUTES). Every new version is validated with the
 * same schema before it replaces the old one; an invalid version is refused, the bot keeps answering from the
 * last good one, and admins are told once per distinct refusal — not on every poll.
 */
import { createHash } from 'node:crypto';
import { statSync, unwatchFile, watchFile, readFileSync } from 'node:fs';
import type { Logger } from '../core/log.js';
import type { DataSet } from './dataset.js';
import { DataFileError, parseDataText } from './loader.js';

export interface DataRefusal {
  at: Date;
  source: string;
  message: string;
}

export interface LiveDataOptions {
  /** The data file to watch, or a URL to poll. */
  source: { file: string } | { url: string };
  initial: DataSet;
  refreshMinutes: number;
  logger: Logger;
  fetch?: typeof fetch;
}

export interface LiveDataListener {
  /** A new valid version replaced the old one. */
  onChange?: (previous: DataSet, next: DataSet) => void | Promise<void>;
  /** A new version was refused (called once per distinct problem). */
  onRefused?: (refusal: DataRefusal) => void | Promise<void>;
}

/** How often a watched file's modification time is checked: editors save by rename, so polling is robust. */
const FILE_WATCH_INTERVAL_MS = 1000;

export class LiveData {
  private data: DataSet;
  private loaded = new Date();
  private refusal: DataRefusal | undefined;
  private refusalHash: string | undefined;
  private etag: string | undefined;
  private lastModified: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly listeners: LiveDataListener[] = [];

  constructor(private readonly options: LiveDataOptions) {
    this.data = options.initial;
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
    if ('file' in source) watchFile(source.file, { interval: FILE_WATCH_INTERVAL_MS }, () => void this.check());
    if (refreshMinutes > 0) {
      this.timer = setInterval(() => void this.check(), refreshMinutes * 60_000);
      this.timer.unref();
    }
  }

  stop(): void {
    if ('file' in this.options.source) unwatchFile(this.options.source.file);
    if (this.timer) clearInterval(this.timer);
  }

  /** Loads the source now (one check at a time); resolves when the new version is in place or refused. */
  check(): Promise<void> {
    this.checking ??= this.load().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private get sourceName(): string {
    const { source } = this.options;
    return 'file' in source ? source.file : source.url;
  }

  private async load(): Promise<void> {
    let text: string | undefined;
    try {
      text = await this.read();
    } catch (error) {
      // A source we cannot reach is not a bad version: keep the data, log, retry at the next poll.
      this.options.logger.warn({ err: error, source: this.sourceName }, 'data source unreachable; keeping the current data');
      return;
    }
    if (text === undefined) return;
    let next: DataSet;
    try {
      next = parseDataText(text, this.sourceName);
    } catch (error) {
      if (!(error instanceof DataFileError)) throw error;
      await this.refuse(error);
      return;
    }
    // A valid version ends any refusal, even if it is the version we already run.
    this.refusal = undefined;
    this.refusalHash = undefined;
    if (next.version === this.data.version && JSON.stringify(next.figures) === JSON.stringify(this.data.figures)) return;
    const previous = this.data;
    this.data = next;
    this.loaded = new Date();
    this.options.logger.info({ version: next.version, previous: previous.version }, 'data reloaded');
    await this.notify((l) => l.onChange?.(previous, next));
  }

  private async refuse(error: DataFileError): Promise<void> {
    const hash = createHash('sha256').update(error.message).digest('hex');
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
    if ('file' in source) {
      statSync(source.file);
      return readFileSync(source.file, 'utf8');
    }
    const headers: Record<string, string> = {};
    if (this.etag) headers['if-none-match'] = this.etag;
    if (this.lastModified) headers['if-modified-since'] = this.lastModified;
    const response = await (this.options.fetch ?? fetch)(source.url, { headers, signal: AbortSignal.timeout(30_000) });
    if (response.status === 304) return undefined;
    if (!response.ok) throw new Error(`HTTP ${response.status} from ${source.url}`);
    const text = await response.text();
    this.etag = response.headers.get('etag') ?? undefined;
    this.lastModified = response.headers.get('last-modified') ?? undefined;
    return text;
  }
}
