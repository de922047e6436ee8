/**
 * A reply's actions (src/core/interaction.ts) as Discord message components: buttons share one action row, each
 * string select has a row of its own, at most five rows; `custom_id` is the encoded command line (at most 100
 * characters, which the core's encoding keeps). render.ts puts them on every message; components.ts answers presses.
 */
import { encodeAction, type ReplyAction } from '../../core/interaction.js';
import { cutAt } from '../../core/text-layout.js';

/** https://discord.com/developers/docs/components/reference */
export const COMPONENT_LIMITS = { rows: 5, buttonsPerRow: 5, customId: 100, label: 80, placeholder: 150, options: 25, optionLabel: 100, optionValue: 100 } as const;

const ComponentType = { ActionRow: 1, Button: 2, StringSelect: 3 } as const;
const ButtonStyle = { Primary: 1, Secondary: 2, Danger: 4 } as const;

export interface DiscordButton {
  type: 2;
  style: number;
  label: string;
  custom_id: string;
}
export interface DiscordStringSelect {
  type: 3;
  custom_id: string;
  placeholder: string;
  options: { label: string; value: string }[];
  min_values: 1;
  max_values: 1;
}
export interface DiscordActionRow {
  type: 1;
  components: (DiscordButton | DiscordStringSelect)[];
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${cutAt(text, max - 1)}…`;
}

/** The reply's actions as action rows: one row of buttons first, then one row per select; at most five rows. */
export function actionRows(actions: readonly ReplyAction[] | undefined): DiscordActionRow[] {
  const buttons: DiscordButton[] = [];
  const selects: DiscordActionRow[] = [];
  (actions ?? []).forEach((action, index) => {
    const customId = encodeAction(action, index);
    if (!customId) return;
    if (action.kind === 'button') {
      if (buttons.length < COMPONENT_LIMITS.buttonsPerRow) {
        const style = action.style === 'danger' ? ButtonStyle.Danger : action.style === 'primary' ? ButtonStyle.Primary : ButtonStyle.Secondary;
        buttons.push({ type: ComponentType.Button, style, label: cut(action.label, COMPONENT_LIMITS.label), custom_id: customId });
      }
      return;
    }
    const options = action.options.slice(0, COMPONENT_LIMITS.options).map((o) => ({ label: cut(o.label, COMPONENT_LIMITS.optionLabel), value: o.value.slice(0, COMPONENT_LIMITS.optionValue) }));
    if (options.length) {
      selects.push({ type: ComponentType.ActionRow, components: [{ type: ComponentType.StringSelect, custom_id: customId, placeholder: cut(action.placeholder, COMPONENT_LIMITS.placeholder), options, min_values: 1, max_values: 1 }] });
    }
  });
  const rows = [...(buttons.length ? [{ type: ComponentType.ActionRow, components: buttons }] : []), ...selects];
  return rows.slice(0, COMPONENT_LIMITS.rows);
}
