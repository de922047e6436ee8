/**
 * Buttons and selects on answers. A press is an invocation with a payload, answered by the same core as a typed
 * command: every action carries a command line in the text grammar (`/capex sources meta`), optionally with a
 * `{}` slot the picked value of a select fills in (`/compare meta {}`), and how to show the answer:
 * - `view` shows one part of that command's answer (its sources, its chart, its history) — `/compare` has no
 *   sources command of its own, so "Sources" re-asks the comparison and shows only what it rests on;
 * - `replace` swaps the original message for the answer (Switch year); otherwise the answer follows the original.
 *
 * Because a press runs exactly what the user could have typed, it grants nothing new: admin-only lines
 * (`/capex-digest pause 3`) are refused for members by the core as usual, and the picked value is checked to be
 * one plain word before it is put in the line. Adapters only translate: they put `encodeAction()` in the
 * platform's id (Slack `action_id`, Discord `custom_id`), read it back with `decodeAction()`, and call
 * `answerAction()` with the caller. Nothing here knows a platform.
 */
import type { Caller } from './command.js';
import type { Core } from './core.js';
import { errorReply, type Reply } from './reply.js';

/** What part of a command's answer a `view` action shows. */
export type ActionView = 'sources' | 'chart' | 'history';

export interface ActionCommand {
  /** A command line in the text grammar; a select's line holds `{}` where the picked value goes. */
  line: string;
  view?: ActionView;
  /** Replace the original message with the answer (a select that switches what it shows). */
  replace?: boolean;
}

export interface ReplyButton extends ActionCommand {
  kind: 'button';
  label: string;
  /** `danger` for an action that stops something (Pause this digest). */
  style?: 'primary' | 'danger';
}

export interface ReplySelectOption {
  label: string;
  /** One plain word: a company id or a year. */
  value: string;
}

export interface ReplySelect extends ActionCommand {
  kind: 'select';
  placeholder: string;
  options: ReplySelectOption[];
}

export type ReplyAction = ReplyButton | ReplySelect;

/**
 * The strictest limits of the platforms, so one list of actions fits everywhere: Discord allows 5 buttons per
 * row and 25 options per select, a custom_id of 100 characters, labels of 80 and placeholders of 150; Slack
 * allows 25 elements per actions block, 100 options, action_id 255, button text 75.
 */
export const ACTION_LIMITS = {
  actionsPerReply: 5,
  selectOptions: 25,
  encoded: 100,
  label: 75,
  placeholder: 150,
  optionLabel: 75,
  value: 40,
} as const;

/** Marks the bot's own action ids; anything else that arrives is not ours and is refused. */
const PREFIX = 'cx1';
const VIEW_CODES: Record<ActionView, string> = { sources: 's', chart: 'c', history: 'h' };
const CODE_VIEWS: Record<string, ActionView> = { s: 'sources', c: 'chart', h: 'history' };
/** A picked value goes into a command line: one word of letters, digits, dots and dashes, nothing else. */
const PLAIN_VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

/** `cx1|<index>|<u|f><view code>|<line>`: the index keeps ids unique within one message (Slack requires it). */
export function encodeAction(action: ActionCommand, index: number): string | undefined {
  const code = `${action.replace ? 'u' : 'f'}${action.view ? VIEW_CODES[action.view] : ''}`;
  const encoded = `${PREFIX}|${index}|${code}|${action.line}`;
  return encoded.length <= ACTION_LIMITS.encoded ? encoded : undefined;
}

export function decodeAction(encoded: string): ActionCommand | undefined {
  const m = /^cx1\|\d{1,2}\|([uf])([sch]?)\|(\/.{1,90})$/s.exec(encoded);
  if (!m) return undefined;
  const view = m[2] ? CODE_VIEWS[m[2]] : undefined;
  return { line: m[3]!, ...(view ? { view } : {}), ...(m[1] === 'u' ? { replace: true } : {}) };
}

/** Whether an id is one of the bot's actions (for routing: `^cx1\|`). */
export const ACTION_ID_PATTERN = /^cx1\|/;

