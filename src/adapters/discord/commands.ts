/**
 * Discord application commands generated from the core's CommandSpecs, so Discord, Slack and the console
 * share one source of truth. Each spec's zod `options` schema becomes Discord options via JSON Schema:
 * string → 3, integer → 4, boolean → 5, number → 10, enum → choices, `.describe()` → description,
 * optional/defaulted → not required, `.meta({ autocomplete: 'company' })` → autocomplete. Discord has no list
 * options, so an array of strings with min m / max n becomes n numbered options (`company1`…`companyN`, the
 * first m required) that are reassembled into the array when the command arrives. A string option named
 * `channel` (or with `.meta({ kind: 'channel' })`) becomes a channel picker (type 7) whose value is the id.
 *
 * The same build also returns the bindings used to map an incoming interaction back to `spec.id` and the
 * spec's option keys, so registration and dispatch can never disagree.
 */
import { z } from 'zod';
import type {
  APIApplicationCommandBasicOption,
  APIApplicationCommandOption,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandSpec } from '../../core/command.js';

/** Discord's option types (ApplicationCommandOptionType), as plain numbers so the JSON is easy to read. */
export const OptionType = { Subcommand: 1, SubcommandGroup: 2, String: 3, Integer: 4, Boolean: 5, Channel: 7, Number: 10 } as const;
/** Text and announcement channels: where a bot can post. */
const POSTABLE_CHANNEL_TYPES = [0, 5];

/** Discord: 1–32 lower-case letters, digits, `-` or `_`. */
const DISCORD_NAME = /^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u;
const MAX_DESCRIPTION = 100;
const MAX_OPTIONS = 25;
const MAX_CHOICES = 25;
/** Strings without their own `.max()` are capped: nothing a command takes is longer, and chat text is hostile. */
export const DEFAULT_MAX_STRING_LENGTH = 200;
/** An array without `.max()` still needs a fixed number of Discord options. */
const DEFAULT_MAX_ITEMS = 5;
/**
 * Sent as `default_member_permissions` on every command holding an admin-only subcommand: Manage Server by
 * default, and a server can hand the command to any role or member in Server Settings → Integrations.
 * Discord enforces it before the interaction is sent, so the adapter trusts that gate (see `gated`).
 */
export const MANAGE_GUILD = 0x20n;
/** InteractionContextType.Guild: admin commands act on a server's channels, so they are not offered in DMs. */
export const GUILD_ONLY_CONTEXTS = [0];

export interface OptionBinding {
  /** Key in the spec's zod options object. */
  key: string;
  /** Discord option names: one for a scalar, `company1…companyN` for an array. */
  names: string[];
  array: boolean;
  /** What to autocomplete, from `.meta({ autocomplete })`. */
  autocomplete?: string;
}

export interface CommandBinding {
  specId: string;
  command: string;
  subcommand?: string;
  options: OptionBinding[];
  /** The command carries `default_member_permissions`: whoever Discord lets invoke it in a server may. */
  gated: boolean;
  /** The spec is admin-only: its answers are private, so a deferred answer is deferred privately. */
  adminOnly: boolean;
}

export type DiscordCommandJSON = RESTPostAPIChatInputApplicationCommandsJSONBody;

export interface DiscordCommandSet {
  /** The body of `PUT /applications/:id/commands` (or the guild variant). */
  json: DiscordCommandJSON[];
  bindings: CommandBinding[];
  find(command: string, subcommand?: string): CommandBinding | undefined;
}

interface JsonSchemaProperty {
  type?: string;
  enum?: unknown[];
  description?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchemaProperty;
  autocomplete?: unknown;
  /** `.meta({ kind: 'channel' })`: a channel picker on Discord (the value arrives as the channel id). */
  kind?: unknown;
  /** `.meta({ itemName: 'company' })` on an array: the stem of its numbered options. */
  itemName?: unknown;
}

export function buildDiscordCommands(specs: readonly CommandSpec[]): DiscordCommandSet {
  const groups = new Map<string, CommandSpec[]>();
  for (const spec of specs) {
    const name = spec.discord?.command ?? spec.id;
    groups.set(name, [...(groups.get(name) ?? []), spec]);
  }

  const json: DiscordCommandJSON[] = [];
  const bindings: CommandBinding[] = [];
  for (const [command, group] of groups) {
    assertName(command, `command of ${group.map((s) => s.id).join(', ')}`);
    const grouped = group.some((s) => s.discord?.subcommand);
    if (grouped && group.some((s) => !s.discord?.subcommand)) {
      throw new Error(`Discord command /${command} mixes subcommands with a plain command (${group.map((s) => s.id).join(', ')}); give every spec a subcommand`);
    }
    if (!grouped && group.length > 1) {
      throw new Error(`Discord command /${command} is declared by more than one spec (${group.map((s) => s.id).join(', ')})`);
    }

    // Discord gates a whole top-level command, not a subcommand: one admin subcommand gates the group.
    const gated = group.some((s) => s.adminOnly);
    const base = {
      type: 1 as const,
      name: command,
      ...(gated ? { default_member_permissions: MANAGE_GUILD.toString(), contexts: GUILD_ONLY_CONTEXTS } : {}),
    };
    if (!grouped) {
      const spec = group[0]!;
      const { options, optionBindings } = buildOptions(spec);
      json.push({ ...base, description: describe(spec.summary, spec.id), ...(options.length ? { options } : {}) });
      bindings.push({ specId: spec.id, command, options: optionBindings, gated, adminOnly: Boolean(spec.adminOnly) });
      continue;
    }
    const subcommands: APIApplicationCommandOption[] = [];
    for (const spec of group) {
      const subcommand = spec.discord!.subcommand!;
      assertName(subcommand, `subcommand of ${spec.id}`);
      const { options, optionBindings } = buildOptions(spec);
      subcommands.push({ type: OptionType.Subcommand, name: subcommand, description: describe(spec.summary, spec.id), ...(options.length ? { options } : {}) });
      bindings.push({ specId: spec.id, command, subcommand, options: optionBindings, gated, adminOnly: Boolean(spec.adminOnly) });
    }
    if (subcommands.length > MAX_OPTIONS) throw new Error(`Discord command /${command} has more than ${MAX_OPTIONS} subcommands`);
    const names = group.map((s) => s.discord!.subcommand!).join(', ');
    json.push({ ...base, description: describe(`${command}: ${names}`, command), options: subcommands });
  }

  return {
    json,
    bindings,
    find: (command, subcommand) => bindings.find((b) => b.command === command && b.subcommand === subcommand),
  };
}

