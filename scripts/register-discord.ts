/**
 * `npm run register`: registers the bot's slash commands with Discord from the same command definitions the
 * core, Slack and the console use. Needs DISCORD_TOKEN and DISCORD_APPLICATION_ID; with DISCORD_GUILD_ID the
 * commands go to that one server (instant), otherwise globally (every server the bot is in).
 */
import { loadConfig, ConfigError } from '../src/config.js';
import { commands } from '../src/commands/index.js';
import { buildDiscordCommands } from '../src/adapters/discord/commands.js';
import { createDiscordRest } from '../src/adapters/discord/rest.js';
import { registerCommands } from '../src/adapters/discord/register.js';

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const { DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: applicationId, DISCORD_GUILD_ID: guildId, DISCORD_API_URL: apiUrl } = config;
  if (!token || !applicationId) {
    console.error('Set DISCORD_TOKEN (Bot → Token) and DISCORD_APPLICATION_ID (General Information → Application ID) from the Discord developer portal, then run npm run register again.');
    return 2;
  }
  const { json } = buildDiscordCommands(commands);
  try {
    const registered = await registerCommands({ rest: createDiscordRest({ token, apiUrl }), applicationId, guildId, commands: json });
    const where = guildId ? `server ${guildId}` : 'all servers (global commands can take a few minutes to appear)';
    console.log(`Registered ${registered.length} commands for ${where}: ${registered.map((c) => `/${c.name}`).join(', ')}`);
    return 0;
  } catch (error) {
    console.error(`Registering the commands failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main();
