/**
 * Socket Mode (SLACK_APP_TOKEN set): no HTTP endpoint; Bolt's SocketModeReceiver opens the connection through
 * apps.connections.open on the fake Slack API and receives slash commands as envelopes over its WebSocket.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlack, type SlackAdapter } from '../../../src/adapters/slack/index.js';
import { loadConfig } from '../../../src/config.js';
import { testCore } from '../../helpers/core.js';
import { startFakeSlack, type FakeSlack } from '../../helpers/fake-slack.js';
import { BOT_TOKEN, visibleText } from './harness.js';

const APP_TOKEN = 'xapp-1-A0FAKE-test';
let fake: FakeSlack;
let adapter: SlackAdapter;

beforeAll(async () => {
  fake = await startFakeSlack({ validToken: BOT_TOKEN });
  const config = loadConfig({}, { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.apiUrl });
  adapter = await startSlack({ core: testCore(), config, logger: pino({ level: 'silent' }) });
  await fake.socketMode.connected();
});
afterAll(async () => {
  await adapter.stop();
  await fake.close();
});

let invocations = 0;
/** Slack makes a new trigger_id per invocation; a repeated one is a retry and is answered once. */
const slash = (command: string, text: string, trigger = `1.2.${++invocations}`) => ({
  team_id: 'T0FAKE', channel_id: 'C0GENERAL', user_id: 'U0MEMBER', user_name: 'member', command, text,
  response_url: fake.responseUrl(), trigger_id: trigger, api_app_id: 'A0FAKE',
});

describe('Socket Mode', () => {
  it('connects with the app-level token and needs no HTTP server', () => {
    expect(adapter.mode).toBe('socket');
    expect(fake.callsTo('apps.connections.open')[0]?.token).toBe(APP_TOKEN);
  });

  it('answers /capex alibaba in the ack of the envelope, in the channel', async () => {
    const answer = await fake.socketMode.send('slash_commands', slash('/capex', 'alibaba'));
    expect(answer.response_type).toBe('in_channel');
    expect(visibleText(answer)).toContain('380 billion yuan');
  });

  it('help is private, hostile text escaped', async () => {
    expect((await fake.socketMode.send('slash_commands', slash('/capex', 'help'))).response_type).toBe('ephemeral');
    const hostile = await fake.socketMode.send('slash_commands', slash('/capex', '<!channel>'));
    expect(visibleText(hostile)).toContain('&lt;!channel&gt;');
    expect(visibleText(hostile)).not.toMatch(/<!/);
  });

  it('a retried envelope (same trigger_id) is acked empty, not answered twice', async () => {
    expect(visibleText(await fake.socketMode.send('slash_commands', slash('/capex', 'alibaba', '7.7.7')))).toContain('380 billion yuan');
    expect(await fake.socketMode.send('slash_commands', slash('/capex', 'alibaba', '7.7.7'))).toEqual({});
  });
});
