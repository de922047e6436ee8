/** Between the stored row and the slot engine: a schedule record's `When`, its words, its channel's platform. */
import type { Platform } from '../core/command.js';
import { channelRef } from '../core/syntax.js';
import type { ScheduleRecord } from '../store/types.js';
import { compile, describeWhen, parseDays, parseTimeOfDay, type Matcher, type When } from './when.js';

export function whenOf(s: Pick<ScheduleRecord, 'kind' | 'time' | 'days' | 'cron'>): When {
  if (s.kind === 'cron') return { kind: 'cron', expr: s.cron ?? '' };
  const time = parseTimeOfDay(s.time ?? '');
  const days = parseDays(s.days ?? 'daily');
  if (!time || !days) throw new Error(`stored schedule has an unreadable time '${s.time}' or days '${s.days}'`);
  return { kind: 'time', hour: time.hour, minute: time.minute, days };
}

const matcherCache = new Map<string, Matcher>();

/** Compiled matchers are cached: cron parsing is not free and a tick looks at every schedule. */
export function matcherOf(s: Pick<ScheduleRecord, 'kind' | 'time' | 'days' | 'cron'>): Matcher {
  const key = `${s.kind}|${s.time}|${s.days}|${s.cron}`;
  let matcher = matcherCache.get(key);
  if (!matcher) {
    if (matcherCache.size > 5_000) matcherCache.clear();
    matcher = compile(whenOf(s));
    matcherCache.set(key, matcher);
  }
  return matcher;
}

export function describeSchedule(s: Pick<ScheduleRecord, 'kind' | 'time' | 'days' | 'cron' | 'zone'>): string {
  return `${describeWhen(whenOf(s))} (${s.zone})`;
}

/** The platform of a platform-prefixed id (`slack:C1` → `slack`); undefined when the id has no prefix. */
export function platformOf(prefixedId: string): Platform | undefined {
  const colon = prefixedId.indexOf(':');
  return colon > 0 ? prefixedId.slice(0, colon) : undefined;
}

/**
 * A channel for a chat reader: a reference the reader's platform writes as its mention (`<#C0123>` in Slack,
 * `<#123>` on Discord, `#general` in the console) when the reply is localized (src/core/syntax.ts).
 */
export function channelLabel(channelId: string): string {
  return channelRef(channelId);
}
