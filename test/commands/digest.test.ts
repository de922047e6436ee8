/**
 * `/capex-digest …` through the real Core, as a user types it: answers in words, errors that name the
 * problem, admin-only changes refused privately with nothing stored, platform scoping, and the console
 * (`console:local`) flow.
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

const slackAdmin: Caller = { platform: 'slack', userId: 'slack:UADMIN', userName: 'alice', isAdmin: true, channelId: 'slack:CHERE', timeZone: 'Europe/Berlin' };
const slackMember: Caller = { ...slackAdmin, userId: 'slack:UMEMBER', userName: 'bob', isAdmin: false };
const discordAdmin: Caller = { platform: 'discord', userId: 'discord:42', isAdmin: true, channelId: 'discord:555555' };
const consoleUser: Caller = { platform: 'console', userId: 'console:local', isAdmin: true, channelId: 'console:local' };

let h: Harness;
let outbound: RecordingOutbound;
let core: Core;

/** The registry with the digest commands, whether or not the lead has added them yet. */
const allCommands = [...commands, ...DIGEST_COMMANDS.filter((d) => !commands.some((c) => c.id === d.id))];

beforeEach(() => {
  outbound = new RecordingOutbound('slack', () => h.clock.now());
  h = new Harness({ start: NOW, outbounds: [outbound, new RecordingOutbound('console'), new RecordingOutbound('discord')] });
  core = new Core({
    commands: allCommands,
    data: () => bundledData,
    services: { digest: h.service },
    now: () => new Date(h.clock.now()),
    syntaxes: ALL_SYNTAXES,
  });
});
afterEach(async () => h.cleanup());

async function ask(line: string, caller: Caller) {
  const reply = await core.handleText(line, caller);
  return { reply, text: shown(reply, caller.platform) };
}

