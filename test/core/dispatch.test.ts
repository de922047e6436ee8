/**
 * The core's dispatch (src/core/core.ts) answers synchronous and asynchronous commands alike: the same reply,
 * and every failure — thrown or rejected, user mistake or fault — becomes a friendly private answer.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { Core } from '../../src/core/core.js';
import { defineCommand, UserError, type CommandSpec } from '../../src/core/command.js';
import type { Reply } from '../../src/core/reply.js';
import { bundledData, testCaller } from '../helpers/core.js';

const answer = (title: string): Reply => ({ kind: 'answer', visibility: 'public', title, lines: [title], summary: title });

function command(id: string, run: (word: string) => Reply | Promise<Reply>): CommandSpec {
  return defineCommand({
    id,
    path: [id],
    summary: id,
    usage: `/${id} <word>`,
    examples: [`/${id} ok`],
    options: z.object({ word: z.string() }),
    fromText: (args) => ({ word: args.join(' ') }),
    run: ({ word }) => run(word),
  }) as unknown as CommandSpec;
}

function behaviour(word: string): Reply {
  if (word === 'mistake') throw new UserError('That word is not known.', '/x <known word>');
  if (word === 'fault') throw new Error('disk on fire');
  return answer(`Answer for ${word}`);
}

const errors: { msg: string; ref: string; command: string }[] = [];
const core = new Core({
  commands: [command('sync', behaviour), command('async', async (word) => behaviour(word))],
  data: () => bundledData,
  logger: pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) }),
});

describe('dispatch of synchronous and asynchronous commands', () => {
  it.each(['sync', 'async'])('GIVEN the %s command THEN its answer, a user mistake with usage, and a fault with a reference only', async (id) => {
    expect((await core.handleText(`/${id} hello`, testCaller())).title).toBe('Answer for hello');

    const mistake = await core.handleText(`/${id} mistake`, testCaller());
    expect(mistake).toMatchObject({ kind: 'error', visibility: 'private', lines: ['That word is not known.', 'Usage: /x <known word>'] });

    const before = errors.length;
    const fault = await core.handleText(`/${id} fault`, testCaller());
    expect(fault.kind).toBe('error');
    expect(fault.lines[0]).toMatch(/^Something went wrong \(ref [0-9a-f]{8}\)/);
    expect(fault.lines.join('\n')).not.toContain('disk on fire');
    expect(errors.slice(before)).toEqual([expect.objectContaining({ msg: 'command failed', command: id, ref: fault.lines[0]!.match(/ref ([0-9a-f]{8})/)![1] })]);

    const structured = await core.handleStructured(id, { word: 'mistake' }, testCaller({ platform: 'discord' }));
    expect(structured.lines[0]).toBe('That word is not known.');
  });

  it('GIVEN structured options THEN answerStructured answers a synchronous command at once and an asynchronous one by a promise, with the same reply', async () => {
    const now = core.answerStructured('sync', { word: 'hello' }, testCaller({ platform: 'discord' }));
    expect(now).not.toBeInstanceOf(Promise);
    expect((now as Reply).title).toBe('Answer for hello');
    const later = core.answerStructured('async', { word: 'hello' }, testCaller({ platform: 'discord' }));
    expect(later).toBeInstanceOf(Promise);
    expect((await later).title).toBe('Answer for hello');
    const fault = core.answerStructured('sync', { word: 'fault' }, testCaller({ platform: 'discord' })) as Reply;
    expect(fault.lines[0]).toMatch(/^Something went wrong \(ref [0-9a-f]{8}\)/);
  });

  it('GIVEN structured options with reference marks or bad values THEN the marks are stripped (strings and arrays) and bad values refused as before', async () => {
    const echo = new Core({
      commands: [
        defineCommand({
          id: 'echo',
          path: ['echo'],
          summary: 'echo',
          usage: '/echo <word>',
          examples: ['/echo ok'],
          options: z.object({ word: z.string().min(1, 'name a word'), more: z.array(z.string()).optional() }),
          fromText: (args) => ({ word: args.join(' ') }),
          run: ({ word, more }) => answer([word, ...(more ?? [])].join('|')),
        }) as unknown as CommandSpec,
      ],
      data: () => bundledData,
    });
    const caller = testCaller({ platform: 'discord' });
    const options = { word: 'a\uE000b\uE002c', more: ['\uE001x\uE002', 'plain'] };
    expect((await echo.handleStructured('echo', options, caller)).title).toBe('abc|x|plain');
    expect(options.word).toBe('a\uE000b\uE002c'); // the caller's object is not changed
    expect((await echo.handleStructured('echo', { word: 'plain' }, caller)).title).toBe('plain');
    expect((await echo.handleStructured('echo', { word: '' }, caller)).lines[0]).toBe('word: name a word');
    expect((await echo.handleStructured('echo', { word: 7 }, caller)).kind).toBe('error');
    expect((await echo.handleStructured('echo', { word: 'x', more: 'not a list' }, caller)).lines[0]).toMatch(/^more: /);
    expect((await echo.handleStructured('echo', { word: 'bad\u202Eword' }, caller)).lines[0]).toMatch(/control characters/);
  });
});
