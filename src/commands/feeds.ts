/**
 * `/capex-digest feeds add <url> | list | remove <id>` (Slack, console) and `/digest feeds` (Discord, with
 * an `action` choice): the news feeds whose AI-investment headlines go into digests and `/capex news`.
 * Admin-only, every answer private: feed URLs can point anywhere, so only admins add them, and the list
 * shows failure reasons that are for admins' eyes.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineCommand, UserError, type CommandContext } from '../core/command.js';
import { commandRef } from '../core/syntax.js';
import { privateAnswer } from './shared.js';
import type { NewsService, RefreshOutcome } from '../news/service.js';
import type { FeedRecord } from '../news/store.js';

export const FEEDS_USAGE = '/capex-digest feeds add <url> | feeds list | feeds remove <id> — e.g. /capex-digest feeds add https://example.com/ai.rss';

const NOT_SET_UP = 'News feeds are not set up in this run of the bot (it has no database). Start the bot with `capex-bot start` to use them.';

const ACTIONS = ['list', 'add', 'remove'] as const;

function newsOf(ctx: CommandContext): NewsService {
  const service = ctx.services.news;
  if (!service) throw new UserError(NOT_SET_UP);
  return service;
}

function when(ms: number | null, zone: string): string {
  if (ms === null) return 'never';
  const local = DateTime.fromMillis(ms, { zone });
  return `${local.toFormat('d LLL HH:mm')}${zone === 'UTC' ? ' UTC' : ''}`;
}

const who = (f: FeedRecord) => f.addedByName ?? f.addedBy.slice(f.addedBy.indexOf(':') + 1);

function healthWords(feed: FeedRecord, zone: string): string {
  switch (feed.health) {
    case 'ok':
      return 'healthy';
    case 'pending':
      return 'not fetched yet';
    default:
      return `failing (${feed.failures}×): ${feed.reason ?? 'unknown error'} — next try ${when(feed.nextFetchAt, zone)}`;
  }
}

function describeFirst(first: RefreshOutcome | undefined, feed: FeedRecord): string {
  if (!first) return `The first fetch is still running; ${commandRef('/capex-digest feeds list')} shows how it went. You get a direct message if it fails.`;
  if (!first.ok) {
    return `The first fetch failed: ${first.reason}. The feed stays on the list and is retried with growing delays; remove it with ${commandRef(`/capex-digest feeds remove ${feed.id}`)}.`;
  }
  if (first.notModified) return 'The first fetch worked (no changes since the last read).';
  return `First fetch: ${first.read} item${first.read === 1 ? '' : 's'} read, ${first.kept} about AI investment, ${first.added} new headline${first.added === 1 ? '' : 's'} kept.`;
}

export const digestFeedsCommand = defineCommand({
  id: 'digest-feeds',
  path: ['capex-digest', 'feeds'],
  discord: { command: 'digest', subcommand: 'feeds' },
  summary: "News feeds for the headlines in this workspace's digests and the news command: add, list, remove (admins)",
  usage: FEEDS_USAGE,
  examples: ['/capex-digest feeds add https://example.com/ai-infrastructure.rss', '/capex-digest feeds list', '/capex-digest feeds remove 2'],
  adminOnly: true,
  options: z.object({
    action: z.enum(ACTIONS).default('list').describe('add a feed, list the feeds, or remove one'),
    target: z.string().trim().max(2048, 'feed URLs are at most 2,048 characters').optional().describe('add: the feed URL (http/https); remove: the feed id'),
  }),
  fromText: (args) => {
    const verb = args[0]?.toLowerCase();
    if (verb === undefined) return { action: 'list' as const };
    if (!(ACTIONS as readonly string[]).includes(verb)) {
      if (/^https?:\/\//i.test(args[0]!)) throw new UserError(`To add that feed, say: ${commandRef(`/capex-digest feeds add ${args[0]!.slice(0, 200)}`)}`, FEEDS_USAGE);
      throw new UserError(`${commandRef('/capex-digest feeds')} has no '${args[0]!.slice(0, 20)}': use add, list or remove.`, FEEDS_USAGE);
    }
    const target = args.slice(1).join(' ');
    return { action: verb as (typeof ACTIONS)[number], ...(target ? { target } : {}) };
  },
  run: async ({ action, target }, ctx) => {
    const news = newsOf(ctx);
    const zone = ctx.caller.timeZone ?? 'UTC';

    if (action === 'add') {
      if (!target) throw new UserError(`Give the feed URL, e.g. ${commandRef('/capex-digest feeds add https://example.com/ai.rss')}`, FEEDS_USAGE);
      const result = await news.addFeed(target, ctx.caller);
      if (result.status === 'refused') throw new UserError(`Feed not added. ${result.reason}`, FEEDS_USAGE);
      if (result.status === 'exists') {
        return privateAnswer(`Feed ${result.feed.id} already added`, [`${result.feed.url} is already feed ${result.feed.id} (${healthWords(result.feed, zone)}).`]);
      }
      const { feed, first, shared } = result;
      return privateAnswer(
        `News feed ${feed.id} added`,
        [
          `Feed ${feed.id}: ${feed.title ? `${feed.title} — ` : ''}${feed.url}. It is read every ${news.refreshMs / 60_000} minutes; headlines about AI investment go into digests and ${commandRef('/capex news')}.`,
          shared ? `The bot already reads this feed (${healthWords(feed, zone)}); its headlines so far count here too.` : describeFirst(first, feed),
        ],
        { kind: first && !first.ok ? 'error' : 'answer', summary: `News feed ${feed.id} added: ${feed.url}` },
      );
    }

    if (action === 'remove') {
      const m = /^#?(\d{1,9})$/.exec(target ?? '');
      const byUrl = !m && /^https?:\/\//i.test(target ?? '');
      if (!m && !byUrl) throw new UserError(`${target ? `'${target.slice(0, 20)}' is not a feed id` : 'Give the feed id'}: use the number ${commandRef('/capex-digest feeds list')} shows, e.g. 2.`, FEEDS_USAGE);
      // Only the caller's workspace's feeds: another workspace's feed is answered exactly like one that does not exist.
      const removed = await news.removeFeed(m ? Number(m[1]) : target!, ctx.caller);
      if (!removed) throw new UserError(`There is no news feed ${m ? m[1]! : 'with that URL'}. ${commandRef('/capex-digest feeds list')} shows the ids.`, FEEDS_USAGE);
      return privateAnswer(`News feed ${removed.id} removed`, [
        `Feed ${removed.id} (${removed.url}) is removed; its headlines no longer appear in this workspace's digests or ${commandRef('/capex news')}.`,
      ]);
    }

    const feeds = await news.listFeeds(ctx.caller);
    if (feeds.length === 0) {
      return privateAnswer('No news feeds', [`No news feed is set up yet. Add one: ${commandRef('/capex-digest feeds add https://example.com/ai.rss')}`]);
    }
    const lines = feeds.map((f) =>
      [
        `${f.id} · ${f.title ?? new URL(f.url).hostname} · ${f.url}`,
        healthWords(f, zone),
        `last fetch ${when(f.lastFetchAt, zone)}`,
        ...(f.health === 'failing' && f.lastOkAt ? [`last success ${when(f.lastOkAt, zone)}`] : []),
        `${f.itemCount} headline${f.itemCount === 1 ? '' : 's'} kept`,
        `added by ${who(f)}`,
      ].join(' · '),
    );
    const failing = feeds.filter((f) => f.health === 'failing').length;
    return privateAnswer(`News feeds (${feeds.length})`, lines, {
      notes: failing ? [`${failing} feed${failing === 1 ? ' is' : 's are'} failing; the others and the digests carry on.`] : [],
      summary: `${feeds.length} news feed${feeds.length === 1 ? '' : 's'}${failing ? `, ${failing} failing` : ''}.`,
    });
  },
});
