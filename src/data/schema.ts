/**
 * The shape of the data file (`src/data/capex-data.yaml`), validated at load. Every figure carries its
 * company, metric, amount or range, currency, period, announcement date and source, so anything the bot
 * states can be traced back. Non-programmers edit the YAML; this schema is what keeps it honest.
 */
import { z } from 'zod';

const isoDate = z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'use YYYY-MM-DD (or YYYY-MM when the day is unknown)');
const yearMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'use YYYY-MM');
const billions = z.number().nonnegative('amounts are positive numbers of billions');
export const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'use a three-letter ISO currency code such as USD or CNY');

/**
 * What kind of page a source is, best first. Answers cite the best kind first; an aggregator (a site that
 * re-hosts or summarises other outlets' stories) is only a fallback, and is labelled as one.
 */
export const SOURCE_KINDS = ['company-release', 'filing', 'transcript', 'wire', 'other-press', 'aggregator'] as const;
export const sourceKindSchema = z.enum(SOURCE_KINDS, { error: `use one of: ${SOURCE_KINDS.join(', ')}` });

export const sourceSchema = z.strictObject({
  title: z.string().min(3),
  url: z.url({ protocol: /^https?$/ }),
  kind: sourceKindSchema,
});

/**
 * What a number measures. Two figures of one company and period on different definitions are both right
 * (shown side by side, each named); only figures on the same definition can disagree.
 */
export const DEFINITIONS = [
  'capex-incl-finance-leases',
  'cash-ppe',
  'gross-ppe',
  'net-ppe',
  'capex',
  'ai-capex',
  'ai-infrastructure-pledge',
  'company-total-investment',
  'compute-commitment',
  'funding',
  'other',
] as const;
export const definitionSchema = z.enum(DEFINITIONS, { error: `use one of: ${DEFINITIONS.join(', ')}` });

/** Whether the number is planned, spent, someone else's estimate, a multi-year pledge or a purchase contract. */
export const BASES = ['guidance', 'actual', 'estimate', 'pledge', 'contract'] as const;
export const basisSchema = z.enum(BASES, { error: `use one of: ${BASES.join(', ')}` });

/**
 * What a figure's period and role are. Annual capex is what rankings and comparisons use; the rest is context.
 * - commitment: a multi-year AI/infrastructure pledge
 * - guidance / reported: annual capex, planned or actual
 * - guidance-quarter / reported-quarter / reported-half: shorter periods (four reported quarters make a year)
 * - other: contracts, funding rounds, chip orders, analyst estimates, revenue context
 */
export const metricSchema = z.enum([
  'commitment',
  'guidance',
  'reported',
  'guidance-quarter',
  'reported-quarter',
  'reported-half',
  'other',
]);

/**
 * confirmed: shown as stated. disputed: sources give different values for the same company, period and
 * definition (needs `dispute`). weak: low reliability (placeholders, unverified, secondary pages only):
 * never a headline, never in totals, only listed by `/capex sources` with the reason.
 */
export const statusSchema = z.enum(['confirmed', 'disputed', 'weak']);

/** How the source words the amount: "more than", "under", "up to", "about", or implied (not a stated figure). */
export const QUALIFIERS = ['at-least', 'at-most', 'up-to', 'about', 'implied'] as const;

export const periodSchema = z
  .strictObject({
    label: z.string().min(1),
    start: yearMonth,
    end: yearMonth,
  })
  .refine((p) => p.start <= p.end, { message: 'start must not be after end', path: ['end'] });

export const companySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1),
  tickers: z.array(z.string().min(1)).default([]),
  aliases: z.array(z.string().min(1)).default([]),
  currency: currencyCode,
  /** 12 for calendar-year companies, 6 for Microsoft, 5 for Oracle, 3 for Alibaba. */
  fiscalYearEndMonth: z.number().int().min(1).max(12),
  /** Aggregates, ventures and governments are listed but not ranked against companies. */
  kind: z.enum(['listed', 'private', 'venture', 'government']).default('listed'),
});

