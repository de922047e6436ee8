/**
 * `/capex-digest chart <id> on|off`: the admin switch that makes a schedule's digests carry the top-spenders
 * chart. Through the real Core and digest service on a real SQLite store; what reaches the platform is
 * recorded by the outbound channel (the adapters' upload of the image is tested against the fake APIs).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/core.js';
import type { Caller } from '../../src/core/command.js';
import { commands } from '../../src/commands/index.js';
import { DIGEST_COMMANDS } from '../../src/commands/digest.js';
import { ALL_SYNTAXES, shown } from '../core/shown.js';
import { bundledData } from '../helpers/core.js';
import { RecordingOutbound } from '../helpers/recording-outbound.js';
import { Harness } from '../schedule/harness.js';

const NOW = '2025-06-02T05:00:00Z'; // Monday, 07:00 in Berlin
const admin: Caller = { platform: 'slack', userId: 'slack:UADMIN', userName: 'alice', isAdmin: true, channelId: 'slack:CHERE', timeZone: 'Europe/Berlin' };
const member: Caller = { ...admin, userId: 'slack:UMEMBER', userName: 'bob', isAdmin: false };

let h: Harness;
let outbound: RecordingOutbound;
let core: Core;
const allCommands = [...commands, ...DIGEST_COMMANDS.filter((d) => !commands.some((c) => c.id === d.id))];

beforeEach(async () => {
  outbound = new RecordingOutbound('slack', () => h.clock.now());
  h = new Harness({ start: NOW, outbounds: [outbound] });
  core = new Core({ commands: allCommands, data: () => bundledData, services: { digest: h.service }, now: () => new Date(h.clock.now()), syntaxes: ALL_SYNTAXES });
  await ask('/capex-digest add 09:00 daily', admin);
  // About the chart on the digest message: one message (a post plus a thread is the default, issue 14).
  await ask('/capex-digest thread 1 off', admin);
});
afterEach(async () => h.cleanup());

async function ask(line: string, caller: Caller) {
  const reply = await core.handleText(line, caller);
  return { reply, text: shown(reply, caller.platform) };
}

describe('/capex-digest chart', () => {
  it('is off by default: the digest goes out as text only', async () => {
    await ask('/capex-digest send 1', admin);
    expect(outbound.posts).toHaveLength(1);
    expect(outbound.posts[0]!.reply.chart).toBeUndefined();
  });

  it('GIVEN an admin turns it on THEN digests carry the same ranking chart as /capex top, until turned off', async () => {
    const on = await ask('/capex-digest chart 1 on', admin);
    expect(on.reply.visibility).toBe('private');
    expect(on.text).toContain('now carry the top-spenders chart as an image');
    expect(on.text).toContain('/invite @capex-bot'); // a Slack channel: the bot must be in it to share files
    expect((await h.store.getSchedule(1))!.chart).toBe(true);

    await ask('/capex-digest send 1', admin);
    const top = (await core.handleText('/capex top 2025', admin)).chart!;
    const sent = outbound.posts[0]!.reply;
    expect(sent.chart?.bars).toEqual(top.bars);
    expect(sent.chart?.title).toBe(top.title);
    // The text stays complete: the digest's own lines are unchanged.
    expect(sent.title).toBe('AI capex digest — Monday 2 June 2025');

    // A scheduled run too, not only a manual send.
    await h.runUntil('2025-06-02T07:01:00Z');
    expect(outbound.posts).toHaveLength(2);
    expect(outbound.posts[1]!.reply.chart?.bars).toEqual(top.bars);

    const off = await ask('/capex-digest chart 1 off', admin);
    expect(off.text).toContain('text only again');
    await ask('/capex-digest send 1', admin);
    expect(outbound.posts[2]!.reply.chart).toBeUndefined();
    expect((await h.store.auditLog()).map((e) => e.action).filter((a) => a.startsWith('chart'))).toEqual(['chart-off', 'chart-on']);
  });

  it('survives a restart (stored with the schedule)', async () => {
    await ask('/capex-digest chart 1 on', admin);
    await h.restart();
    expect((await h.store.getSchedule(1))!.chart).toBe(true);
  });

  it('refuses non-admins privately and changes nothing', async () => {
    const { reply } = await ask('/capex-digest chart 1 on', member);
    expect(reply.kind).toBe('error');
    expect(reply.visibility).toBe('private');
    expect((await h.store.getSchedule(1))!.chart).toBe(false);
  });

  it('explains bad input and no-op changes in words', async () => {
    expect((await ask('/capex-digest chart 1 maybe', admin)).text).toContain('say on or off after the schedule id');
    expect((await ask('/capex-digest chart 1', admin)).text).toContain('say on or off after the schedule id');
    expect((await ask('/capex-digest chart 9 on', admin)).text).toContain('There is no digest schedule 9 here');
    expect((await ask('/capex-digest chart 1 off', admin)).text).toContain('are already text only');
  });
});
