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
import { idOption, parseId, serviceOf } from './digest-options.js';

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
    id: idOption,
    thread: z.enum(['on', 'off'], { error: `say on or off after the schedule id, e.g. ${commandRef('/capex-digest thread 3 off')}` }).describe('on: a short post with the details in its thread; off: one message'),
  }),
  fromText: (args) => ({ id: args[0] ?? '', thread: args[1]?.toLowerCase() as 'on' | 'off' }),
  run: async ({ id: idText, thread }, ctx) => {
    const service = serviceOf(ctx);
    const id = parseId(idText, USAGE);
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
