/**
 * `/capex-digest status` (Slack, console) and `/digest status` (Discord): for admins, privately — the data
 * version the bot answers from, when and where it was loaded, the last refused version (when and why), the
 * counts of digest schedules, alert channels and news feeds, and which chat adapters are up. `/healthz`
 * shows the data part to monitoring; this shows it in chat.
 */
import { basename } from 'node:path';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineCommand, type CommandContext } from '../core/command.js';
import type { Reply, ReplyField } from '../core/reply.js';
import { callerScope } from '../core/workspace.js';
import type { AdapterSummary } from './services.js';

/** Refusals list up to 20 problems; chat gets the first few. */
const REFUSAL_LINES = 3;

function when(iso: string | Date, zone: string): string {
  const dt = typeof iso === 'string' ? DateTime.fromISO(iso, { zone }) : DateTime.fromJSDate(iso, { zone });
  return `${dt.toFormat('d LLL yyyy HH:mm')} ${zone === 'UTC' ? 'UTC' : zone}`;
}

function countBy<T extends string>(values: readonly T[]): string {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/**
 * Where the data comes from, without the server's file system or a URL's credentials and query: chat admins
 * need to know which source it is, not where the bot's files live ("capex-data.yaml", "data.example.com").
 */
export function sourceWords(source: string): string {
  if (/^https?:\/\//i.test(source)) {
    try {
      return `URL on ${new URL(source).host}`;
    } catch {
      return 'a URL';
    }
  }
  return `file ${basename(source)}`;
}

/** A refusal line with the data file's full path cut down to its name. */
function withoutPath(line: string, source: string): string {
  return /^https?:/i.test(source) ? line.split(source).join(sourceWords(source)) : line.split(source).join(basename(source));
}

function adapterWords({ label, health }: AdapterSummary): string {
  return health.status === 'ok' ? `${label}: ok` : `${label}: ${health.status}${health.reason ? ` (${health.reason})` : ''}`;
}

/** A count line that never fails the whole status: a store that cannot be read says so. */
async function safely(read: () => Promise<string>): Promise<string> {
  try {
    return await read();
  } catch {
    return 'could not be read (see the bot log)';
  }
}

async function schedulesLine(ctx: CommandContext): Promise<string> {
  const digest = ctx.services.digest;
  if (!digest) return 'not set up (no database)';
  return safely(async () => {
    // The caller's workspace only (slack:T1: when installed in many workspaces): no counts of another workspace.
    const schedules = await digest.store.listSchedules(callerScope(ctx.caller));
    return schedules.length ? `${schedules.length} (${countBy(schedules.map((s) => s.status))})` : 'none';
  });
}

async function alertsLine(ctx: CommandContext): Promise<string> {
  const alerts = ctx.services.alerts;
  if (!alerts) return 'not set up (no database)';
  return safely(async () => {
    const subscriptions = await alerts.store.listSubscriptions(callerScope(ctx.caller));
    // Announcements recorded in the delivery ledger and not posted yet.
    const pending = await alerts.pendingCount();
    const channels = subscriptions.length ? `${subscriptions.length} channel${subscriptions.length === 1 ? '' : 's'} (${countBy(subscriptions.map((s) => s.status))})` : 'no channel';
    return `${channels}${pending ? `; ${pending} announcement${pending === 1 ? '' : 's'} waiting to be posted` : ''}${alerts.running ? '' : '; not running in this process'}`;
  });
}

async function feedsLine(ctx: CommandContext): Promise<string> {
  const news = ctx.services.news;
  if (!news) return 'not set up (no database)';
  return safely(async () => {
    const feeds = await news.listFeeds(ctx.caller); // the caller's workspace's feeds only
    return feeds.length ? `${feeds.length} (${countBy(feeds.map((f) => (f.health === 'ok' ? 'healthy' : f.health)))})` : 'none';
  });
}

export const digestStatusCommand = defineCommand({
  id: 'digest-status',
  path: ['capex-digest', 'status'],
  discord: { command: 'digest', subcommand: 'status' },
  summary: 'Data version, last refused version, schedules, alerts and feeds (admins)',
  usage: '/capex-digest status',
  examples: ['/capex-digest status'],
  adminOnly: true,
  options: z.object({}),
  fromText: () => ({}),
  run: async (_options, ctx) => {
    const zone = ctx.caller.timeZone ?? 'UTC';
    const live = ctx.services.live;
    const fields: ReplyField[] = [];
    const lines: string[] = [];
    if (live) {
      const status = live.status();
      fields.push(
        { label: 'Data version', value: status.dataVersion },
        { label: 'Loaded', value: when(status.dataLoadedAt, zone) },
        { label: 'Source', value: sourceWords(status.dataSource) },
      );
      const refusal = live.lastRefusal;
      if (refusal) {
        const problems = refusal.message.split('\n').slice(1);
        lines.push(`The last new version was refused at ${when(refusal.at, zone)}; the bot answers from version ${status.dataVersion}:`);
        lines.push(...problems.slice(0, REFUSAL_LINES).map((line) => withoutPath(line, status.dataSource)));
        if (problems.length > REFUSAL_LINES) lines.push(`…and ${problems.length - REFUSAL_LINES} more problems (see the bot's log).`);
      } else {
        lines.push(`The bot answers from data version ${status.dataVersion}; no new version has been refused since it was loaded.`);
      }
    } else {
      fields.push({ label: 'Data version', value: ctx.data.version }, { label: 'Source', value: 'fixed at start (live reload is off in this run)' });
      lines.push(`The bot answers from data version ${ctx.data.version}.`);
    }
    fields.push(
      { label: 'Digest schedules', value: await schedulesLine(ctx) },
      { label: 'Revision alerts', value: await alertsLine(ctx) },
      { label: 'News feeds', value: await feedsLine(ctx) },
    );
    const adapters = ctx.services.adapters?.();
    if (adapters) fields.push({ label: 'Adapters', value: adapters.length ? adapters.map(adapterWords).join('; ') : 'console' });
    const reply: Reply = {
      kind: 'answer',
      visibility: 'private',
      title: 'capex-bot status',
      lines,
      fields,
      summary: lines[0]!,
    };
    return reply;
  },
});
