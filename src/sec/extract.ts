/**
 * Reported capex out of a companyfacts file: the capex tags in order of preference, duplicates across
 * filings removed, annual values as filed, quarterly values as filed or derived from year-to-date
 * values (cash-flow statements in 10-Qs are cumulative: H1 − Q1, 9M − H1, FY − 9M).
 */
import { usdFacts, type CompanyFacts, type Fact } from './companyfacts.js';
import { addDays, daysIn } from './periods.js';

export interface CapexTag {
  taxonomy: 'us-gaap' | 'ifrs-full';
  tag: string;
  /** What the tag measures, in words a reader understands. */
  describes: string;
}

/** Tried in this order for every period; the first tag with a value for a period wins. */
export const CAPEX_TAGS: readonly CapexTag[] = [
  { taxonomy: 'us-gaap', tag: 'PaymentsToAcquirePropertyPlantAndEquipment', describes: 'cash purchases of property and equipment' },
  { taxonomy: 'us-gaap', tag: 'PaymentsToAcquireProductiveAssets', describes: 'cash purchases of productive assets (property and equipment)' },
  { taxonomy: 'us-gaap', tag: 'PaymentsToAcquirePropertyPlantAndEquipmentAndIntangibleAssets', describes: 'cash purchases of property, equipment and intangible assets' },
  { taxonomy: 'us-gaap', tag: 'PaymentsToAcquireOtherPropertyPlantAndEquipment', describes: 'cash purchases of other property and equipment' },
  { taxonomy: 'us-gaap', tag: 'PaymentsForCapitalImprovements', describes: 'cash payments for capital improvements' },
  { taxonomy: 'ifrs-full', tag: 'PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities', describes: 'cash purchases of property, plant and equipment' },
];

/** Which filing a value comes from. */
export interface Filing {
  form: string;
  accn: string;
  filed: string;
}

/** One (start, end) period after removing the repeats of later filings. */
export interface ReportedValue {
  start: string;
  end: string;
  /** US dollars, as filed by the latest filing that reports the period. */
  val: number;
  /** The first filing that reported this value: its announcement. A restatement moves it to the restating filing. */
  filing: Filing;
  /** The value an earlier filing gave, when a later one restated it. */
  restatedFrom?: { val: number; filing: Filing };
}

export interface CapexPeriod {
  kind: 'annual' | 'quarter';
  start: string;
  end: string;
  /** US dollars. */
  val: number;
  tag: CapexTag;
  /** The filing the figure is attributed to (for a derived quarter, the newer of the two). */
  filing: Filing;
  /** Set for a value filed as such. */
  reported?: ReportedValue;
  /** Set for a quarter computed as `cumulative − previous` (two year-to-date values of one fiscal year). */
  derived?: { cumulative: ReportedValue; previous: ReportedValue };
}

export interface Extraction {
  periods: CapexPeriod[];
  /** Tags that had at least one USD fact, in preference order. */
  tagsUsed: CapexTag[];
  /** Things a human should look at: skipped or odd values. */
  warnings: string[];
}

// ±30 days around 1, 2, 3 and 4 quarters of 91.3 days, the SEC frames API's own tolerance.
const QUARTER_DAYS = 365.25 / 4;
const TOLERANCE_DAYS = 30;

/** 1 (a quarter), 2 (half year), 3 (nine months), 4 (a year) or undefined for other spans. */
export function quartersSpanned(start: string, end: string): number | undefined {
  const days = daysIn(start, end);
  const k = Math.round(days / QUARTER_DAYS);
  return k >= 1 && k <= 4 && Math.abs(days - k * QUARTER_DAYS) <= TOLERANCE_DAYS ? k : undefined;
}

const byFiling = (a: Fact, b: Fact) => a.filed.localeCompare(b.filed) || a.accn.localeCompare(b.accn);
const filingOf = (f: Fact): Filing => ({ form: f.form, accn: f.accn, filed: f.filed });

/**
 * One value per (start, end): the latest filing's value wins. Its announcement is the first filing of
 * the unbroken run of filings giving that same value, so re-filing an unchanged number (every 10-K
 * repeats two prior years) does not move the date, while a restatement does.
 */