/** The actions that fit every platform: at most five, each id within 100 characters, texts cut to the limits. */
export function fitActions(actions: readonly ReplyAction[]): ReplyAction[] {
  const fitted: ReplyAction[] = [];
  for (const action of actions) {
    if (fitted.length === ACTION_LIMITS.actionsPerReply) break;
    if (!encodeAction(action, fitted.length)) continue;
    if (action.kind === 'button') {
      fitted.push({ ...action, label: cut(action.label, ACTION_LIMITS.label) });
    } else {
      const options = action.options
        .filter((o) => PLAIN_VALUE.test(o.value))
        .slice(0, ACTION_LIMITS.selectOptions)
        .map((o) => ({ label: cut(o.label, ACTION_LIMITS.optionLabel), value: o.value }));
      if (options.length > 0) fitted.push({ ...action, placeholder: cut(action.placeholder, ACTION_LIMITS.placeholder), options });
    }
  }
  return fitted;
}

/** The answer to a press, and whether it replaces the original message. */
export interface ActionAnswer {
  reply: Reply;
  replace: boolean;
}

/**
 * Answers a press: the line (with the picked value) through `core.handleText`, then the part a view asks for.
 * `originalPrivate`: the message pressed on was private, so the answer is too. Errors are always private and
 * never replace the original.
 */
export async function answerAction(core: Core, encoded: string, picked: string | undefined, caller: Caller, originalPrivate: boolean): Promise<ActionAnswer> {
  const action = decodeAction(encoded);
  if (!action) return { reply: errorReply('That button is from an older version of the bot; ask again with the command.'), replace: false };
  let line = action.line;
  if (line.includes('{}')) {
    if (picked === undefined || !PLAIN_VALUE.test(picked)) return { reply: errorReply('Pick one of the listed choices.'), replace: false };
    line = line.replace('{}', picked);
  }
  const answer = await core.handleText(line, caller);
  if (answer.kind === 'error') return { reply: answer, replace: false };
  const shown = action.view ? viewOf(answer, action.view) : answer;
  if (shown.kind === 'error') return { reply: shown, replace: false };
  return { reply: originalPrivate && shown.visibility !== 'private' ? { ...shown, visibility: 'private' } : shown, replace: action.replace === true };
}

/** One part of an answer, as an answer of its own (its actions dropped: they belong to the whole answer). */
export function viewOf(answer: Reply, view: ActionView): Reply {
  const base = { kind: 'answer' as const, visibility: answer.visibility, ...(answer.asOf ? { asOf: answer.asOf } : {}) };
  switch (view) {
    case 'sources': {
      const sources = answer.sources ?? [];
      if (sources.length === 0) return errorReply('This answer rests on no linked source.');
      return {
        ...base,
        title: `Sources — ${answer.title}`,
        lines: sources.map((s, i) => `[${i + 1}] ${s.title}${s.date ? ` (${s.date})` : ''} — ${s.url}`),
        sources,
        summary: `${sources.length} source${sources.length === 1 ? '' : 's'} for ${answer.title}`,
      };
    }
    case 'chart':
      if (!answer.chart) return errorReply('This answer has no chart.');
      return { ...base, title: answer.chart.title, lines: [], chart: answer.chart, summary: answer.chart.title };
    case 'history': {
      if (!answer.table && !answer.chart) return errorReply('There is no history to show for this answer.');
      return {
        ...base,
        title: `History — ${answer.title}`,
        lines: answer.lines.filter((l) => /^(Revised|Restated)/.test(l)),
        ...(answer.table ? { table: answer.table } : {}),
        ...(answer.chart ? { chart: answer.chart } : {}),
        ...(answer.sources ? { sources: answer.sources } : {}),
        summary: `History — ${answer.title}`,
      };
    }
  }
}

/** The buttons a posted digest carries: its sources, and pausing its schedule (admins; the core refuses others). */
export function digestActions(scheduleId: number): ReplyAction[] {
  return [
    { kind: 'button', label: 'Sources', line: `/capex-digest preview`, view: 'sources' },
    { kind: 'button', label: 'Pause this digest', line: `/capex-digest pause ${scheduleId}`, style: 'danger' },
  ];
}

/** The reply with its actions fitted to every platform's limits; the reply itself when there are none. */
export function withActions(reply: Reply, actions: readonly ReplyAction[]): Reply {
  const fitted = fitActions(actions);
  return fitted.length ? { ...reply, actions: fitted } : reply;
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
