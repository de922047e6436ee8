/**
 * A command is declared as data: its name, where it sits in the text grammar, its options as a zod
 * schema, help text and a `run` function. The console, Slack's manifest and Discord's registration are
 * all generated from these declarations, so there is one source of truth.
 */
import type { z } from 'zod';
import type { DataSet } from '../data/dataset.js';
import type { Reply } from './reply.js';
import type { Syntax } from './syntax.js';

/**
 * The platform a caller is on, and the prefix of its ids: `slack`, `discord`, `console`, or any adapter's
 * name — a string, so a new platform needs no change here (see src/core/adapter.ts).
 */
export type Platform = string;

/** Who asked, and where. Ids are platform-prefixed strings (`slack:T1:C2`) so no SDK type leaks in. */
export interface Caller {
  platform: Platform;
  /** Platform-prefixed user id, e.g. `slack:U123`, `discord:456`, `console:local`. */
  userId: string;
  userName?: string;
  /** Decided by the adapter from platform roles (Slack admin/owner, Discord Manage Server, console user). */
  isAdmin: boolean;
  /** Platform-prefixed channel id the command was typed in. */
  channelId: string;
  /** The caller's own IANA time zone, where the platform tells it. */
  timeZone?: string;
}

/**
 * The services commands use beyond the data set, each with its own type. The core names none of them —
 * they live in layers above it — so each is declared where commands meet it, by merging into this interface
 * (src/commands/services.ts: `declare module '../core/command.js' { interface Services { digest?: DigestService } }`).
 * Every entry is optional so the core runs without a database (benchmarks, one-shot commands); a command that
 * needs one says so when it is absent.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface Services {}

/**
 * Installs `services[name]` as a getter that builds the service on first use, so a one-shot command that never
 * touches it never opens a database. `create` may answer undefined (not available in this run); it is asked
 * again on the next use. Returns a look at the service built so far, for shutdown hooks that must not build it.
 */
export function installLazyService<K extends keyof Services>(services: Services, name: K, create: () => Services[K] | undefined): () => Services[K] | undefined {
  let service: Services[K] | undefined;
  Object.defineProperty(services, name, {
    enumerable: true,
    configurable: true,
    get: () => (service ??= create()),
  });
  return () => service;
}

export interface CommandContext {
  data: DataSet;
  now: Date;
  caller: Caller;
  services: Services;
  /** How the caller's platform writes commands and channels: parse a typed channel with `syntax.parseChannel`. */
  syntax: Syntax;
}

/**
 * Thrown by `run` for a user mistake: the dispatcher turns it into a private one-line answer with usage.
 * It carries no stack trace: it is an answer, never logged as a fault, and capturing the stack was the
 * largest single cost of a typo's answer (issue 18: ≈ 9 % of the error path's CPU profile).
 */
export class UserError extends Error {
  readonly usage?: string;

  constructor(message: string, usage?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'UserError';
    this.usage = usage;
  }
}

export interface CommandSpec<Options extends z.ZodObject = z.ZodObject> {
  /** Stable id, also the Discord command name: `capex`, `capex-top`, `compare`, `digest`. */
  id: string;
  /** Text grammar: `['capex']` answers `/capex <company>`; `['capex', 'top']` answers `/capex top …`. */
  path: readonly [string] | readonly [string, string];
  /** Extra text spellings, e.g. `['help']` for `/help`. */
  aliases?: readonly (readonly [string] | readonly [string, string])[];
  /** Discord placement when it differs from `id`: a subcommand of a grouped command such as `/digest add`. */
  discord?: { command: string; subcommand?: string };
  /** One line, under 100 characters (Discord's limit for descriptions). */
  summary: string;
  usage: string;
  examples: string[];
  /** Admin-only commands are refused (privately) for anyone else. */
  adminOnly?: boolean;
  /** Options with `.describe()` on every field; `.meta({ autocomplete: 'company' })` asks for autocomplete. */
  options: Options;
  /** Maps typed tokens (after the path) to raw option values for `options` to validate. */
  fromText: (args: string[]) => z.input<Options>;
  run: (options: z.output<Options>, ctx: CommandContext) => Reply | Promise<Reply>;
}

/** Identity helper that keeps each command's option types precise. */
export function defineCommand<Options extends z.ZodObject>(spec: CommandSpec<Options>): CommandSpec<Options> {
  return spec;
}
