/**
 * Registers the application commands with Discord: one bulk overwrite (PUT), globally or to one server.
 * Server commands update at once (good for trying the bot); global ones reach every server the bot is in.
 */
import { Routes, type REST } from 'discord.js';
import type { DiscordCommandJSON } from './commands.js';

export interface RegisterOptions {
  rest: REST;
  applicationId: string;
  /** Register to this server only; otherwise globally. */
  guildId?: string;
  commands: DiscordCommandJSON[];
}

export interface RegisteredCommand {
  id: string;
  name: string;
}

export async function registerCommands({ rest, applicationId, guildId, commands }: RegisterOptions): Promise<RegisteredCommand[]> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  return (await rest.put(route, { body: commands })) as RegisteredCommand[];
}
