/**
 * What every `/capex-digest <subcommand> <id> …` file shares: the digest service (or the answer that it is not set
 * up), the schedule-id option and its parsing. Its own module so that digest.ts and the subcommand files it
 * collects (digest-thread.ts) can both use it without importing each other.
 */
import { z } from 'zod';
import { UserError, type CommandContext } from '../core/command.js';
import { commandRef } from '../core/syntax.js';
import type { DigestService } from '../schedule/service.js';

const NOT_SET_UP = 'Scheduled digests are not set up in this run of the bot (it has no database). Start the bot with `capex-bot start` to use them.';

export function serviceOf(ctx: CommandContext): DigestService {
  const service = ctx.services.digest;
  if (!service) throw new UserError(NOT_SET_UP);
  return service;
}

export const idOption = z
  .string()
  .trim()
  .max(12, 'a schedule id is a short number such as 3')
  .describe('Schedule id, a number such as 3 (the list subcommand shows them)');

export function parseId(text: string, usage: string): number {
  const m = /^#?(\d{1,9})$/.exec(text);
  if (!m) throw new UserError(`'${text.slice(0, 12)}' is not a schedule id: use the number ${commandRef('/capex-digest list')} shows, e.g. 3.`, usage);
  return Number(m[1]);
}
