/**
 * The console adapter: type `/capex alibaba`, read the answer. Works interactively and with piped stdin;
 * ends on EOF or /quit. Every line is answered in order, and a bad line never stops the loop.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Caller } from '../../core/command.js';
import type { Core } from '../../core/core.js';
import type { OutboundChannel } from '../../core/outbound.js';
import type { Reply } from '../../core/reply.js';
import { renderPlain } from './render.js';
import { consoleSyntax } from './syntax.js';
import { localize } from '../../core/syntax.js';

/** The console user is the local operator, so they are an admin of their own bot. */
export const CONSOLE_CALLER: Caller = {
  platform: 'console',
  userId: 'console:local',
  userName: 'local user',
  isAdmin: true,
  channelId: 'console:local',
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
};

export const CONNECT_HINT =
  'Console mode (no Slack or Discord configured). To connect Slack set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; for Discord set DISCORD_TOKEN or DISCORD_PUBLIC_KEY — see .env.example and docs/.';

export interface ConsoleOptions {
  core: Core;
  input: Readable;
  output: Writable;
  /** Show a prompt (only when a person is typing). */
  interactive: boolean;
}

export async function runConsole({ core, input, output, interactive }: ConsoleOptions): Promise<void> {
  const write = (text: string) => output.write(`${text}\n`);
  core.useSyntax(consoleSyntax);
  write(CONNECT_HINT);
  write('Type /help for the commands, /quit to leave.');
  const lines = createInterface({ input, terminal: false, crlfDelay: Infinity });
  const prompt = () => interactive && output.write('capex> ');
  prompt();
  for await (const line of lines) {
    const text = line.trim();
    if (text === '/quit' || text === '/exit') break;
    if (text !== '') write(renderPlain(await core.handleText(text, CONSOLE_CALLER)));
    write('');
    prompt();
  }
  lines.close();
}

/** The console's syntax for posts; the text grammar needs no command list. */
const POST_SYNTAX = consoleSyntax([]);

/**
 * Scheduled posts to the console "channel" are printed, so digests can be tried without any platform; their
 * command and channel references are written in the console's syntax first (`#general`, `/capex-digest list`).
 */
export function createConsoleOutbound(output: Writable): OutboundChannel {
  const print = async (to: string, reply: Reply) => {
    output.write(`\n[${to}] ${renderPlain(localize(reply, POST_SYNTAX))}\n`);
  };
  return { platform: 'console', post: print, sendDirect: print };
}
