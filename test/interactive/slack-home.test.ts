/**
 * Done-when (issue 14, the Slack App Home), through signed requests to the running bot and the fake Slack:
 * app_home_opened leads to one views.publish with the figures and the schedules; adding a schedule republishes
 * it; admins get New digest / Pause / Resume there, and a press in the Home is answered on the republished Home.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleText } from '../adapters/slack/harness.js';
import { slackElements, startInteractiveBot, type InteractiveBot } from './bot.js';

let bot: InteractiveBot;

beforeAll(async () => {
  bot = await startInteractiveBot();
  bot.slack.addUser({ id: 'UADMIN', name: 'alice', tz: 'Europe/Berlin' });
  bot.slack.addUser({ id: 'U0MEMBER', name: 'bob' });
}, 60_000);
afterAll(async () => {
  await bot?.close();
});

const publishes = (user: string) => bot.slack.callsTo('views.publish').filter((c) => c.body.user_id === user);
const homeText = (call: { body: Record<string, unknown> }) => visibleText({ text: '', blocks: (call.body.view as any).blocks });

describe('Slack: App Home', () => {
  it('GIVEN a member opens the Home tab THEN one views.publish with the headline figures and the schedules, no admin buttons', async () => {
    expect(await bot.event({ type: 'app_home_opened', user: 'U0MEMBER', channel: 'D0MEMBER', tab: 'home', event_ts: '1.1' })).toBe(200);
    const call = await bot.slack.waitFor(() => publishes('U0MEMBER')[0]);
    expect(call.status).toBe(200);
    expect((call.body.view as any).type).toBe('home');
    expect((call.body.view as any).blocks.length).toBeLessThanOrEqual(100);
    const text = homeText(call);
    expect(text).toMatch(/Calendar \d{4}/);
    expect(text).toContain('No digest is scheduled yet');
    expect(slackElements(call.body.view as any).size).toBe(0);
    // The Messages tab opening publishes nothing.
    await bot.event({ type: 'app_home_opened', user: 'U0MEMBER', channel: 'D0MEMBER', tab: 'messages', event_ts: '1.2' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(publishes('U0MEMBER')).toHaveLength(1);
  });

  it('GIVEN the Home was opened WHEN an admin adds a schedule THEN the Home is republished with it', async () => {
    await bot.event({ type: 'app_home_opened', user: 'UADMIN', channel: 'D0ADMIN', tab: 'home', event_ts: '2.1' });
    const first = await bot.slack.waitFor(() => publishes('UADMIN')[0]);
    expect([...slackElements(first.body.view as any).keys()]).toEqual(['New digest']);
    const before = publishes('U0MEMBER').length;

    await bot.slash('/capex-digest', 'add 08:15 weekdays Europe/Paris <#C0HOME|home>', 'UADMIN', 'C0HOME');
    const member = await bot.slack.waitFor(() => publishes('U0MEMBER')[before]);
    expect(homeText(member)).toMatch(/08:15/);
    const admin = await bot.slack.waitFor(() => publishes('UADMIN').find((c) => /08:15/.test(homeText(c))));
    expect([...slackElements(admin.body.view as any).keys()]).toEqual(['New digest', 'Pause a digest…']);
  });

  it('GIVEN an admin picks Pause in the Home THEN the schedule is paused and the Home shows it with the answer on top', async () => {
    const view = publishes('UADMIN').at(-1)!.body.view as any;
    const pause = slackElements(view).get('Pause a digest…')!;
    const id = pause.options[0].value;
    const count = publishes('UADMIN').length;
    await bot.press(pause, { user: 'UADMIN', picked: id, channel: undefined });
    const after = await bot.slack.waitFor(() => publishes('UADMIN')[count]);
    expect(homeText(after)).toMatch(new RegExp(`Schedule ${id}|${id} · `));
    expect(homeText(after)).toContain('paused');
    expect([...slackElements(after.body.view as any).keys()]).toContain('Resume a digest…');
    expect((await bot.bot.runtime.store!.listSchedules()).find((s) => String(s.id) === id)?.status).toBe('paused');
  });

  it('GIVEN "New digest" is pressed by an admin THEN the form opens on that press', async () => {
    const view = publishes('UADMIN').at(-1)!.body.view as any;
    const opened = bot.slack.callsTo('views.open').length;
    await bot.press(slackElements(view).get('New digest')!, { user: 'UADMIN', triggerId: bot.slack.triggerId() });
    const call = await bot.slack.waitFor(() => bot.slack.callsTo('views.open')[opened]);
    expect(call.status).toBe(200);
    expect((call.body.view as any).callback_id).toBe('capex_digest_add');
  });
});
