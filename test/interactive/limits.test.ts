/**
 * Block Kit and Discord component limits for every new surface: the actions on every command answer on the real
 * data (every company, every comparison pair, every year), and every answer a press on them gives (Sources,
 * Chart, History views, Compare with… each company, Switch year to each year), rendered for both platforms.
 * The limits are written out here from the platforms' docs, not imported, so the test checks the renderers.
 */
import { describe, expect, it } from 'vitest';
import { renderSlashResponse } from '../../src/adapters/slack/render.js';
import { renderMessage as renderDiscord } from '../../src/adapters/discord/render.js';
import { answerAction, encodeAction } from '../../src/core/interaction.js';
import type { Reply } from '../../src/core/reply.js';
import { bundledData, testCaller, testCore } from '../helpers/core.js';

/** docs.slack.dev/reference/block-kit/blocks/actions-block, …/block-elements/button-element, …/select-menu-element */
function slackActionViolations(message: ReturnType<typeof renderSlashResponse>): string[] {
  const problems: string[] = [];
  if (message.blocks.length > 50) problems.push(`${message.blocks.length} blocks`);
  const ids = new Set<string>();
  for (const block of message.blocks) {
    if (block.type !== 'actions') continue;
    if (block.elements.length > 25) problems.push(`${block.elements.length} elements > 25`);
    for (const e of block.elements) {
      if (e.action_id.length > 255) problems.push(`action_id ${e.action_id.length} > 255`);
      if (ids.has(e.action_id)) problems.push(`duplicate action_id ${e.action_id}`);
      ids.add(e.action_id);
      if (e.type === 'button') {
        if (e.text.type !== 'plain_text' || e.text.text.length === 0 || e.text.text.length > 75) problems.push(`button text '${e.text.text}'`);
        if (e.value.length > 2000) problems.push('button value > 2000');
      } else {
        if (e.placeholder.text.length > 150) problems.push('placeholder > 150');
        if (e.options.length === 0 || e.options.length > 100) problems.push(`${e.options.length} options`);
        for (const o of e.options) {
          if (o.text.text.length === 0 || o.text.text.length > 75) problems.push(`option text '${o.text.text}'`);
          if (o.value.length > 150) problems.push('option value > 150');
        }
      }
    }
  }
  return problems;
}

/** discord.com/developers/docs/components/reference */
function discordComponentViolations(message: ReturnType<typeof renderDiscord>): string[] {
  const problems: string[] = [];
  const rows = message.components ?? [];
  if (rows.length > 5) problems.push(`${rows.length} rows > 5`);
  const ids = new Set<string>();
  for (const row of rows) {
    if (row.type !== 1) problems.push('not an action row');
    const selects = row.components.filter((c) => c.type === 3);
    if (selects.length > 0 && row.components.length > 1) problems.push('a select shares its row');
    if (row.components.length > 5) problems.push(`${row.components.length} components in a row > 5`);
    for (const c of row.components) {
      if (c.custom_id.length === 0 || c.custom_id.length > 100) problems.push(`custom_id ${c.custom_id.length}`);
      if (ids.has(c.custom_id)) problems.push(`duplicate custom_id ${c.custom_id}`);
      ids.add(c.custom_id);
      if (c.type === 2) {
        if (c.label.length === 0 || c.label.length > 80) problems.push(`label '${c.label}'`);
      } else {
        if (c.placeholder.length > 150) problems.push('placeholder > 150');
        if (c.options.length === 0 || c.options.length > 25) problems.push(`${c.options.length} options`);
        for (const o of c.options) if (o.label.length > 100 || o.value.length > 100) problems.push(`option '${o.label}'`);
      }
    }
  }
  expect(message.allowed_mentions).toEqual({ parse: [] });
  return problems;
}

function check(reply: Reply, where: string): void {
  expect(slackActionViolations(renderSlashResponse(reply)), where).toEqual([]);
  expect(discordComponentViolations(renderDiscord(reply)), where).toEqual([]);
}

const core = testCore();
const caller = testCaller({ platform: 'slack' });
const ids = bundledData.companies.map((c) => c.id);
const years = ['', ' 2023', ' 2024', ' 2025', ' 2026', ' 2027'];
const lines = [
  ...ids.map((id) => `/capex ${id}`),
  ...ids.slice(0, -1).map((id, i) => `/compare ${id} ${ids[i + 1]}`),
  `/compare ${ids.slice(0, 6).join(' ')}`,
  ...years.map((y) => `/capex top${y}`),
];

describe('every answer with actions, and every answer a press gives, fits Slack and Discord', () => {
  it.each(lines)('%s', async (line) => {
    const reply = await core.handleText(line, caller);
    check(reply, line);
    if (reply.kind !== 'answer') return;
    expect(reply.actions?.length ?? 0, `${line} has actions`).toBeGreaterThan(0);
    for (const [index, action] of (reply.actions ?? []).entries()) {
      const encoded = encodeAction(action, index)!;
      const picks = action.kind === 'select' ? action.options.map((o) => o.value) : [undefined];
      for (const picked of picks) {
        const { reply: answer } = await answerAction(core, encoded, picked, caller, false);
        check(answer, `${line} → ${action.kind === 'button' ? action.label : action.placeholder} ${picked ?? ''}`);
        // Every offered press answers something (no "pick one", no stale button), except a view with nothing to show.
        if (answer.kind === 'error') expect(answer.lines[0], `${line} → ${encoded} ${picked}`).toMatch(/no chart|no history|no linked source|No capex figures|Only annual capex|no year with capex/);
      }
    }
  }, 60_000);

  it('a six-company comparison offers no "Add a company…" (compare takes at most six)', async () => {
    const reply = await core.handleText(`/compare ${ids.slice(0, 6).join(' ')}`, caller);
    expect(reply.actions?.map((a) => (a.kind === 'button' ? a.label : a.placeholder))).toEqual(['Sources', 'Chart']);
  });
});
