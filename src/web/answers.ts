/**
 * The pages ask the same commands the chat does (`/capex <company>`, `/capex top [year]`, `/compare …`) and
 * show their Reply: one place computes and words every figure. Options go through each command's own zod
 * schema, so a year or a company list typed into a URL is validated exactly as when typed into chat.
 */
import type { z } from 'zod';
import { UserError, type Caller, type CommandSpec } from '../core/command.js';
import type { Reply } from '../core/reply.js';
import { localize, localizeText, textSyntax } from '../core/syntax.js';
import type { DataSet } from '../data/dataset.js';
import { capexCommand } from '../commands/capex.js';
import { compareCommand } from '../commands/compare.js';
import { topCommand } from '../commands/top.js';

/** A page visitor: never an admin, in no channel. The read-only commands used here do not look further. */
const VISITOR: Caller = { platform: 'web', userId: 'web:visitor', isAdmin: false, channelId: 'web:page' };
/** Commands a reply mentions ("/capex sources meta") are written in the text grammar, as the console shows them. */
const SYNTAX = textSyntax('web');

export type Answer = { ok: true; reply: Reply } | { ok: false; message: string };

async function ask<O extends z.ZodObject>(spec: CommandSpec<O>, raw: unknown, data: DataSet, now: Date): Promise<Answer> {
  const parsed = spec.options.safeParse(raw);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? 'That is not a valid request.' };
  try {
    const reply = localize(await spec.run(parsed.data, { data, now, caller: VISITOR, services: {}, syntax: SYNTAX }), SYNTAX);
    if (reply.kind === 'error') return { ok: false, message: reply.lines[0] ?? reply.summary };
    return { ok: true, reply };
  } catch (error) {
    // A user mistake (unknown company, no shared year) is a message for the page; anything else is a 500.
    if (error instanceof UserError) return { ok: false, message: localizeText(error.message, SYNTAX) };
    throw error;
  }
}

export const companyAnswer = (data: DataSet, companyId: string, now: Date) => ask(capexCommand, { company: companyId }, data, now);

/** `year` as typed (a query string): the command's schema coerces and checks it. */
export const topAnswer = (data: DataSet, year: string | undefined, now: Date) => ask(topCommand, { year }, data, now);

export const compareAnswer = (data: DataSet, companies: string[], now: Date) => ask(compareCommand, { companies }, data, now);
