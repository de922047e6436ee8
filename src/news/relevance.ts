/**
 * Is a headline about AI investment? The bot is about AI capex, so a general tech or business feed must
 * be filtered down to what its readers came for. Two ways in:
 *
 * 1. A term that is about AI build-out on its own: capex, capital expenditure, data center(s), AI
 *    infrastructure, GPUs, AI chips, hyperscalers, supercomputers, gigawatt-scale campuses, …
 * 2. AI (the word "AI", "artificial intelligence", "generative AI", "LLM") together with a money or
 *    hardware word: invest, spend, chips, semiconductors, compute, infrastructure, servers, build-out,
 *    capacity, billion, funding.
 *
 * So "Microsoft raises AI spending" and "Meta's new data center in Louisiana" are kept, while "Apple
 * unveils new iPhone" and "Oracle beats on cloud licences" are not. The lists are data: extend them here.
 */

/** Enough on their own. Acronyms are case-sensitive ("GPU", "TPU"); words are not. */
export const STRONG_TERMS: readonly RegExp[] = [
  /\bcapex\b/i,
  /\bcap-?ex\b/i,
  /\bcapital (expenditures?|spending|investments?|outlays?)\b/i,
  /\bdata[- ]?cent(er|re)s?\b/i,
  /\bAI[- ]infrastructure\b/i,
  /\bGPUs?\b/,
  /\bTPUs?\b/,
  /\bhyperscalers?\b/i,
  /\bsupercomputers?\b/i,
  /\bAI (chips?|accelerators?|spending|investments?|build-?outs?|capacity|clusters?|factor(y|ies)|campus(es)?|compute)\b/i,
  /\bgigawatts?\b/i,
  /\bcompute (capacity|deals?|contracts?|clusters?)\b/i,
];

export const AI_TERMS: readonly RegExp[] = [/\bAI\b/, /\bA\.I\./, /\bartificial intelligence\b/i, /\bgen(erative)?[- ]?AI\b/i, /\bLLMs?\b/, /\bmachine learning\b/i];

export const INVESTMENT_TERMS: readonly RegExp[] = [
  /\binvest(s|ed|ing|ments?|ors?)?\b/i,
  /\bspend(s|ing)?\b/i,
  /\bchips?\b/i,
  /\bsemiconductors?\b/i,
  /\bcompute\b/i,
  /\binfrastructure\b/i,
  /\bservers?\b/i,
  /\bbuild-?outs?\b/i,
  /\bcapacity\b/i,
  /\b(b|tr)illions?\b/i,
  /\$\s?\d/,
  /\bfunding\b/i,
];

export function isAboutAiInvestment(text: string): boolean {
  if (STRONG_TERMS.some((re) => re.test(text))) return true;
  return AI_TERMS.some((re) => re.test(text)) && INVESTMENT_TERMS.some((re) => re.test(text));
}
