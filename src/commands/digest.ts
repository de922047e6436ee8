/**
 * `/capex-digest …` (Slack, console) and `/digest …` (Discord): scheduled digests per channel.
 * Changing commands (add, remove, pause, resume, send) are admin-only; reading ones (list, next,
 * preview, help) are open to everyone, privately: schedules are not secret, and seeing what a channel
 * will receive helps people ask an admin for a change. Every answer is private.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineCommand, UserError, type Caller, type CommandContext, type CommandSpec } from '../core/command.js';
import { commandRef } from '../core/syntax.js';
import { privateAnswer } from './shared.js';
import { ADD_USAGE, addOptionsFromText, resolveAdd } from '../schedule/grammar.js';
import { channelLabel, describeSchedule } from '../schedule/schedule-record.js';
import type { DigestService, ScheduleView } from '../schedule/service.js';
import { WhenError } from '../schedule/when.js';
import { digestFeedsCommand } from './feeds.js';
import { ALERT_COMMANDS } from './alerts.js';
import { PROPOSAL_COMMANDS } from './proposals.js';
import { digestThreadCommand } from './digest-thread.js';
import { idOption, parseId, serviceOf } from './digest-options.js';
import type { DeliveryRecord, ScheduleRecord } from '../store/types.js';

/** Runs a grammar step, turning a WhenError into the user-facing message with usage. */
function userInput<T>(fn: () => T, usage: string): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof WhenError) throw new UserError(error.message, usage);
    throw error;
  }
}

async function findOrExplain(service: DigestService, id: number, caller: Caller, usage: string): Promise<ScheduleRecord> {
  const schedule = await service.find(id, caller);
  if (!schedule) throw new UserError(`There is no digest schedule ${id} here. ${commandRef('/capex-digest list')} shows the ids.`, usage);
  return schedule;
}

function formatLocal(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat('ccc d LLL yyyy HH:mm');
}

function formatUtc(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat('HH:mm');
}

function nextRunWords(ms: number, zone: string): string {
  return zone === 'UTC' ? `${formatLocal(ms, zone)} UTC` : `${formatLocal(ms, zone)} ${zone} (${formatUtc(ms)} UTC)`;
}

const who = (s: ScheduleRecord) => s.createdByName ?? s.createdBy.slice(s.createdBy.indexOf(':') + 1);

// ---- add -----------------------------------------------------------------------------------------------

export const digestAddCommand = defineCommand({
  id: 'digest-add',
  path: ['capex-digest', 'add'],
  discord: { command: 'digest', subcommand: 'add' },
  summary: 'Schedule the AI-capex digest in a channel (admins)',
  usage: ADD_USAGE,
  examples: ['/capex-digest add 09:00 weekdays Europe/Berlin', '/capex-digest add 08:30 mon,wed,fri America/New_York #general', '/capex-digest add cron "0 9 1 * *" UTC'],
  adminOnly: true,
  options: z.object({
    time: z.string().trim().max(20).optional().describe('Time of day, 24-hour HH:MM, e.g. 09:00'),
    days: z.string().trim().max(60).optional().describe('daily (default), weekdays, or days like mon,wed,fri'),
    cron: z.string().trim().max(100).optional().describe('Instead of time and days: a cron expression, e.g. 0 9 * * 1-5'),
    zone: z.string().trim().max(64).optional().describe('IANA time zone, e.g. Europe/Berlin (default: the bot\'s default zone)'),
    channel: z.string().trim().max(100).optional().describe('Channel to post in (default: this one)'),
  }),
  fromText: (args) => userInput(() => addOptionsFromText(args), ADD_USAGE),
  run: async (options, ctx) => {
    const service = serviceOf(ctx);
    const resolved = userInput(() => resolveAdd(options, ctx.caller, service.defaultZone, ctx.syntax), ADD_USAGE);
    const { schedule, next } = await service.add(resolved, ctx.caller);
    const channel = channelLabel(schedule.channelId);
    const lines = [`Schedule ${schedule.id}: the AI-capex digest posts in ${channel} ${describeSchedule(schedule)}.`];
    lines.push(next[0] ? `Next run: ${nextRunWords(next[0].dueAt, schedule.zone)}.` : 'It has no upcoming run.');
    if (resolved.zoneDefaulted) {
      lines.push(
        ctx.caller.timeZone
          ? `Time zone ${schedule.zone} is yours; add a zone such as Europe/Berlin to use another.`
          : `Time zone ${schedule.zone} is the bot's default; add a zone such as Europe/Berlin to use another.`,
      );
    }
    lines.push(
      `Manage it with ${commandRef(`/capex-digest next ${schedule.id}`)}, ${commandRef(`/capex-digest pause ${schedule.id}`)} or ${commandRef(`/capex-digest remove ${schedule.id}`)}.`,
    );
    return privateAnswer(`Digest scheduled (id ${schedule.id})`, lines, {
      fields: [
        { label: 'Id', value: String(schedule.id) },
        { label: 'Channel', value: channel },
        { label: 'When', value: describeSchedule(schedule) },
        { label: 'Next run', value: next[0] ? nextRunWords(next[0].dueAt, schedule.zone) : 'none' },
      ],
      summary: `Digest schedule ${schedule.id} added: ${channel} ${describeSchedule(schedule)}.`,
    });
  },
});

