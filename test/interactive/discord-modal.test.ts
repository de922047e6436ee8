/**
 * Done-when (issue 14, the schedule form on Discord), signed interactions to the running bot: a bare /digest add
 * answers with a MODAL (type 9); its MODAL_SUBMIT (type 5) creates the schedule — the same record and audit entry
 * as the typed command; an invalid time comes back privately with the message and a "Fix it" button that re-opens
 * the form holding what was typed; hostile text in every field is inert; "New digest" under /digest list opens it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, rawInteraction } from '../adapters/discord/signing.js';
import { command, componentPress, discordComponents, startInteractiveBot, type InteractiveBot } from './bot.js';

let bot: InteractiveBot;

beforeAll(async () => {
  bot = await startInteractiveBot();
}, 60_000);
afterAll(async () => {
  await bot?.close();
});

const store = () => bot.bot.runtime.store!;
const CHANNEL = '320000000000000032';

function submit(values: Record<string, string>, o: Record<string, unknown> = { ...ADMIN, channelId: CHANNEL }, customId = 'cxm|digest-add'): Record<string, unknown> {
  return rawInteraction(5, { custom_id: customId, components: Object.entries(values).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] })) }, o);
}

describe('Discord: the digest form', () => {
  it('GIVEN /digest add with no options THEN a MODAL with time, days and zone; submitting it creates the schedule like the typed command', async () => {
    const opened = await bot.interaction(command('digest', [{ name: 'add', type: 1, options: [] }], { ...ADMIN, channelId: CHANNEL }));
    expect(opened.status).toBe(200);
    expect(opened.body.type).toBe(9);
    expect(opened.body.data.title.length).toBeLessThanOrEqual(45);
    const inputs = opened.body.data.components.map((row: any) => row.components[0]);
    expect(inputs.map((i: any) => i.custom_id)).toEqual(['time', 'days', 'zone']);
    for (const input of inputs) expect(input.label.length).toBeLessThanOrEqual(45);

    const created = await bot.interaction(submit({ time: '06:30', days: 'mon,thu', zone: 'America/New_York' }));
    expect(created.body.type).toBe(4);
    expect(created.body.data.flags).toBe(64);
    expect(created.body.data.allowed_mentions).toEqual({ parse: [] });
    expect(created.body.data.embeds[0].title).toMatch(/Digest scheduled/);
    const made = (await store().listSchedules()).find((s) => s.channelId === `discord:${CHANNEL}`)!;
    expect(made).toMatchObject({ time: '06:30', days: 'mon,thu', zone: 'America/New_York', status: 'active' });
    expect((await store().auditLog()).find((a) => a.scheduleId === made.id && a.action === 'add')?.actor).toBe('discord:200000000000000002');
  });

  it('GIVEN an invalid time THEN the message privately, and "Fix it" re-opens the form with what was typed', async () => {
    const wrong = await bot.interaction(submit({ time: '25:00', days: 'weekdays', zone: 'UTC' }, { ...ADMIN, channelId: '330000000000000033' }));
    expect(wrong.body.data.flags).toBe(64);
    expect(wrong.body.data.embeds[0].description).toContain("'25:00' is not a time of day");
    const fix = discordComponents(wrong.body.data).get('Fix it')!;
    expect(fix.custom_id.length).toBeLessThanOrEqual(100);
    const reopened = await bot.interaction(componentPress(fix, { ...ADMIN, channelId: '330000000000000033', messageFlags: 64 }));
    expect(reopened.body.type).toBe(9);
    expect(reopened.body.data.components.map((row: any) => row.components[0].value)).toEqual(['25:00', 'weekdays', 'UTC']);
    expect((await store().listSchedules()).some((s) => s.channelId === 'discord:330000000000000033')).toBe(false);
  });

  it('GIVEN hostile text in every field THEN nothing is created and the answers ping nobody', async () => {
    for (const hostile of ['@everyone', '<@&123456789012345678>', '<#123> [x](https://evil.example)', 'a\u202Eb', '\u0000']) {
      for (const field of ['time', 'days', 'zone']) {
        const values: Record<string, string> = { time: '09:00', days: 'weekdays', zone: 'UTC', [field]: hostile };
        const answer = await bot.interaction(submit(values, { ...ADMIN, channelId: '340000000000000034' }));
        expect(answer.body.data.allowed_mentions, `${field}=${hostile}`).toEqual({ parse: [] });
        expect(answer.body.data.flags).toBe(64);
        expect(answer.body.data.embeds[0].color).toBe(0xe03131);
        // Markdown echoed from the field is escaped (\[x\](…)), so it shows as text, never as a masked link.
        expect(answer.body.data.embeds[0].description ?? '').not.toMatch(/(?<!\\)\]\(https:\/\/evil/);
      }
    }
    expect((await store().listSchedules()).some((s) => s.channelId === 'discord:340000000000000034')).toBe(false);
  });

  it('GIVEN /digest list for an admin THEN "New digest" opens the form (type 9)', async () => {
    const list = await bot.interaction(command('digest', [{ name: 'list', type: 1, options: [] }], { ...ADMIN, channelId: CHANNEL }));
    const buttons = discordComponents(list.body.data);
    expect([...buttons.keys()]).toEqual(['New digest', 'Pause a digest…']);
    const opened = await bot.interaction(componentPress(buttons.get('New digest')!, { ...ADMIN, channelId: CHANNEL, messageFlags: 64 }));
    expect(opened.body.type).toBe(9);
  });

  it('GIVEN a form submission outside a server (a DM) THEN the core refuses it: nobody is an admin there', async () => {
    const answer = await bot.interaction(submit({ time: '09:00' }, { dm: true }));
    expect(answer.body.data.embeds[0].description).toContain('Only admins');
  });
});
