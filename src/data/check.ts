/**
 * `capex-bot data check`: what a curator should fix before a finance reader sees it. Per company it lists
 * figures without a primary source (company release, filing, transcript, wire), figures only aggregators
 * state, quarters whose sum disagrees with a stated full year by more than 2 %, guidance a reported actual
 * has replaced, disputes that are really two definitions, entries whose definition, basis or source kind the
 * loader had to infer, and companies whose newest figure is older than nine months.
 *
 * It fails (exit 1) when a headline figure — what `/capex <company>` leads with — rests on aggregators only,
 * or when an entry does not state its definition, basis and source kind; everything else is a warning.
 */
import type { DataSet } from './dataset.js';
import type { Company, Figure } from './schema.js';
import { formatDate, formatWithUsd, midpoint, rangeOf, usdOf } from './money.js';
import { DEFINITION_WORDS, isCapexDefinition, isPrimaryKind, onlyAggregators, rankedSources } from './definitions.js';
import { headlineFigure, isCounted, monthsIn, seriesOf, sumOfQuarters } from './queries.js';

/** A quarter sum may differ from the stated year by rounding; more than this is a data error. */
export const QUARTER_SUM_TOLERANCE = 0.02;
/** A company whose newest figure is older than this has probably reported something since. */
export const STALE_AFTER_MONTHS = 9;

export type CheckRule =
  | 'headline-aggregator-only'
  | 'fields-not-stated'
  | 'headline-no-primary'
  | 'no-primary-source'
  | 'aggregator-only'
  | 'quarters-disagree'
  | 'guidance-superseded'
  | 'dispute-is-definition'
  | 'stale';

/** Rules that make the check fail; the rest are warnings a curator works through. */
export const FAILING_RULES: ReadonlySet<CheckRule> = new Set(['headline-aggregator-only', 'fields-not-stated']);

export interface CheckFinding {
  rule: CheckRule;
  company: string;
  figureId?: string;
  message: string;
}

export interface CheckReport {
  version: string;
  findings: CheckFinding[];
  companies: number;
  figures: number;
  failed: boolean;
}

export const RULE_TITLES: Record<CheckRule, string> = {
  'headline-aggregator-only': 'headline figure stated only by aggregators (FAILS)',
  'fields-not-stated': 'definition, basis or source kind not stated (FAILS)',
  'headline-no-primary': 'headline figure without a company, filing, transcript or wire page (same value in its series counts)',
  'no-primary-source': 'no company, filing, transcript or wire source',
  'aggregator-only': 'only aggregator sources',
  'quarters-disagree': 'four quarters disagree with the stated year by more than 2 %',
  'guidance-superseded': 'guidance superseded by a reported actual for the same period',
  'dispute-is-definition': 'dispute that is really a definition difference',
  stale: `newest figure older than ${STALE_AFTER_MONTHS} months`,
};

const describe = (f: Figure, data: DataSet) => `${f.id}: ${formatWithUsd(f, data)} ${DEFINITION_WORDS[f.definition]}, ${f.period.label} (${formatDate(f.announced)})`;

function monthsBetween(announced: string, now: Date): number {
  const then = new Date(`${announced.length === 7 ? `${announced}-01` : announced}T00:00:00Z`);
  return (now.getTime() - then.getTime()) / (86_400_000 * 30.44);
}

