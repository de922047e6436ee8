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
});