// ---- list ----------------------------------------------------------------------------------------------

const LIST_USAGE = '/capex-digest list';

function lastDeliveryWords(last: DeliveryRecord | undefined, zone: string): string {
  if (!last) return 'no digest yet';
  const when = formatLocal(last.deliveredAt ?? last.dueAt, zone);
  const manual = last.kind === 'manual' ? ' (sent by hand)' : '';
  switch (last.status) {
    case 'delivered':
      return `delivered ${when}${last.late ? ' (late: the bot was down at slot time)' : ''}${manual}`;
    case 'missed':
      return `missed ${when} (the bot was down)`;
    case 'failed':
      return `failed ${when}: ${last.error ?? 'unknown error'}`;
    default:
      return `posting now (${when})`;
  }
}

function statusWords(view: ScheduleView): string {
  const { schedule } = view;
  if (schedule.status === 'paused') return 'paused';
  if (schedule.status === 'failing') return `failing: ${schedule.statusReason ?? 'cannot post'}`;
  return 'active';
}

export const digestListCommand = defineCommand({
  id: 'digest-list',
  path: ['capex-digest', 'list'],
  discord: { command: 'digest', subcommand: 'list' },
  summary: 'Digest schedules with their next run and last delivery',
  usage: LIST_USAGE,
  examples: ['/capex-digest list'],
  options: z.object({}),
  fromText: () => ({}),
  run: async (_options, ctx) => {
    const service = serviceOf(ctx);
    const views = await service.list(ctx.caller);
    if (views.length === 0) {
      return privateAnswer('No digest schedules', [`No digest is scheduled yet. An admin can add one: ${commandRef('/capex-digest add 09:00 weekdays Europe/Berlin')}`]);
    }
    const lines = views.map((view) => {
      const { schedule, summary, next } = view;
      const parts = [
        `${schedule.id} · ${channelLabel(schedule.channelId)} · ${describeSchedule(schedule)} · ${statusWords(view)}`,
        `next: ${next ? nextRunWords(next.dueAt, schedule.zone) : '—'}`,
        `last: ${lastDeliveryWords(summary.last, schedule.zone)}`,
        ...(summary.missed > 0 ? [`missed slots: ${summary.missed}`] : []),
        `created by ${who(schedule)}`,
      ];
      return parts.join(' · ');
    });
    return privateAnswer(`Digest schedules (${views.length})`, lines);
  },
});

// ---- remove / pause / resume ---------------------------------------------------------------------------

