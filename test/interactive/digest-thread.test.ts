/**
 * Done-when (issue 14, digests as a parent plus a thread): one short parent post and its thread replies at the fake
 * APIs; exactly once across a restart between parent and thread — the bot is SIGKILLed after the parent went out
 * (its thread replies failing), started again on the same database, and the same ledger row's delivery resumes the
 * thread without posting the parent again. The switch (`thread <id> on|off`, on by default) is stored and audited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_TOKEN, postSlash, SIGNING_SECRET, visibleText } from '../adapters/slack/harness.js';
import { ADMIN, command } from '../adapters/discord/signing.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startBotProcess, type BotProcess } from '../http/bot-process.js';
import { startInteractiveBot, type InteractiveBot } from './bot.js';

describe('Slack: a digest thread across a restart (SIGKILL between parent and thread)', () => {
  let dir: string;
  let slack: FakeSlack;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capex-thread-'));
    slack = await startFakeSlack({ validToken: BOT_TOKEN });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    SLACK_ADMIN_USER_IDS: 'UADMIN',
    DATABASE_URL: join(dir, 'bot.sqlite'),
    DELIVERY_LEASE_SECONDS: '2',
    WEB: 'false',
  });
  const admin = (text: string) => postSlash(`${bot!.base}/slack/events`, { command: '/capex-digest', text, user_id: 'UADMIN', channel_id: 'C0THREAD' });

  it('posts the parent once and each thread reply once', async () => {
    bot = await startBotProcess({ env: env() });
    const added = await admin('add 09:00 weekdays UTC');
    const id = /Schedule (\d+)/.exec(visibleText(added.json))?.[1];
    expect(id).toBeDefined();
    // Every thread reply fails at the network level: the parent goes out, then the bot keeps retrying the thread.
    slack.failNext({ kind: 'drop-connection' }, { method: (r) => r.api === 'chat.postMessage' && Boolean(r.body.thread_ts), times: 1_000 });
    await admin(`send ${id}`);
    await slack.waitFor(() => slack.callsTo('chat.postMessage').some((c) => c.body.thread_ts), 20_000);
    // Killed between the parent and its thread: no shutdown, the row stays leased and 'sending' with its progress.
    const exited = new Promise((resolve) => bot!.child.once('exit', resolve));
    bot.child.kill('SIGKILL');
    await exited;
    const parents = slack.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0THREAD' && !c.body.thread_ts && c.status === 200);
    expect(parents).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts && c.status === 200)).toHaveLength(0);

    slack.reset();
    bot = await startBotProcess({ env: env() });
    const replies = await slack.waitFor(() => {
      const ok = slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts && c.status === 200);
      return ok.length >= 2 ? ok : undefined;
    }, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = slack.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0THREAD' && c.status === 200);
    // No second parent after the restart; the two thread replies, once each, in the first parent's thread.
    expect(after.filter((c) => !c.body.thread_ts)).toHaveLength(0);
    expect(replies).toHaveLength(2);
    expect(new Set(replies.map((r) => r.body.thread_ts)).size).toBe(1);
    expect(visibleText(replies[0]!.body)).toContain('Top spenders and what changed');
    expect(visibleText(replies[1]!.body)).toContain('Sources');
  }, 120_000);
});

describe('the thread switch, and Discord threads', () => {
  let bot: InteractiveBot;
  beforeAll(async () => {
    bot = await startInteractiveBot({ DISCORD_TOKEN: 'bot-token' });
    bot.slack.addUser({ id: 'UADMIN', name: 'alice' });
    bot.slack.addUser({ id: 'U0MEMBER', name: 'bob' });
    await bot.discord.gateway.connected();
  }, 60_000);
  afterAll(async () => {
    await bot?.close();
  });

  it('GIVEN a Discord digest THEN a short parent in the channel and the details in a thread started from it', async () => {
    const channel = '350000000000000035';
    const add = await bot.interaction(command('digest', [{ name: 'add', type: 1, options: [{ name: 'time', type: 3, value: '10:00' }, { name: 'zone', type: 3, value: 'UTC' }] }], { ...ADMIN, channelId: channel }));
    const id = /\d+/.exec(add.body.data.embeds[0].title)![0];
    await bot.interaction(command('digest', [{ name: 'send', type: 1, options: [{ name: 'id', type: 3, value: id }] }], { ...ADMIN, channelId: channel }));
    const parent = await poll(() => bot.discord.messages.find((m) => m.channelId === channel));
    const inThread = await poll(() => {
      const list = bot.discord.messages.filter((m) => m.channelId === parent.id);
      return list.length >= 2 ? list : undefined;
    });
    expect(inThread).toHaveLength(2);
    // Started from the parent once (a second start is Discord's 160004 "already created", which the bot takes as there).
    expect(bot.discord.requestsTo('POST', `/channels/${channel}/messages/${parent.id}/threads`).length).toBeGreaterThan(0);
    const parentBody = bot.discord.requestsTo('POST', `/channels/${channel}/messages`)[0]!.body as any;
    expect(parentBody.embeds[0].description).toContain('The full tables, headlines and sources are in the thread.');
    expect(parentBody.allowed_mentions).toEqual({ parse: [] });
    expect(bot.discord.messages.filter((m) => m.channelId === channel)).toHaveLength(1);
  }, 30_000);

  it('GIVEN thread off (admin, audited; on by default) THEN the digest is one message', async () => {
    await bot.slash('/capex-digest', 'add 11:00 daily UTC', 'UADMIN', 'C0ONEMSG');
    const schedule = (await bot.bot.runtime.store!.listSchedules()).find((s) => s.channelId === 'slack:C0ONEMSG')!;
    expect(schedule.thread).toBe(true);
    const refused = await bot.slash('/capex-digest', `thread ${schedule.id} off`, 'U0MEMBER', 'C0ONEMSG');
    expect(visibleText(refused.json)).toContain('Only admins');
    const switched = await bot.slash('/capex-digest', `thread ${schedule.id} off`, 'UADMIN', 'C0ONEMSG');
    expect(visibleText(switched.json)).toContain('one message');
    expect((await bot.bot.runtime.store!.getSchedule(schedule.id))?.thread).toBe(false);
    expect((await bot.bot.runtime.store!.auditLog()).find((a) => a.scheduleId === schedule.id && a.action === 'thread-off')?.actor).toBe('slack:UADMIN');
    await bot.slash('/capex-digest', `send ${schedule.id}`, 'UADMIN', 'C0ONEMSG');
    const post = await bot.slack.waitFor(() => bot.slack.callsTo('chat.postMessage').find((c) => c.body.channel === 'C0ONEMSG'), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bot.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0ONEMSG')).toHaveLength(1);
    expect(post.body.thread_ts).toBeUndefined();
    // The whole digest in one message: the top-spenders table, not the thread pointer.
    expect(visibleText(post.body)).toContain('Top spenders');
    expect(visibleText(post.body)).not.toContain('are in the thread');
  }, 30_000);
});

async function poll<T>(check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
