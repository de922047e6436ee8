/**
 * Usage lines per platform. Text platforms (console, Slack) type `/capex top 2025`; Discord users pick
 * application commands with named options (`/capex-top year:2025`), so the same declaration is shown in
 * the form the reader can actually type.
 */
import type { z } from 'zod';
import type { CommandSpec, Platform } from './command.js';

/** The Discord command a spec becomes: `/capex-top`, `/digest add`. */
export function discordCommandName(spec: CommandSpec): string {
  return spec.discord ? `/${spec.discord.command}${spec.discord.subcommand ? ` ${spec.discord.subcommand}` : ''}` : `/${spec.id}`;
}

/** `/compare company1:<…> company2:<…> [company3…]` from the options' zod shape. */
function discordUsage(spec: CommandSpec): string {
  const shape = (spec.options as z.ZodObject).shape as Record<string, z.ZodType>;
  const parts = Object.entries(shape).map(([name, schema]) => {
    const optional = schema.safeParse(undefined).success;
    if ((schema as { def?: { type?: string } }).def?.type === 'array') {
      const item = String(schema.meta()?.itemName ?? name);
      return `${item}1:<…> ${item}2:<…> […]`;
    }
    return optional ? `[${name}:<…>]` : `${name}:<…>`;
  });
  return [discordCommandName(spec), ...parts].join(' ');
}

export function usageFor(spec: CommandSpec, platform: Platform): string {
  return platform === 'discord' ? discordUsage(spec) : spec.usage;
}

export function commandNameFor(spec: CommandSpec, platform: Platform): string {
  return platform === 'discord' ? discordCommandName(spec) : `/${spec.path.join(' ')}`;
}