describe('/capex-digest add', () => {
  it('restates the schedule in words with id, zone and next run, privately', async () => {
    const { reply, text } = await ask('/capex-digest add 09:00 weekdays', slackAdmin);
    expect(reply.kind).toBe('answer');
    expect(reply.visibility).toBe('private');
    expect(text).toContain('Schedule 1: the AI-capex digest posts in <#CHERE> on weekdays (Mon–Fri) at 09:00 (Europe/Berlin).');
    expect(text).toContain('Next run: Mon 2 Jun 2025 09:00 Europe/Berlin (07:00 UTC).');
    expect(text).toContain('Time zone Europe/Berlin is yours');
    expect(await h.store.listSchedules()).toMatchObject([{ id: 1, channelId: 'slack:CHERE', time: '09:00', days: 'weekdays', zone: 'Europe/Berlin', createdBy: 'slack:UADMIN' }]);
    expect((await h.store.auditLog())[0]).toMatchObject({ actor: 'slack:UADMIN', action: 'add', scheduleId: 1 });
  });

  it('takes a channel mention, a zone and a cron expression', async () => {
    const { text } = await ask('/capex-digest add cron "30 7 * * 1" America/New_York <#C0OTHER99|random>', slackAdmin);
    expect(text).toContain('posts in <#C0OTHER99> cron "30 7 * * 1": on Mon at 07:30 (America/New_York).');
    expect(text).toContain('Next run: Mon 2 Jun 2025 07:30 America/New_York (11:30 UTC).');
  });

  it.each([
    ['/capex-digest add 24:30 weekdays', /'24:30' is not a time of day: use 24-hour HH:MM.*09:00/],
    ['/capex-digest add 09:00 Europe/Berlln', /'Europe\/Berlln' is not a time zone I know\. Did you mean Europe\/Berlin\?/],
    ['/capex-digest add 09:00 mon,fry', /'fry' is not a weekday.*mon,wed,fri/],
    ['/capex-digest add cron "0 9 * *"', /has 4 fields.*add cron "0 9 \* \* 1-5"/],
    ['/capex-digest add cron "0 25 * * *"', /the hour \(2nd field\) '25' is not valid/],
    ['/capex-digest add 09:00 #general', /type # and pick the channel from Slack's list/],
  ])('%s → a clear message, nothing stored', async (line, message) => {
    const { reply, text } = await ask(line, slackAdmin);
    expect(reply.kind).toBe('error');
    expect(reply.visibility).toBe('private');
    expect(text).toMatch(message);
    expect(text).toContain('Usage: /capex-digest add <HH:MM>');
    expect(await h.store.listSchedules()).toEqual([]);
  });
});

describe('permissions', () => {
  it.each(['add 09:00', 'remove 1', 'pause 1', 'resume 1', 'send 1'])('a non-admin is refused privately for "%s" and nothing changes', async (args) => {
    await ask('/capex-digest add 10:00', slackAdmin);
    const before = await h.store.listSchedules();
    const { reply, text } = await ask(`/capex-digest ${args}`, slackMember);
    expect(reply).toMatchObject({ kind: 'error', visibility: 'private' });
    expect(text).toMatch(/Only admins can do that/);
    expect(await h.store.listSchedules()).toEqual(before);
    expect(outbound.posts).toEqual([]);
    expect((await h.store.auditLog()).map((e) => e.action)).toEqual(['add']);
  });

  it('anyone may list, see the next runs and preview', async () => {
    await ask('/capex-digest add 10:00', slackAdmin);
    expect((await ask('/capex-digest list', slackMember)).reply.kind).toBe('answer');
    expect((await ask('/capex-digest next 1', slackMember)).reply.kind).toBe('answer');
    expect((await ask('/capex-digest preview', slackMember)).reply.visibility).toBe('private');
  });

  it("schedules are per platform: a Discord admin can neither see nor touch a Slack schedule", async () => {
    await ask('/capex-digest add 10:00', slackAdmin);
    expect((await ask('/capex-digest list', discordAdmin)).text).toContain('No digest is scheduled yet');
    const { text } = await ask('/capex-digest remove 1', discordAdmin);
    expect(text).toContain('There is no digest schedule 1 here');
    expect((await h.store.getSchedule(1))!.status).toBe('active');
  });
});

describe('list, next, pause, resume, remove, send, preview', () => {
  it('list shows id, channel, when, zone, next run, last delivery and creator', async () => {
    await ask('/capex-digest add 09:00 weekdays', slackAdmin);
    await ask('/capex-digest add 18:00 daily UTC <#C0SECOND1>', slackAdmin);
    await h.service.start();
    await h.runUntil('2025-06-02T07:01:00Z');
    const { text } = await ask('/capex-digest list', slackAdmin);
    expect(text).toContain(
      '1 · <#CHERE> · on weekdays (Mon–Fri) at 09:00 (Europe/Berlin) · active · next: Tue 3 Jun 2025 09:00 Europe/Berlin (07:00 UTC) · last: delivered Mon 2 Jun 2025 09:00 · created by alice',
    );
    expect(text).toContain('2 · <#C0SECOND1> · every day at 18:00 (UTC) · active · next: Mon 2 Jun 2025 18:00 UTC · last: no digest yet · created by alice');
  });

  it('next shows three runs in local time and UTC, across a DST change', async () => {
    h.clock.set(Date.parse('2025-03-28T12:00:00Z'));
    await ask('/capex-digest add 02:30 daily Europe/Berlin', slackAdmin);
    const { reply } = await ask('/capex-digest next 1', slackAdmin);
    expect(reply.table).toEqual({
      columns: ['Local (Europe/Berlin)', 'UTC'],
      rows: [
        ['Sat 29 Mar 2025 02:30', 'Sat 29 Mar 2025 01:30'],
        ['Sun 30 Mar 2025 03:00', 'Sun 30 Mar 2025 01:00'],
        ['Mon 31 Mar 2025 02:30', 'Mon 31 Mar 2025 00:30'],
      ],
    });
  });

  it('pause, resume and remove change the schedule and say so', async () => {
    await ask('/capex-digest add 09:00', slackAdmin);
    expect((await ask('/capex-digest pause 1', slackAdmin)).text).toContain('is paused');
    expect((await ask('/capex-digest pause 1', slackAdmin)).text).toContain('Schedule 1 is already paused.');
    expect((await ask('/capex-digest list', slackAdmin)).text).toContain('· paused ·');
    expect((await ask('/capex-digest resume #1', slackAdmin)).text).toMatch(/is resumed[\s\S]*Next run: Mon 2 Jun 2025 09:00/);
    expect((await ask('/capex-digest remove 1', slackAdmin)).text).toContain('is removed');
    expect((await ask('/capex-digest list', slackAdmin)).text).toContain('No digest is scheduled yet');
    expect((await ask('/capex-digest remove 1', slackAdmin)).text).toContain('There is no digest schedule 1 here');
    expect((await ask('/capex-digest remove one', slackAdmin)).text).toContain("'one' is not a schedule id");
    expect((await h.store.auditLog()).map((e) => `${e.action} by ${e.actor}`).reverse()).toEqual([
      'add by slack:UADMIN',
      'pause by slack:UADMIN',
      'resume by slack:UADMIN',
      'remove by slack:UADMIN',
    ]);
  });

  it('send posts the digest in the schedule channel now, once, without moving the regular runs', async () => {
    await ask('/capex-digest add 09:00', slackAdmin);
    await ask('/capex-digest thread 1 off', slackAdmin); // one message: this is about send (threads: test/interactive)
    const { text } = await ask('/capex-digest send 1', slackAdmin);
    expect(text).toContain('Posted the digest of schedule 1 in <#CHERE>.');
    expect(outbound.posts.map((p) => p.channelId)).toEqual(['slack:CHERE']);
    expect(outbound.posts[0]!.reply).toMatchObject({ visibility: 'public', title: 'AI capex digest — Monday 2 June 2025' });
    expect(h.service.nextRuns((await h.store.getSchedule(1))!, 1)[0]!.key).toBe('2025-06-02T09:00');
  });

  it('preview is the digest, privately, and records nothing', async () => {
    const { reply, text } = await ask('/capex-digest preview', slackAdmin);
    expect(reply.visibility).toBe('private');
    expect(reply.title).toBe('Preview: AI capex digest — Monday 2 June 2025');
    expect(text).toMatch(/Combined tracked AI capex for 2025: US\$[\d.]+(–[\d.]+)?B across \d+ companies/);
    expect(reply.table?.columns).toEqual(['#', 'Top spenders', 'US$B 2025', 'Basis']);
    expect(reply.sources?.length).toBeGreaterThan(0);
    expect(outbound.posts).toEqual([]);
  });

  it('a bare or unknown subcommand explains the subcommands', async () => {
    expect((await ask('/capex-digest', slackMember)).text).toMatch(/Scheduled digests[\s\S]*\/capex-digest add <HH:MM>/);
    expect((await ask('/capex-digest frobnicate', slackMember)).text).toContain("/capex-digest has no 'frobnicate'. It knows: add, list");
  });

  it('without a database the commands say scheduling is not set up', async () => {
    const bare = new Core({ commands: allCommands, data: () => bundledData });
    const reply = await bare.handleText('/capex-digest list', consoleUser);
    expect(shown(reply, 'console')).toContain('Scheduled digests are not set up in this run of the bot');
  });
});

describe('console', () => {
  it('the console user adds for console:local; a #name becomes a console channel', async () => {
    const { text } = await ask('/capex-digest add 09:00 weekdays Europe/Berlin', consoleUser);
    expect(text).toContain('posts in #local on weekdays (Mon–Fri) at 09:00 (Europe/Berlin)');
    await ask('/capex-digest add 10:00 #ops', consoleUser);
    expect((await h.store.listSchedules('console:')).map((s) => s.channelId)).toEqual(['console:local', 'console:ops']);
  });
});
