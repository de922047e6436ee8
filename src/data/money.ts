/**
 * Amounts, currencies and the USD conversion every non-USD figure must show with its rate, the rate's
 * date and where it came from. All amounts are in billions of the figure's currency.
 */
import type { DataSet } from './dataset.js';
import type { Figure, FxRate, Source } from './schema.js';

export interface Range {
  low: number;
  high: number;
}

export interface UsdValue extends Range {
  /**
   * How the USD value was obtained, for the reader: the source's own pair, or the data file's rate for the
   * announcement month (`month`; when the table has no row for that month, the nearest earlier month's).
   */
  conversion?: { usdPerUnit: number; date: string; source: Source; fromFigureSource: boolean; month?: string; exactMonth?: boolean; perUsd?: number };
}

export function rangeOf(figure: Figure): Range {
  if (figure.amount !== undefined) return { low: figure.amount, high: figure.amount };
  return { low: figure.low ?? 0, high: figure.high ?? 0 };
}

export function usdOf(figure: Figure, data: DataSet): UsdValue {
  const native = rangeOf(figure);
  if (figure.currency === 'USD') return native;
  if (figure.usd) {
    const usdPerUnit = figure.usd.amount / native.high;
    return {
      low: native.low * usdPerUnit,
      high: figure.usd.amount,
      conversion: { usdPerUnit, date: figure.usd.date, source: figure.usd.source, fromFigureSource: true },
    };
  }
  const rate = rateFor(data.fx, figure.currency, figure.announced.slice(0, 7));
  // The loader refuses files where a non-USD figure has no rate, so this is an invariant.
  if (!rate) throw new Error(`no fx rate for ${figure.currency} (figure ${figure.id})`);
  const usdPerUnit = 1 / rate.perUsd;
  const month = figure.announced.slice(0, 7);
  return {
    low: native.low * usdPerUnit,
    high: native.high * usdPerUnit,
    conversion: { usdPerUnit, date: rate.month, source: rate.source, fromFigureSource: false, month: rate.month, exactMonth: rate.month === month, perUsd: rate.perUsd },
  };
}

/**
 * The rate for a currency in a month ("2025-08"): that month's row, else the nearest earlier month's, else (a
 * figure older than the table) the earliest row. Rows may be in any order in the file.
 */
export function rateFor(fx: readonly FxRate[], currency: string, month: string): FxRate | undefined {
  const rows = fx.filter((r) => r.currency === currency).sort((a, b) => a.month.localeCompare(b.month));
  return rows.filter((r) => r.month <= month).at(-1) ?? rows[0];
}

/** Source figures keep their precision (72.22); derived ones get three significant digits at most. */
export function formatNumber(n: number, derived = false): string {
  if (n >= 1000) return Math.round(n).toLocaleString('en-US');
  if (!derived) return String(Math.round(n * 1000) / 1000);
  if (n >= 100) return String(Math.round(n));
  if (n >= 10) return String(Math.round(n * 10) / 10);
  return String(Math.round(n * 100) / 100);
}

function formatRange(r: Range, derived: boolean): string {
  const low = formatNumber(r.low, derived);
  const high = formatNumber(r.high, derived);
  return low === high ? low : `${low}–${high}`;
}

const QUALIFIER_WORDS: Record<NonNullable<Figure['qualifier']>, string> = {
  'at-least': 'more than ',
  'at-most': 'under ',
  'up-to': 'up to ',
  about: 'about ',
  implied: 'implied ',
};

export function qualifierWord(figure: Pick<Figure, 'qualifier'>): string {
  return figure.qualifier ? QUALIFIER_WORDS[figure.qualifier] : '';
}

/** "US$125–145B" */
export function formatUsd(r: Range, derived = false): string {
  return `US$${formatRange(r, derived)}B`;
}

const CURRENCY_WORDS: Record<string, string> = { CNY: 'yuan', JPY: 'yen', EUR: 'euros', HKD: 'Hong Kong dollars' };

/** The figure in its own currency, as the source states it: "more than 380 billion yuan", "US$70–72B". */
export function formatNative(figure: Figure): string {
  const r = rangeOf(figure);
  const q = qualifierWord(figure);
  if (figure.currency === 'USD') return `${q}${formatUsd(r)}`;
  return `${q}${formatRange(r, false)} billion ${CURRENCY_WORDS[figure.currency] ?? figure.currency}`;
}

/** "more than 380 billion yuan ≈ US$53B (source's own conversion)" or just "US$80B". */
export function formatWithUsd(figure: Figure, data: DataSet): string {
  if (figure.currency === 'USD') return formatNative(figure);
  return `${formatNative(figure)} ≈ ${formatUsd(usdOf(figure, data), true)}`;
}

/** The sentence that says where a conversion came from. */
export function describeConversion(figure: Figure, data: DataSet): string | undefined {
  const { conversion } = usdOf(figure, data);
  if (!conversion) return undefined;
  const perUsd = formatNumber(1 / conversion.usdPerUnit, true);
  if (conversion.fromFigureSource) {
    return `${figure.currency}→USD at ${perUsd} ${figure.currency} per US$ (the source's own conversion, ${formatDate(conversion.date)}: ${conversion.source.title})`;
  }
  // A table rate is named exactly as the file gives it (7.2124), so a reader can find the row.
  const rate = conversion.perUsd !== undefined ? String(conversion.perUsd) : perUsd;
  const nearest = conversion.month! < figure.announced.slice(0, 7) ? 'the nearest earlier month in the data file\'s table' : 'the earliest month in the data file\'s table';
  const which = conversion.exactMonth ? `the ${formatDate(conversion.month!)} rate` : `the ${formatDate(conversion.month!)} rate, ${nearest}`;
  return `${figure.currency}→USD at ${rate} ${figure.currency} per US$ (${which}: ${conversion.source.title})`;
}

export function midpoint(r: Range): number {
  return (r.low + r.high) / 2;
}

export function sumRanges(ranges: Range[]): Range {
  return ranges.reduce((acc, r) => ({ low: acc.low + r.low, high: acc.high + r.high }), { low: 0, high: 0 });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "24 Feb 2025", or "Feb 2025" for a month-only date. */
export function formatDate(iso: string): string {
  const [year, month, day] = iso.split('-');
  const monthName = MONTHS[Number(month) - 1] ?? month;
  return day ? `${Number(day)} ${monthName} ${year}` : `${monthName} ${year}`;
}
