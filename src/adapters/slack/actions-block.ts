/**
 * A reply's actions (src/core/interaction.ts) as one Block Kit `actions` block: a button per button, a
 * `static_select` per select, each `action_id` the encoded command line (src/adapters/slack/interactivity.ts
 * answers the press). Texts are plain_text, escaped and cut to Block Kit's element limits. Kept apart from
 * render.ts (which places the block) so neither imports the other's caller.
 */
import { encodeAction, type ReplyAction } from '../../core/interaction.js';

export interface PlainTextElement {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

/** Block Kit element limits (docs.slack.dev/reference/block-kit/block-elements). */
export const ACTION_ELEMENT_LIMITS = { elements: 25, buttonText: 75, actionId: 255, placeholder: 150, options: 100, optionText: 75, optionValue: 150 } as const;

export interface SlackButton {
  type: 'button';
  action_id: string;
  text: PlainTextElement;
  value: string;
  style?: 'primary' | 'danger';
}
export interface SlackStaticSelect {
  type: 'static_select';
  action_id: string;
  placeholder: PlainTextElement;
  options: { text: PlainTextElement; value: string }[];
}
export interface SlackActionsBlock {
  type: 'actions';
  elements: (SlackButton | SlackStaticSelect)[];
}

/** Escaped like every other string the bot sends Slack (`&`, `<`, `>`), then cut to `max` without splitting an entity or a surrogate pair. */
function plain(text: string, max: number): PlainTextElement {
  const chars = [...text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'))];
  let out = chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
  if (chars.length > max) out = out.replace(/&[a-z]{0,3}…$/, '…');
  return { type: 'plain_text', text: out, emoji: false };
}

/** The reply's actions as one `actions` block; undefined when it has none that encode. */
export function actionsBlock(actions: readonly ReplyAction[] | undefined): SlackActionsBlock | undefined {
  const elements: SlackActionsBlock['elements'] = [];
  (actions ?? []).forEach((action, index) => {
    const id = encodeAction(action, index);
    if (!id || elements.length === ACTION_ELEMENT_LIMITS.elements) return;
    if (action.kind === 'button') {
      elements.push({ type: 'button', action_id: id, text: plain(action.label, ACTION_ELEMENT_LIMITS.buttonText), value: String(index), ...(action.style ? { style: action.style } : {}) });
    } else {
      elements.push({
        type: 'static_select',
        action_id: id,
        placeholder: plain(action.placeholder, ACTION_ELEMENT_LIMITS.placeholder),
        options: action.options.slice(0, ACTION_ELEMENT_LIMITS.options).map((o) => ({ text: plain(o.label, ACTION_ELEMENT_LIMITS.optionText), value: o.value.slice(0, ACTION_ELEMENT_LIMITS.optionValue) })),
      });
    }
  });
  return elements.length ? { type: 'actions', elements } : undefined;
}
