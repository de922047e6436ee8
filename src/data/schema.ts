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

export const sourceSchema = z.strictObject({
  title: z.string().min(3),
  url: z.url({ protocol: /^https?$/ }),
});

/**
 * What a figure measures. Annual capex is what rankings and comparisons use; the rest is context.
 * - commitment: a multi-year AI/infrastructure pledge
 * - guidance / reported: annual capex, planned or actual
 * - guidance-quarter / reported-quarter / reported-half: shorter periods
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
 * confirmed: shown as stated. disputed: shown with the disagreement spelled out (needs `dispute`).
 * weak: low reliability (placeholders, unverified, probable errors): never a headline, never in totals,
 * only listed by `/capex sources` with the reason.
 */
export const statusSchema = z.enum(['confirmed', 'disputed', 'weak']);

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
  /** Aggregates and ventures are listed but not ranked against companies. */
  kind: z.enum(['listed', 'private', 'venture']).default('listed'),
});

export const usdConversionSchema = z.strictObject({
  /** The source's own US-dollar figure, in billions, when it gives one (Xinhua: 380 bn yuan ≈ US$53 bn). */
  amount: billions,
  source: sourceSchema,
  date: isoDate,
});

export const figureSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
    company: z.string().min(1),
    metric: metricSchema,
    /** The source's own wording of the metric, e.g. "capex guidance (raised)". */
    label: z.string().min(1),
    /** Which definition the number uses when that matters (finance leases or not). */
    basis: z.string().optional(),
    amount: billions.optional(),
    low: billions.optional(),
    high: billions.optional(),
    /** "more than 380 billion", "under 7 billion", "about 100 billion". */
    qualifier: z.enum(['at-least', 'at-most', 'about']).optional(),
    currency: currencyCode,
    period: periodSchema,
    announced: isoDate,
    source: sourceSchema,
    usd: usdConversionSchema.optional(),
    /** Revisions of one figure share a series (defaults to company + metric + period). */
    series: z.string().optional(),
    status: statusSchema.default('confirmed'),
    /**
     * curated: copied by a person from a source (the default). sec-xbrl: written by `capex-bot import sec`
     * from filings — the cash PP&E line, which excludes finance leases, so it never replaces a curated
     * headline figure of the same year; it fills years nobody curated.
     */
    origin: z.enum(['curated', 'sec-xbrl']).default('curated'),
    dispute: z.string().optional(),
    note: z.string().optional(),
  })
  .superRefine((f, ctx) => {
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
  });

export const fxRateSchema = z.strictObject({
  currency: currencyCode,
  /** US dollars per one unit of `currency`. */
  usdPerUnit: z.number().positive(),
  date: isoDate,
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
export type Metric = z.infer<typeof metricSchema>;
export type Company = z.infer<typeof companySchema>;
export type Figure = z.infer<typeof figureSchema>;
export type FxRate = z.infer<typeof fxRateSchema>;
export type DataFile = z.infer<typeof dataFileSchema>;
