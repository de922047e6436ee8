/**
 * The translation both Discord modes share: who is asking (Caller), which spec an invoked command names,
 * its options reassembled into the spec's shape, and autocomplete choices. HTTP interactions hand in raw
 * API JSON, the gateway hands in discord.js objects; both reduce to these small shapes first.
 */
import type { Caller } from '../../core/command.js';
import type { Core } from '../../core/core.js';
import { errorReply, type Reply } from '../../core/reply.js';
import { OptionType, type CommandBinding, type DiscordCommandSet, type OptionBinding } from './commands.js';

/** One option as Discord sends it (raw `data.options[]`, or discord.js `interaction.options.data`). */
export interface InvokedOption {
  name: string;
  type: number;
  value?: string | number | boolean | null;
  options?: readonly InvokedOption[];
  focused?: boolean;
}

export interface Invocation {
  name: string;
  options?: readonly InvokedOption[] | null;
}

export interface AutocompleteChoice {
  name: string;
  value: string;
}

/** Manage Server and Administrator, from Discord's permission bit field. */
const MANAGE_GUILD = 0x20n;
const ADMINISTRATOR = 0x8n;
const MAX_CHOICES = 25;
/** Discord's limit for a choice's shown name. */
const MAX_CHOICE_NAME = 100;
/** Autocomplete input is only a search key; nothing longer is a company name. */
const MAX_TYPED = 100;

export interface CallerFacts {
  userId: string;
  userName?: string;
  channelId?: string | null;
  /** The member's permissions in this channel; absent in DMs, where nobody is a server admin. */
  permissions?: bigint | string | null;
}

export function discordCaller(facts: CallerFacts): Caller {
  let permissions = 0n;
  try {
    permissions = facts.permissions === undefined || facts.permissions === null ? 0n : BigInt(facts.permissions);
  } catch {
    permissions = 0n;
  }
  const caller: Caller = {
    platform: 'discord',
    userId: `discord:${facts.userId}`,
    isAdmin: (permissions & (MANAGE_GUILD | ADMINISTRATOR)) !== 0n,
    channelId: `discord:${facts.channelId ?? `dm-${facts.userId}`}`,
    // Discord tells the user's locale, not their time zone; commands fall back to the default zone.
    timeZone: undefined,
  };
  // Set rather than spread in: no throw-away object per interaction (issue 18).
  if (facts.userName) caller.userName = facts.userName;
  return caller;
}

export type ResolvedInvocation =
  | { ok: true; binding: CommandBinding; options: Record<string, unknown>; focused?: { option: OptionBinding; value: string } }
  | { ok: false; reply: Reply };

/** Maps an invoked command (and subcommand) and its options back to a spec id and the spec's option keys. */
export function resolveInvocation(commands: DiscordCommandSet, invocation: Invocation): ResolvedInvocation {
  const top = invocation.options ?? [];
  const sub = top.find((o) => o.type === OptionType.Subcommand || o.type === OptionType.SubcommandGroup);
  const binding = commands.find(invocation.name, sub?.name);
  if (!binding) return { ok: false, reply: stale(`The bot does not know ${shownName(invocation, sub)}.`) };

  const options: Record<string, unknown> = {};
  let arrays: Map<string, { index: number; value: unknown }[]> | undefined;
  let focused: { option: OptionBinding; value: string } | undefined;
  for (const given of sub ? (sub.options ?? []) : top) {
    const option = binding.options.find((o) => o.names.includes(given.name));
    if (!option) return { ok: false, reply: stale(`${shownName(invocation, sub)} has no option '${given.name.slice(0, 40)}'.`) };
    if (given.focused) focused = { option, value: String(given.value ?? '').slice(0, MAX_TYPED) };
    if (given.value === undefined || given.value === null) continue;
    if (option.array) {
      arrays ??= new Map();
      const list = arrays.get(option.key) ?? [];
      list.push({ index: option.names.indexOf(given.name), value: given.value });
      arrays.set(option.key, list);
    } else {
      options[option.key] = given.value;
    }
  }
  // Numbered options come back in the order the user filled them; the array keeps the numbering order.
  for (const [key, items] of arrays ?? []) options[key] = items.sort((a, b) => a.index - b.index).map((i) => i.value);
  return focused ? { ok: true, binding, options, focused } : { ok: true, binding, options };
}

/**
 * Runs a chat-input command through the core; a thrown error becomes the core's "Something went wrong (ref …)".
 * `inGuild`: the interaction came from a server (it has a member). A gated command (default_member_permissions)
 * that Discord delivered from a server was already allowed by Discord — by Manage Server, or by whatever role
 * the server delegated it to in Server Settings → Integrations — so the caller counts as an admin for it.
 */
export async function answerCommand(core: Core, commands: DiscordCommandSet, invocation: Invocation, caller: Caller, inGuild = false): Promise<Reply> {
  return answerCommandNow(core, commands, invocation, caller, inGuild);
}

/**
 * `answerCommand`, synchronous when the command is (a cached /capex): the HTTP endpoint then writes the answer
 * without a promise or a deferral timer. A returned promise never rejects either.
 */
export function answerCommandNow(core: Core, commands: DiscordCommandSet, invocation: Invocation, caller: Caller, inGuild = false): Reply | Promise<Reply> {
  try {
    const resolved = resolveInvocation(commands, invocation);
    if (!resolved.ok) return resolved.reply;
    const trusted = resolved.binding.gated && inGuild && !caller.isAdmin ? { ...caller, isAdmin: true } : caller;
    const reply = core.answerStructured(resolved.binding.specId, resolved.options, trusted);
    // The closure only for an asynchronous answer: a cached one allocates none.
    return reply instanceof Promise ? reply.catch((error: unknown) => commandFailed(core, invocation, caller, error)) : reply;
  } catch (error) {
    return commandFailed(core, invocation, caller, error);
  }
}

function commandFailed(core: Core, invocation: Invocation, caller: Caller, error: unknown): Reply {
  return core.internalError(error, { platform: 'discord', command: invocation.name, caller: caller.userId });
}

/** Up to 25 companies matching what the user typed so far (name, ticker or alias); the value is the company id. */
export function autocompleteChoices(core: Core, commands: DiscordCommandSet, invocation: Invocation): AutocompleteChoice[] {
  const resolved = resolveInvocation(commands, invocation);
  if (!resolved.ok || !resolved.focused || resolved.focused.option.autocomplete !== 'company') return [];
  return core.data.search(resolved.focused.value, MAX_CHOICES).map((company) => {
    const tickers = company.tickers.length ? ` (${company.tickers.slice(0, 2).join(', ')})` : '';
    const name = `${company.name}${tickers}`;
    return { name: name.length <= MAX_CHOICE_NAME ? name : `${name.slice(0, MAX_CHOICE_NAME - 1)}…`, value: company.id };
  });
}

/** The command as the user typed it, for refusals (only they name it: not built on every interaction). */
function shownName(invocation: Invocation, sub: InvokedOption | undefined): string {
  return `/${[invocation.name, sub?.name].filter(Boolean).join(' ')}`.slice(0, 80);
}

/** Discord still shows a command or option the bot no longer has: the commands need re-registering. */
function stale(what: string): Reply {
  return errorReply(`${what} Discord may be showing an outdated command list; a server admin can refresh it with npm run register. Try /capex-help.`);
}
