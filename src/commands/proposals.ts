/**
 * `/capex-digest proposals on [#channel] | off [#channel] | list | approve <id> | reject <id>` (Slack, console)
 * and `/digest proposals` (Discord, with an `action` choice): new capex figures the bot read in SEC filings
 * and news headlines, offered to admins. Admin-only, every answer private; every decision is audited with who
 * and when. Nothing is published without an approval; a proposal nobody decides expires after 30 days.
 */
import { z } from 'zod';
import { defineCommand, UserError, type CommandContext, type CommandSpec } from '../core/command.js';
import { commandRef } from '../core/syntax.js';
import { inCallerWorkspace } from '../core/workspace.js';
import { amountWords, expiresAt, proposalLine } from '../proposals/message.js';
import type { ProposalEdit, ProposalService } from '../proposals/service.js';
import { parseChannel } from '../schedule/grammar.js';
import { channelLabel } from '../schedule/schedule-record.js';
import { WhenError } from '../schedule/when.js';
import { privateAnswer, quoteInput } from './shared.js';

export const PROPOSALS_USAGE =
  '/capex-digest proposals on [#channel] | proposals off [#channel] | proposals list | proposals approve <id> | proposals reject <id> | proposals edit <id> <amount or low-high> [about|over|up-to|under|exact] — e.g. /capex-digest proposals approve 3';

const NOT_SET_UP = 'Proposed figures are not set up in this run of the bot (it has no database). Start the bot with `capex-bot start` to use them.';
const ACTIONS = ['list', 'on', 'off', 'approve', 'reject', 'edit'] as const;
/** The words `proposals edit` takes for a qualifier; `exact` removes one. */
const QUALIFIER_WORDS: Record<string, ProposalEdit['qualifier']> = { about: 'about', over: 'at-least', 'more-than': 'at-least', 'up-to': 'up-to', under: 'at-most', exact: null };

function proposalsOf(ctx: CommandContext): ProposalService {
  const service = ctx.services.proposals;
  if (!service) throw new UserError(NOT_SET_UP);
  return service;
}

function channelOf(text: string | undefined, ctx: CommandContext): string {
  if (text === undefined || text.trim() === '') return ctx.caller.channelId;
  try {
    return inCallerWorkspace(ctx.caller, parseChannel(text, ctx.syntax));
  } catch (error) {
    if (error instanceof WhenError) throw new UserError(error.message, PROPOSALS_USAGE);
    throw error;
  }
}

