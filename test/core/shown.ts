/**
 * What a reader sees of a reply on their platform: Slack's Block Kit text (unescaped, so the bot's `<#C…>`
 * mentions read as Slack shows them), Discord's embed text, else the console's plain text. Also the syntaxes
 * a test Core needs to write replies per platform, as the running bot's core has them (src/app.ts).
 */
import { renderPlain } from '../../src/adapters/console/render.js';
import { consoleSyntax } from '../../src/adapters/console/syntax.js';
import { renderMessage as renderDiscord } from '../../src/adapters/discord/render.js';
import { discordSyntax } from '../../src/adapters/discord/syntax.js';
import { renderMessage as renderSlack, unescapeSlack } from '../../src/adapters/slack/render.js';
import { slackSyntax } from '../../src/adapters/slack/syntax.js';
import type { Platform } from '../../src/core/command.js';
import type { Reply } from '../../src/core/reply.js';

export const ALL_SYNTAXES = [consoleSyntax, slackSyntax, discordSyntax];

export function shown(reply: Reply, platform: Platform): string {
  if (platform === 'slack') {
    const message = renderSlack(reply);
    const blocks = message.blocks.flatMap((b) =>
      'text' in b && b.text ? [b.text.text] : 'fields' in b && b.fields ? b.fields.map((f) => f.text) : b.type === 'context' ? b.elements.map((e) => e.text) : [],
    );
    return unescapeSlack([message.text, ...blocks].join('\n'));
  }
  if (platform === 'discord') {
    const [embed] = renderDiscord(reply).embeds;
    const text = [embed?.title, embed?.description, ...(embed?.fields ?? []).flatMap((f) => [f.name, f.value]), embed?.footer?.text].filter(Boolean).join('\n');
    // Discord hides the backslash of escaped markdown; so does the reader.
    return text.replace(/\\(?=[\\*_~`|[\]#>-])/g, '');
  }
  return renderPlain(reply);
}