type Change = 'remove' | 'pause' | 'resume';
const CHANGE_WORDS: Record<Change, { done: string; summary: string; already: string }> = {
  remove: { done: 'removed', summary: 'Remove a digest schedule (admins)', already: 'is already removed' },
  pause: { done: 'paused', summary: 'Pause a digest schedule (admins)', already: 'is already paused' },
  resume: { done: 'resumed', summary: 'Resume a paused or failing digest schedule (admins)', already: 'is already active' },
};

function changeCommand(change: Change) {
  const usage = `/capex-digest ${change} <id> — e.g. /capex-digest ${change} 3`;
  return defineCommand({
    id: `digest-${change}`,
    path: ['capex-digest', change],
    discord: { command: 'digest', subcommand: change },
    summary: CHANGE_WORDS[change].summary,
    usage,
    examples: [`/capex-digest ${change} 3`],
    adminOnly: true,
    options: z.object({ id: idOption }),
    fromText: (args) => ({ id: args.join(' ') }),
    run: async ({ id: idText }, ctx) => {
      const service = serviceOf(ctx);
      const id = parseId(idText, usage);
      const result = await service[change](id, ctx.caller);
      if (!result.ok) {
        if (result.reason === 'already' && result.schedule) {
          return privateAnswer(`Schedule ${id} unchanged`, [`Schedule ${id} ${CHANGE_WORDS[change].already}.`]);
        }
        throw new UserError(`There is no digest schedule ${id} here. ${commandRef('/capex-digest list')} shows the ids.`, usage);
      }
      const s = result.schedule;
      const lines = [`Schedule ${s.id} (${channelLabel(s.channelId)}, ${describeSchedule(s)}) is ${CHANGE_WORDS[change].done}.`];
      if (change === 'resume') {
        const next = service.nextRuns(s, 1)[0];
        lines.push(next ? `Next run: ${nextRunWords(next.dueAt, s.zone)}. Runs that fell in the pause are not made up.` : 'It has no upcoming run.');
      }
      if (change === 'pause') lines.push(`${commandRef(`/capex-digest resume ${s.id}`)} starts it again.`);
      return privateAnswer(`Schedule ${s.id} ${CHANGE_WORDS[change].done}`, lines);
    },
  });
}

export const digestRemoveCommand = changeCommand('remove');
export const digestPauseCommand = changeCommand('pause');
export const digestResumeCommand = changeCommand('resume');

// ---- chart (admin switch: the top-spenders chart image in a schedule's digests) ---------------------------

const CHART_USAGE = '/capex-digest chart <id> on|off — e.g. /capex-digest chart 3 on';

export const digestChartCommand = defineCommand({
  id: 'digest-chart',
  path: ['capex-digest', 'chart'],
  discord: { command: 'digest', subcommand: 'chart' },
  summary: 'Turn the top-spenders chart image in a schedule’s digests on or off (admins)',
  usage: CHART_USAGE,
  examples: ['/capex-digest chart 3 on'],
  adminOnly: true,
  options: z.object({
    id: idOption,
    chart: z.enum(['on', 'off'], { error: `say on or off after the schedule id, e.g. ${commandRef('/capex-digest chart 3 on')}` }).describe('on: each digest carries the chart image; off: text only'),
  }),
  // Validated by the schema: anything but on/off gets its friendly message.
  fromText: (args) => ({ id: args[0] ?? '', chart: args[1]?.toLowerCase() as 'on' | 'off' }),
  run: async ({ id: idText, chart }, ctx) => {
    const service = serviceOf(ctx);
    const id = parseId(idText, CHART_USAGE);
    const on = chart === 'on';
    const result = await service.setChart(id, on, ctx.caller);
    if (!result.ok) {
      if (result.reason === 'already' && result.schedule) {
        return privateAnswer(`Schedule ${id} unchanged`, [`The digests of schedule ${id} ${on ? 'already carry the chart image' : 'are already text only'}.`]);
      }
      throw new UserError(`There is no digest schedule ${id} here. ${commandRef('/capex-digest list')} shows the ids.`, CHART_USAGE);
    }
    const s = result.schedule;
    const where = `schedule ${s.id} (${channelLabel(s.channelId)}, ${describeSchedule(s)})`;
    return privateAnswer(`Schedule ${s.id}: chart ${on ? 'on' : 'off'}`, [
      on ? `The digests of ${where} now carry the top-spenders chart as an image with the text.` : `The digests of ${where} are text only again.`,
      // A platform that needs the bot in a channel to share an image says so (Slack: /invite).
      ...(on && ctx.syntax.hints?.imageNeedsMembership && s.channelId.startsWith(`${ctx.syntax.platform}:`) ? [ctx.syntax.hints.imageNeedsMembership] : []),
    ]);
  },
});

