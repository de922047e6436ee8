/**
 * Which workspace an id belongs to. Platforms that serve several workspaces from one bot put the workspace in
 * the id — Slack installed through OAuth writes `slack:T123:C456` — so everything keyed by a channel or a user
 * (schedules, ledgers, alerts, audit entries, caches) is scoped with no extra column. An id with two parts
 * (`slack:C456` in one-token mode, `discord:123`, `console:general`) belongs to the platform's one workspace.
 *
 * The workspace of a record always comes from the CALLER (the signed request), never from text a user typed:
 * a channel picked in a command is read without a workspace and placed in the caller's.
 */
import type { Caller } from './command.js';

/** `slack:T1:C2` → `slack:T1:`; `discord:42` → `discord:`. The prefix every id of that workspace starts with. */
export function workspaceOf(prefixedId: string): string {
  const parts = prefixedId.split(':');
  return parts.length >= 3 ? `${parts[0]}:${parts[1]}:` : `${parts[0]}:`;
}

/** The ids a caller may see and change: those of the workspace the command came from. */
export function callerScope(caller: Pick<Caller, 'channelId'>): string {
  return workspaceOf(caller.channelId);
}

/** A channel the caller named (`slack:C9`, read from `<#C9|name>`), placed in the caller's workspace (`slack:T1:C9`). */
export function inCallerWorkspace(caller: Pick<Caller, 'channelId'>, channelId: string): string {
  const scope = callerScope(caller);
  const platform = `${channelId.split(':')[0]}:`;
  if (scope === platform || !scope.startsWith(platform)) return channelId;
  return `${scope}${channelId.slice(platform.length).split(':').pop()}`;
}
