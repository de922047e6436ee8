/**
 * Setting up a digest in a form on Discord: `/digest add` with no options (or the "New digest" button under
 * `/digest list`) answers with a MODAL (type 9) holding the time, the days and the time zone; the digest goes to
 * the channel the form was opened in, as with the typed command. Its MODAL_SUBMIT (type 5) is answered like the
 * typed command: the same `digest-add` declaration, zod options and grammar through core.handleStructured, the
 * same service call and audit. Discord modals cannot show an error on a field, so a mistake comes back as a
 * private message naming it, with a "Fix it" button that re-opens the form holding what was typed.
 *
 * Admin rights come from the member's own permissions (Manage Server): a modal submission is not a command, so
 * Discord's Integrations gate does not vouch for it. Everything typed is user text: the core strips reference
 * marks and refuses control characters; the reply is rendered with allowed_mentions { parse: [] }.
 */
import type { Caller } from '../../core/command.js';
import type { Core } from '../../core/core.js';
import type { Reply } from '../../core/reply.js';

/** Discord's limits for a modal (discord.com/developers/docs/components/reference#text-input). */
export const MODAL_LIMITS = { title: 45, label: 45, placeholder: 100, customId: 100, inputs: 5 } as const;

/** The modal's custom_id; a "Fix it" button re-opens it with the typed values after `|`. */
export const DIGEST_FORM_ID = 'cxm|digest-add';
const FIELDS = ['time', 'days', 'zone'] as const;
type Field = (typeof FIELDS)[number];
export type DigestFormValues = Partial<Record<Field, string>>;

const INPUTS: Record<Field, { label: string; placeholder: string; max: number; required: boolean; initial?: string }> = {
  time: { label: 'Time of day (24-hour HH:MM)', placeholder: '09:00', max: 20, required: true, initial: '09:00' },
  days: { label: 'Days', placeholder: 'daily, weekdays, or mon,wed,fri', max: 60, required: false, initial: 'weekdays' },
  zone: { label: 'Time zone (IANA name)', placeholder: 'Europe/Berlin, America/New_York or UTC', max: 64, required: false },
};

/** The type-9 MODAL response, pre-filled with `values` (what was typed before a mistake). */
export function digestFormResponse(values: DigestFormValues = {}) {
  return {
    type: 9 as const,
    data: {
      custom_id: DIGEST_FORM_ID,
      title: 'New digest in this channel',
      components: FIELDS.map((field) => {
        const input = INPUTS[field];
        const value = values[field] ?? input.initial;
        return {
          type: 1,
          components: [
            { type: 4, custom_id: field, style: 1, label: input.label, placeholder: input.placeholder, max_length: input.max, required: input.required, ...(value ? { value: value.slice(0, input.max) } : {}) },
          ],
        };
      }),
    },
  };
}

/** "Fix it": a button that re-opens the form with the typed values, when they fit Discord's 100-character custom_id. */
export function fixItButton(values: DigestFormValues): { type: 1; components: { type: 2; style: 1; label: string; custom_id: string }[] } {
  const packed = `${DIGEST_FORM_ID}|${FIELDS.map((f) => encodeURIComponent(values[f] ?? '')).join('|')}`;
  return { type: 1, components: [{ type: 2, style: 1, label: 'Fix it', custom_id: packed.length <= MODAL_LIMITS.customId ? packed : DIGEST_FORM_ID }] };
}

/** The values a "Fix it" custom_id carries (none for the bare form id); undefined when it is not the form's. */
export function formValuesOf(customId: string): DigestFormValues | undefined {
  if (customId === DIGEST_FORM_ID) return {};
  if (!customId.startsWith(`${DIGEST_FORM_ID}|`)) return undefined;
  const parts = customId.slice(DIGEST_FORM_ID.length + 1).split('|');
  const values: DigestFormValues = {};
  FIELDS.forEach((field, i) => {
    try {
      const value = decodeURIComponent(parts[i] ?? '');
      if (value) values[field] = value.slice(0, INPUTS[field].max);
    } catch {
      // a mangled value: the field starts empty
    }
  });
  return values;
}

/** A MODAL_SUBMIT's `data.components` → the form's values (text inputs only, capped at their lengths). */
export function submittedValues(components: unknown): DigestFormValues {
  const values: DigestFormValues = {};
  for (const row of Array.isArray(components) ? components : []) {
    for (const input of Array.isArray((row as { components?: unknown }).components) ? (row as { components: unknown[] }).components : []) {
      const { custom_id: id, value } = input as { custom_id?: string; value?: unknown };
      if ((FIELDS as readonly string[]).includes(id ?? '') && typeof value === 'string' && value.trim() !== '') values[id as Field] = value.slice(0, INPUTS[id as Field].max);
    }
  }
  return values;
}

/** Answers a submitted form through the core; a mistake gets the "Fix it" button. */
export async function answerDigestForm(core: Core, values: DigestFormValues, caller: Caller): Promise<{ reply: Reply; fixIt?: ReturnType<typeof fixItButton> }> {
  const reply = await core.handleStructured('digest-add', { ...values }, caller);
  return reply.kind === 'error' ? { reply, fixIt: fixItButton(values) } : { reply };
}