// ---- next ----------------------------------------------------------------------------------------------

const NEXT_USAGE = '/capex-digest next <id> — e.g. /capex-digest next 3';

export const digestNextCommand = defineCommand({
  id: 'digest-next',
  path: ['capex-digest', 'next'],
  discord: { command: 'digest', subcommand: 'next' },
  summary: 'The next three runs of a digest schedule, local time and UTC',
  usage: NEXT_USAGE,
  examples: ['/capex-digest next 3'],
  options: z.object({ id: idOption }),
  fromText: (args) => ({ id: args.join(' ') }),
  run: async ({ id: idText }, ctx) => {
    const service = serviceOf(ctx);
    const schedule = await findOrExplain(service, parseId(idText, NEXT_USAGE), ctx.caller, NEXT_USAGE);
    const runs = service.nextRuns(schedule, 3);
    const lines = [`Schedule ${schedule.id}: ${channelLabel(schedule.channelId)} ${describeSchedule(schedule)}.`];
    if (schedule.status !== 'active') lines.push(`It is ${schedule.status}: these runs happen only after ${commandRef(`/capex-digest resume ${schedule.id}`)}.`);
    if (runs.length === 0) lines.push('It has no upcoming run.');
    return privateAnswer(`Next runs of schedule ${schedule.id}`, lines, {
      ...(runs.length > 0 && {
        table: {
          columns: [`Local (${schedule.zone})`, 'UTC'],
          rows: runs.map((r) => [formatLocal(r.dueAt, schedule.zone), DateTime.fromMillis(r.dueAt, { zone: 'UTC' }).toFormat('ccc d LLL yyyy HH:mm')]),
        },
      }),
    });
  },
});

// ---- preview / send ------------------------------------------------------------------------------------

export const digestPreviewCommand = defineCommand({
  id: 'digest-preview',
  path: ['capex-digest', 'preview'],
  discord: { command: 'digest', subcommand: 'preview' },
  summary: 'The digest as this channel would get it now, shown only to you',
  usage: '/capex-digest preview',
  examples: ['/capex-digest preview'],
  options: z.object({}),
  fromText: () => ({}),
  run: async (_options, ctx) => {
    const digest = await serviceOf(ctx).preview(ctx.caller);
    return { ...digest.reply, visibility: 'private', title: `Preview: ${digest.reply.title}` };
  },
});

const SEND_USAGE = '/capex-digest send <id> — e.g. /capex-digest send 3';

