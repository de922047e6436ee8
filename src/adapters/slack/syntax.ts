/**
 * How Slack writes commands and channels. Slack users type the text grammar, with one exception: `/help`
 * is Slack's own command (it opens Slack's help), so the bot's help is written `/capex help`. More generally a
 * command is written with its declared path whenever the word typed is not one of the bot's slash commands.
 * Channels: `<#C123>` — the renderer escapes `<` in every string, so this syntax leaves the core's channel
 * reference in place and the renderer calls `slackChannelMentions` after escaping.
 */
import type { CommandSpec } from '../../core/command.js';
import { quote, readCommandLine, replaceChannelRefs, type ChannelParse, type Syntax, type SyntaxFactory } from '../../core/syntax.js';
import { channelRef } from '../../core/syntax.js';

/** A Slack conversation id: public (C), private/legacy group (G), DM (D). */
const CONVERSATION_ID = /^[CGD][A-Z0-9]{2,20}$/;

/** The slash commands the bot registers in Slack: the first word of every command path (as the manifest). */
export function slackCommandNames(commands: readonly CommandSpec[]): Set<string> {
  return new Set(commands.map((c) => c.path[0]));
}

export const slackSyntax: SyntaxFactory = (commands): Syntax => {
  const registered = slackCommandNames(commands);
  const rewrite = (line: string): string => {
    const read = readCommandLine(commands, line);
    if (!read || registered.has(read.typed)) return line;
    // `/help compare` → `/capex help compare`: the declared path, then whatever followed it.
    return [`/${read.spec.path.join(' ')}`, ...read.rest].join(' ');
  };
  return {
    platform: 'slack',
    commandName: (spec) => `/${spec.path.join(' ')}`,
    command: rewrite,
    usage: (spec, textUsage) => {
      const usage = textUsage ?? spec.usage;
      // Usage lines start with the command; only an alias (`/help`) needs rewriting there.
      const [grammar, ...rest] = usage.split(' — ');
      return [grammar!.startsWith('/') ? rewriteLead(grammar!, rewrite) : grammar!, ...rest].join(' — ');
    },
    channel: (channelId) => channelRef(channelId),
    parseChannel: parseSlackChannel,
    admins: 'a workspace admin or owner (or someone listed in SLACK_ADMIN_USER_IDS)',
    hints: { imageNeedsMembership: 'In Slack the bot must be in the channel to share an image (/invite @capex-bot); the text is posted either way.' },
  };
};

/** Rewrites the command word of a usage line (`/help [command]` → `/capex help [command]`), keeping its placeholders. */
function rewriteLead(grammar: string, rewrite: (line: string) => string): string {
  const first = grammar.split(' ')[0]!;
  const rewritten = rewrite(first);
  return rewritten === first ? grammar : `${rewritten}${grammar.slice(first.length)}`;
}

/** Slack sends a picked channel as `<#C123|name>` (with should_escape); a bare `#name` carries no id. */
export function parseSlackChannel(text: string): ChannelParse {
  const t = text.trim();
  const m = /^<#([CG][A-Z0-9]{2,20})(\|[^>]*)?>$/.exec(t) ?? /^#?([CG][A-Z0-9]{8,20})$/.exec(t);
  if (m) return { ok: true, channelId: `slack:${m[1]}` };
  return {
    ok: false,
    message: `'${quote(t)}' is not a channel I can post to: type # and pick the channel from Slack's list (so Slack sends its id), or leave it out to use this channel.`,
  };
}

/**
 * For the Slack renderer, after escaping: each channel reference becomes `<#C123>`. Only a real conversation id
 * of a Slack channel is turned into markup; anything else is shown as plain `#id`, so no reference can carry
 * other markup into a message.
 */
export function slackChannelMentions(escaped: string): string {
  return replaceChannelRefs(escaped, (channelId) => {
    // `slack:C1`, or `slack:T1:C1` when installed in many workspaces: the conversation id is the last part.
    const id = channelId.startsWith('slack:') ? channelId.slice(channelId.lastIndexOf(':') + 1) : '';
    return CONVERSATION_ID.test(id) ? `<#${id}>` : `#${channelId.slice(channelId.lastIndexOf(':') + 1).replace(/[&<>]/g, '')}`;
  });
}
