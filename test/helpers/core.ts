/** Builders for core tests: the real commands on the real bundled data set, at a fixed date. */
import { createCore } from '../../src/app.js';
import type { Caller } from '../../src/core/command.js';
import { loadDataFile } from '../../src/data/loader.js';
import { renderPlain } from '../../src/adapters/console/render.js';

export const TODAY = new Date('2026-11-25T12:00:00Z');

export const bundledData = loadDataFile();

export function testCaller(overrides: Partial<Caller> = {}): Caller {
  return { platform: 'console', userId: 'console:tester', isAdmin: false, channelId: 'console:test', ...overrides };
}

export function testCore(now: Date = TODAY) {
  return createCore({ data: bundledData, now: () => now });
}

/** Asks like a user and returns the reply plus its plain-text rendering (what the console shows). */
export async function ask(line: string, caller: Caller = testCaller()) {
  const reply = await testCore().handleText(line, caller);
  return { reply, text: renderPlain(reply) };
}
