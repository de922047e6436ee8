/**
 * References and their localization (src/core/syntax.ts): what each platform writes for a command and a
 * channel, that nobody can forge a reference from chat, and that shared (frozen) answers keep their identity.
 */
import { describe, expect, it } from 'vitest';
import { discordSyntax } from '../../src/adapters/discord/syntax.js';
import { slackChannelMentions, slackSyntax } from '../../src/adapters/slack/syntax.js';
import { escapeSlack } from '../../src/adapters/slack/render.js';
import { commands } from '../../src/commands/index.js';
import { deepFreeze, errorReply, type Reply } from '../../src/core/reply.js';
import type { CommandSpec } from '../../src/core/command.js';
import { channelRef, commandRef, findByText, localize, localizeText } from '../../src/core/syntax.js';
import { testCaller, testCore } from '../helpers/core.js';

const slack = slackSyntax(commands);
const discord = discordSyntax(commands);

describe('commands and channels per platform', () => {
  it.each([
    ['/help', '/capex help', '/capex-help'],
    ['/help compare', '/capex help compare', '/capex-help command:compare'],
    ['/capex top 2025', '/capex top 2025', '/capex-top year:2025'],
    ['/capex sources meta', '/capex sources meta', '/capex-sources company:meta'],
    ['/compare meta amazon', '/compare meta amazon', '/compare company1:meta company2:amazon'],
    ['/capex-digest list', '/capex-digest list', '/digest list'],
    ['/capex-digest add 09:00 weekdays Europe/Berlin', '/capex-digest add 09:00 weekdays Europe/Berlin', '/digest add time:09:00 days:weekdays zone:Europe/Berlin'],
    ['/capex-digest add cron "0 9 * * 1-5"', '/capex-digest add cron "0 9 * * 1-5"', '/digest add cron:0 9 * * 1-5'],
    ['/capex-digest feeds remove 2', '/capex-digest feeds remove 2', '/digest feeds action:remove target:2'],
  ])('GIVEN %s THEN Slack writes %s and Discord %s', (line, onSlack, onDiscord) => {
    expect(localizeText(commandRef(line), slack)).toBe(onSlack);
    expect(localizeText(commandRef(line), discord)).toBe(onDiscord);
  });

  it('GIVEN a channel reference THEN Slack gets <#C…> only after escaping, Discord <#id>, a DM is named', () => {
    const text = `posts in ${channelRef('slack:C0123ABC')} & more`;
    expect(escapeSlack(localizeText(text, slack))).toBe('posts in <#C0123ABC> &amp; more');
    expect(localizeText(channelRef('discord:300000000000000003'), discord)).toBe('<#300000000000000003>');
    expect(localizeText(channelRef('discord:dm-200000000000000002'), discord)).toBe('this direct message');
  });

  it('GIVEN a channel of a workspace installed through OAuth (slack:T1:C2) THEN Slack mentions the conversation', () => {
    expect(slackChannelMentions(channelRef('slack:T0TEAM1:C0123ABC'))).toBe('<#C0123ABC>');
  });

  it('GIVEN a reference whose id is not a Slack channel THEN Slack shows it as plain text, never as markup', () => {
    expect(slackChannelMentions(channelRef('slack:<!channel>'))).toBe('#!channel');
    expect(slackChannelMentions(channelRef('discord:123456'))).toBe('#123456');
  });
});

describe('references come only from the bot', () => {
  it('GIVEN a user types reference delimiters THEN they are dropped and the text is echoed as typed', async () => {
    const forged = `\uE001slack:C0FORGED1\uE002`;
    const reply = await testCore().handleText(`/capex ${forged}`, testCaller({ platform: 'slack', userId: 'slack:U1', channelId: 'slack:C1' }));
    expect(reply.kind).toBe('error');
    expect(reply.lines[0]).toContain("'slack:C0FORGED1'");
    expect(JSON.stringify(reply)).not.toMatch(/[\uE000-\uE002]/);
  });
});

describe('shared answers', () => {
  it('GIVEN a frozen reply without references THEN it is passed on as is (renderers may cache by identity)', () => {
    const reply = deepFreeze(errorReply('nothing to localize'));
    expect(localize(reply, slack)).toBe(reply);
    expect(localize(reply, discord)).toBe(reply);
  });

  it('GIVEN a frozen reply with references THEN each platform gets one frozen localized copy, built once', () => {
    const reply: Reply = deepFreeze({ ...errorReply(`see ${commandRef('/capex-digest list')}`), fields: [{ label: commandRef('/help'), value: channelRef('slack:C0ABCDEF1') }] });
    const onDiscord = localize(reply, discord);
    expect(onDiscord.lines[0]).toBe('see /digest list');
    expect(onDiscord.fields![0]).toEqual({ label: '/capex-help', value: '#C0ABCDEF1' });
    expect(Object.isFrozen(onDiscord.fields![0])).toBe(true);
    expect(localize(reply, discord)).toBe(onDiscord);
    expect(localize(reply, slack).lines[0]).toBe('see /capex-digest list');
  });
});

describe('finding the command a text line names (findByText)', () => {
  /** The declaration-order scan findByText replaced with an index: the first declared path wins, two words before one. */
  function scan(list: readonly CommandSpec[], command: string, args: string[]) {
    const sub = args[0]?.toLowerCase();
    let alone: CommandSpec | undefined;
    for (const spec of list) {
      for (const path of [spec.path, ...(spec.aliases ?? [])]) {
        if (path[0] !== command) continue;
        if (path.length === 2 && path[1] === sub) return { spec, rest: args.slice(1) };
        if (path.length === 1) alone ??= spec;
      }
    }
    return alone ? { spec: alone, rest: [...args] } : undefined;
  }

  it('GIVEN every declared path and alias, with and without more words THEN the same command as a scan in declaration order', () => {
    const lines = commands.flatMap((c) => [c.path, ...(c.aliases ?? [])]).flatMap((p) => [[...p], [...p, 'meta'], [...p, 'TOP', '2025']]);
    lines.push(['capex', 'Top', '2025'], ['capex', 'alibaba'], ['capex'], ['frobnicate'], ['compare', 'meta', 'amazon'], ['capex', 'help', 'compare']);
    for (const [command, ...args] of lines) {
      const found = findByText(commands, command!, args);
      expect(found?.spec.id, `/${command} ${args.join(' ')}`).toBe(scan(commands, command!, args)?.spec.id);
      expect(found?.rest).toEqual(scan(commands, command!, args)?.rest);
    }
    expect(findByText(commands, 'capex', ['Top', '2025'])).toMatchObject({ spec: { id: 'capex-top' }, rest: ['2025'] });
    expect(findByText(commands, 'capex', ['alibaba'])).toMatchObject({ spec: { id: 'capex' }, rest: ['alibaba'] });
    expect(findByText(commands, 'frobnicate', [])).toBeUndefined();
  });

  it('GIVEN a command list that grew after its first look-up THEN the new command is found', () => {
    const list: CommandSpec[] = commands.filter((c) => c.id !== 'capex-top');
    expect(findByText(list, 'capex', ['top'])?.spec.id).toBe('capex');
    list.push(commands.find((c) => c.id === 'capex-top')!);
    expect(findByText(list, 'capex', ['top'])?.spec.id).toBe('capex-top');
  });
});
