/**
 * Fetches companyfacts from SEC EDGAR politely: a User-Agent naming the app and a contact (the SEC's
 * fair-access policy; requests without one are refused with 403), requests spaced so we stay under its
 * 10 requests per second, and retries with backoff on 429 and 5xx.
 */
import { padCik } from './ciks.js';

export const DEFAULT_SEC_API_URL = 'https://data.sec.gov';

export interface SecClientOptions {
  userAgent: string;
  baseUrl?: string;
  /** Minimum gap between one answer and the next request (default 125 ms: under 8 per second, below the SEC's 10). */
  minIntervalMs?: number;
  /** Attempts per request, the first included (default 4). */
  maxAttempts?: number;
  /** First retry delay when the server gives no Retry-After; doubled on each retry (default 1 s). */
  baseDelayMs?: number;
  /** Upper bound on any single wait, Retry-After included (default 30 s). */
  maxDelayMs?: number;
  /** Per-attempt timeout (default 60 s; the biggest companyfacts files are tens of MB). */
  timeoutMs?: number;
}

export class SecFetchError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SecFetchError';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How long to wait before retry number `retry` (1-based): the server's Retry-After if any, else exponential. */
export function retryDelayMs(retryAfter: string | null, retry: number, baseDelayMs: number, maxDelayMs: number, now = Date.now()): number {
  let ms: number | undefined;
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) ms = Math.max(0, seconds * 1000);
    else if (!Number.isNaN(Date.parse(retryAfter))) ms = Math.max(0, Date.parse(retryAfter) - now);
  }
  ms ??= baseDelayMs * 2 ** (retry - 1);
  return Math.min(ms, maxDelayMs);
}

export class SecClient {
  private readonly baseUrl: string;
  private lastRequestAt = -Infinity;

  constructor(private readonly options: SecClientOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_SEC_API_URL).replace(/\/+$/, '');
  }

  companyFactsUrl(cik: string): string {
    return `${this.baseUrl}/api/xbrl/companyfacts/CIK${padCik(cik)}.json`;
  }

  /** The companyfacts JSON text of one company. */
  async companyFacts(cik: string, onRetry?: (why: string, waitMs: number) => void): Promise<string> {
    return this.getText(this.companyFactsUrl(cik), onRetry);
  }

  /**
   * Waits until `minIntervalMs` after the previous request was ANSWERED. Counting from when it was sent
   * is not enough: a slow first send (connection set-up) would let the next one arrive right behind it.
   */
  private async spaceOut(): Promise<void> {
    const wait = this.lastRequestAt + (this.options.minIntervalMs ?? 125) - Date.now();
    if (wait > 0) await sleep(wait);
  }

  private async getText(url: string, onRetry?: (why: string, waitMs: number) => void): Promise<string> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    const baseDelayMs = this.options.baseDelayMs ?? 1000;
    const maxDelayMs = this.options.maxDelayMs ?? 30_000;
    for (let attempt = 1; ; attempt++) {
      await this.spaceOut();
      let why: string;
      let retryAfter: string | null = null;
      try {
        const response = await fetch(url, {
          headers: { 'User-Agent': this.options.userAgent, Accept: 'application/json' },
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
        }).finally(() => (this.lastRequestAt = Date.now()));
        if (response.ok) return await response.text();
        await response.body?.cancel();
        if (response.status !== 429 && response.status < 500) throw permanentFailure(url, response.status);
        why = `HTTP ${response.status}`;
        retryAfter = response.headers.get('retry-after');
      } catch (error) {
        if (error instanceof SecFetchError) throw error;
        why = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : `network error (${(error as Error).cause ?? (error as Error).message})`;
      }
      if (attempt >= maxAttempts) throw new SecFetchError(`${url} failed after ${attempt} attempts (last: ${why})`);
      const waitMs = retryDelayMs(retryAfter, attempt, baseDelayMs, maxDelayMs);
      onRetry?.(why, waitMs);
      await sleep(waitMs);
    }
  }
}

function permanentFailure(url: string, status: number): SecFetchError {
  if (status === 403) return new SecFetchError(`the SEC refused ${url} (HTTP 403): SEC_USER_AGENT must name the app and a contact email`, status);
  if (status === 404) return new SecFetchError(`no companyfacts at ${url} (HTTP 404): check the CIK`, status);
  return new SecFetchError(`${url} answered HTTP ${status}`, status);
}
