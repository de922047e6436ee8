/**
 * Which tracked companies a headline mentions, from the data set's names, ids, aliases and tickers.
 *
 * - Whole words only: "Meta" matches "Meta's data centers" and "Meta-owned", never "metadata"; a letter or
 *   digit on either side means it is part of another word.
 * - Tickers are case-sensitive ("META", "MSFT", "9988.HK"): lower-case "meta" is a word, not a ticker.
 * - Names and aliases match in any case, but a one-word name must appear with a capital somewhere
 *   ("Apple", "APPLE", "xAI"): the all-lower-case "apple", "oracle" or "meta" in running text is the
 *   common word, not the company. Multi-word names ("amazon web services") match in any case.
 * - Names in scripts without spaces between words (阿里巴巴, 腾讯) match as substrings.
 */
import type { DataSet } from '../data/dataset.js';
import type { Company } from '../data/schema.js';

interface Matcher {
  companyId: string;
  regex: RegExp;
  /** Reject all-lower-case hits (one-word Latin names). */
  needsCapital: boolean;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const NOT_WORD_BEFORE = '(?<![\\p{L}\\p{N}])';
const NOT_WORD_AFTER = '(?![\\p{L}\\p{N}])';
/** Scripts written without spaces between words: no word boundaries to look for. */
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

function nameMatcher(companyId: string, term: string): Matcher | undefined {
  const name = term.trim().replace(/\s+/g, ' ');
  if (name.length < 2) return undefined;
  if (UNSPACED_SCRIPT.test(name)) return { companyId, regex: new RegExp(escape(name), 'gu'), needsCapital: false };
  // "amazon web services" also matches "Amazon  Web\nServices".
  const pattern = escape(name).replace(/ /g, '\\s+');
  return { companyId, regex: new RegExp(`${NOT_WORD_BEFORE}${pattern}${NOT_WORD_AFTER}`, 'giu'), needsCapital: !name.includes(' ') };
}

function tickerMatcher(companyId: string, ticker: string): Matcher | undefined {
  if (ticker.trim().length < 2) return undefined;
  return { companyId, regex: new RegExp(`${NOT_WORD_BEFORE}${escape(ticker.trim())}${NOT_WORD_AFTER}`, 'gu'), needsCapital: false };
}

export class CompanyTagger {
  private readonly matchers: Matcher[] = [];
  private readonly order: string[];

  constructor(companies: readonly Company[]) {
    this.order = companies.map((c) => c.id);
    for (const company of companies) {
      const names = new Set([company.name, company.id, ...company.aliases].map((n) => n.trim()).filter(Boolean));
      for (const name of names) {
        const m = nameMatcher(company.id, name);
        if (m) this.matchers.push(m);
      }
      for (const ticker of company.tickers) {
        const m = tickerMatcher(company.id, ticker);
        if (m) this.matchers.push(m);
      }
    }
  }

  /** Ids of the companies the text mentions, in data-set order. */
  tag(text: string): string[] {
    const found = new Set<string>();
    for (const matcher of this.matchers) {
      if (found.has(matcher.companyId)) continue;
      matcher.regex.lastIndex = 0;
      for (const hit of text.matchAll(matcher.regex)) {
        if (!matcher.needsCapital || hit[0] !== hit[0].toLowerCase()) {
          found.add(matcher.companyId);
          break;
        }
      }
    }
    return this.order.filter((id) => found.has(id));
  }
}

const cache = new WeakMap<DataSet, CompanyTagger>();

/** One tagger per data-set version (the data file can be reloaded while the bot runs). */
export function taggerFor(data: DataSet): CompanyTagger {
  let tagger = cache.get(data);
  if (!tagger) {
    tagger = new CompanyTagger(data.companies);
    cache.set(data, tagger);
  }
  return tagger;
}