export const usdConversionSchema = z.strictObject({
  /** The source's own US-dollar figure, in billions, when it gives one (Xinhua: 380 bn yuan ≈ US$53 bn). */
  amount: billions,
  source: sourceSchema,
  date: isoDate,
});

const figureFields = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
  company: z.string().min(1),
  metric: metricSchema,
  /** The source's own wording of the metric, e.g. "capex guidance (raised)". */
  label: z.string().min(1),
  definition: definitionSchema,
  basis: basisSchema,
  /** The definition in the source's or filing's own words, when it says more than the definition name. */
  definitionNote: z.string().optional(),
  amount: billions.optional(),
  low: billions.optional(),
  high: billions.optional(),
  /** "more than 380 billion", "under 7 billion", "up to 95 billion", "about 100 billion", implied from a run-rate. */
  qualifier: z.enum(QUALIFIERS).optional(),
  currency: currencyCode,
  period: periodSchema,
  announced: isoDate,
  /** The page that states the number; the best kind available. */
  source: sourceSchema,
  /** Other pages that state the same number (cited after `source`, best kind first). */
  alsoSources: z.array(sourceSchema).optional(),
  usd: usdConversionSchema.optional(),
  /** Revisions of one figure share a series (defaults to company + metric + definition + period). */
  series: z.string().optional(),
  status: statusSchema.default('confirmed'),
  /** A newer figure that replaces this one (e.g. OpenAI's US$600B compute plan replacing the US$1.4T). */
  supersededBy: z.string().optional(),
  /**
   * curated: copied by a person from a source (the default). sec-xbrl: written by `capex-bot import sec`
   * from filings — the cash PP&E line, which excludes finance leases, so it never replaces a curated
   * headline figure of the same year; it fills years nobody curated.
   */
  origin: z.enum(['curated', 'sec-xbrl']).default('curated'),
  dispute: z.string().optional(),
  note: z.string().optional(),
  /** Set by the loader, never written by hand: the fields it filled in for an entry that did not state them. */
  inferred: z.array(z.string()).optional(),
});

/** What an entry written before these fields existed most likely means, from its metric. */
const INFERRED_BASIS: Record<z.infer<typeof metricSchema>, z.infer<typeof basisSchema>> = {
  commitment: 'pledge',
  guidance: 'guidance',
  'guidance-quarter': 'guidance',
  reported: 'actual',
  'reported-quarter': 'actual',
  'reported-half': 'actual',
  other: 'actual',
};
const INFERRED_DEFINITION: Record<z.infer<typeof metricSchema>, z.infer<typeof definitionSchema>> = {
  commitment: 'ai-infrastructure-pledge',
  guidance: 'capex',
  'guidance-quarter': 'capex',
  reported: 'capex',
  'reported-quarter': 'capex',
  'reported-half': 'capex',
  other: 'other',
};

/**
 * Entries written before `definition`, `basis` (as a word list) and `source.kind` existed still load, so a
 * proposal or an old copy of the file keeps working: the loader fills them in from the metric and lists what
 * it filled in `inferred`, and `capex-bot data check` fails on the bundled file until a person states them.
 * An old free-text `basis` ("cash PP&E, excl. finance leases") becomes `definitionNote`. Figures written by
 * `capex-bot import sec` are always cash purchases of property and equipment, actuals, from a filing.
 */
function fillLegacyFields(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const f = raw as Record<string, unknown>;
  const metric = metricSchema.safeParse(f.metric);
  if (!metric.success) return raw;
  const sec = f.origin === 'sec-xbrl';
  const inferred: string[] = [];
  const out: Record<string, unknown> = { ...f };
  if (typeof f.basis === 'string' && !(BASES as readonly string[]).includes(f.basis)) {
    if (out.definitionNote === undefined) out.definitionNote = f.basis;
    delete out.basis;
  }
  if (out.basis === undefined) {
    out.basis = sec ? 'actual' : INFERRED_BASIS[metric.data];
    if (!sec) inferred.push('basis');
  }
  if (out.definition === undefined) {
    out.definition = sec ? 'cash-ppe' : INFERRED_DEFINITION[metric.data];
    if (!sec) inferred.push('definition');
  }
  if (f.source && typeof f.source === 'object' && !Array.isArray(f.source) && (f.source as Record<string, unknown>).kind === undefined) {
    out.source = { ...(f.source as object), kind: sec ? 'filing' : 'other-press' };
    if (!sec) inferred.push('source.kind');
  }
  if (inferred.length > 0) out.inferred = inferred;
  return out;
}

