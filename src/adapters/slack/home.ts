/**
 * The Slack App Home: `app_home_opened` (Home tab) → one `views.publish` for that user, showing what the commands
 * show — the headline figures (`/capex top`, newest year) and the workspace's digest schedules with next run, last
 * delivery and failing reasons (`/capex-digest list`, with New digest / Pause / Resume for admins) — rendered by
 * the same Block Kit renderer, answered by the same core as the typed commands for that user.
 *
 * Kept current: republished for everyone who opened it when a schedule changes from Slack (a digest command, the
 * form, a press), and by a periodic check that republishes only when the schedules' text changed (changes from
 * Discord, the scheduler marking one failing, a delivery). Presses in the Home tab have no response_url: their
 * answer is shown as a notice at the top of the republished Home (interactivity.ts calls `notice`).
 */
import type { App, SlashCommand, webApi } from '@slack/bolt';
import type { Caller } from '../../core/command.js';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/log.js';
import type { Reply } from '../../core/reply.js';
import { renderMessage, type SlackBlock } from './render.js';
import type { SlackUserDirectory } from './users.js';
import { SlackCallers } from './interactivity.js';

/** Slack's limit for a Home view (docs.slack.dev/surfaces/app-home). */
export const HOME_MAX_BLOCKS = 100;
/** Users whose Home is kept current; past it the one who opened it longest ago is forgotten. */
const MAX_TRACKED_USERS = 1_000;
/** How often the schedules are re-read to catch changes made elsewhere. */
export const HOME_REFRESH_MS = 60_000;

export interface AppHomeOptions {
  core: Core;
  client: webApi.WebClient;
  users: SlackUserDirectory;
  adminUserIds: readonly string[];
  logger: Logger;
  refreshMs?: number;
  /** Prefix of the user's ids: `slack:` with one token, `slack:T1:` per workspace (OAuth). */
  idPrefix?: string;
}

export class AppHome {
  private readonly callers: SlackCallers;
  /** user id → the schedules' text last published to them. */
  private readonly opened = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AppHomeOptions) {
    this.callers = new SlackCallers(options.users, options.adminUserIds, options.logger, options.idPrefix);
  }

  /** Periodic check for changes made outside Slack; stopped by `stop`. */
  start(): void {
    this.timer ??= setInterval(() => void this.refreshAll(false), this.options.refreshMs ?? HOME_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Keeps current the Homes `previous` kept (the same workspace, its tools rebuilt with a fresher token), and stops it. */
  takeOver(previous: AppHome): void {
    for (const [userId, schedules] of previous.opened) this.remember(userId, schedules);
    previous.stop();
  }

  /** Publishes `userId`'s Home; `notice` (the answer to a press in the Home) is shown at the top. Never rejects. */
  async publish(userId: string, notice?: Reply): Promise<void> {
    try {
      const caller = await this.caller(userId);
      const [figures, schedules] = await Promise.all([this.options.core.handleText('/capex top', caller), this.options.core.handleText('/capex-digest list', caller)]);
      const view = homeView(figures, schedules, notice);
      await this.options.client.views.publish({ user_id: userId, view });
      this.remember(userId, fingerprint(schedules));
    } catch (error) {
      this.options.logger.warn({ err: error, user: userId }, 'could not publish the Slack App Home');
    }
  }

  /** After a change from Slack: every tracked Home now. `onlyChanged`: only those whose schedules' text changed. */
  async refreshAll(force = true): Promise<void> {
    for (const [userId, last] of [...this.opened]) {
      if (!force) {
        const caller = await this.caller(userId).catch(() => undefined);
        if (!caller) continue;
        const now = fingerprint(await this.options.core.handleText('/capex-digest list', caller));
        if (now === last) continue;
      }
      await this.publish(userId);
    }
  }

  private remember(userId: string, schedules: string): void {
    this.opened.delete(userId);
    this.opened.set(userId, schedules);
    if (this.opened.size > MAX_TRACKED_USERS) this.opened.delete(this.opened.keys().next().value!);
  }

  private caller(userId: string): Promise<Caller> {
    return this.callers.full(userId, `home-${userId}`, 'the App Home');
  }
}

function fingerprint(reply: Reply): string {
  return [reply.title, ...reply.lines].join('\n');
}

/** The Home view: a notice, the figures (without their buttons: Home presses have no message to follow up), the schedules. */
export function homeView(figures: Reply, schedules: Reply, notice?: Reply) {
  const noticeBlocks: SlackBlock[] = notice ? renderMessage({ ...notice, actions: undefined }).blocks.slice(0, 5) : [];
  const figureBlocks = renderMessage({ ...figures, actions: undefined }).blocks;
  const scheduleBlocks = renderMessage(schedules).blocks;
  const room = HOME_MAX_BLOCKS - noticeBlocks.length - 2;
  const scheduleRoom = Math.min(scheduleBlocks.length, Math.floor(room / 2));
  const blocks: SlackBlock[] = [
    ...noticeBlocks,
    ...(noticeBlocks.length ? [{ type: 'divider' as const }] : []),
    ...figureBlocks.slice(0, room - scheduleRoom),
    { type: 'divider' },
    ...scheduleBlocks.slice(0, scheduleRoom),
  ];
  return { type: 'home' as const, blocks };
}

/** app_home_opened (Home tab) publishes. */
export function registerAppHome(app: App, home: AppHome): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await home.publish(event.user);
  });
  home.start();
}

/**
 * For the slash commands (`afterCommand`): any /capex-digest command from Slack refreshes every tracked Home after
 * it was answered. A hook rather than Bolt global middleware, which every request (and every command) would run.
 */
export function refreshHomesAfter(home: AppHome): (command: SlashCommand) => void {
  return (command) => {
    if (command.command === '/capex-digest') void home.refreshAll(false);
  };
}
