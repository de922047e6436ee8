/**
 * Done-when (issue 14, buttons): through signed requests to the running bot (startBot) and the fake APIs —
 * a Slack block_actions "Sources" press on a /capex meta answer returns the sources through response_url; a
 * Discord MESSAGE_COMPONENT (type 3) does the same; "Compare with…" returns a /compare answer; "Switch year"
 * replaces the original (Slack replace_original, Discord type 7 UPDATE_MESSAGE); private stays private;
 * allowed_mentions { parse: [] } on every Discord answer; forged and repeated presses change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleText } from '../adapters/slack/harness.js';
import { command, componentPress, discordComponents, slackElements, startInteractiveBot, type InteractiveBot } from './bot.js';

let bot: InteractiveBot;

beforeAll(async () => {
  bot = await startInteractiveBot();
}, 60_000);
afterAll(async () => {
  await bot?.close();
});

const lastResponse = (id: string) => bot.slack.responses(id).at(-1)?.body as Record<string, any> | undefined;

describe('Slack: buttons on answers', () => {
  it('GIVEN a /capex meta answer WHEN Sources is pressed THEN every source comes back through response_url, privately (as /capex sources answers)', async () => {
    const answer = await bot.slash('/capex', 'meta');
    expect(answer.json?.response_type).toBe('in_channel');
    const buttons = slackElements(answer.json);
    expect([...buttons.keys()]).toEqual(['Sources', 'History', 'Compare with…']);

    const pressed = await bot.press(buttons.get('Sources')!);
    // Acked at once with an empty 200 (Slack's 3-second window); the answer follows on response_url.
    expect(pressed.status).toBe(200);
    expect(pressed.text).toBe('');
    const response = await bot.slack.waitFor(() => lastResponse(pressed.responseUrlId));
    expect(response.replace_original).toBe(false);
    expect(response.response_type).toBe('ephemeral');
    const text = visibleText(response);
    expect(text).toMatch(/Meta/);
    expect(text).toMatch(/Sources|sources/);
    expect(text).toMatch(/<https?:\/\/[^|>]+\|/);
  });

  it('GIVEN a /capex meta answer WHEN "Compare with…" Amazon is picked THEN a /compare meta amazon answer follows', async () => {
    const answer = await bot.slash('/capex', 'meta');
    const select = slackElements(answer.json).get('Compare with…')!;
    expect(select.type).toBe('static_select');
    expect(select.options.map((o: any) => o.value)).toContain('amazon');
    expect(select.options.map((o: any) => o.value)).not.toContain('meta');
    const pressed = await bot.press(select, { picked: 'amazon' });
    const response = await bot.slack.waitFor(() => lastResponse(pressed.responseUrlId));
    expect(response.blocks[0].text.text).toMatch(/^Meta Platforms vs Amazon — \d{4}$/);
    // The compare answer carries its own buttons.
    expect([...slackElements(response).keys()]).toContain('Chart');
  });

  it('GIVEN a public /compare answer WHEN Sources is pressed THEN only its sources follow, in the channel like the original', async () => {
    const answer = await bot.slash('/compare', 'meta amazon');
    const pressed = await bot.press(slackElements(answer.json).get('Sources')!);
    const response = await bot.slack.waitFor(() => lastResponse(pressed.responseUrlId));
    expect(response.response_type).toBe('in_channel');
    expect(response.blocks[0].text.text).toMatch(/^Sources — Meta Platforms vs Amazon/);
    expect(visibleText(response)).toMatch(/<https?:\/\/[^|>]+\|/);
  });

  it('GIVEN a /capex top answer WHEN another year is picked THEN the original message is replaced by that year', async () => {
    const answer = await bot.slash('/capex', 'top');
    const select = slackElements(answer.json).get('Switch year')!;
    const years: string[] = select.options.map((o: any) => o.value);
    expect(years.length).toBeGreaterThan(1);
    const other = years.find((y) => !String((answer.json as any)?.blocks[0].text.text).includes(y))!;
    const pressed = await bot.press(select, { picked: other });
    const response = await bot.slack.waitFor(() => lastResponse(pressed.responseUrlId));
    expect(response.replace_original).toBe(true);
    expect(visibleText(response)).toContain(`Calendar ${other}`);
  });

  it('GIVEN a select value the bot never offered (a crafted payload) THEN a private refusal, nothing run', async () => {
    const answer = await bot.slash('/capex', 'top');
    const select = slackElements(answer.json).get('Switch year')!;
    const pressed = await bot.press(select, { picked: '2025; /capex-digest remove 1' });
    const response = await bot.slack.waitFor(() => lastResponse(pressed.responseUrlId));
    expect(response.response_type).toBe('ephemeral');
    expect(response.replace_original).toBe(false);
    expect(visibleText(response)).toContain('Pick one of the listed choices');
  });

  it('GIVEN an ephemeral original WHEN a button on it is pressed THEN the answer is ephemeral too', async () => {
    const answer = await bot.slash('/capex', 'meta');
    const pressed = await bot.press(slackElements(answer.json).get('Sources')!, { ephemeral: true });
    const response = await bot.slack.waitFor(() => lastResponse(pressed.responseUrlId));
    expect(response.response_type).toBe('ephemeral');
  });

  it('GIVEN the same press twice (same trigger_id, a retry) THEN it is answered once', async () => {
    const answer = await bot.slash('/capex', 'meta');
    const element = slackElements(answer.json).get('Sources')!;
    const first = await bot.press(element, { triggerId: 'same.trigger.1' });
    await bot.slack.waitFor(() => lastResponse(first.responseUrlId));
    const again = await bot.press(element, { triggerId: 'same.trigger.1' });
    expect(again.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bot.slack.responses(again.responseUrlId)).toHaveLength(0);
  });

  it('GIVEN an unsigned block_actions payload THEN 401 and no answer', async () => {
    const res = await fetch(bot.slackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'payload=%7B%7D' });
    expect(res.status).toBe(401);
  });
});

describe('Discord: components on answers', () => {
  it('GIVEN a /capex meta answer WHEN Sources is pressed (type 3) THEN a follow-up message (type 4) with the sources, no pings', async () => {
    const answer = await bot.interaction(command('capex', [{ name: 'company', type: 3, value: 'meta' }]));
    expect(answer.status).toBe(200);
    const components = discordComponents(answer.body.data);
    expect([...components.keys()]).toEqual(['Sources', 'History', 'Compare with…']);
    for (const c of components.values()) expect(c.custom_id.length).toBeLessThanOrEqual(100);

    const pressed = await bot.interaction(componentPress(components.get('Sources')!));
    expect(pressed.status).toBe(200);
    expect(pressed.body.type).toBe(4);
    expect(pressed.body.data.allowed_mentions).toEqual({ parse: [] });
    // /capex sources answers privately, pressed or typed.
    expect(pressed.body.data.flags).toBe(64);
    expect(pressed.body.data.embeds[0].title).toMatch(/Meta/);
    expect(JSON.stringify(pressed.body.data.embeds[0])).toMatch(/\]\(https?:\/\//);
  });

  it('GIVEN "Compare with…" Amazon THEN a compare answer; on an ephemeral original it is ephemeral', async () => {
    const answer = await bot.interaction(command('capex', [{ name: 'company', type: 3, value: 'meta' }]));
    const select = discordComponents(answer.body.data).get('Compare with…')!;
    const pressed = await bot.interaction(componentPress(select, { picked: 'amazon', messageFlags: 64 }));
    expect(pressed.body.type).toBe(4);
    expect(pressed.body.data.embeds[0].title).toMatch(/^Meta Platforms vs Amazon — \d{4}$/);
    expect(pressed.body.data.flags).toBe(64);
  });

  it('GIVEN /capex top WHEN another year is picked THEN type 7 UPDATE_MESSAGE replaces it, still with its components', async () => {
    const answer = await bot.interaction(command('capex-top', []));
    const select = discordComponents(answer.body.data).get('Switch year')!;
    const other = select.options.map((o: any) => o.value).find((y: string) => !answer.body.data.embeds[0].description.includes(`Calendar ${y}`));
    const pressed = await bot.interaction(componentPress(select, { picked: other }));
    expect(pressed.body.type).toBe(7);
    expect(pressed.body.data.embeds[0].description).toContain(`Calendar ${other}`);
    expect(pressed.body.data.allowed_mentions).toEqual({ parse: [] });
    expect(discordComponents(pressed.body.data).get('Switch year')).toBeDefined();
  });

  it('GIVEN a custom_id the bot never made THEN a private error, and a replayed press is refused', async () => {
    const forged = componentPress({ type: 2, custom_id: 'cx1|0|f|' });
    const pressed = await bot.interaction(forged);
    expect(pressed.body.type).toBe(4);
    expect(pressed.body.data.flags).toBe(64);
    const replay = await bot.interaction(forged);
    expect(replay.status).toBe(401);
  });
});