/** Which basis each metric allows: a guidance row is never an actual, a pledge is never annual capex. */
const BASES_BY_METRIC: Record<z.infer<typeof metricSchema>, readonly z.infer<typeof basisSchema>[]> = {
  commitment: ['pledge', 'contract'],
  guidance: ['guidance', 'estimate'],
  'guidance-quarter': ['guidance', 'estimate'],
  reported: ['actual', 'estimate'],
  'reported-quarter': ['actual', 'estimate'],
  'reported-half': ['actual', 'estimate'],
  other: ['actual', 'estimate', 'pledge', 'contract', 'guidance'],
};

export const figureSchema = z.preprocess(
  fillLegacyFields,
  figureFields.superRefine((f, ctx) => {
    const hasAmount = f.amount !== undefined;
    const hasRange = f.low !== undefined || f.high !== undefined;
    if (hasAmount === hasRange) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'give either amount or low and high, not both or neither' });
    }
    if (hasRange && (f.low === undefined || f.high === undefined)) {
      ctx.addIssue({ code: 'custom', path: [f.low === undefined ? 'low' : 'high'], message: 'a range needs both low and high (use qualifier for "more than")' });
    }
    if (f.low !== undefined && f.high !== undefined && f.low > f.high) {
      ctx.addIssue({ code: 'custom', path: ['high'], message: 'high must not be below low' });
    }
    if (f.status === 'disputed' && !f.dispute) {
      ctx.addIssue({ code: 'custom', path: ['dispute'], message: 'a disputed figure must say what the sources disagree on' });
    }
    if (!BASES_BY_METRIC[f.metric].includes(f.basis)) {
      ctx.addIssue({ code: 'custom', path: ['basis'], message: `a ${f.metric} figure has basis ${BASES_BY_METRIC[f.metric].join(' or ')}` });
    }
    const pledgeLike = f.definition === 'ai-infrastructure-pledge' || f.definition === 'company-total-investment' || f.definition === 'compute-commitment';
    if (pledgeLike && (f.metric === 'guidance' || f.metric === 'reported')) {
      ctx.addIssue({ code: 'custom', path: ['definition'], message: `${f.definition} is not annual capex: use metric commitment or other` });
    }
  }),
);

/**
 * One month's rate: a non-USD figure converts at the rate of the month it was announced (the nearest
 * earlier month when that month has no row). A figure's own `usd` (the source's conversion) wins.
 */
export const fxRateSchema = z.strictObject({
  currency: currencyCode,
  month: yearMonth,
  /** Units of `currency` per one US dollar, as rates are usually quoted (7.17 yuan per dollar). */
  perUsd: z.number().positive(),
  source: sourceSchema,
  note: z.string().optional(),
});

export const dataFileSchema = z.strictObject({
  /** Bump on every edit: shown in /healthz and used to announce revisions once. */
  version: z.string().min(1),
  fx: z.array(fxRateSchema),
  companies: z.array(companySchema).min(1),
  figures: z.array(figureSchema).min(1),
});

export type Source = z.infer<typeof sourceSchema>;
export type SourceKind = z.infer<typeof sourceKindSchema>;
export type Definition = z.infer<typeof definitionSchema>;
export type FigureBasis = z.infer<typeof basisSchema>;
export type Metric = z.infer<typeof metricSchema>;
export type Company = z.infer<typeof companySchema>;
export type Figure = z.output<typeof figureSchema>;
export type FxRate = z.infer<typeof fxRateSchema>;
export type DataFile = z.infer<typeof dataFileSchema>;