function checkCompany(data: DataSet, company: Company, now: Date): CheckFinding[] {
  const findings: CheckFinding[] = [];
  const add = (rule: CheckRule, message: string, figure?: Figure) => findings.push({ rule, company: company.id, figureId: figure?.id, message });
  const all = data.figuresOf(company.id);
  const counted = all.filter(isCounted);

  const headline = headlineFigure(data, company, now);
  for (const f of headline?.derivation ? [] : (headline?.figures ?? [])) {
    if (onlyAggregators(f)) add('headline-aggregator-only', `${describe(f, data)} — add the company's release, the filing, the call transcript or a wire story`, f);
  }
  // A reaffirmation restates a number an earlier release gave: the series' pages for the same value count.
  for (const f of headline?.derivation ? [] : (headline?.figures ?? [])) {
    const sameValue = seriesOf(data, f).filter((x) => JSON.stringify(rangeOf(x)) === JSON.stringify(rangeOf(f)));
    if (!sameValue.some((x) => rankedSources(x).some((s) => isPrimaryKind(s.kind)))) {
      add('headline-no-primary', `${describe(f, data)} — best: ${rankedSources(f)[0]!.kind}, ${rankedSources(f)[0]!.url}`, f);
    }
  }
  for (const f of all) {
    if (f.inferred?.length) add('fields-not-stated', `${f.id}: state ${f.inferred.join(', ')} (the loader guessed ${f.inferred.map((k) => (k === 'source.kind' ? `kind ${f.source.kind}` : `${k} ${String(f[k as 'basis' | 'definition'])}`)).join(', ')})`, f);
  }
  for (const f of counted) {
    const sources = rankedSources(f);
    if (onlyAggregators(f)) add('aggregator-only', `${describe(f, data)} — ${sources.map((s) => s.url).join(' ')}`, f);
    else if (!sources.some((s) => isPrimaryKind(s.kind))) add('no-primary-source', `${describe(f, data)} — best: ${sources[0]!.kind}, ${sources[0]!.url}`, f);
  }

  // A stated full year (calendar or fiscal) against its four reported quarters of the same definition.
  for (const year of counted.filter((f) => f.metric === 'reported' && monthsIn(f) === 12 && isCapexDefinition(f.definition))) {
    const summed = sumOfQuarters(data, company, year.period.start, year.period.label);
    if (!summed || summed.row.definition !== year.definition) continue;
    const stated = midpoint(usdOf(year, data));
    const sum = midpoint(summed.row.usdPerYear);
    const gap = Math.abs(sum - stated) / stated;
    if (gap > QUARTER_SUM_TOLERANCE) {
      add('quarters-disagree', `${describe(year, data)} vs ${summed.row.derivation.text} = ${sum.toFixed(2)} (${(gap * 100).toFixed(1)} % apart)`, year);
    }
  }

  // Guidance for a period the company has since reported.
  for (const g of counted.filter((f) => f.metric === 'guidance' || f.metric === 'guidance-quarter')) {
    const actual = counted.find(
      (f) => (f.metric === 'reported' || f.metric === 'reported-quarter') && f.period.start === g.period.start && f.period.end === g.period.end && f.announced >= g.announced,
    );
    if (actual) add('guidance-superseded', `${describe(g, data)} → actual ${formatWithUsd(actual, data)} ${DEFINITION_WORDS[actual.definition]} (${formatDate(actual.announced)})`, g);
  }

  // A "dispute" whose other side is on another definition is two right numbers, not a disagreement.
  for (const f of all.filter((x) => x.status === 'disputed')) {
    const samePeriod = all.filter((x) => x !== f && x.period.start === f.period.start && x.period.end === f.period.end && x.metric === f.metric);
    const sameDefinitionOther = samePeriod.filter((x) => x.definition === f.definition && JSON.stringify(rangeOf(x)) !== JSON.stringify(rangeOf(f)));
    const otherDefinition = samePeriod.filter((x) => x.definition !== f.definition);
    if (sameDefinitionOther.length === 0 && otherDefinition.length > 0) {
      add('dispute-is-definition', `${describe(f, data)} is marked disputed, but the other value(s) ${otherDefinition.map((x) => `${formatWithUsd(x, data)} ${DEFINITION_WORDS[x.definition]}`).join(', ')} use another definition: show both, no dispute`, f);
    } else if (sameDefinitionOther.length === 0 && /definition|finance lease|incl\.|excl\.|gross|net of/i.test(f.dispute ?? '')) {
      add('dispute-is-definition', `${describe(f, data)}: the dispute text speaks of definitions ("${(f.dispute ?? '').slice(0, 80)}…") — give each value its definition instead`, f);
    }
  }

  const newest = counted.reduce<Figure | undefined>((max, f) => (!max || f.announced > max.announced ? f : max), undefined);
  if (newest && monthsBetween(newest.announced, now) > STALE_AFTER_MONTHS) {
    add('stale', `newest figure ${describe(newest, data)} is ${Math.floor(monthsBetween(newest.announced, now))} months old and nothing newer is in the data`, newest);
  }
  return findings;
}

export function checkData(data: DataSet, now: Date): CheckReport {
  const findings = data.companies.flatMap((c) => checkCompany(data, c, now));
  return {
    version: data.version,
    findings,
    companies: data.companies.length,
    figures: data.figures.length,
    failed: findings.some((f) => FAILING_RULES.has(f.rule)),
  };
}

/** Plain text, per company, failing rules first; the summary counts every rule. */
export function formatCheckReport(report: CheckReport, data: DataSet): string {
  const order = Object.keys(RULE_TITLES) as CheckRule[];
  const lines = [`Data check of version ${report.version}: ${report.companies} companies, ${report.figures} figures.`, ''];
  for (const company of data.companies) {
    const mine = report.findings.filter((f) => f.company === company.id).sort((a, b) => order.indexOf(a.rule) - order.indexOf(b.rule));
    if (mine.length === 0) continue;
    lines.push(`${company.name} (${company.id})`);
    for (const rule of order) {
      const ofRule = mine.filter((f) => f.rule === rule);
      if (ofRule.length === 0) continue;
      lines.push(`  ${RULE_TITLES[rule]}:`);
      for (const f of ofRule) lines.push(`    - ${f.message}`);
    }
    lines.push('');
  }
  lines.push('Summary:');
  for (const rule of order) lines.push(`  ${String(report.findings.filter((f) => f.rule === rule).length).padStart(3)}  ${RULE_TITLES[rule]}`);
  lines.push('', report.failed ? 'FAILED: a headline figure rests on aggregators only, or an entry does not state its definition, basis and source kind.' : 'PASSED: every headline figure has a source better than an aggregator; the warnings above are for curators.');
  return lines.join('\n');
}
