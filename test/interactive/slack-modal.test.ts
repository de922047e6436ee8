/**
 * Done-when (issue 14, the schedule form on Slack), through signed requests to the running bot and the fake Slack:
 * a bare `/capex-digest add` opens the form with views.open on a fresh trigger_id (the admin's zone pre-filled,
 * the channel pre-selected); its view_submission creates the schedule — the same record and the same audit entry
 * as the typed grammar; an invalid time comes back as an error on the time field; hostile text in every field is
 * inert; a member gets the core's refusal and no form; a stale trigger gets a friendly private answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleText } from '../adapters/slack/harness.js';
import { startInteractiveBot, type InteractiveBot } from './bot.js';

let bot: InteractiveBot;

beforeAll(async () => {
  bot = await startInteractiveBot();
  bot.slack.addUser({ id: 'UADMIN', name: 'alice', tz: 'Europe/Berlin' });
  bot.slack.addUser({ id: 'U0MEMBER', name: 'bob', tz: 'Asia/Tokyo' });
}, 60_000);
afterAll(async () => {
  await bot?.close();
});

const store = () => bot.bot.runtime.store!;

async function openForm(channel = 'C0MARKETS'): Promise<Record<string, any>> {
  const before = bot.slack.callsTo('views.open').length;
  const answer = await bot.slashWithTrigger('/capex-digest', 'add', 'UADMIN', channel);
  expect(answer.status).toBe(200);
  expect(answer.text).toBe('');
  const call = await bot.slack.waitFor(() => bot.slack.callsTo('views.open')[before]);
  expect(call.status).toBe(200);
  return call.body.view as Record<string, any>;
}

describe('Slack: the digest form', () => {
  it('GIVEN an admin types /capex-digest add THEN a modal opens with their zone and the channel, and submitting creates the schedule, audited like the typed command', async () => {
    const view = await openForm('C0MARKETS');
    const zone = view.blocks.find((b: any) => b.block_id === 'zone');
    expect(zone.element.initial_value).toBe('Europe/Berlin');
    expect(view.blocks.find((b: any) => b.block_id === 'channel').element.initial_conversation).toBe('C0MARKETS');

    const submitted = await bot.submit(view, { channel: 'C0MARKETS', time: '07:45', days: 'mon,wed,fri', zone: 'Europe/Berlin' });
    expect(submitted.status).toBe(200);
    expect(submitted.json).toEqual({ response_action: 'clear' });

    const schedules = await store().listSchedules();
    const made = schedules.find((s) => s.channelId === 'slack:C0MARKETS')!;
    expect(made).toMatchObject({ zone: 'Europe/Berlin', time: '07:45' });
    const audit = (await store().auditLog()).find((a) => a.scheduleId === made.id && a.action === 'add');
    expect(audit?.actor).toBe('slack:UADMIN');

    // The same command typed gives the same kind of record and audit entry.
    await bot.slash('/capex-digest', 'add 07:45 mon,wed,fri Europe/Berlin <#C0TYPED|typed>', 'UADMIN', 'C0TYPED');
    const typed = (await store().listSchedules()).find((s) => s.channelId === 'slack:C0TYPED')!;
    const strip = ({ id: _id, channelId: _c, createdAt: _a, updatedAt: _u, armedFrom: _f, createdByName: _n, ...rest }: Record<string, unknown>) => rest;
    expect(strip(typed as never)).toEqual(strip(made as never));
    expect((await store().auditLog()).find((a) => a.scheduleId === typed.id && a.action === 'add')?.actor).toBe('slack:UADMIN');

    // The confirmation reaches the admin privately in the channel they typed in.
    const confirmation = await bot.slack.waitFor(() => bot.slack.callsTo('chat.postEphemeral').find((c) => c.body.user === 'UADMIN'));
    expect(visibleText(confirmation.body)).toMatch(/Schedule \d+/);
  });

  it('GIVEN an invalid time THEN the error is on the time field and nothing is created', async () => {
    const view = await openForm('C0BADTIME');
    const submitted = await bot.submit(view, { channel: 'C0BADTIME', time: '25:00', days: 'weekdays', zone: 'UTC' });
    expect(submitted.json.response_action).toBe('errors');
    expect(Object.keys(submitted.json.errors)).toEqual(['time']);
    expect(submitted.json.errors.time).toContain("'25:00' is not a time of day");
    expect((await store().listSchedules()).some((s) => s.channelId === 'slack:C0BADTIME')).toBe(false);
  });

  it('GIVEN an unknown zone or day list THEN the error is on that field', async () => {
    const view = await openForm('C0BADZONE');
    const zone = await bot.submit(view, { channel: 'C0BADZONE', time: '09:00', days: 'weekdays', zone: 'Mars/Olympus' });
    expect(Object.keys(zone.json.errors)).toEqual(['zone']);
    const days = await bot.submit(view, { channel: 'C0BADZONE', time: '09:00', days: 'someday', zone: 'UTC' });
    expect(Object.keys(days.json.errors)).toEqual(['days']);
  });

  it('GIVEN hostile text in every field THEN nothing is created and nothing in the answer is markup or a ping', async () => {
    const view = await openForm('C0HOSTILE');
    for (const hostile of ['<!channel>', '@everyone <@U123>', '<https://evil.example|click>', 'x\u202Ey', '\u0007bell', '&lt;!here&gt;']) {
      for (const field of ['time', 'days', 'zone']) {
        const values: Record<string, string> = { channel: 'C0HOSTILE', time: '09:00', days: 'weekdays', zone: 'UTC', [field]: hostile };
        const submitted = await bot.submit(view, values);
        expect(submitted.json.response_action, `${field}=${hostile}`).toBe('errors');
        for (const text of Object.values(submitted.json.errors as Record<string, string>)) {
          expect(text, `${field}=${hostile}`).not.toMatch(/<[!@#]|<https?:/);
          expect(text).not.toMatch(/[\u0000-\u001f\u202a-\u202e]/);
        }
      }
    }
    expect((await store().listSchedules()).some((s) => s.channelId === 'slack:C0HOSTILE')).toBe(false);
  });

  it('GIVEN a private channel the bot is not in THEN the error is on the channel field', async () => {
    bot.slack.addChannel({ id: 'G0SECRET', is_private: true, is_member: false });
    const view = await openForm('C0GENERAL');
    const submitted = await bot.submit(view, { channel: 'G0SECRET', time: '09:00', days: 'weekdays', zone: 'UTC' });
    expect(Object.keys(submitted.json.errors)).toEqual(['channel']);
  });

  it('GIVEN a member types /capex-digest add THEN no form, the admins-only refusal', async () => {
    const before = bot.slack.callsTo('views.open').length;
    const answer = await bot.slashWithTrigger('/capex-digest', 'add', 'U0MEMBER');
    expect(answer.json?.response_type).toBe('ephemeral');
    expect(visibleText(answer.json)).toContain('Only admins');
    expect(bot.slack.callsTo('views.open')).toHaveLength(before);
  });

  it('GIVEN a member submits a form anyway (a crafted submission) THEN the core refuses it on a field', async () => {
    const view = await openForm('C0CRAFT');
    const submitted = await bot.submit(view, { channel: 'C0CRAFT', time: '09:00', days: 'weekdays', zone: 'UTC' }, 'U0MEMBER');
    expect(submitted.json.response_action).toBe('errors');
    expect(Object.values(submitted.json.errors).join(' ')).toContain('Only admins');
    expect((await store().listSchedules()).some((s) => s.channelId === 'slack:C0CRAFT')).toBe(false);
  });

  it('GIVEN a trigger older than 3 s THEN Slack refuses views.open and the admin gets a private way forward', async () => {
    const answer = await bot.slashWithTrigger('/capex-digest', 'add', 'UADMIN', 'C0GENERAL', 4_000);
    expect(bot.slack.callsTo('views.open').at(-1)?.body.trigger_id).toBeDefined();
    expect(answer.json?.response_type).toBe('ephemeral');
    expect(visibleText(answer.json)).toContain('/capex-digest add 09:00');
  });

  it('GIVEN arguments THEN the typed grammar still answers without a form', async () => {
    const before = bot.slack.callsTo('views.open').length;
    const answer = await bot.slashWithTrigger('/capex-digest', 'add 25:00', 'UADMIN');
    expect(visibleText(answer.json)).toContain("'25:00' is not a time of day");
    expect(bot.slack.callsTo('views.open')).toHaveLength(before);
  });
});
