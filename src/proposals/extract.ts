/**
 * Finds capital-expenditure statements in an earnings release (8-K exhibit 99.1) or a headline and its
 * summary: the amount or range, currency, qualifier, period, definition hints and whether it is guidance or
 * an actual. Conservative by design: a statement it cannot fully place (no period, two candidate periods,
 * no currency, a completed period described with future words, a company it cannot name) is NOT returned;
 * a human approves everything that is.
 *
 * Libraries: sentences come from the built-in `Intl.Segmenter` (ICU's sentence rules, which keep "U.S." and
 * "$4.07B" whole). The rest is hand-written regular expressions on purpose: no maintained library reads
 * financial amounts with ranges, qualifiers and currencies, or resolves "fiscal 2027" / "the fourth quarter"
 * against a company's own fiscal calendar (date libraries such as chrono-node read calendar dates only).
 *
 * How one clause is read (clauses are split at ";"):
 * 1. A capex keyword ("capex", "capital expenditures", "purchases of property and equipment" …) binds the
 *    first money amount after it (or the one right before "in capital expenditures"), skipping amounts
 *    introduced as a comparison ("from $125B", "vs $119.5B", "up from …").
 * 2. Each period mention in the clause is attached to the nearest money amount; the bound amount must end
 *    up with exactly one distinct period.
 * 3. Guidance or actual: a period already over at the document date is an actual, unless future words
 *    ("expects", "will", "outlook") say otherwise — then the clause is ambiguous and skipped; a period not
 *    over is guidance, unless only past words ("was", "totaled") describe it — skipped too.
 */
import type { Company } from '../data/schema.js';
import { CompanyTagger } from '../news/companies.js';
import { fiscalYearOf, monthRange, shift, yearMonthText, type YearMonth } from '../sec/periods.js';

export type ProposedMetric = 'guidance' | 'reported' | 'guidance-quarter' | 'reported-quarter';
export type Qualifier = 'at-least' | 'at-most' | 'up-to' | 'about';

export interface ProposedPeriod {
  label: string;
  /** YYYY-MM, as the data file writes periods. */
  start: string;
  end: string;
}

export interface CapexStatement {
  company: string;
  metric: ProposedMetric;
  /** "capex guidance (raised)", "capex actual (incl. principal payments on finance leases)". */
  label: string;
  /** Billions in `currency`: either `amount`, or `low` and `high`. */
  amount?: number;
  low?: number;
  high?: number;
  qualifier?: Qualifier;
  currency: string;
  period: ProposedPeriod;
  /** Which definition the number uses, when the text says (finance leases, cash PP&E, net, gross). */
  basis?: string;
  /** The sentence it came from, as plain text (at most MAX_SENTENCE characters). */
  sentence: string;
}

/** What the extractor needs of a company: its names (to find it in a headline) and its fiscal calendar. */
export interface ExtractCompany {
  id: string;
  name: string;
  tickers: readonly string[];
  aliases: readonly string[];
  /** 12 for calendar-year companies, 6 for Microsoft, 5 for Oracle. */
  fiscalYearEndMonth: number;
}

export interface ExtractContext {
  /** The document's date (filing date, article date): YYYY-MM-DD. */
  date: string;
  /** The companies the document may be about. With more than one, the clause must name exactly one of them. */
  companies: readonly ExtractCompany[];
  /** A filing is about one company: its statements need not name it. */
  subject?: ExtractCompany;
}

export const MAX_SENTENCE = 400;
/** Longer documents are cut: an earnings release is 10–40 KB of text, its outlook near the top. */
export const MAX_DOCUMENT_CHARS = 200_000;

const CAPEX_KEYWORD =
  /\b(?:cap-?ex|capital expenditures?|capital spending|purchases of property(?:,)? (?:plant )?and equipment|property and equipment additions)\b/giu;

// ---- money ---------------------------------------------------------------------------------------------

