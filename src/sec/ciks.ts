/**
 * SEC Central Index Keys (CIKs) of the tracked companies that file with the SEC in US dollars, keyed by
 * the data file's company id. A ticker on the command line is resolved through the data set first, so
 * `meta`, `META` and `facebook` all land here; companies missing from this map are not importable
 * (Tencent, ByteDance, xAI, OpenAI and Anthropic do not file; Alibaba and Baidu file 20-Fs in yuan).
 */
export interface SecFiler {
  /** Ten digits, zero-padded, as in the companyfacts URL. */
  cik: string;
  /** The ticker shown in progress lines. */
  ticker: string;
  /**
   * false: the CIK was not checked against EDGAR itself, only seen in the brief and in third-party
   * repositories. The import still refuses a companyfacts file whose `cik` differs, so a wrong entry
   * cannot put another company's figures under this one.
   */
  verified: boolean;
  /** Files 20-F/6-K instead of 10-K/8-K (no 8-K feed to watch for earnings releases). */
  foreignPrivateIssuer?: true;
}

export const SEC_FILERS: Readonly<Record<string, SecFiler>> = {
  // Seen in the sources behind shared/data/sec-companyfacts-notes.md (SEC API examples).
  amazon: { cik: '0001018724', ticker: 'AMZN', verified: true },
  meta: { cik: '0001326801', ticker: 'META', verified: true },
  apple: { cik: '0000320193', ticker: 'AAPL', verified: true },
  // Given in the brief; not checked against EDGAR here (no internet).
  microsoft: { cik: '0000789019', ticker: 'MSFT', verified: false },
  alphabet: { cik: '0001652044', ticker: 'GOOGL', verified: false },
  oracle: { cik: '0001341439', ticker: 'ORCL', verified: false },
  tesla: { cik: '0001318605', ticker: 'TSLA', verified: false },
  // Seen in EDGAR archive links in several public repositories; not checked against EDGAR itself.
  coreweave: { cik: '0001769628', ticker: 'CRWV', verified: false },
  // Nebius Group N.V. (formerly Yandex N.V.), a foreign private issuer filing 20-F/6-K. Same caveat as above.
  nebius: { cik: '0001513845', ticker: 'NBIS', verified: false, foreignPrivateIssuer: true },
};

export function padCik(cik: string | number): string {
  return String(cik).padStart(10, '0');
}
