/**
 * The words of a proposal: the post subscribed admin channels get, and the line `proposals list` shows. All
 * text from filings and feeds arrives as plain text (src/news/text.ts) and is escaped for each platform by
 * its renderer like every other reply text, so a hostile headline cannot ping or link anyone.
 */
import type { DataSet } from '../data/dataset.js';
import type { Reply } from '../core/reply.js';
import { withActions } from '../core/interaction.js';
import { commandRef } from '../core/syntax.js';
import type { ProposalRecord, ProposedFigure } from '../store/proposals.js';

export const EXPIRY_DAYS = 30;
const DAY_MS = 86_400_000;

const QUALIFIER_WORDS = { 'at-least': 'more than ', 'at-most': 'under ', 'up-to': 'up to ', about: 'about ' } as const;
const CURRENCY_WORDS: Record<string, string> = { CNY: 'yuan', EUR: 'euros', KRW: 'won', HKD: 'Hong Kong dollars', GBP: 'pounds' };
const METRIC_WORDS: Record<ProposedFigure['metric'], string> = {
  guidance: 'capex guidance',
  reported: 'reported capex',
  'guidance-quarter': 'quarterly capex guidance',
  'reported-quarter': 'reported quarterly capex',
};

/** "US$135–150B", "more than 380 billion yuan". */
export function amountWords(f: Pick<ProposedFigure, 'amount' | 'low' | 'high' | 'qualifier' | 'currency'>): string {
  const value = f.amount !== undefined ? `${f.amount}` : `${f.low}–${f.high}`;
  const q = f.qualifier ? QUALIFIER_WORDS[f.qualifier] : '';
  return f.currency === 'USD' ? `${q}US$${value}B` : `${q}${value} billion ${CURRENCY_WORDS[f.currency] ?? f.currency}`;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function expiresAt(p: Pick<ProposalRecord, 'createdAt'>): number {
  return p.createdAt + EXPIRY_DAYS * DAY_MS;
}

/** One line: "3 · Meta Platforms · capex guidance CY2026: US$135–150B · 8-K of 29 Jul 2026 · pending". */
export function proposalLine(p: ProposalRecord, data: DataSet): string {
  const company = data.company(p.figure.company)?.name ?? p.figure.company;
  const decided = p.status === 'pending' ? `expires ${day(expiresAt(p))}` : `${p.status}${p.decidedByName || p.decidedBy ? ` by ${p.decidedByName ?? p.decidedBy}` : ''}${p.decidedAt ? ` ${day(p.decidedAt)}` : ''}`;
  return `${p.id} · ${company} · ${METRIC_WORDS[p.figure.metric]} ${p.figure.period.label}: ${amountWords(p.figure)} · ${p.source.kind} of ${p.source.date} · ${decided}`;
}

/** The post in a subscribed channel: what was found, where, the sentence, and how to decide. */
export function proposalPost(p: ProposalRecord, data: DataSet): Reply {
  const company = data.company(p.figure.company)?.name ?? p.figure.company;
  const f = p.figure;
  const lines = [
    `${company}: ${f.label}, ${f.period.label}: ${amountWords(f)}${f.basis ? ` (${f.basis})` : ''}.`,
    `Found in ${p.source.kind === 'filing' ? 'an SEC filing' : 'a news headline'} of ${p.source.date}: “${f.sentence}”`,
    `Approve: ${commandRef(`/capex-digest proposals approve ${p.id}`)} · Reject: ${commandRef(`/capex-digest proposals reject ${p.id}`)}`,
    `Nothing is published until an admin approves. It expires on ${day(expiresAt(p))}.`,
  ];
  // Buttons run exactly the typed commands (admin-only: a member's press is refused privately by the core).
  return withActions(
    {
      kind: 'answer',
      visibility: 'public',
      title: `Proposed figure ${p.id}: ${company}`,
      lines,
      sources: [{ title: p.source.title, url: p.source.url, date: p.source.date }],
      summary: `Proposed figure ${p.id}: ${company} ${f.period.label} ${amountWords(f)} — approve or reject with ${commandRef('/capex-digest proposals')}.`,
    },
    [
      { kind: 'button', label: 'Approve', line: `/capex-digest proposals approve ${p.id}`, style: 'primary' },
      { kind: 'button', label: 'Reject', line: `/capex-digest proposals reject ${p.id}`, style: 'danger' },
    ],
  );
}
