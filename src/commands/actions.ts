/**
 * The next step on an answer, as buttons and selects (src/core/interaction.ts): which actions `/capex <company>`,
 * `/compare …` and `/capex top` answers carry. Each is the command line a user would type next, so a press is
 * answered by the same command core. Declared here, beside the registry, so the command files stay about figures:
 * `withReplyActions(spec)` wraps a command's `run` once, in src/commands/index.ts.
 */
import type { CommandContext, CommandSpec } from '../core/command.js';
import { withActions, type ReplyAction } from '../core/interaction.js';
import { deepFreeze, type Reply } from '../core/reply.js';
import { yearsWithData } from '../data/queries.js';
import type { DataSet } from '../data/dataset.js';

type Provider = (options: Record<string, unknown>, reply: Reply, ctx: CommandContext) => ReplyAction[];

/** Companies one can compare with, the asked ones left out (a select holds at most 25; fitActions cuts). */
function compareWith(data: DataSet, exclude: readonly string[]): { label: string; value: string }[] {
  return data.companies.filter((c) => !exclude.includes(c.id)).map((c) => ({ label: c.name, value: c.id }));
}

function resolvedIds(data: DataSet, names: unknown): string[] {
  const list = Array.isArray(names) ? names : [names];
  return list.flatMap((n) => {
    const match = typeof n === 'string' ? data.resolve(n) : undefined;
    return match?.ok ? [match.company.id] : [];
  });
}

function yearOptions(data: DataSet): { label: string; value: string }[] {
  return yearsWithData(data).map((y) => ({ label: String(y), value: String(y) }));
}

const PROVIDERS: Record<string, Provider> = {
  capex: (options, reply, { data }) => {
    const [id] = resolvedIds(data, options.company);
    if (!id) return [];
    return [
      { kind: 'button', label: 'Sources', line: `/capex sources ${id}` },
      ...(reply.chart ? [] : [{ kind: 'button' as const, label: 'Chart', line: `/capex ${id}`, view: 'chart' as const }]),
      { kind: 'button', label: 'History', line: `/capex ${id}`, view: 'history' },
      { kind: 'select', placeholder: 'Compare with…', line: `/compare ${id} {}`, options: compareWith(data, [id]) },
    ];
  },
  compare: (options, _reply, { data }) => {
    const ids = resolvedIds(data, options.companies);
    if (ids.length < 2) return [];
    const line = `/compare ${ids.join(' ')}`;
    return [
      { kind: 'button', label: 'Sources', line, view: 'sources' },
      { kind: 'button', label: 'Chart', line, view: 'chart' },
      ...(ids.length < 6 ? [{ kind: 'select' as const, placeholder: 'Add a company…', line: `${line} {}`, options: compareWith(data, ids), replace: true }] : []),
    ];
  },
  'capex-top': (options, _reply, { data }) => {
    const line = `/capex top${typeof options.year === 'number' ? ` ${options.year}` : ''}`;
    return [
      { kind: 'button', label: 'Sources', line, view: 'sources' },
      { kind: 'button', label: 'Chart', line, view: 'chart' },
      { kind: 'select', placeholder: 'Switch year', line: '/capex top {}', options: yearOptions(data), replace: true },
    ];
  },
  // Admins manage schedules from the list (and the Slack App Home, which shows it): New digest, pause, resume.
  'digest-list': (_options, reply, { caller }) => {
    if (!caller.isAdmin) return [];
    const rows = reply.lines.flatMap((line) => {
      const [id, , , status] = line.split(' · ');
      return id && /^\d+$/.test(id) && status ? [{ id, paused: status !== 'active' }] : [];
    });
    const option = (id: string) => ({ label: `Schedule ${id}`, value: id });
    const pausable = rows.filter((r) => !r.paused).map((r) => option(r.id));
    const resumable = rows.filter((r) => r.paused).map((r) => option(r.id));
    return [
      { kind: 'button', label: 'New digest', line: '/capex-digest add', style: 'primary' },
      ...(pausable.length ? [{ kind: 'select' as const, placeholder: 'Pause a digest…', line: '/capex-digest pause {}', options: pausable }] : []),
      ...(resumable.length ? [{ kind: 'select' as const, placeholder: 'Resume a digest…', line: '/capex-digest resume {}', options: resumable }] : []),
    ];
  },
};

/** Answers with actions, per shared (frozen) answer, so renderers' caches keep hitting. */
const withButtons = new WeakMap<Reply, Reply>();

/** The command with actions on its answers (errors and help carry none); the command itself when it has none. */
export function withReplyActions<S extends CommandSpec>(spec: S): S {
  const provider = PROVIDERS[spec.id];
  if (!provider) return spec;
  const run = spec.run;
  const addActions = (reply: Reply, options: unknown, ctx: CommandContext): Reply => {
    if (reply.kind !== 'answer') return reply;
    const frozen = Object.isFrozen(reply);
    const cached = frozen ? withButtons.get(reply) : undefined;
    if (cached) return cached;
    const out = withActions(reply, provider(options as Record<string, unknown>, reply, ctx));
    if (frozen && out !== reply) withButtons.set(reply, deepFreeze(out));
    return frozen && out !== reply ? withButtons.get(reply)! : out;
  };
  return {
    ...spec,
    // Synchronous for commands that answer synchronously (/capex, /compare, /capex top): a user mistake they
    // throw then reaches the core's catch as it is, not as a rejected promise (issue 18: Node's rejection
    // tracking was a visible part of a typo's answer), and a cached answer costs no promise.
    run: (options, ctx) => {
      const reply = run(options, ctx);
      return reply instanceof Promise ? reply.then((r) => addActions(r, options, ctx)) : addActions(reply, options, ctx);
    },
  };
}
