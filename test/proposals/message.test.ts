/**
 * A proposal post carries text from filings and headlines: whatever survived the feed reader (a stray "<", an
 * "@everyone", a Slack-style "<!channel>" built from decoded entities) must reach Slack escaped and Discord
 * with mentions disabled; commands in it are written the way each platform spells them.
 */
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { localize } from '../../src/core/syntax.js';
import { renderMessage as renderDiscord } from '../../src/adapters/discord/render.js';
import { discordSyntax } from '../../src/adapters/discord/syntax.js';
import { renderMessage as renderSlack } from '../../src/adapters/slack/render.js';
import { slackSyntax } from '../../src/adapters/slack/syntax.js';
import { proposalPost } from '../../src/proposals/message.js';
import type { ProposalRecord } from '../../src/store/proposals.js';
import { bundledData } from '../helpers/core.js';

const hostile: ProposalRecord = {
  id: 7,
  dedupeKey: 'tesla|guidance|2026-01|2026-12|USD|31|',
  status: 'pending',
  createdAt: Date.parse('2026-11-30T12:00:00Z'),
  figure: {
    company: 'tesla',
    metric: 'guidance',
    label: 'capex guidance (raised)',
    amount: 31,
    currency: 'USD',
    period: { label: 'CY2026', start: '2026-01', end: '2026-12' },
    sentence: 'Tesla lifts 2026 capex to $31 billion <!channel> <https://evil.example|click> @everyone <@U123> *bold* <3',
  },
  source: { kind: 'article', title: 'Tesla <!here> lifts capex (Wire | <b>x</b>)', url: 'https://wire.example/a?x=1&y=<2>', date: '2026-11-30' },
};

describe('a proposal post with hostile text', () => {
  it('GIVEN Slack THEN every "<" of the sentence and source arrives escaped, so nothing pings or links', () => {
    const message = renderSlack(localize(proposalPost(hostile, bundledData), slackSyntax(commands)));
    const raw = JSON.stringify(message);
    for (const ping of ['<!channel>', '<!here>', '<@U123>', '<https://evil.example']) expect(raw).not.toContain(ping);
    expect(raw).toContain('&lt;!channel&gt;');
    expect(raw).toContain('/capex-digest proposals approve 7');
  });

  it('GIVEN Discord THEN mentions are disabled for the whole message and commands are Discord’s', () => {
    const message = renderDiscord(localize(proposalPost(hostile, bundledData), discordSyntax(commands)));
    expect(message.allowed_mentions).toEqual({ parse: [] });
    // What a reader sees (the embed); button ids carry the text-grammar line by design (src/core/interaction.ts).
    const seen = JSON.stringify(message.embeds);
    expect(seen).toContain('/digest proposals');
    expect(seen).not.toContain('/capex-digest');
    expect(JSON.stringify(message.components)).toContain('"label":"Approve"');
  });
});
