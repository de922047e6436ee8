/**
 * Done-when (issue 14, digest buttons), on the running bot: a posted digest carries Sources and "Pause this
 * digest"; pressed by a member, a private refusal and the schedule stays active; pressed by an admin, it is paused
 * (audited as the typed command). The same on Discord through MESSAGE_COMPONENT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleText } from '../adapters/slack/harness.js';
import { ADMIN } from '../adapters/discord/signing.js';
import { command, componentPress, discordComponents, slackElements, startInteractiveBot, type InteractiveBot } from './bot.js';

let bot: InteractiveBot;

beforeAll(async () => {
  bot = await startInteractiveBot();
  bot.slack.addUser({ id: 'UADMIN', name: 'alice', tz: 'Europe/Berlin' });
  bot.slack.addUser({ id: 'U0MEMBER', name: 'bob' });
}, 60_000);
afterAll(async () => {
  await bot?.close();
});

const store = () => bot.bot.runtime.store!;
const lastResponse = (id: string) => bot.slack.responses(id).at(-1)?.body as Record<string, any> | undefined;

describe('digest buttons', () => {
  it('GIVEN a posted Slack digest WHEN a member presses "Pause this digest" THEN a private refusal; an admin pauses it', async () => {
    await bot.slash('/capex-digest', 'add 09:00 weekdays UTC <#C0DIGEST|digest>', 'UADMIN', 'C0DIGEST');
    const schedule = (await store().listSchedules()).find((s) => s.channelId === 'slack:C0DIGEST')!;
    await bot.slash('/capex-digest', `send ${schedule.id}`, 'UADMIN', 'C0DIGEST');
    const post = await bot.slack.waitFor(() => bot.slack.callsTo('chat.postMessage').find((c) => c.body.channel === 'C0DIGEST'), 15_000);
    const buttons = slackElements(post.body);
    expect([...buttons.keys()]).toEqual(['Sources', 'Pause this digest']);
    expect(buttons.get('Pause this digest')!.style).toBe('danger');

    const refused = await bot.press(buttons.get('Pause this digest')!, { user: 'U0MEMBER', channel: 'C0DIGEST' });
    const refusal = await bot.slack.waitFor(() => lastResponse(refused.responseUrlId));
    expect(refusal.response_type).toBe('ephemeral');
    expect(refusal.replace_original).toBe(false);
    expect(visibleText(refusal)).toContain('Only admins');
    expect((await store().getSchedule(schedule.id))?.status).toBe('active');

    const pressed = await bot.press(buttons.get('Pause this digest')!, { user: 'UADMIN', channel: 'C0DIGEST' });
    const answer = await bot.slack.waitFor(() => lastResponse(pressed.responseUrlId));
    expect(answer.response_type).toBe('ephemeral');
    expect(visibleText(answer)).toMatch(/paused/);
    expect((await store().getSchedule(schedule.id))?.status).toBe('paused');
    const audit = (await store().auditLog()).find((a) => a.scheduleId === schedule.id && a.action === 'pause');
    expect(audit?.actor).toBe('slack:UADMIN');

    const sources = await bot.press(buttons.get('Sources')!, { user: 'U0MEMBER', channel: 'C0DIGEST' });
    const shown = await bot.slack.waitFor(() => lastResponse(sources.responseUrlId));
    expect(shown.blocks[0].text.text).toMatch(/^Sources — /);
  }, 30_000);

  it('GIVEN a Discord digest message WHEN a member presses Pause THEN an ephemeral refusal; with Manage Server it pauses', async () => {
    const add = await bot.interaction(command('digest', [{ name: 'add', type: 1, options: [{ name: 'time', type: 3, value: '10:00' }, { name: 'zone', type: 3, value: 'UTC' }] }], { ...ADMIN, channelId: '310000000000000031' }));
    expect(add.body.data.embeds[0].title).toMatch(/Digest scheduled/);
    const schedule = (await store().listSchedules()).find((s) => s.channelId === 'discord:310000000000000031')!;
    // The components a posted digest carries, as the Discord renderer puts them on the message.
    const { renderMessage } = await import('../../src/adapters/discord/render.js');
    const { digestActions, withActions } = await import('../../src/core/interaction.js');
    const message = renderMessage(withActions({ kind: 'answer', visibility: 'public', title: 'AI capex digest', lines: ['…'], summary: 'digest' }, digestActions(schedule.id)));
    const pause = discordComponents(message).get('Pause this digest')!;
    expect(pause.style).toBe(4);

    const member = await bot.interaction(componentPress(pause, { channelId: '310000000000000031' }));
    expect(member.body.type).toBe(4);
    expect(member.body.data.flags).toBe(64);
    expect(member.body.data.embeds[0].description).toContain('Only admins');
    expect((await store().getSchedule(schedule.id))?.status).toBe('active');

    const admin = await bot.interaction(componentPress(pause, { ...ADMIN, channelId: '310000000000000031' }));
    expect(admin.body.data.flags).toBe(64);
    expect((await store().getSchedule(schedule.id))?.status).toBe('paused');
  });
});
