/**
 * Calendar arithmetic for reporting periods. Filings give exact days ("2024-09-29" to "2024-12-28" for a
 * 52/53-week quarter); the data file and the bot think in months and fiscal years. Fiscal years are
 * always derived from a period's own start and end, never from the filing's `fy`, which names the
 * filing's year (a 10-K for FY2025 repeats FY2023 with fy=2025).
 */
const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Days from start to end, both included ("2024-01-01" to "2024-12-31" is 366). */
export function daysIn(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS) + 1;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

export interface YearMonth {
  year: number;
  month: number; // 1-12
}

/**
 * The month a period nominally starts in. 52/53-week years start late in the previous month
 * (Apple's FY2025 Q2 starts 2024-12-29), so a start after the 20th counts as the next month.
 */
export function nominalStart(day: string): YearMonth {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return d >= 20 ? shift({ year: y, month: m }, 1) : { year: y, month: m };
}

/** The month a period nominally ends in: an end in the first ten days (a 53-week year ending 2023-01-01) counts as the previous month. */
export function nominalEnd(day: string): YearMonth {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return d <= 10 ? shift({ year: y, month: m }, -1) : { year: y, month: m };
}

export function shift(ym: YearMonth, months: number): YearMonth {
  const index = ym.year * 12 + (ym.month - 1) + months;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** "2024-07" as the data file writes period months. */
export function yearMonthText(ym: YearMonth): string {
  return `${ym.year}-${String(ym.month).padStart(2, '0')}`;
}

export const monthName = (month: number): string => MONTHS[month - 1] ?? '?';

/** "Jul 2024–Jun 2025", or "Jul–Sep 2025" when both ends are in one year. */
export function monthRange(start: YearMonth, end: YearMonth): string {
  return start.year === end.year
    ? `${monthName(start.month)}–${monthName(end.month)} ${end.year}`
    : `${monthName(start.month)} ${start.year}–${monthName(end.month)} ${end.year}`;
}

/** A fiscal year is named by the calendar year it ends in (Microsoft FY2025 = Jul 2024–Jun 2025). */
export function fiscalYearOf(end: YearMonth, fiscalYearEndMonth: number): number {
  return end.month <= fiscalYearEndMonth ? end.year : end.year + 1;
}

/** 1-4: which quarter of its fiscal year a quarter ending in `end` is. */
export function fiscalQuarterOf(end: YearMonth, fiscalYearEndMonth: number): number {
  const monthsAfterYearEnd = (end.month - fiscalYearEndMonth + 12) % 12; // 3, 6, 9 or 0 (= 12)
  return Math.floor(((monthsAfterYearEnd + 11) % 12) / 3) + 1;
}
