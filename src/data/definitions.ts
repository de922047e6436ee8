/**
 * The words a reader sees for a figure's definition, basis and source kind. Every answer (commands, digest,
 * alerts, web pages) names them the same way, so they live with the data rather than with one command.
 */
import type { Definition, Figure, FigureBasis, SourceKind } from './schema.js';

/** Short words for a table cell: "capex incl. leases", "cash capex". */
export const DEFINITION_WORDS: Record<Definition, string> = {
  'capex-incl-finance-leases': 'capex incl. leases',
  'cash-ppe': 'cash capex',
  'gross-ppe': 'gross capex',
  'net-ppe': 'net capex',
  capex: 'capex',
  'ai-capex': 'AI capex',
  'ai-infrastructure-pledge': 'AI infrastructure pledge',
  'company-total-investment': 'total investment pledge',
  'compute-commitment': 'compute commitment',
  funding: 'funding raised',
  other: 'other',
};

/** One line each, for footnotes and the data check: what the definition includes. */
export const DEFINITION_MEANINGS: Record<Definition, string> = {
  'capex-incl-finance-leases': 'capital expenditures including assets acquired under finance leases',
  'cash-ppe': 'cash purchases of property and equipment (cash-flow line, no finance leases)',
  'gross-ppe': 'purchases of property and equipment before proceeds, incentives or customer funding',
  'net-ppe': 'purchases of property and equipment net of proceeds, incentives or customer funding',
  capex: 'capital expenditures as the company states them, no finer split given',
  'ai-capex': 'capex on AI infrastructure only (an AI budget, a segment or one campus)',
  'ai-infrastructure-pledge': 'a multi-year plan to build AI infrastructure, not annual capex',
  'company-total-investment': 'a multi-year total including suppliers, jobs, operating spend or others’ money, not capex',
  'compute-commitment': 'a contract or plan to buy computing over several years, not capex',
  funding: 'money raised, not spent',
  other: 'context, not capex',
};

export const BASIS_WORDS: Record<FigureBasis, string> = {
  guidance: 'guidance',
  actual: 'actual',
  estimate: 'analyst estimate',
  pledge: 'pledge',
  contract: 'contract',
};

/** Annual capex on these definitions can be ranked and totalled; the rest never is. */
export const CAPEX_DEFINITIONS: readonly Definition[] = ['capex-incl-finance-leases', 'gross-ppe', 'capex', 'cash-ppe', 'net-ppe', 'ai-capex'];

/**
 * When a company gives a year on several definitions, a ranking row uses the first of these it has: the widest
 * measure of what was built (finance leases in, gross before incentives), which is also what the press reports.
 */
export const DEFINITION_PREFERENCE: readonly Definition[] = CAPEX_DEFINITIONS;

export const isCapexDefinition = (d: Definition): boolean => CAPEX_DEFINITIONS.includes(d);

/** Pledges and contracts are never ranked, compared or totalled with annual capex. */
export const isPledgeLike = (f: Pick<Figure, 'basis' | 'definition'>): boolean => f.basis === 'pledge' || f.basis === 'contract' || !isCapexDefinition(f.definition);

/** Best first: answers cite sources in this order; an aggregator is only a fallback. */
export const SOURCE_KIND_RANK: Record<SourceKind, number> = {
  'company-release': 0,
  filing: 1,
  transcript: 2,
  wire: 3,
  'other-press': 4,
  aggregator: 5,
};

export const SOURCE_KIND_WORDS: Record<SourceKind, string> = {
  'company-release': 'company release',
  filing: 'regulatory filing',
  transcript: 'earnings-call transcript',
  wire: 'wire / major outlet',
  'other-press': 'other press',
  aggregator: 'aggregator (fallback)',
};

/** A company's own page, a filing, a transcript or a wire story: what a finance reader accepts as primary. */
export const isPrimaryKind = (kind: SourceKind): boolean => SOURCE_KIND_RANK[kind] <= SOURCE_KIND_RANK.wire;

/** Every source of a figure, best kind first (the figure's own `source` first among equals). */
export function rankedSources(figure: Figure): Figure['source'][] {
  const all = [figure.source, ...(figure.alsoSources ?? [])];
  return all.map((s, i) => ({ s, i })).sort((a, b) => SOURCE_KIND_RANK[a.s.kind] - SOURCE_KIND_RANK[b.s.kind] || a.i - b.i).map((x) => x.s);
}

/** Only aggregators state it: shown as a fallback, never quoted as a primary figure. */
export const onlyAggregators = (figure: Figure): boolean => rankedSources(figure).every((s) => s.kind === 'aggregator');