function buildOptions(spec: CommandSpec): { options: APIApplicationCommandBasicOption[]; optionBindings: OptionBinding[] } {
  const schema = z.toJSONSchema(spec.options, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  const required = new Set(schema.required ?? []);
  const options: APIApplicationCommandBasicOption[] = [];
  const optionBindings: OptionBinding[] = [];

  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const name = optionName(key);
    assertName(name, `option ${key} of ${spec.id}`);
    const description = describe(property.description, key);

    if (property.type === 'array') {
      const item = property.items ?? {};
      const max = property.maxItems ?? DEFAULT_MAX_ITEMS;
      const min = required.has(key) ? Math.max(property.minItems ?? 1, 1) : (property.minItems ?? 0);
      const singular = typeof property.itemName === 'string' ? optionName(property.itemName) : singularOf(name);
      const names: string[] = [];
      for (let i = 1; i <= max; i++) {
        const numbered = `${singular}${i}`;
        assertName(numbered, `option ${key} of ${spec.id}`);
        names.push(numbered);
        options.push(scalarOption(numbered, { ...item, autocomplete: item.autocomplete ?? property.autocomplete }, describe(`${property.description ?? key} (#${i})`, key), i <= min));
      }
      optionBindings.push({ key, names, array: true, ...autocompleteOf(item.autocomplete ?? property.autocomplete) });
      continue;
    }
    // A channel picker beats typing `<#123>`; the id it sends is what the text grammar accepts too.
    if (property.kind === 'channel' || (key === 'channel' && property.type === 'string')) {
      options.push({ name, description, required: required.has(key), type: OptionType.Channel, channel_types: POSTABLE_CHANNEL_TYPES });
      optionBindings.push({ key, names: [name], array: false });
      continue;
    }
    options.push(scalarOption(name, property, description, required.has(key)));
    optionBindings.push({ key, names: [name], array: false, ...autocompleteOf(property.autocomplete) });
  }

  if (options.length > MAX_OPTIONS) throw new Error(`${spec.id} has ${options.length} Discord options; Discord allows ${MAX_OPTIONS}`);
  // Discord rejects a required option after an optional one; the sort is stable so declaration order stays.
  options.sort((a, b) => Number(Boolean(b.required)) - Number(Boolean(a.required)));
  return { options, optionBindings };
}

function scalarOption(name: string, p: JsonSchemaProperty, description: string, required: boolean): APIApplicationCommandBasicOption {
  const common = { name, description, required };
  const autocomplete = typeof p.autocomplete === 'string';
  if (p.enum && p.enum.length > 0 && p.enum.length <= MAX_CHOICES && p.enum.every((v) => typeof v === 'string')) {
    return { ...common, type: OptionType.String, choices: (p.enum as string[]).map((v) => ({ name: v, value: v })) };
  }
  switch (p.type) {
    case 'integer':
    case 'number':
      return {
        ...common,
        type: p.type === 'integer' ? OptionType.Integer : OptionType.Number,
        ...(p.minimum !== undefined ? { min_value: p.minimum } : {}),
        ...(p.maximum !== undefined ? { max_value: p.maximum } : {}),
        ...(autocomplete ? { autocomplete: true } : {}),
      };
    case 'boolean':
      return { ...common, type: OptionType.Boolean };
    default:
      // Strings, and anything JSON Schema cannot express: the zod schema still validates what arrives.
      return {
        ...common,
        type: OptionType.String,
        ...(p.minLength !== undefined && p.minLength > 0 ? { min_length: Math.min(p.minLength, 6000) } : {}),
        max_length: Math.min(p.maxLength ?? DEFAULT_MAX_STRING_LENGTH, 6000),
        ...(autocomplete ? { autocomplete: true } : {}),
      };
  }
}

function autocompleteOf(value: unknown): { autocomplete?: string } {
  return typeof value === 'string' ? { autocomplete: value } : {};
}

/** `timeZone` → `time-zone`: Discord option names are lower-case. */
export function optionName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** `companies` → `company`, `dates` → `date`: the stem of numbered options. */
function singularOf(name: string): string {
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`;
  if (name.endsWith('s') && !name.endsWith('ss')) return name.slice(0, -1);
  return name;
}

function describe(text: string | undefined, fallback: string): string {
  const value = (text ?? '').trim() || fallback;
  return value.length <= MAX_DESCRIPTION ? value : `${value.slice(0, MAX_DESCRIPTION - 1)}…`;
}

function assertName(name: string, what: string): void {
  if (!DISCORD_NAME.test(name)) throw new Error(`'${name}' (${what}) is not a valid Discord name: 1–32 lower-case letters, digits, - or _`);
}
