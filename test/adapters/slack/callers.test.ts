/**
 * Who is asking: admin rights from users.info (admin/owner flags) or SLACK_ADMIN_USER_IDS, the time zone from
 * the Slack profile, users.info only when a command needs it, cached, and slow lookups answered via response_url.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCommand, type CommandSpec } from '../../../src/core/command.js';
import { postSlash, startHarness, visibleText, type Harness } from './harness.js';

/** Echoes the Caller the adapter built, so tests see exactly what a command would see. */
const echoCaller = (id: string, path: readonly [string, string], adminOnly: boolean) =>
  defineCommand({
    id,
    path,
    summary: 'test only: echoes the caller',
    usage: `/${path.join(' ')}`,
    examples: [],
    adminOnly,
    options: z.object({}),
    fromText: () => ({}),
    run: (_o, { caller }) => ({
      kind: 'answer',
      visibility: 'public',
      title: 'Caller',
      lines: [`user=${caller.userId} channel=${caller.channelId} admin=${caller.isAdmin} tz=${caller.timeZone ?? 'none'}`],
      summary: 'caller',
    }),
  }) as unknown as CommandSpec;

const adminCommand = echoCaller('test-admin', ['capex', 'admin-probe'], true);
const digestCommand = echoCaller('test-digest-whoami', ['capex-digest', 'whoami'], false);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    extraCommands: [adminCommand, digestCommand],
    adminUserIds: 'U0LISTED, slack:U0LISTED2',
    users: [
      { id: 'U0ADMIN', is_admin: true, tz: 'Europe/Berlin' },
      { id: 'U0OWNER', is_owner: true, tz: 'Asia/Tokyo' },
      { id: 'U0MEMBER', tz: 'America/New_York' },
      { id: 'U0LISTED', tz: 'Australia/Sydney' },
    ],
  });
});
afterAll(async () => h.close());
// Work that goes on after the ack (late answers, chart uploads) must not leak into the next test.
afterEach(async () => {
  await h.adapter.idle();
  h.fake.reset();
});

const ask = (user: string, command: string, text: string) => postSlash(h.url, { command, text, user_id: user, channel_id: 'C0OPS' });

describe('admin rights', () => {
  it('a workspace admin (users.info is_admin) may run an admin-only command', async () => {
    const res = await ask('U0ADMIN', '/capex', 'admin-probe');
    expect(visibleText(res.json)).toContain('user=slack:U0ADMIN channel=slack:C0OPS admin=true tz=Europe/Berlin');
    expect(h.fake.callsTo('users.info').map((c) => c.body.user)).toEqual(['U0ADMIN']);
  });

  it('an owner counts as admin', async () => {
    const res = await ask('U0OWNER', '/capex', 'admin-probe');
    expect(visibleText(res.json)).toContain('admin=true tz=Asia/Tokyo');
  });

  it('a member is refused privately', async () => {
    const res = await ask('U0MEMBER', '/capex', 'admin-probe');
    expect(res.json?.response_type).toBe('ephemeral');
    expect(visibleText(res.json)).toMatch(/Only admins can do that/);
  });

  it('SLACK_ADMIN_USER_IDS makes a member an admin, with or without the slack: prefix, without asking Slack', async () => {
    expect(visibleText((await ask('U0LISTED', '/capex', 'admin-probe')).json)).toContain('admin=true');
    expect(visibleText((await ask('U0LISTED2', '/capex', 'admin-probe')).json)).toContain('admin=true');
    expect(h.fake.callsTo('users.info')).toEqual([]);
  });

  it('users.info answers are cached: two commands by the same user ask Slack once', async () => {
    h.fake.addUser({ id: 'U0CACHED', is_admin: true, tz: 'Europe/Paris' });
    expect(visibleText((await ask('U0CACHED', '/capex', 'admin-probe')).json)).toContain('admin=true');
    expect(visibleText((await ask('U0CACHED', '/capex', 'admin-probe')).json)).toContain('admin=true');
    expect(h.fake.callsTo('users.info')).toHaveLength(1);
  });

  it('when Slack cannot answer users.info, a member hears that, not "admins only"', async () => {
    h.fake.failNext({ kind: 'server-error', status: 503 }, { method: 'users.info' });
    const res = await ask('U0NEWCOMER', '/capex', 'admin-probe');
    expect(res.json?.response_type).toBe('ephemeral');
    expect(visibleText(res.json)).toContain('could not check your Slack admin status');
    expect(h.fake.callsTo('users.info')).toHaveLength(1); // no retries inside the 3-second window
  });
});

describe('time zone and the hot path', () => {
  it('capex-digest commands get the caller time zone from the Slack profile even for listed admins', async () => {
    const res = await ask('U0LISTED', '/capex-digest', 'whoami');
    expect(visibleText(res.json)).toContain('admin=true tz=Australia/Sydney');
  });

  it('ordinary commands never call users.info', async () => {
    await ask('U0STRANGER', '/capex', 'alibaba');
    await ask('U0STRANGER', '/capex', 'top');
    await ask('U0STRANGER', '/compare', 'meta amazon');
    await h.adapter.idle();
    expect(h.fake.callsTo('users.info')).toEqual([]);
  });
});

describe('slow answers', () => {
  it('acks within the budget, then answers through response_url', async () => {
    const slow = await startHarness({ extraCommands: [adminCommand], ackBudgetMs: 50, users: [{ id: 'U0SLOW', is_admin: true, tz: 'UTC' }] });
    try {
      slow.fake.delay('users.info', 400);
      const responseUrl = slow.fake.responseUrl('late1');
      const started = Date.now();
      const res = await postSlash(slow.url, { command: '/capex', text: 'admin-probe', user_id: 'U0SLOW', response_url: responseUrl });
      expect(Date.now() - started).toBeLessThan(400);
      expect(res.json).toMatchObject({ response_type: 'ephemeral', text: 'Working on it…' });
      const [late] = await slow.fake.waitFor(() => (slow.fake.responses('late1').length ? slow.fake.responses('late1') : undefined));
      expect(late!.body.response_type).toBe('in_channel');
      expect(visibleText(late!.body)).toContain('user=slack:U0SLOW');
    } finally {
      await slow.close();
    }
  });
});
