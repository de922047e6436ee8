/**
 * Notices that an SQLite file was deleted or replaced under a running bot (issue: schedules vanished
 * silently — the open handle keeps writing to a nameless file that the next start no longer finds).
 * The file's device+inode are remembered at open; `check()` compares them with what the path names now.
 */
import { statSync } from 'node:fs';
import { DatabaseFileGoneError } from './errors.js';

/** How often the running bot looks: well inside the minute within which a deletion must be reported. */
export const FILE_CHECK_INTERVAL_MS = 10_000;

export class FileGuard {
  private readonly identity: string;
  private lost?: DatabaseFileGoneError;
  private timer?: NodeJS.Timeout;
  private readonly listeners: ((problem: Error) => void)[] = [];

  constructor(
    readonly path: string,
    private readonly intervalMs = FILE_CHECK_INTERVAL_MS,
  ) {
    this.identity = FileGuard.identityOf(path) ?? '';
  }

  private static identityOf(path: string): string | undefined {
    try {
      const s = statSync(path, { bigint: true });
      return `${s.dev}:${s.ino}`;
    } catch {
      return undefined;
    }
  }

  /** The error when the file is gone (sticky: a file put back later is another file), undefined while intact. */
  check(): DatabaseFileGoneError | undefined {
    if (this.lost) return this.lost;
    const now = FileGuard.identityOf(this.path);
    if (now === this.identity) return undefined;
    this.lost = new DatabaseFileGoneError(this.path, now === undefined ? 'deleted' : 'replaced');
    for (const listener of this.listeners) {
      try {
        listener(this.lost);
      } catch {
        // A failing listener must not hide the problem from the others or from the caller.
      }
    }
    return this.lost;
  }

  onLost(listener: (problem: Error) => void): void {
    this.listeners.push(listener);
    if (this.lost) listener(this.lost);
    this.timer ??= setInterval(() => this.check(), this.intervalMs).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
