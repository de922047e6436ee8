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
import { checkStructuredOptions, parseCommandLine, type ParseErrorCode } from './parse.js';
import { UserError, type Caller, type CommandContext, type CommandSpec, type Services } from './command.js';
import type { Logger } from './log.js';
import { silentLogger } from './log.js';
import { commandRef, findByText, hasRefMarks, localize, stripRefMarks, textSyntax, type Syntax, type SyntaxFactory } from './syntax.js';

export interface CoreOptions {
  commands: readonly CommandSpec[];
  /** Returns the current data set; a function so a reload swaps it without restarting anything. */
  data: () => DataSet;
  services?: Services;
  logger?: Logger;
  /** Injected clock for tests. */
  now?: () => Date;
  /** How each platform writes commands and channels; adapters add theirs with `useSyntax` when they start. */
  syntaxes?: readonly SyntaxFactory[];
}

const PARSE_ERRORS: Record<ParseErrorCode, string> = {
  empty: `Type a command, for example ${commandRef('/capex alibaba')}. ${commandRef('/help')} lists them all.`,
  too_long: 'That is too long: commands are at most 500 characters.',
  control_chars: 'That contains control characters or invisible text-direction marks; type the command as plain text.',
  no_slash: `Commands start with a slash, for example ${commandRef('/capex alibaba')}. ${commandRef('/help')} lists them all.`,
  unbalanced_quote: 'A quote is not closed; put quotes around the whole value.',
};

export class Core {
  readonly commands: readonly CommandSpec[];
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly syntaxes = new Map<string, Syntax>();
  /** The unknown-command answer's list, per syntax: the commands and a syntax do not change while the bot runs. */
  private readonly knownBySyntax = new WeakMap<Syntax, string>();

  constructor(private readonly options: CoreOptions) {
    this.commands = options.commands;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? (() => new Date());
    for (const factory of options.syntaxes ?? []) this.useSyntax(factory);
  }

  /** Adds (or replaces) a platform's syntax, built over this core's commands; returns it. */
  useSyntax(factory: SyntaxFactory): Syntax {
    const syntax = factory(this.commands);
    this.syntaxes.set(syntax.platform, syntax);
    return syntax;
  }

  /** The syntax replies to `platform` are written in; the text grammar when no adapter registered one. */
  syntaxFor(platform: string): Syntax {
    let syntax = this.syntaxes.get(platform);
    if (!syntax) this.syntaxes.set(platform, (syntax = textSyntax(platform)));
    return syntax;
  }

  /** A reply with its command and channel references written for `platform` (outbound posts use this too). */
  localize(reply: Reply, platform: string): Reply {
    return localize(reply, this.syntaxFor(platform));
  }

  get data(): DataSet {
    return this.options.data();
  }

  get services(): Services {
    return (this.options.services ??= {});
  }

  /**
   * Answers a command line exactly as a Slack user types it: `/capex alibaba`. The reply is written in the
   * caller's platform syntax (see src/core/syntax.ts).
   */
  async handleText(line: string, caller: Caller): Promise<Reply> {
    const syntax = this.syntaxFor(caller.platform);
    const parsed = parseCommandLine(stripRefMarks(line));
    if (!parsed.ok) return localize(errorReply(PARSE_ERRORS[parsed.code]), syntax);
    const match = this.findByText(parsed.command, parsed.args);
    if (!match) return localize(this.unknownCommand(parsed.command, syntax), syntax);
    const { spec, rest } = match;
    const reply = this.execute(spec, textOptions, rest, caller, syntax);
    return localize(reply instanceof Promise ? await reply : reply, syntax);
  }

  /** Answers a command whose options arrive already structured (Discord application commands). */
  async handleStructured(id: string, rawOptions: Record<string, unknown>, caller: Caller): Promise<Reply> {
    return this.answerStructured(id, rawOptions, caller);
  }

  /**
   * `handleStructured`, synchronous when the command is (most answers come from a per-data-set cache): an
   * adapter that can answer at once then needs no promise, await or deferral timer per request (issue 18).
   */
  answerStructured(id: string, rawOptions: Record<string, unknown>, caller: Caller): Reply | Promise<Reply> {
    const syntax = this.syntaxFor(caller.platform);
    // Structured options skip the line parser, not its checks: control and text-direction characters, length.
    const unsafe = checkStructuredOptions(rawOptions);
    if (unsafe) return localize(errorReply(PARSE_ERRORS[unsafe]), syntax);
    const spec = this.commands.find((c) => c.id === id);
    if (!spec) return localize(this.unknownCommand(id, syntax), syntax);
    const reply = this.execute(spec, structuredOptions, rawOptions, caller, syntax);
    return reply instanceof Promise ? reply.then((r) => localize(r, syntax)) : localize(reply, syntax);
  }

