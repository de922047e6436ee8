/**
 * The SEC XBRL companyfacts JSON (`/api/xbrl/companyfacts/CIK##########.json`), validated just far
 * enough for the capex extraction: the fact objects of the tags we read. Everything else in the file
 * (other tags, dei facts, extra keys the SEC may add) passes through untouched.
 */
import { z } from 'zod';

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** One reported value: a duration fact has `start`; `fy`/`fp` belong to the FILING, not to the period. */
export const factSchema = z.object({
  start: isoDay.optional(),
  end: isoDay,
  val: z.number(),
  accn: z.string().regex(/^\d{10}-\d{2}-\d{6}$/),
  fy: z.number().int().nullable().optional(),
  fp: z.string().nullable().optional(),
  form: z.string(),
  filed: isoDay,
  frame: z.string().optional(),
});

const conceptSchema = z.object({
  label: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  units: z.record(z.string(), z.array(z.unknown())),
});

export const companyFactsSchema = z.object({
  cik: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  entityName: z.string(),
  facts: z.record(z.string(), z.record(z.string(), conceptSchema)),
});

export type Fact = z.infer<typeof factSchema>;
export type CompanyFacts = z.infer<typeof companyFactsSchema>;

export class CompanyFactsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompanyFactsError';
  }
}

/** Parses companyfacts text; `where` (a path or URL) is only used in messages. */
export function parseCompanyFacts(text: string, where: string): CompanyFacts {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CompanyFactsError(`${where} is not JSON; expected the SEC companyfacts file (https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json)`);
  }
  const parsed = companyFactsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new CompanyFactsError(`${where} is not an SEC companyfacts file (${issue?.message ?? 'unexpected shape'}${at}); expected keys cik, entityName and facts`);
  }
  return parsed.data;
}

/**
 * The USD facts of one tag, or undefined when the company never used it. A malformed fact is an error
 * (naming the tag and index), not silently skipped: a half-read tag would produce wrong quarters.
 */
export function usdFacts(facts: CompanyFacts, taxonomy: string, tag: string): Fact[] | undefined {
  const list = facts.facts[taxonomy]?.[tag]?.units.USD;
  if (!list) return undefined;
  return list.map((item, i) => {
    const parsed = factSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CompanyFactsError(`fact ${taxonomy}:${tag} USD[${i}] is malformed (${issue?.path.join('.') || 'fact'}: ${issue?.message ?? 'unexpected shape'})`);
    }
    return parsed.data;
  });
}
