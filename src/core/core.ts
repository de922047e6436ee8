/**
 * The one entry point every adapter calls. It parses a command line (or takes structured options from
 * Discord), finds the command, validates its options with the command's zod schema, checks admin rights,
 * runs it, and turns every failure into a friendly private reply. Unexpected errors are logged with a
 * reference the user also sees, never with a stack trace in chat.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { DataSet } from '../data/dataset.js';
import { errorReply, type Reply } from './reply.js';
import { parseCommandLine, type ParseErrorCode } from './parse.js';
import { UserError, type Caller, type CommandContext, type CommandSpec, type Services } from './command.js';
import type { Logger } from './log.js';
import { usageFor } from './usage.js';
import { silentLogger } from './log.js';

export interface CoreOptions {
  commands: readonly CommandSpec[];
  /** Returns the current data set; a function so a reload swaps it without restarting anything. */
  data: () => DataSet;
  services?: Services;
  logger?: Logger;
  /** Injected clock for tests. */
  now?: () => Date;
}

const PARSE_ERRORS: Record<ParseErrorCode, string> = {
  empty: 'Type a command, for example /capex alibaba. /help lists them all.',
  too_long: 'That is too long: commands are at most 500 characters.',
  control_chars: 'That contains control characters; type the command as plain text.',
  no_slash: 'Commands start with a slash, for example /capex alibaba. /help lists them all.',
  unbalanced_quote: 'A quote is not closed; put quotes around the whole value.',
};

export class Core {
  readonly commands: readonly CommandSpec[];
  private readonly logger: Logger;
  private readonly now: () => Date;

  constructor(private readonly options: CoreOptions) {
    this.commands = options.commands;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? (() => new Date());
  }

  get data(): DataSet {
    return this.options.data();
  }

  get services(): Services {
    return (this.options.services ??= {});
  }

  /** Answers a command line exactly as a Slack user types it: `/capex alibaba`. */
  async handleText(line: string, caller: Caller): Promise<Reply> {
    const parsed = parseCommandLine(line);
    if (!parsed.ok) return errorReply(PARSE_ERRORS[parsed.code]);
    const match = this.findByText(parsed.command, parsed.args);
    if (!match) return this.unknownCommand(parsed.command);
    const { spec, rest } = match;
    return this.execute(spec, () => spec.fromText(rest), caller);
  }

  /** Answers a command whose options arrive already structured (Discord application commands). */
  async handleStructured(id: string, rawOptions: Record<string, unknown>, caller: Caller): Promise<Reply> {
    const spec = this.commands.find((c) => c.id === id);
    if (!spec) return this.unknownCommand(id);
    return this.execute(spec, () => rawOptions, caller);
  }

  /** The command a text line names: the longest matching path wins (`/capex top` before `/capex`). */
  findByText(command: string, args: string[]): { spec: CommandSpec; rest: string[] } | undefined {
    const sub = args[0]?.toLowerCase();
    let fallback: CommandSpec | undefined;
    for (const spec of this.commands) {
      for (const path of [spec.path, ...(spec.aliases ?? [])]) {
        if (path[0] !== command) continue;
        if (path.length === 2) {
          if (path[1] === sub) return { spec, rest: args.slice(1) };
        } else {
          fallback ??= spec;
        }
      }
    }
    return fallback ? { spec: fallback, rest: args } : undefined;
  }

  private async execute(spec: CommandSpec, readOptions: () => unknown, caller: Caller): Promise<Reply> {
    try {
      if (spec.adminOnly && !caller.isAdmin) {
        return errorReply('Only admins can do that. Ask a workspace admin (Slack) or someone with Manage Server (Discord).');
      }
      const parsed = (spec.options as z.ZodObject).safeParse(readOptions());
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.');
        return errorReply(`${field ? `${field}: ` : ''}${issue?.message ?? 'invalid options'}`, usageFor(spec, caller.platform));
      }
      const ctx: CommandContext = { data: this.data, now: this.now(), caller, services: this.services };
      return await spec.run(parsed.data, ctx);
    } catch (error) {
      if (error instanceof UserError) return errorReply(error.message, caller.platform === 'discord' ? usageFor(spec, 'discord') : (error.usage ?? spec.usage));
      return this.internalError(error, { command: spec.id, caller: caller.userId });
    }
  }

  /** Logs the details with a short reference and gives the user only the reference. */
  internalError(error: unknown, context: Record<string, unknown>): Reply {
    const ref = randomBytes(4).toString('hex');
    this.logger.error({ err: error, ref, ...context }, 'command failed');
    return errorReply(`Something went wrong (ref ${ref}). The details are in the bot's log; please try again.`);
  }

  private unknownCommand(name: string): Reply {
    const known = [...new Set(this.commands.map((c) => `/${c.path[0]}`))].join(', ');
    return errorReply(`There is no command /${name.slice(0, 40)}. Try ${known}, or /help.`);
  }
}