function idOf(text: string | undefined, action: string): number {
  const m = /^#?(\d{1,9})$/.exec((text ?? '').trim());
  if (!m) {
    throw new UserError(
      `${text ? `'${quoteInput(text).slice(0, 20)}' is not a proposal id` : `Say which proposal to ${action}`}: use the number ${commandRef('/capex-digest proposals list')} shows, e.g. ${commandRef(`/capex-digest proposals ${action} 3`)}.`,
      PROPOSALS_USAGE,
    );
  }
  return Number(m[1]);
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const digestProposalsCommand = defineCommand({
  id: 'digest-proposals',
  path: ['capex-digest', 'proposals'],
  discord: { command: 'digest', subcommand: 'proposals' },
  summary: 'New figures found in SEC filings and headlines: get them, list, approve or reject (admins)',
  usage: PROPOSALS_USAGE,
  examples: ['/capex-digest proposals on #capex-review', '/capex-digest proposals list', '/capex-digest proposals approve 3', '/capex-digest proposals reject 4', '/capex-digest proposals off'],
  adminOnly: true,
  options: z.object({
    action: z.enum(ACTIONS).default('list').describe('on/off: posts in a channel; list: pending ones; approve/reject/edit one'),
    target: z.string().trim().max(100).optional().describe('on/off: the channel (default: this one); approve/reject: the id; edit: id and amount, e.g. 3 140-155'),
  }),
  fromText: (args) => {
    const verb = args[0]?.toLowerCase();
    if (verb === undefined) return { action: 'list' as const };
    if (!(ACTIONS as readonly string[]).includes(verb)) {
      throw new UserError(`${commandRef('/capex-digest proposals')} has no '${quoteInput(args[0]!).slice(0, 20)}': use on, off, list, approve or reject.`, PROPOSALS_USAGE);
    }
    const rest = args.slice(1);
    if (verb === 'edit') return { action: 'edit' as const, ...(rest.length ? { target: rest.join(' ') } : {}) };
    if (rest.length > 1) throw new UserError(`proposals ${verb} takes ${verb === 'approve' || verb === 'reject' ? 'one proposal id' : 'at most one channel'}.`, PROPOSALS_USAGE);
    return { action: verb as (typeof ACTIONS)[number], ...(rest[0] ? { target: rest[0] } : {}) };
  },
  run: async ({ action, target }, ctx) => {
    const proposals = proposalsOf(ctx);

    if (action === 'on') {
      const channelId = channelOf(target, ctx);
      const channel = channelLabel(channelId);
      const { created } = await proposals.subscribe(channelId, ctx.caller);
      const lines = [
        created
          ? `${channel} gets one post per new figure the bot finds in SEC earnings filings and news headlines, with the sentence it came from and how to approve or reject it.`
          : `${channel} already gets proposed figures.`,
        proposals.readsFilings
          ? `Filings: the 8-K feeds of the tracked US companies on SEC EDGAR are read; headlines: the news feeds (${commandRef('/capex-digest feeds')}).`
          : 'Only news headlines are read in this run: set SEC_USER_AGENT to read SEC filings too.',
        'Nothing is published until an admin approves; undecided proposals expire after 30 days.',
        `Stop them with ${commandRef('/capex-digest proposals off')} ${channel}.`,
      ];
      // Posts go out for proposals made from now on; the ones already waiting are a command away.
      const waiting = (await proposals.pending()).length;
      if (waiting > 0) lines.splice(1, 0, `${waiting} proposal${waiting === 1 ? ' is' : 's are'} already waiting: ${commandRef('/capex-digest proposals list')}.`);
      return privateAnswer(`Proposed figures on in ${channel}`, lines);
    }

    if (action === 'off') {
      const channelId = channelOf(target, ctx);
      const channel = channelLabel(channelId);
      const removed = await proposals.unsubscribe(channelId, ctx.caller);
      return privateAnswer(removed ? `Proposed figures off in ${channel}` : 'No proposed figures there', [
        removed ? `${channel} no longer gets proposed figures. Pending ones stay listed: ${commandRef('/capex-digest proposals list')}.` : `${channel} did not get proposed figures.`,
      ]);
    }

    if (action === 'edit') {
      const [idText, value, qualifierText, ...extra] = (target ?? '').split(/\s+/).filter(Boolean);
      const id = idOf(idText, 'edit');
      const m = /^(\d+(?:\.\d+)?)(?:\s*[-–]\s*(\d+(?:\.\d+)?))?$/.exec(value ?? '');
      const qualifierKey = qualifierText?.toLowerCase();
      if (!m || extra.length || (qualifierKey !== undefined && !(qualifierKey in QUALIFIER_WORDS))) {
        throw new UserError(`Say the corrected amount in billions, e.g. ${commandRef(`/capex-digest proposals edit ${id} 150`)} or ${commandRef(`/capex-digest proposals edit ${id} 140-155 about`)} (about, over, up-to, under or exact).`, PROPOSALS_USAGE);
      }
      const change: ProposalEdit = m[2] ? { low: Number(m[1]), high: Number(m[2]) } : { amount: Number(m[1]) };
      if (qualifierKey !== undefined) change.qualifier = QUALIFIER_WORDS[qualifierKey];
      const result = await proposals.edit(id, change, ctx.caller);
      if (!result.ok) throw new UserError(result.reason, PROPOSALS_USAGE);
      return privateAnswer(`Proposal ${id} edited`, [
        `${proposalLine(result.proposal, ctx.data)}`,
        `Approve it with ${commandRef(`/capex-digest proposals approve ${id}`)}; the edit is in the audit log.`,
      ]);
    }

    if (action === 'approve' || action === 'reject') {
      const id = idOf(target, action);
      const decision = action === 'approve' ? await proposals.approve(id, ctx.caller) : await proposals.reject(id, ctx.caller);
      switch (decision.status) {
        case 'not-found':
          throw new UserError(`There is no proposal ${id}. ${commandRef('/capex-digest proposals list')} shows the pending ones.`, PROPOSALS_USAGE);
        case 'already': {
          const p = decision.proposal;
          const by = p.decidedByName ?? p.decidedBy;
          return privateAnswer(`Proposal ${id} unchanged`, [
            p.status === 'expired'
              ? `Proposal ${id} expired on ${day(expiresAt(p))} without a decision; nothing was published.`
              : `Proposal ${id} was already ${p.status}${by ? ` by ${by}` : ''}${p.decidedAt ? ` on ${day(p.decidedAt)}` : ''}.`,
          ]);
        }
        case 'invalid':
          return { ...privateAnswer(`Proposal ${id} not published`, [`The figure would make the data file invalid (${decision.reason}), so nothing was written. It stays pending; reject it, or fix the data file first.`]), kind: 'error' };
        case 'rejected':
          return privateAnswer(`Proposal ${id} rejected`, [`Proposal ${id} (${proposalLine(decision.proposal, ctx.data).split(' · ').slice(1, 3).join(', ')}) is rejected; the data is unchanged.`]);
        case 'approved-not-written':
          return privateAnswer(`Proposal ${id} approved — add it to the data source`, [
            `The data comes from ${decision.source}, which the bot does not write. Add this row to the figures there; the bot announces it when the URL serves the new version:`,
            decision.yaml,
          ]);
        case 'approved': {
          const f = decision.proposal.figure;
          const company = ctx.data.company(f.company)?.name ?? f.company;
          return privateAnswer(`Proposal ${id} approved`, [
            `${company} ${f.period.label}: ${amountWords(f)} is written to the data file (version ${decision.version}, figure ${decision.proposal.figureId}), with ${decision.proposal.source.title} as its source.`,
            'Answers use it within seconds (the data reloads); channels with revision alerts get the change, and the next digests list it.',
          ]);
        }
      }
    }

    if (target) throw new UserError('proposals list takes nothing more: it lists every pending proposal.', PROPOSALS_USAGE);
    const pending = await proposals.pending();
    const channels = await proposals.channels();
    const channelWords = channels.length ? `Posted in ${channels.map((c) => channelLabel(c.channelId)).join(', ')}.` : `No channel gets them yet: ${commandRef('/capex-digest proposals on')} in the channel (or name one).`;
    if (pending.length === 0) return privateAnswer('No pending proposals', ['No proposed figure is waiting for a decision.', channelWords]);
    return privateAnswer(`Pending proposals (${pending.length})`, pending.map((p) => proposalLine(p, ctx.data)), {
      notes: [channelWords, `Approve with ${commandRef('/capex-digest proposals approve <id>')}, reject with ${commandRef('/capex-digest proposals reject <id>')}.`],
      sources: pending.map((p) => ({ title: p.source.title, url: p.source.url, date: p.source.date })),
      summary: `${pending.length} proposed figure${pending.length === 1 ? '' : 's'} waiting for a decision.`,
    });
  },
});

/** For the registry (src/commands/index.ts). */
export const PROPOSAL_COMMANDS: CommandSpec[] = [digestProposalsCommand] as unknown as CommandSpec[];