  /** The command a text line names: the longest matching path wins (`/capex top` before `/capex`). */
  findByText(command: string, args: string[]): { spec: CommandSpec; rest: string[] } | undefined {
    return findByText(this.commands, command, args);
  }

  /**
   * Runs a command, turning every failure into a reply. Synchronous when the command is (most answers come from
   * a per-data-set cache): no promise or async frame per answer, and a user mistake is caught as it is thrown.
   * `readOptions(spec, input)` is called inside the try (a text grammar throws user mistakes); a module-level
   * function and its input rather than a closure, so an answer allocates none.
   */
  private execute<I>(spec: CommandSpec, readOptions: (spec: CommandSpec, input: I) => unknown, input: I, caller: Caller, syntax: Syntax): Reply | Promise<Reply> {
    try {
      if (spec.adminOnly && !caller.isAdmin) {
        return errorReply(`Only admins can do that. Ask ${syntax.admins}.`);
      }
      const parsed = (spec.options as z.ZodObject).safeParse(readOptions(spec, input));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.');
        return errorReply(`${field ? `${field}: ` : ''}${issue?.message ?? 'invalid options'}`, syntax.usage(spec));
      }
      const ctx: CommandContext = { data: this.data, now: this.now(), caller, services: this.services, syntax };
      const reply = spec.run(parsed.data, ctx);
      return reply instanceof Promise ? reply.catch((error: unknown) => this.failure(error, spec, caller, syntax)) : reply;
    } catch (error) {
      return this.failure(error, spec, caller, syntax);
    }
  }

  /** A user mistake becomes its message with the usage; anything else an internal error with a reference. */
  private failure(error: unknown, spec: CommandSpec, caller: Caller, syntax: Syntax): Reply {
    if (error instanceof UserError) return errorReply(error.message, syntax.usage(spec, error.usage));
    return this.internalError(error, { command: spec.id, caller: caller.userId });
  }

  /** Logs the details with a short reference and gives the user only the reference. */
  internalError(error: unknown, context: Record<string, unknown>): Reply {
    const ref = randomBytes(4).toString('hex');
    this.logger.error({ err: error, ref, ...context }, 'command failed');
    return errorReply(`Something went wrong (ref ${ref}). The details are in the bot's log; please try again.`);
  }

  private unknownCommand(name: string, syntax: Syntax): Reply {
    return errorReply(`There is no command /${name.slice(0, 40)}. Try ${this.knownCommands(syntax)}, or ${commandRef('/help')}.`);
  }

  /** One example per command the platform shows (its name for each declared root). */
  private knownCommands(syntax: Syntax): string {
    let known = this.knownBySyntax.get(syntax);
    if (known === undefined) {
      known = [...new Set(this.commands.filter((c) => c.path.length === 1).map((c) => syntax.commandName(c)))].join(', ');
      this.knownBySyntax.set(syntax, known);
    }
    return known;
  }
}

/** A typed command's options, by its text grammar. */
function textOptions(spec: CommandSpec, args: string[]): unknown {
  return spec.fromText(args);
}

/** Structured options, read for `execute`. */
function structuredOptions(_spec: CommandSpec, options: Record<string, unknown>): unknown {
  return stripOptionMarks(options);
}

/** Structured options (Discord) with reference delimiters removed from every string a user typed. */
function stripOptionMarks(options: Record<string, unknown>): Record<string, unknown> {
  // The usual case has no marks at all: zod never changes its input, so the same object is read without a copy.
  if (!hasOptionMarks(options)) return options;
  const clean = (value: unknown): unknown =>
    typeof value === 'string' ? stripRefMarks(value) : Array.isArray(value) ? value.map(clean) : value;
  return Object.fromEntries(Object.entries(options).map(([key, value]) => [key, clean(value)]));
}

/** Whether any string among the options (or in arrays of them, as `stripOptionMarks` walks) holds a reference delimiter. */
function hasOptionMarks(options: Record<string, unknown>): boolean {
  for (const key in options) if (marked(options[key])) return true;
  return false;
}

function marked(value: unknown): boolean {
  return typeof value === 'string' ? hasRefMarks(value) : Array.isArray(value) && value.some(marked);
}
