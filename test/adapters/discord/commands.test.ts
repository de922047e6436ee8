/** Discord command JSON generated from CommandSpecs, and incoming options mapped back to the spec's keys. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCommand, type CommandSpec } from '../../../src/core/command.js';
import { buildDiscordCommands } from '../../../src/adapters/discord/commands.js';
import { resolveInvocation, discordCaller } from '../../../src/adapters/discord/invocation.js';

const answer = () => ({ kind: 'answer' as const, visibility: 'public' as const, title: 't', lines: [], summary: 's' });

const digestAdd = defineCommand({
  id: 'digest-add',
  path: ['digest', 'add'],
  discord: { command: 'digest', subcommand: 'add' },
  summary: 'Post a digest here on a schedule',
  usage: '/digest add <cron>',
  examples: [],
  adminOnly: true,
  options: z.object({
    cron: z.string().max(100).describe('When, as a cron expression'),
    timeZone: z.string().optional().describe('IANA time zone'),
    format: z.enum(['short', 'full']).default('short').describe('How much to post'),
    dryRun: z.boolean().optional().describe('Only show what would be posted'),
    target: z.string().optional().meta({ kind: 'channel' }).describe('Where to post'),
    threshold: z.number().min(0).optional().describe('Minimum change in US$B'),
  }),
  fromText: () => ({ cron: '' }),
  run: answer,
});
const digestList = defineCommand({
  id: 'digest-list',
  path: ['digest', 'list'],
  discord: { command: 'digest', subcommand: 'list' },
  summary: 'List the digests of this channel',
  usage: '/digest list',
  examples: [],
  adminOnly: true,
  options: z.object({}),
  fromText: () => ({}),
  run: answer,
});
const pick = defineCommand({
  id: 'pick',
  path: ['pick'],
  summary: 'Pick dates',
  usage: '/pick',
  examples: [],
  options: z.object({ dates: z.array(z.string()).min(1).max(3).describe('Dates') }),
  fromText: () => ({ dates: [] }),
  run: answer,
});

describe('buildDiscordCommands', () => {
  const set = buildDiscordCommands([digestAdd, digestList, pick] as CommandSpec[]);

  it('groups specs with a Discord subcommand under one command, gated by Manage Server (delegable) and offered in servers only', () => {
    expect(set.json[0]).toEqual({
      type: 1,
      name: 'digest',
      description: 'digest: add, list',
      default_member_permissions: '32',
      contexts: [0],
      options: [
        {
          type: 1,
          name: 'add',
          description: 'Post a digest here on a schedule',
          options: [
            { name: 'cron', description: 'When, as a cron expression', required: true, type: 3, max_length: 100 },
            { name: 'time-zone', description: 'IANA time zone', required: false, type: 3, max_length: 200 },
            { name: 'format', description: 'How much to post', required: false, type: 3, choices: [{ name: 'short', value: 'short' }, { name: 'full', value: 'full' }] },
            { name: 'dry-run', description: 'Only show what would be posted', required: false, type: 5 },
            { name: 'target', description: 'Where to post', required: false, type: 7, channel_types: [0, 5] },
            { name: 'threshold', description: 'Minimum change in US$B', required: false, type: 10, min_value: 0 },
          ],
        },
        { type: 1, name: 'list', description: 'List the digests of this channel' },
      ],
    });
  });

  it('turns a string array into numbered options, the first min of them required', () => {
    expect(set.json[1]!.options!.map((o) => [o.name, o.required])).toEqual([['date1', true], ['date2', false], ['date3', false]]);
    expect(set.json[1]).not.toHaveProperty('default_member_permissions');
  });

  it('maps an invoked subcommand back to its spec and option keys', () => {
    const resolved = resolveInvocation(set, {
      name: 'digest',
      options: [{ name: 'add', type: 1, options: [{ name: 'cron', type: 3, value: '0 9 * * 1' }, { name: 'time-zone', type: 3, value: 'Europe/Berlin' }, { name: 'dry-run', type: 5, value: true }] }],
    });
    expect(resolved).toEqual({ ok: true, binding: set.find('digest', 'add'), options: { cron: '0 9 * * 1', timeZone: 'Europe/Berlin', dryRun: true } });
    const dates = resolveInvocation(set, { name: 'pick', options: [{ name: 'date3', type: 3, value: 'c' }, { name: 'date1', type: 3, value: 'a' }] });
    expect(dates.ok && dates.options).toEqual({ dates: ['a', 'c'] });
  });

  it('explains an unknown subcommand or option instead of guessing', () => {
    const sub = resolveInvocation(set, { name: 'digest', options: [{ name: 'remove', type: 1, options: [] }] });
    expect(!sub.ok && sub.reply.lines[0]).toContain('does not know /digest remove');
    const option = resolveInvocation(set, { name: 'pick', options: [{ name: 'date9', type: 3, value: 'x' }] });
    expect(!option.ok && option.reply.visibility).toBe('private');
  });

  it('refuses specs Discord would reject, naming the spec', () => {
    const bad = { ...pick, id: 'Bad Name' } as unknown as CommandSpec;
    expect(() => buildDiscordCommands([bad])).toThrow(/'Bad Name'.*not a valid Discord name/);
    const mixed = { ...pick, id: 'digest-plain', discord: { command: 'digest' } } as unknown as CommandSpec;
    expect(() => buildDiscordCommands([digestAdd, mixed] as CommandSpec[])).toThrow(/mixes subcommands/);
  });
});

describe('discordCaller', () => {
  it('prefixes ids and reads Manage Server / Administrator from the permission bits', () => {
    expect(discordCaller({ userId: '1', channelId: '2', permissions: '32' })).toEqual({ platform: 'discord', userId: 'discord:1', isAdmin: true, channelId: 'discord:2', timeZone: undefined });
    expect(discordCaller({ userId: '1', channelId: '2', permissions: '8' }).isAdmin).toBe(true);
    expect(discordCaller({ userId: '1', channelId: '2', permissions: String(0x800 | 0x400) }).isAdmin).toBe(false);
    expect(discordCaller({ userId: '1', channelId: '2', permissions: 'garbage' }).isAdmin).toBe(false);
    expect(discordCaller({ userId: '1', channelId: null }).channelId).toBe('discord:dm-1');
  });
});