export function dedupeFacts(facts: readonly Fact[]): ReportedValue[] {
  const groups = new Map<string, Fact[]>();
  for (const fact of facts) {
    if (!fact.start) continue; // an instant (balance-sheet) value, not a period's spending
    const key = `${fact.start}|${fact.end}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(fact);
  }
  const values: ReportedValue[] = [];
  for (const group of groups.values()) {
    group.sort(byFiling);
    const latest = group.at(-1)!;
    let first = group.length - 1;
    while (first > 0 && group[first - 1]!.val === latest.val) first--;
    const earlier = first > 0 ? group[first - 1] : undefined;
    values.push({
      start: latest.start!,
      end: latest.end,
      val: latest.val,
      filing: filingOf(group[first]!),
      ...(earlier ? { restatedFrom: { val: earlier.val, filing: filingOf(earlier) } } : {}),
    });
  }
  return values.sort((a, b) => a.end.localeCompare(b.end) || a.start.localeCompare(b.start));
}

const newerFiling = (a: Filing, b: Filing): Filing => (a.filed > b.filed || (a.filed === b.filed && a.accn > b.accn) ? a : b);

/** Annual and quarterly periods of one tag. */
function periodsOfTag(values: ReportedValue[], tag: CapexTag, warnings: string[]): CapexPeriod[] {
  const periods: CapexPeriod[] = [];
  const direct = new Set<string>();
  for (const value of values) {
    const k = quartersSpanned(value.start, value.end);
    if (k === 4 || k === 1) {
      periods.push({ kind: k === 4 ? 'annual' : 'quarter', start: value.start, end: value.end, val: value.val, tag, filing: value.filing, reported: value });
      if (k === 1) direct.add(`${value.start}|${value.end}`);
    }
  }
  // Year-to-date chains: values sharing a start (the fiscal year's first day), one more quarter each.
  const byStart = new Map<string, ReportedValue[]>();
  for (const value of values) {
    if (quartersSpanned(value.start, value.end) === undefined) continue;
    (byStart.get(value.start) ?? byStart.set(value.start, []).get(value.start)!).push(value);
  }
  for (const chain of byStart.values()) {
    chain.sort((a, b) => a.end.localeCompare(b.end));
    for (let i = 1; i < chain.length; i++) {
      const previous = chain[i - 1]!;
      const cumulative = chain[i]!;
      if (quartersSpanned(cumulative.start, cumulative.end)! !== quartersSpanned(previous.start, previous.end)! + 1) continue;
      const start = addDays(previous.end, 1);
      const key = `${start}|${cumulative.end}`;
      if (direct.has(key) || quartersSpanned(start, cumulative.end) !== 1) continue;
      const val = cumulative.val - previous.val;
      if (val < 0) {
        warnings.push(`skipped ${start} to ${cumulative.end}: year-to-date values give a negative quarter (${cumulative.val} − ${previous.val})`);
        continue;
      }
      periods.push({ kind: 'quarter', start, end: cumulative.end, val, tag, filing: newerFiling(cumulative.filing, previous.filing), derived: { cumulative, previous } });
    }
  }
  return periods;
}

/** All annual and quarterly capex periods of a company, each from the most preferred tag that has it. */
export function extractCapex(facts: CompanyFacts): Extraction {
  const warnings: string[] = [];
  const tagsUsed: CapexTag[] = [];
  const chosen = new Map<string, CapexPeriod>();
  for (const tag of CAPEX_TAGS) {
    const list = usdFacts(facts, tag.taxonomy, tag.tag);
    if (!list || list.length === 0) continue;
    tagsUsed.push(tag);
    for (const period of periodsOfTag(dedupeFacts(list), tag, warnings)) {
      const key = `${period.start}|${period.end}`;
      if (!chosen.has(key)) chosen.set(key, period);
    }
  }
  const periods = [...chosen.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'annual' ? -1 : 1) || a.end.localeCompare(b.end));
  return { periods, tagsUsed, warnings };
}
