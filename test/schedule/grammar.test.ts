/** The `add` grammar: what each typed word becomes, and the message for each kind of mistake. */
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/core/command.js';
import { addOptionsFromText, parseChannel, resolveAdd } from '../../src/schedule/grammar.js';
import { describeWhen, WhenError } from '../../src/schedule/when.js';
import { commands } from '../../src/commands/index.js';
import { slackSyntax } from '../../src/adapters/slack/syntax.js';
import { discordSyntax } from '../../src/adapters/discord/syntax.js';
import { consoleSyntax } from '../../src/adapters/console/syntax.js';

const slack = slackSyntax(commands);
const discord = discordSyntax(commands);
const consoleText = consoleSyntax(commands);
const syntaxOf = (caller: Caller) => (caller.platform === 'slack' ? slack : consoleText);

const slackAdmin: Caller = { platform: 'slack', userId: 'slack:UADMIN', isAdmin: true, channelId: 'slack:CHERE', timeZone: 'America/Chicago' };
const consoleUser: Caller = { platform: 'console', userId: 'console:local', isAdmin: true, channelId: 'console:local' };

const resolve = (line: string, caller: Caller = consoleUser) => resolveAdd(addOptionsFromText(line.split(' ')), caller, 'UTC', syntaxOf(caller));
const problem = (line: string, caller: Caller = consoleUser) => {
  try {
    resolve(line, caller);
  } catch (e) {
    if (e instanceof WhenError) return e.message;
    throw e;
  }
  throw new Error(`'${line}' was accepted`);
};

describe('add grammar', () => {
  it('reads time, days, zone and channel in any order', () => {
    const r = resolve('09:00 weekdays Europe/Berlin #general');
    expect(describeWhen(r.when)).toBe('on weekdays (Mon–Fri) at 09:00');
    expect(r).toMatchObject({ zone: 'Europe/Berlin', channelId: 'console:general', zoneDefaulted: false });
    expect(resolve('7:05pm #ops europe/berlin mon,wed,fri')).toMatchObject({ when: { hour: 19, minute: 5, days: [1, 3, 5] }, zone: 'Europe/Berlin' });
    expect(resolve('08:00 mon, wed, fri').when).toMatchObject({ days: [1, 3, 5] });
  });

  it("defaults the channel to the caller's and the zone to the caller's, else the bot's default", () => {
    expect(resolve('09:00', slackAdmin)).toMatchObject({ channelId: 'slack:CHERE', zone: 'America/Chicago', zoneDefaulted: true });
    expect(resolve('09:00')).toMatchObject({ channelId: 'console:local', zone: 'UTC', zoneDefaulted: true, when: { days: [1, 2, 3, 4, 5, 6, 7] } });
  });

  it('takes a quoted or unquoted cron expression', () => {
    expect(resolveAdd(addOptionsFromText(['cron', '0 9 * * 1-5', 'UTC']), consoleUser, 'UTC', consoleText).when).toEqual({ kind: 'cron', expr: '0 9 * * 1-5' });
    expect(resolve('cron 30 7 * * mon Asia/Tokyo')).toMatchObject({ when: { kind: 'cron', expr: '30 7 * * mon' }, zone: 'Asia/Tokyo' });
  });

  it('turns platform channel mentions into prefixed ids', () => {
    expect(parseChannel('<#C0123ABCD|general>', slack)).toBe('slack:C0123ABCD');
    expect(parseChannel('<#112233445566778899>', discord)).toBe('discord:112233445566778899');
    expect(() => parseChannel('#general', slack)).toThrow(/pick the channel from Slack's list/);
    expect(() => parseChannel('<#C1|x> <@U1>', slack)).toThrow(WhenError);
    expect(() => parseChannel('<#C0123ABCD|general>', discord)).toThrow(/pick the channel from Discord's list/);
  });

  it('names what is wrong, with an example', () => {
    expect(problem('25:00 weekdays')).toMatch(/'25:00' is not a time of day.*for example 09:00/);
    expect(problem('9:75')).toMatch(/'9:75' is not a time of day/);
    expect(problem('noon')).toMatch(/'noon' is not a time.*add 09:00 weekdays/);
    expect(problem('09:00 Mars/Olympus')).toMatch(/'Mars\/Olympus' is not a time zone I know.*Europe\/Berlin/);
    expect(problem('09:00 Berlin')).toMatch(/'Berlin' is not a day list or a time zone.*Europe\/Berlin/);
    expect(problem('09:00 mon,wensday')).toMatch(/'wensday' is not a weekday.*mon,wed,fri/);
    expect(problem('cron "61 9 * * *"'.replace(/"/g, ''))).toMatch(/not a valid cron expression: the minute \(1st field\) '61' is not valid.*add cron "0 9 \* \* 1-5"/);
    expect(problem('cron 0 9 * *')).toMatch(/has 4 fields; a cron expression here has five/);
    expect(problem('cron * * * * *')).toMatch(/would post 1440 times a day/);
    expect(problem('')).toMatch(/Say when to post/);
  });
});
