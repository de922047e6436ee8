/**
 * `/capex-digest alerts on [company …] [#channel] | off [#channel] | list` (Slack, console) and `/digest alerts`
 * (Discord, with an `action` choice, company1…company6 and a channel picker): revision alerts per channel.
 * Admin-only like schedules, every answer private; each change is in the audit log. The channel defaults to
 * the one the command is typed in; no companies means every company.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineCommand, UserError, type CommandContext, type CommandSpec } from '../core/command.js';
import { commandRef } from '../core/syntax.js';
import { inCallerWorkspace } from '../core/workspace.js';
import type { DataSet } from '../data/dataset.js';
import type { Company } from '../data/schema.js';
import type { AlertService } from '../alerts/service.js';
import type { AlertSubscription } from '../alerts/store.js';
import { parseChannel } from '../schedule/grammar.js';
import { channelLabel } from '../schedule/schedule-record.js';
import { WhenError } from '../schedule/when.js';
import { privateAnswer, quoteInput, resolveCompany } from './shared.js';
import { digestStatusCommand } from './status.js';

export const ALERTS_USAGE = '/capex-digest alerts on [company …] [#channel] | alerts off [#channel] | alerts list — e.g. /capex-digest alerts on meta, alphabet #capex-news';
export const MAX_ALERT_COMPANIES = 6;

const NOT_SET_UP = 'Revision alerts are not set up in this run of the bot (it has no database). Start the bot with `capex-bot start` to use them.';
const ACTIONS = ['list', 'on', 'off'] as const;

function alertsOf(ctx: CommandContext): AlertService {
  const service = ctx.services.alerts;
  if (!service) throw new UserError(NOT_SET_UP);
  return service;
}

const isChannelToken = (t: string) => t.startsWith('#') || t.startsWith('<#');

/** Company names as typed: commas (or "and") separate names, so multi-word names work: "meta platforms, amazon". */
function companySegments(words: string[]): string[] {
  return words
    .join(' ')
    .split(/\s*,\s*|\s+(?:and|&)\s+/i)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Each segment is one name if it resolves whole; otherwise its words are read as names, longest match
 * first ("meta amazon" → Meta, Amazon). A word that is no company gets the "did you mean" answer.
 */
export function resolveCompanies(data: DataSet, segments: string[]): Company[] {
  const found: Company[] = [];
  for (const segment of segments) {
    const whole = data.resolve(segment);
    if (whole.ok) {
      found.push(whole.company);
      continue;
    }
    const words = segment.split(/\s+/);
    if (words.length === 1) resolveCompany(data, segment, ALERTS_USAGE);
    for (let i = 0; i < words.length; ) {
      let j = words.length;
      for (; j > i; j--) {
        const match = data.resolve(words.slice(i, j).join(' '));
        if (match.ok) {
          found.push(match.company);
          break;
        }
      }
      if (j === i) resolveCompany(data, words[i]!, ALERTS_USAGE);
      i = j;
    }
  }
  const unique = [...new Map(found.map((c) => [c.id, c])).values()];
  if (unique.length > MAX_ALERT_COMPANIES) {
    throw new UserError(`Name at most ${MAX_ALERT_COMPANIES} companies, or none for every company.`, ALERTS_USAGE);
  }
  return unique;
}

function channelOf(text: string | undefined, ctx: CommandContext): string {
  if (text === undefined || text.trim() === '') return ctx.caller.channelId;
  try {
    return inCallerWorkspace(ctx.caller, parseChannel(text, ctx.syntax));
  } catch (error) {
    if (error instanceof WhenError) throw new UserError(error.message, ALERTS_USAGE);
    throw error;
  }
}

function companiesWords(ids: readonly string[], data: DataSet): string {
  if (ids.length === 0) return 'every company';
  return ids.map((id) => data.company(id)?.name ?? id).join(', ');
}

const who = (s: AlertSubscription) => s.createdByName ?? s.createdBy.slice(s.createdBy.indexOf(':') + 1);

function when(ms: number, zone: string): string {
  return `${DateTime.fromMillis(ms, { zone }).toFormat('d LLL yyyy HH:mm')}${zone === 'UTC' ? ' UTC' : ''}`;
}

export const digestAlertsCommand = defineCommand({
  id: 'digest-alerts',
  path: ['capex-digest', 'alerts'],
  discord: { command: 'digest', subcommand: 'alerts' },
  summary: 'Revision alerts: a post in a channel whenever a figure is added or a guidance revised (admins)',
  usage: ALERTS_USAGE,
  examples: ['/capex-digest alerts on meta, alphabet #capex-news', '/capex-digest alerts on', '/capex-digest alerts off #capex-news', '/capex-digest alerts list'],
  adminOnly: true,
  options: z.object({
    action: z.enum(ACTIONS).default('list').describe('on: subscribe a channel, off: stop, list: the channels with alerts'),
    companies: z
      .array(z.string().trim().min(1).max(60, 'company names are at most 60 characters').describe('Company name, ticker or alias, e.g. meta').meta({ autocomplete: 'company' }))
      .max(MAX_ALERT_COMPANIES, `name at most ${MAX_ALERT_COMPANIES} companies, or none for every company`)
      .optional()
      .describe('on: only these companies (default: every company)')
      .meta({ itemName: 'company' }),
    channel: z.string().trim().max(100).optional().describe('Channel (default: this one)'),
  }),
  fromText: (args) => {
    const verb = args[0]?.toLowerCase();
    if (verb === undefined) return { action: 'list' as const };
    if (!(ACTIONS as readonly string[]).includes(verb)) {
      throw new UserError(`${commandRef('/capex-digest alerts')} has no '${quoteInput(args[0]!).slice(0, 20)}': use on, off or list.`, ALERTS_USAGE);
    }
    const rest = args.slice(1);
    const channels = rest.filter(isChannelToken);
    if (channels.length > 1) throw new UserError('Name one channel, not two.', ALERTS_USAGE);
    const words = rest.filter((t) => !isChannelToken(t));
    return {
      action: verb as (typeof ACTIONS)[number],
      ...(words.length ? { companies: companySegments(words) } : {}),
      ...(channels[0] ? { channel: channels[0] } : {}),
    };
  },
  run: async ({ action, companies: typed, channel: channelText }, ctx) => {
    const alerts = alertsOf(ctx);
    const zone = ctx.caller.timeZone ?? 'UTC';

    if (action === 'on') {
      const channelId = channelOf(channelText, ctx);
      const companies = resolveCompanies(ctx.data, typed ?? []);
      const ids = companies.map((c) => c.id);
      const { subscription, before } = await alerts.subscribe(channelId, ids, ctx.caller);
      const channel = channelLabel(channelId);
      const lines = [
        `${channel} gets a short post whenever a new data version adds a figure or revises a guidance for ${companiesWords(ids, ctx.data)}: old → new, % change, date and source.`,
      ];
      if (before?.status === 'failing') lines.push(`Alerts there were failing (${before.statusReason ?? 'cannot post'}); they are on again.`);
      else if (before) lines.push(`Before, they covered ${companiesWords(before.companies, ctx.data)}.`);
      lines.push('Figures already in the data are not announced; each change is announced once. The next digest lists it under "what changed" too.');
      lines.push(`Stop them with ${commandRef('/capex-digest alerts off')} ${channel}.`);
      return privateAnswer(`Revision alerts on in ${channel}`, lines, {
        summary: `Revision alerts on in ${channel} for ${companiesWords(subscription.companies, ctx.data)}.`,
      });
    }

    if (action === 'off') {
      if (typed?.length) throw new UserError('alerts off stops every alert in a channel; it takes no company names. To narrow them, say alerts on with the companies you want.', ALERTS_USAGE);
      const channelId = channelOf(channelText, ctx);
      const channel = channelLabel(channelId);
      const removed = await alerts.unsubscribe(channelId, ctx.caller);
      if (!removed) return privateAnswer('No revision alerts there', [`${channel} had no revision alerts. ${commandRef('/capex-digest alerts list')} shows the channels that do.`]);
      return privateAnswer(`Revision alerts off in ${channel}`, [`${channel} no longer gets revision alerts (it had them for ${companiesWords(removed.companies, ctx.data)}).`]);
    }

    if (typed?.length || channelText) throw new UserError('alerts list takes nothing more: it lists every channel with alerts.', ALERTS_USAGE);
    const subscriptions = await alerts.list(ctx.caller);
    if (subscriptions.length === 0) {
      return privateAnswer('No revision alerts', [
        `No channel gets revision alerts yet. Turn them on in this channel: ${commandRef('/capex-digest alerts on')} (or name companies: ${commandRef('/capex-digest alerts on meta, alphabet')}).`,
      ]);
    }
    const lines = subscriptions.map((s) =>
      [
        channelLabel(s.channelId),
        companiesWords(s.companies, ctx.data),
        s.status === 'failing' ? `failing: ${s.statusReason ?? 'cannot post'}` : 'active',
        `since ${when(s.updatedAt, zone)}`,
        `by ${who(s)}`,
      ].join(' · '),
    );
    const failing = subscriptions.filter((s) => s.status === 'failing').length;
    return privateAnswer(`Revision alerts (${subscriptions.length} channel${subscriptions.length === 1 ? '' : 's'})`, lines, {
      notes: failing ? [`${failing} channel${failing === 1 ? ' is' : 's are'} failing: add the bot back to the channel, then say alerts on there again.`] : [],
      summary: `${subscriptions.length} channel${subscriptions.length === 1 ? '' : 's'} with revision alerts${failing ? `, ${failing} failing` : ''}.`,
    });
  },
});

/** The commands this feature adds under `/capex-digest`, for the registry (src/commands/index.ts). */
export const ALERT_COMMANDS: CommandSpec[] = [digestAlertsCommand, digestStatusCommand] as unknown as CommandSpec[];
