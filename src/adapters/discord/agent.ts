/**
 * The undici Agent every Discord REST client sends through (scheduled posts, chart edits, the gateway client's
 * replies). Without it @discordjs/rest uses undici's *global* dispatcher, which is whichever copy of undici
 * loaded first installs: importing Bolt loads @slack/socket-mode's undici 7, and when that came first every
 * multipart upload to Discord (each chart image) failed with "action is not a function" — an undici 6
 * FormData body handed to an undici 7 Agent (test/adapters/discord/charts-beside-slack.test.ts). `undici` is a
 * direct dependency in discord.js's own range, so this is the same copy @discordjs/rest builds its bodies with.
 */
import { Agent } from 'undici';

let agent: Agent | undefined;

/** One Agent (one connection pool to Discord) for the process, made on first use. */
export function discordAgent(): Agent {
  agent ??= new Agent();
  return agent;
}