interface Money {
  index: number;
  end: number;
  low: number;
  high: number;
  isRange: boolean;
  currency: string;
}

const NUMBER = String.raw`\d{1,4}(?:,\d{3})*(?:\.\d+)?`;
const SCALE = String.raw`(?:trillion|billion|million|bn|tn|mn|[bm](?![a-z]))`;
const PREFIX = String.raw`(?:US\$|HK\$|\$|USD ?|RMB ?|CNY ?|¥|€|EUR ?|£|GBP ?|₩|KRW ?)`;
const MONEY = new RegExp(
  String.raw`(?<pre>${PREFIX})?(?<a>${NUMBER}) ?(?<sa>${SCALE})?(?:(?<join> ?(?:-|–|—|to) ?)(?<pre2>${PREFIX})?(?<b>${NUMBER}) ?(?<sb>${SCALE})?)?(?: (?<post>yuan|renminbi|RMB|CNY|USD|EUR|euros?|(?:US )?dollars|won)\b)?`,
  'giu',
);

const SCALE_BILLIONS: Record<string, number> = { trillion: 1000, tn: 1000, billion: 1, bn: 1, b: 1, million: 0.001, mn: 0.001, m: 0.001 };

function currencyOf(prefix: string | undefined, suffix: string | undefined): string | undefined {
  const p = (prefix ?? '').trim().toUpperCase();
  const s = (suffix ?? '').toLowerCase();
  if (p === 'HK$') return 'HKD';
  if (p === '$' || p === 'US$' || p === 'USD' || s.endsWith('dollars') || s === 'usd') return 'USD';
  if (p === 'RMB' || p === 'CNY' || p === '¥' || s === 'yuan' || s === 'renminbi' || s === 'rmb' || s === 'cny') return 'CNY';
  if (p === '€' || p === 'EUR' || s.startsWith('euro') || s === 'eur') return 'EUR';
  if (p === '£' || p === 'GBP') return 'GBP';
  if (p === '₩' || p === 'KRW' || s === 'won') return 'KRW';
  return undefined;
}

const toNumber = (text: string) => Number(text.replaceAll(',', ''));
const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** Money amounts with a currency and a scale; "from $125B to $135B" is two amounts, not a range. */
export function findMoney(text: string): Money[] {
  const found: Money[] = [];
  for (const m of text.matchAll(MONEY)) {
    const g = m.groups!;
    const scaleA = g.sa?.toLowerCase();
    const scaleB = g.sb?.toLowerCase();
    const currency = currencyOf(g.pre ?? g.pre2, g.post);
    const index = m.index;
    if (!currency) continue;
    const fromTo = g.b !== undefined && /to/i.test(g.join ?? '') && /\bfrom\s*$/i.test(text.slice(Math.max(0, index - 12), index));
    if (g.b !== undefined && !fromTo) {
      const scale = scaleB ?? scaleA;
      if (!scale) continue;
      const low = round(toNumber(g.a!) * SCALE_BILLIONS[scaleA ?? scale]!);
      const high = round(toNumber(g.b) * SCALE_BILLIONS[scale]!);
      if (low > high) continue;
      found.push({ index, end: index + m[0].length, low, high, isRange: low !== high, currency });
      continue;
    }
    if (!scaleA) continue;
    const value = round(toNumber(g.a!) * SCALE_BILLIONS[scaleA]!);
    const firstEnd = index + m[0].indexOf(g.a!) + g.a!.length + (m[0].slice(m[0].indexOf(g.a!) + g.a!.length).match(/^ ?\S*/)?.[0].length ?? 0);
    found.push({ index, end: fromTo ? firstEnd : index + m[0].length, low: value, high: value, isRange: false, currency });
    if (fromTo) {
      const bText = g.b!;
      const bIndex = index + m[0].lastIndexOf(bText);
      const scale = scaleB ?? scaleA;
      const v = round(toNumber(bText) * SCALE_BILLIONS[scale]!);
      found.push({ index: bIndex - (g.pre2?.length ?? 0), end: index + m[0].length, low: v, high: v, isRange: false, currency: currencyOf(g.pre2 ?? g.pre, g.post) ?? currency });
    }
  }
  return found;
}

