/**
 * A proposal as data: its dedupe key, whether the data already has the figure, and the row an approval
 * writes to the data file (with the fields the file's schema has: `definition`/`basis`/`source.kind` once
 * DATA's schema carries them, the free-text `basis` before).
 */
import type { DataSet } from '../data/dataset.js';
import type { Figure } from '../data/schema.js';
import type { ProposalRecord, ProposedFigure } from '../store/proposals.js';

const amountKey = (f: Pick<ProposedFigure, 'amount' | 'low' | 'high'>) => (f.amount !== undefined ? `${f.amount}` : `${f.low}-${f.high}`);

/** Same company, metric, period, amount and currency: one proposal, whichever filing or feed it came from. */
export function dedupeKey(f: ProposedFigure): string {
  return [f.company, f.metric, f.period.start, f.period.end, f.currency, amountKey(f), f.qualifier ?? ''].join('|');
}

const EPSILON = 0.005;
const near = (a: number | undefined, b: number | undefined) => a !== undefined && b !== undefined && Math.abs(a - b) < EPSILON;

function bounds(f: { amount?: number; low?: number; high?: number }): [number | undefined, number | undefined] {
  return f.amount !== undefined ? [f.amount, f.amount] : [f.low, f.high];
}

/** The data figure that already states this (same company, kind, period, currency and amount), if any. */
export function knownFigure(data: DataSet, f: ProposedFigure): Figure | undefined {
  const family = f.metric.replace('-quarter', '');
  const [low, high] = bounds(f);
  return data.figuresOf(f.company).find((existing) => {
    const [eLow, eHigh] = bounds(existing);
    return (
      existing.metric.replace('-quarter', '') === family &&
      existing.period.start === f.period.start &&
      existing.period.end === f.period.end &&
      existing.currency === f.currency &&
      near(eLow, low) &&
      near(eHigh, high)
    );
  });
}

/** "meta-cy2026-guidance-2026-07-29-p3": readable, unique (the proposal id), in the data file's id alphabet. */
export function figureIdOf(p: ProposalRecord): string {
  const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const period = slug(p.figure.period.label.split(' (')[0]!);
  return `${slug(p.figure.company)}-${period}-${p.figure.metric}-${p.source.date}-p${p.id}`;
}

/** DATA's definition names, from the extractor's basis hint. */
function definitionOf(basis: string | undefined): string {
  if (!basis) return 'capex';
  if (/finance leases/.test(basis) && !/^excl/.test(basis)) return 'capex-incl-finance-leases';
  if (/^net/.test(basis)) return 'net-ppe';
  if (/^gross/.test(basis)) return 'gross-ppe';
  return 'cash-ppe';
}

export interface DataFigureOptions {
  id: string;
  approvedBy: string;
  /** YYYY-MM-DD */
  approvedOn: string;
  /** The file's figures carry `definition`, `basis` (guidance/actual) and `source.kind` (DATA's schema). */
  definitions: boolean;
}

/** The data-file row for an approved proposal, keys in the file's usual order. */
export function toDataFigure(p: ProposalRecord, o: DataFigureOptions): Record<string, unknown> {
  const f = p.figure;
  const actual = f.metric.startsWith('reported');
  const quote = f.sentence.length > 240 ? `${f.sentence.slice(0, 239)}…` : f.sentence;
  return {
    id: o.id,
    company: f.company,
    metric: f.metric,
    label: f.label,
    ...(o.definitions
      ? { definition: definitionOf(f.basis), basis: actual ? 'actual' : 'guidance', ...(f.basis ? { definitionNote: f.basis } : {}) }
      : f.basis
        ? { basis: f.basis }
        : {}),
    ...(f.amount !== undefined ? { amount: f.amount } : { low: f.low, high: f.high }),
    // Before DATA's schema, "up to" was written as at-most.
    ...(f.qualifier ? { qualifier: f.qualifier === 'up-to' && !o.definitions ? 'at-most' : f.qualifier } : {}),
    currency: f.currency,
    period: { label: f.period.label, start: f.period.start, end: f.period.end },
    announced: p.source.date,
    source: { title: p.source.title, url: p.source.url, ...(o.definitions ? { kind: p.source.kind === 'filing' ? 'filing' : 'other-press' } : {}) },
    status: 'confirmed',
    note: `Proposed by capex-bot from the ${p.source.kind === 'filing' ? 'filing' : 'article'}: "${quote}". Approved by ${o.approvedBy} on ${o.approvedOn} (proposal ${p.id}).`,
  };
}