export const digestSendCommand = defineCommand({
  id: 'digest-send',
  path: ['capex-digest', 'send'],
  discord: { command: 'digest', subcommand: 'send' },
  summary: "Post a schedule's digest in its channel now (admins)",
  usage: SEND_USAGE,
  examples: ['/capex-digest send 3'],
  adminOnly: true,
  options: z.object({ id: idOption }),
  fromText: (args) => ({ id: args.join(' ') }),
  run: async ({ id: idText }, ctx) => {
    const service = serviceOf(ctx);
    const schedule = await findOrExplain(service, parseId(idText, SEND_USAGE), ctx.caller, SEND_USAGE);
    const channel = channelLabel(schedule.channelId);
    const outcome = await service.send(schedule, ctx.caller);
    switch (outcome.status) {
      case 'delivered':
        return privateAnswer('Digest posted', [`Posted the digest of schedule ${schedule.id} in ${channel}. Its regular runs are unchanged.`]);
      case 'retry_later':
        return privateAnswer('Digest queued', [`The platform is slow or busy; the digest for ${channel} will be posted as soon as it answers (${outcome.reason}).`]);
      case 'failing':
        return { ...privateAnswer('Could not post', [`Could not post in ${channel}: ${outcome.reason}. The schedule is marked failing; add the bot to the channel, then ${commandRef(`/capex-digest resume ${schedule.id}`)}.`]), kind: 'error' };
      default:
        return { ...privateAnswer('Not posted', [`Not posted in ${channel}: ${outcome.reason}.`]), kind: 'error' };
    }
  },
});

// ---- help (bare /capex-digest and unknown subcommands) -------------------------------------------------

const SUBCOMMANDS = ['add', 'list', 'next', 'preview', 'send', 'pause', 'resume', 'remove', 'chart', 'thread', 'feeds', 'alerts', 'status', 'proposals'];

export const digestHelpCommand = defineCommand({
  id: 'digest-help',
  path: ['capex-digest'],
  discord: { command: 'digest', subcommand: 'help' },
  summary: 'Scheduled digests, revision alerts, news feeds and status (most need admin rights)',
  usage: '/capex-digest <add | list | next | preview | send | pause | resume | remove | chart | feeds | alerts | status> …',
  examples: ['/capex-digest', '/capex-digest add 09:00 weekdays Europe/Berlin'],
  options: z.object({ topic: z.string().trim().max(40).optional().describe('A subcommand, e.g. add') }),
  fromText: (args) => ({ topic: args.length ? args.join(' ') : undefined }),
  run: ({ topic }, { syntax }) => {
    const intro: string[] = [];
    if (topic && topic.toLowerCase() !== 'help') {
      const word = topic.split(/\s+/)[0]!.toLowerCase().slice(0, 20);
      intro.push(`${commandRef('/capex-digest')} has no '${word}'. It knows: ${SUBCOMMANDS.join(', ')}.`);
    }
    return {
      kind: topic && topic.toLowerCase() !== 'help' ? 'error' : 'help',
      visibility: 'private',
      title: 'Scheduled digests',
      lines: [
        ...intro,
        'A digest is the combined tracked AI capex for the year, the top spenders and what changed since the channel’s previous digest, with sources.',
        'Admins add, pause, resume, remove and send schedules; anyone can list them, see the next runs and preview the digest.',
      ],
      fields: [...DIGEST_COMMANDS, digestFeedsCommand as unknown as CommandSpec, ...ALERT_COMMANDS, ...PROPOSAL_COMMANDS].filter((c) => c.id !== 'digest-help').map((c) => ({
        label: syntax.usage(c).split(' — ')[0]!,
        value: `${c.summary}. e.g. ${commandRef(c.examples[0]!)}`,
      })),
      summary: `Scheduled digests: ${['add', 'list', 'next', 'preview', 'send', 'pause', 'resume', 'remove'].map((sub) => commandRef(`/capex-digest ${sub}`)).join(' | ')}`,
    };
  },
});

/** Every digest command, for the registry (src/commands/index.ts). */
export const DIGEST_COMMANDS: CommandSpec[] = [
  digestAddCommand,
  digestListCommand,
  digestNextCommand,
  digestPreviewCommand,
  digestSendCommand,
  digestPauseCommand,
  digestResumeCommand,
  digestRemoveCommand,
  digestChartCommand,
  digestThreadCommand,
  digestHelpCommand,
] as unknown as CommandSpec[];