// ---- periods -------------------------------------------------------------------------------------------

type PeriodRef =
  | { kind: 'fy'; year: number }
  | { kind: 'cy'; year: number }
  | { kind: 'bare-year'; year: number }
  | { kind: 'relative-year'; offset: number; fiscal: boolean; explicit: boolean }
  | { kind: 'quarter'; q: number; year?: number; fiscal: boolean }
  | { kind: 'relative-quarter'; offset: number }
  | { kind: 'unplaceable' };

interface PeriodMention {
  index: number;
  ref: PeriodRef;
}

const QUARTER_WORDS: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4 };

const fullYear = (text: string) => (text.length === 2 ? 2000 + Number(text) : Number(text));

/** Ordered: earlier patterns claim their text, later ones skip anything already claimed. */
const PERIOD_PATTERNS: { re: RegExp; read: (m: RegExpMatchArray) => PeriodRef }[] = [
  { re: /\b(?:year[- ]to[- ]date|nine months|six months|first half|second half|H[12]\b|trailing)/giu, read: () => ({ kind: 'unplaceable' }) },
  {
    re: /\bfiscal year end(?:ing|s|ed)? (?:in )?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (?:\d{1,2},? )?(\d{4})\b/giu,
    read: (m) => ({ kind: 'fy', year: Number(m[2]) }),
  },
  {
    re: /\b(?:Q([1-4])|(first|second|third|fourth)[- ]quarter)(?: of)?(?: (?:fiscal(?: year)?|FY) ?'?(\d{4}|\d{2})\b| ?(?:FY|F)'?(\d{4}|\d{2})\b| (?:calendar )?(\d{4})\b)?/giu,
    read: (m) => {
      const q = m[1] ? Number(m[1]) : QUARTER_WORDS[m[2]!.toLowerCase()]!;
      const fy = m[3] ?? m[4];
      if (fy) return { kind: 'quarter', q, year: fullYear(fy), fiscal: true };
      if (m[5]) return { kind: 'quarter', q, year: Number(m[5]), fiscal: false };
      return { kind: 'quarter', q, fiscal: true };
    },
  },
  { re: /\bfull[- ]fiscal[- ]year (?:of )?(20\d\d)\b/giu, read: (m) => ({ kind: 'fy', year: Number(m[1]) }) },
  { re: /\bfull[- ]year (?:of )?(20\d\d)\b/giu, read: (m) => ({ kind: 'bare-year', year: Number(m[1]) }) },
  { re: /\b(?:FY ?'?|fiscal(?: year)? )(\d{4}|\d{2})\b/giu, read: (m) => ({ kind: 'fy', year: fullYear(m[1]!) }) },
  { re: /\b(?:CY ?|calendar(?: year)? )(\d{4})\b/giu, read: (m) => ({ kind: 'cy', year: Number(m[1]) }) },
  { re: /\b(?:this|the current|the|current|next|last|the last|the past|past|the prior|prior|the coming) (?:fiscal )?quarter\b/giu, read: (m) => ({ kind: 'relative-quarter', offset: /next|coming/i.test(m[0]) ? 1 : /prior/i.test(m[0]) ? -1 : 0 }) },
  {
    re: /\b(?:(this|next|last|the prior|prior|the current|current|the coming|the|for the) (fiscal )?year|(full[- ])(fiscal )?year)\b/giu,
    read: (m) => {
      const word = (m[1] ?? '').toLowerCase();
      const offset = /next|coming/.test(word) ? 1 : /last|prior/.test(word) ? -1 : 0;
      return { kind: 'relative-year', offset, fiscal: Boolean(m[2] ?? m[4]), explicit: /this|next|last|prior|current|coming/.test(word) };
    },
  },
  { re: /(?<![\d.$,])\b(20[2-3]\d)\b(?![.,]\d)/gu, read: (m) => ({ kind: 'bare-year', year: Number(m[1]) }) },
];

function findPeriods(text: string): PeriodMention[] {
  const claimed: [number, number][] = [];
  const found: PeriodMention[] = [];
  for (const { re, read } of PERIOD_PATTERNS) {
    for (const m of text.matchAll(re)) {
      const start = m.index;
      const end = start + m[0].length;
      if (claimed.some(([a, b]) => start < b && end > a)) continue;
      claimed.push([start, end]);
      found.push({ index: start, ref: read(m) });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

const parseDay = (date: string): YearMonth => {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return { year: y, month: m || 1 };
};

const monthIndex = (ym: YearMonth) => ym.year * 12 + ym.month - 1;

/** The fiscal quarter containing `ym` (1–4) and its fiscal year. */
function quarterOf(ym: YearMonth, fyEnd: number): { q: number; fy: number } {
  const fy = fiscalYearOf(ym, fyEnd);
  const monthsIntoYear = (ym.month - fyEnd + 11) % 12; // 0 for the first month of the fiscal year
  return { q: Math.floor(monthsIntoYear / 3) + 1, fy };
}

function fiscalYearSpan(fy: number, fyEnd: number): { start: YearMonth; end: YearMonth } {
  const end: YearMonth = { year: fy, month: fyEnd };
  return { start: shift(end, -11), end };
}

function quarterSpan(q: number, fy: number, fyEnd: number): { start: YearMonth; end: YearMonth } {
  const { start: yearStart } = fiscalYearSpan(fy, fyEnd);
  const start = shift(yearStart, (q - 1) * 3);
  return { start, end: shift(start, 2) };
}

interface ResolvedPeriod extends ProposedPeriod {
  kind: 'year' | 'quarter';
  endYm: YearMonth;
}

function yearPeriod(fy: number, company: ExtractCompany, calendarWords: boolean): ResolvedPeriod {
  const fyEnd = calendarWords ? 12 : company.fiscalYearEndMonth;
  const { start, end } = fiscalYearSpan(fy, fyEnd);
  const label = fyEnd === 12 ? `CY${fy}` : `FY${fy} (${monthRange(start, end)})`;
  return { kind: 'year', label, start: yearMonthText(start), end: yearMonthText(end), endYm: end };
}

function quarterPeriod(q: number, fy: number, company: ExtractCompany): ResolvedPeriod {
  const fyEnd = company.fiscalYearEndMonth;
  const { start, end } = quarterSpan(q, fy, fyEnd);
  const label = fyEnd === 12 ? `Q${q} ${fy}` : `Q${q} FY${fy} (${monthRange(start, end)})`;
  return { kind: 'quarter', label, start: yearMonthText(start), end: yearMonthText(end), endYm: end };
}

/**
 * A period reference placed on the company's calendar at the document date, or undefined when it cannot be
 * placed for sure: a bare "2027" for a company whose fiscal year is not the calendar year, "year-to-date".
 */
function resolvePeriod(ref: PeriodRef, company: ExtractCompany, date: string, future: boolean): ResolvedPeriod | undefined {
  const day = parseDay(date);
  const fyEnd = company.fiscalYearEndMonth;
  switch (ref.kind) {
    case 'fy':
      return yearPeriod(ref.year, company, false);
    case 'cy':
      return yearPeriod(ref.year, company, true);
    case 'bare-year':
      return fyEnd === 12 ? yearPeriod(ref.year, company, true) : undefined;
    case 'relative-year': {
      if (fyEnd !== 12 && !ref.fiscal && ref.offset !== 0) return undefined;
      // "This year" is the fiscal year of the document date. "The full year" described in past words, in a
      // release within four months after a fiscal year ended, is the year just reported (a Q4 release).
      const current = fiscalYearOf(day, fyEnd);
      const monthsIntoYear = (day.month - fyEnd + 11) % 12;
      const justReported = !ref.explicit && !future && monthsIntoYear < 4;
      return yearPeriod(current + ref.offset - (justReported ? 1 : 0), company, false);
    }
    case 'quarter': {
      if (ref.year !== undefined) {
        if (!ref.fiscal && fyEnd !== 12) return undefined;
        return quarterPeriod(ref.q, ref.year, company);
      }
      // "the fourth quarter" without a year: the latest such quarter already over (actuals) or the next one to come (guidance).
      const { q, fy } = quarterOf(day, fyEnd);
      const fyGuess = future ? (ref.q >= q ? fy : fy + 1) : ref.q < q ? fy : fy - 1;
      const period = quarterPeriod(ref.q, fyGuess, company);
      // Only within half a year of the document: anything further is not what the text means.
      return Math.abs(monthIndex(period.endYm) - monthIndex(day)) <= 6 ? period : undefined;
    }
    case 'relative-quarter': {
      const { q, fy } = quarterOf(day, fyEnd);
      // An earnings release reports the quarter that just ended: "the quarter" is the previous one.
      const base = future ? { q, fy } : q === 1 ? { q: 4, fy: fy - 1 } : { q: q - 1, fy };
      const index = base.fy * 4 + base.q - 1 + ref.offset;
      return quarterPeriod((index % 4) + 1, Math.floor(index / 4), company);
    }
    default:
      return undefined;
  }
}

// ---- words ---------------------------------------------------------------------------------------------

const COMPARISON_BEFORE = /(?:\bfrom|\bvs\.?|\bversus|\bcompared (?:with|to)|(?<!\b(?:more|less|fewer|rather|no more|no less) )\bthan|\bagainst|\bup from|\bdown from|\bafter)\s*(?:about |approximately |around |roughly |~ ?)?$/iu;
const FUTURE_WORDS =
  /\b(?:expects?|expected to|expecting|anticipat\w*|outlook|guidance|guides?|guided|forecasts?|forecasting|plans?|planned|planning|will|would|could|may|might|to be|to reach|to exceed|to spend|to increase|projects?|projected|projection|targets?|budget\w*|intends?|sees|estimates?|raises?|raised|raising|lifts?|lifted|boosts?|boosted|lowers?|lowered|cuts?|trims?|trimmed|reaffirm\w*|increasing|now)\b/iu;
const PAST_WORDS = /\b(?:was|were|totaled|totalled|amounted|came in|rose|jumped|grew|fell|declined|spent|reported|reached|increased \d|doubled|tripled)\b/iu;
const RAISED = /\b(?:rais\w*|lift\w*|boost\w*|increas\w*|hik\w*|up from)\b/iu;
const LOWERED = /\b(?:lower\w*|cut|cuts|trim\w*|reduc\w*|down from)\b/iu;
const REAFFIRMED = /\b(?:reaffirm\w*|maintain\w*|reiterat\w*)\b/iu;

const QUALIFIERS: [Qualifier, RegExp][] = [
  ['at-least', /(?:more than|over|exceed(?:s|ing)?|at least|upwards of|north of|in excess of|above|surpass(?:es)?)\s*$/iu],
  ['up-to', /(?:up to|as much as|as high as)\s*$/iu],
  ['at-most', /(?:at most|under|less than|no more than|below)\s*$/iu],
  ['about', /(?:about|approximately|approx\.?|around|roughly|~|nearly|close to|some|an estimated|circa)\s*$/iu],
];

const BASIS_HINTS: [RegExp, string][] = [
  [/\b(?:including|incl\.?|inclusive of) principal payments on finance leases\b/iu, 'incl. principal payments on finance leases'],
  [/\b(?:including|incl\.?|inclusive of) finance leases\b/iu, 'incl. finance leases'],
  [/\b(?:excluding|excl\.?|exclusive of|not including) finance leases\b/iu, 'excl. finance leases'],
  [/\bpurchases of property(?:,)? (?:plant )?and equipment\b/iu, 'cash purchases of property and equipment'],
  [/\bcash (?:capex|capital expenditures?)\b/iu, 'cash capex'],
  [/\bnet (?:capex|capital expenditures?)\b/iu, 'net'],
  [/\bnet of proceeds from sales and incentives\b/iu, 'net of proceeds from sales and incentives'],
  [/\bgross (?:capex|capital expenditures?)\b/iu, 'gross'],
];

// ---- the reader ----------------------------------------------------------------------------------------

/** Characters around a capex keyword that are segmented into sentences (a sentence is at most MAX_SENTENCE). */
const KEYWORD_WINDOW = MAX_SENTENCE + 100;
const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * The sentences of a plain-text document that can hold a capex statement, each at most MAX_SENTENCE characters
 * (longer ones are dropped). ICU's sentence segmenter costs ~0.3 ms per sentence, so only the stretches around
 * a capex keyword are segmented — widened to the nearest ". " on both sides, so every sentence stays whole.
 */
export function sentencesOf(text: string): string[] {
  const doc = text.slice(0, MAX_DOCUMENT_CHARS);
  const spans: [number, number][] = [];
  for (const m of doc.matchAll(CAPEX_KEYWORD)) {
    const before = doc.lastIndexOf('. ', Math.max(0, m.index - KEYWORD_WINDOW));
    const after = doc.indexOf('. ', m.index + KEYWORD_WINDOW);
    const span: [number, number] = [before < 0 ? 0 : before + 2, after < 0 ? doc.length : after + 1];
    const last = spans.at(-1);
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else spans.push(span);
  }
  const out: string[] = [];
  for (const [start, end] of spans) {
    for (const { segment } of segmenter.segment(doc.slice(start, end))) {
      const sentence = segment.replace(/\s+/g, ' ').trim();
      if (sentence.length > 0 && sentence.length <= MAX_SENTENCE) out.push(sentence);
    }
  }
  return out;
}

export function extractStatements(text: string, context: ExtractContext): CapexStatement[] {
  const statements: CapexStatement[] = [];
  const seen = new Set<string>();
  for (const sentence of sentencesOf(text)) {
    for (const statement of fromSentence(sentence, context)) {
      const key = JSON.stringify([statement.company, statement.metric, statement.period.start, statement.period.end, statement.amount, statement.low, statement.high, statement.currency]);
      if (seen.has(key)) continue;
      seen.add(key);
      statements.push(statement);
    }
  }
  return statements;
}

function companyOf(clause: string, sentence: string, context: ExtractContext): ExtractCompany | undefined {
  if (context.subject) return context.subject;
  // The news tagger's rules (whole words, one-word names capitalised, tickers as written): one matcher set for both.
  const tagger = taggerOf(context.companies);
  const inClause = tagger.tag(clause);
  if (inClause.length > 1) return undefined;
  const ids = inClause.length === 1 ? inClause : tagger.tag(sentence);
  return ids.length === 1 ? context.companies.find((c) => c.id === ids[0]) : undefined;
}

const taggers = new WeakMap<readonly ExtractCompany[], CompanyTagger>();
function taggerOf(companies: readonly ExtractCompany[]): CompanyTagger {
  let tagger = taggers.get(companies);
  if (!tagger) {
    // The tagger reads only id, name, aliases and tickers, which ExtractCompany has.
    tagger = new CompanyTagger(companies as readonly Company[]);
    taggers.set(companies, tagger);
  }
  return tagger;
}

function fromSentence(sentence: string, context: ExtractContext): CapexStatement[] {
  const out: CapexStatement[] = [];
  for (const clause of sentence.split(/;\s*/)) {
    const statement = fromClause(clause, sentence, context);
    if (statement) out.push(statement);
  }
  return out;
}

/** The money amount a capex keyword speaks of, or undefined. */
function boundMoney(clause: string, money: Money[]): Money | undefined {
  const candidates = money.filter((m) => !COMPARISON_BEFORE.test(clause.slice(Math.max(0, m.index - 30), m.index)));
  for (const keyword of clause.matchAll(CAPEX_KEYWORD)) {
    const after = candidates.find((m) => m.index >= keyword.index + keyword[0].length && m.index - (keyword.index + keyword[0].length) <= 90);
    if (after) return after;
    // "$75bn in capital expenditures", "$34.2B of capex", "$35B FY26 capex", "RMB 160 billion in capital spending"
    const before = [...candidates].reverse().find((m) => m.end <= keyword.index && /^\s*(?:(?:in|of|on|for)\s+)?(?:[\w'-]+\s+){0,2}$/iu.test(clause.slice(m.end, keyword.index)));
    if (before) return before;
  }
  return undefined;
}

function fromClause(clause: string, sentence: string, context: ExtractContext): CapexStatement | undefined {
  if (clause.search(CAPEX_KEYWORD) < 0) return undefined;
  const money = findMoney(clause);
  const keyword = boundMoney(clause, money);
  if (!keyword) return undefined;
  // "to $31B (range $31-35B)": the range the single amount belongs to.
  const range = keyword.isRange ? undefined : money.find((m) => m.isRange && m.currency === keyword.currency && (m.low === keyword.low || m.high === keyword.high));
  const bound = range ?? keyword;

  const company = companyOf(clause, sentence, context);
  if (!company) return undefined;

  // Each period mention belongs to the nearest money amount; the bound amount needs exactly one distinct period.
  const periods = findPeriods(clause).filter((p) => {
    const nearest = money.reduce((best, m) => (distance(p.index, m) < distance(p.index, best) ? m : best), money[0]!);
    return nearest === bound || nearest === keyword;
  });
  if (periods.length === 0) return undefined;
  const future = FUTURE_WORDS.test(clause);
  const past = PAST_WORDS.test(clause);
  const resolved = periods.map((p) => resolvePeriod(p.ref, company, context.date, future && !past));
  if (resolved.some((r) => r === undefined)) return undefined;
  const distinct = new Map(resolved.map((r) => [`${r!.start}/${r!.end}`, r!]));
  if (distinct.size !== 1) return undefined;
  const period = [...distinct.values()][0]!;

  // Guidance or actual, checked against the calendar.
  const over = monthIndex(period.endYm) < monthIndex(parseDay(context.date));
  let actual: boolean;
  if (over) {
    if (future && !past) return undefined;
    actual = true;
  } else {
    if (past && !future) return undefined;
    actual = false;
  }
  const metric: ProposedMetric = `${actual ? 'reported' : 'guidance'}${period.kind === 'quarter' ? '-quarter' : ''}`;

  const basis = BASIS_HINTS.find(([re]) => re.test(clause))?.[1];
  const before = clause.slice(Math.max(0, bound.index - 25), bound.index);
  const qualifier = bound.isRange ? undefined : QUALIFIERS.find(([, re]) => re.test(before))?.[0];
  const change = actual ? '' : REAFFIRMED.test(clause) ? ' (reaffirmed)' : LOWERED.test(clause) ? ' (lowered)' : RAISED.test(clause) ? ' (raised)' : '';
  const label = `${actual ? 'capex actual' : 'capex guidance'}${change}${basis ? ` (${basis})` : ''}`;
  return {
    company: company.id,
    metric,
    label,
    ...(bound.isRange ? { low: bound.low, high: bound.high } : { amount: bound.low }),
    ...(qualifier ? { qualifier } : {}),
    currency: bound.currency,
    period: { label: period.label, start: period.start, end: period.end },
    ...(basis ? { basis } : {}),
    sentence: sentence.slice(0, MAX_SENTENCE),
  };
}

function distance(index: number, money: Money): number {
  if (index < money.index) return money.index - index;
  if (index >= money.end) return index - money.end + 1;
  return 0;
}
