/**
 * Pieces several commands share: the company option, resolving company names into friendly errors, and the
 * private answer of admin commands. How figures are worded lives in src/present/ (digests and alerts use it too).
 */
import { z } from 'zod';
import { UserError } from '../core/command.js';
import { deepFreeze, type Reply } from '../core/reply.js';
import { commandRef } from '../core/syntax.js';
import type { DataSet } from '../data/dataset.js';
import type { Company } from '../data/schema.js';

/**
 * The answer cached under `key`, built (and deep-frozen) on first use. When building it finds a user mistake
 * (companies with nothing to compare, a company with no reliable figure), that refusal is as fixed as an
 * answer for the same data set and key, so it is kept and thrown again instead of being worked out anew on
 * every ask (issue 18: ≈ 20 µs each time for `/compare alibaba tencent bytedance`).
 */
export function cachedAnswer(cache: Map<string, Reply | UserError>, key: string, build: () => Reply): Reply {
  let hit = cache.get(key);
  if (hit === undefined) {
    try {
      hit = deepFreeze(build());
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      hit = Object.freeze(error);
    }
    cache.set(key, hit);
  }
  if (hit instanceof UserError) throw hit;
  return hit;
}

/** A company name, ticker or alias as typed; long enough for "Stargate (OpenAI, SoftBank, Oracle, MGX)". */
export const companyOption = z
  .string()
  .trim()
  .min(1, 'name a company, for example alibaba')
  .max(60, 'company names are at most 60 characters')
  .describe('Company name, ticker or alias, e.g. alibaba, MSFT, google')
  .meta({ autocomplete: 'company' });

/** Quoted back in error messages: trimmed so a hostile 500-character input isn't echoed whole. */
export function quoteInput(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export function resolveCompany(data: DataSet, query: string, usage: string): Company {
  const match = data.resolve(query);
  if (match.ok) return match.company;
  const hint = match.suggestions.length
    ? ` — did you mean ${match.suggestions.map((c) => c.name).join(' or ')}?`
    : `. ${commandRef('/capex companies')} lists every company tracked.`;
  throw new UserError(`No company named '${quoteInput(query)}'${hint}`, usage);
}

/** The answer of an admin command: private to the caller, summarised by its first line. */
export function privateAnswer(title: string, lines: string[], extra: Partial<Reply> = {}): Reply {
  return { kind: 'answer', visibility: 'private', title, lines, summary: lines[0] ?? title, ...extra };
}
