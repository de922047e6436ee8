/**
 * `/capex news [company]`: the newest AI-investment headlines from the news feeds of the caller's workspace (at
 * most ten), each with its source and date, linked in the sources. With a company, only headlines that mention it
 * by name, alias or ticker (see src/news/companies.ts).
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineCommand, UserError, type CommandContext } from '../core/command.js';
import { commandRef } from '../core/syntax.js';
import type { Reply } from '../core/reply.js';
import type { NewsService } from '../news/service.js';
import { companyOption, resolveCompany } from './shared.js';

const USAGE = '/capex news [company] — e.g. /capex news, /capex news microsoft';
export const MAX_NEWS = 10;

function newsOf(ctx: CommandContext): NewsService {
  const service = ctx.services.news;
  if (!service) throw new UserError('News headlines are not set up in this run of the bot (it has no database). Start the bot with `capex-bot start` to use them.');
  return service;
}

export const newsCommand = defineCommand({
  id: 'capex-news',
  path: ['capex', 'news'],
  summary: 'Latest AI-investment headlines from the news feeds, optionally about one company',
  usage: USAGE,
  examples: ['/capex news', '/capex news microsoft', '/capex news META'],
  options: z.object({ company: companyOption.optional() }),
  fromText: (args) => (args.length ? { company: args.join(' ') } : {}),
  run: async ({ company: query }, ctx) => {
    const news = newsOf(ctx);
    const company = query ? resolveCompany(ctx.data, query, USAGE) : undefined;
    const items = await news.latest({ companyId: company?.id, limit: MAX_NEWS, caller: ctx.caller });
    const about = company ? ` about ${company.name}` : '';
    if (items.length === 0) {
      const feeds = (await news.listFeeds(ctx.caller)).length;
      const why =
        feeds === 0
          ? `No news feeds are set up yet; an admin can add one with ${commandRef('/capex-digest feeds add <url>')}.`
          : `None of the ${feeds} news feed${feeds === 1 ? '' : 's'} has had an AI-investment headline${about} yet.`;
      return { kind: 'answer', visibility: 'private', title: `No headlines${about}`, lines: [why], summary: why };
    }
    const zone = ctx.caller.timeZone ?? 'UTC';
    const date = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat('d LLL yyyy');
    const reply: Reply = {
      kind: 'answer',
      visibility: 'public',
      title: `AI-investment headlines${about}`,
      lines: items.map((item, i) => `${i + 1}. ${item.title} — ${item.source}, ${date(item.sortAt)}`),
      sources: items.map((item) => ({ title: item.title, url: item.link, date: DateTime.fromMillis(item.sortAt, { zone }).toISODate()! })),
      notes: [],
      summary: `${items.length} AI-investment headline${items.length === 1 ? '' : 's'}${about}; newest: ${items[0]!.title}`,
    };
    return reply;
  },
});
