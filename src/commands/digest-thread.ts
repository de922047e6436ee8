/**
 * `/capex-digest thread <id> on|off` (admins): a schedule's digests as one short post in the channel plus the full
 * tables, headlines and sources in its thread (on, the default), or as one message (off). Stored on the schedule and
 * audited like the chart switch; the scheduler splits the digest (src/schedule/digest-thread.ts).
 */
import { z } from 'zod';
import { defineCommand, UserError } from '../core/command.js';
import { commandRef } from '../core/syntax.js';
import { channelLabel, describeSchedule } from '../schedule/schedule-record.js';
import { privateAnswer } from './shared.js';

const USAGE = '/capex-digest thread <id> on|off — e.g. /capex-digest thread 3 off';

export const digestThreadCommand = defineCommand({
  id: 'digest-thread',
  path: ['capex-digest', 'thread'],
  discord: { command: 'digest', subcommand: 'thread' },
  summary: 'Digests as a short post plus a thread (on, default) or one message (admins)',
  usage: USAGE,
  examples: ['/capex-digest thread 3 off'],
  adminOnly: true,
  options: z.object({
    id: z.string().trim().max(12, 'a schedule id is a short number such as 3').describe('Schedule id, a number such as 3 (the list subcommand shows them)'),
    thread: z.enum(['on', 'off'], { error: `say on or off after the schedule id, e.g. ${commandRef('/capex-digest thread 3 off')}` }).describe('on: a short post with the details in its thread; off: one message'),
  }),
  fromText: (args) => ({ id: args[0] ?? '', thread: args[1]?.toLowerCase() as 'on' | 'off' }),
  run: async ({ id: idText, thread }, ctx) => {
    const service = ctx.services.digest;
    if (!service) throw new UserError('Scheduled digests are not set up in this run of the bot (it has no database).');
    const m = /^#?(\d{1,9})$/.exec(idText);
    if (!m) throw new UserError(`'${idText.slice(0, 12)}' is not a schedule id: use the number ${commandRef('/capex-digest list')} shows, e.g. 3.`, USAGE);
    const id = Number(m[1]);
    const on = thread === 'on';
    const result = await service.setThread(id, on, ctx.caller);
    if (!result.ok) {
      if (result.reason === 'already') return privateAnswer(`Schedule ${id} unchanged`, [`The digests of schedule ${id} are already ${on ? 'a post plus a thread' : 'one message'}.`]);
      throw new UserError(`There is no digest schedule ${id} here. ${commandRef('/capex-digest list')} shows the ids.`, USAGE);
    }
    const s = result.schedule;
    const where = `schedule ${s.id} (${channelLabel(s.channelId)}, ${describeSchedule(s)})`;
    return privateAnswer(`Schedule ${s.id}: thread ${on ? 'on' : 'off'}`, [
      on
        ? `The digests of ${where} are now one short post (total, top three, what changed) with the full tables, headlines and sources in its thread.`
        : `The digests of ${where} are one message again.`,
    ]);
  },
});
