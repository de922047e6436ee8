/**
 * Buttons and selects on Slack answers (src/core/interaction.ts): the reply's actions become one Block Kit
 * `actions` block, and a press (`block_actions`, on the same signed POST /slack/events or over Socket Mode) is
 * acked at once with an empty 200 — Slack's 3-second window — then answered through the payload's
 * `response_url`: the original replaced for a select that switches what it shows, otherwise a follow-up with
 * the original's visibility (an ephemeral original gets an ephemeral answer; errors are always ephemeral).
 */
import type { App, BlockAction, RespondArguments, RespondFn } from '@slack/bolt';
import type { Caller } from '../../core/command.js';
import type { Core } from '../../core/core.js';
import { ACTION_ID_PATTERN, answerAction, decodeAction, type ActionAnswer } from '../../core/interaction.js';
import type { Logger } from '../../core/log.js';
import { parseCommandLine } from '../../core/parse.js';
import { errorReply } from '../../core/reply.js';
import { ReplayGuard } from '../replay-guard.js';
import type { SlackChartUploader } from './charts.js';
import { renderSlashResponse } from './render.js';
import type { SlackUserDirectory } from './users.js';
import type { DigestModal } from './modal.js';
import type { AppHome } from './home.js';

export interface InteractivityOptions {
  core: Core;
  users: SlackUserDirectory;
  adminUserIds: readonly string[];
  logger: Logger;
  /** Uploads the chart image under a Chart press's answer. */
  charts?: SlackChartUploader;
  /** "New digest" opens the form (modal.ts). */
  digestForm?: DigestModal;
  /** Presses in the App Home are answered by republishing it with the answer on top (home.ts). */
  home?: AppHome;
  /** Prefix of the presser's ids: `slack:` with one token, `slack:T1:` per workspace (OAuth, src/core/workspace.ts). */
  idPrefix?: string;
}

/** The one line a "New digest" button carries: it opens the form where the platform has one. */
const NEW_DIGEST = '/capex-digest add';

/** Routes every press on the bot's own actions (`cx1|…` action ids) to the core. */
export function registerInteractivity(app: App, options: InteractivityOptions): void {
  const presses = new PressAnswerer(options);
  app.action<BlockAction>(ACTION_ID_PATTERN, async ({ ack, body, action, respond }) => {
    await ack();
    await presses.handle(body, action, respond);
  });
}

/**
 * Who pressed, submitted or opened the Home, as the core's Caller: an admin when listed in SLACK_ADMIN_USER_IDS or,
 * per users.info (cached by the directory), a workspace admin or owner; with the user's Slack time zone.
 */
export class SlackCallers {
  private readonly adminIds: ReadonlySet<string>;

  constructor(
    private readonly users: SlackUserDirectory,
    adminUserIds: readonly string[],
    private readonly logger: Logger,
    /** `slack:`, or `slack:T1:` when installed in many workspaces: the caller's ids are that workspace's. */
    private readonly idPrefix = 'slack:',
  ) {
    this.adminIds = new Set(adminUserIds.map((id) => id.replace(/^slack:/, '')));
  }

  /** From the payload alone (no Slack call): admin only by the configured list. */
  base(userId: string, channelId: string, userName?: string): Caller {
    return { platform: 'slack', userId: `${this.idPrefix}${userId}`, ...(userName ? { userName } : {}), channelId: `${this.idPrefix}${channelId}`, isAdmin: this.adminIds.has(userId) };
  }

  /** Adds what users.info says (admin flags, zone) to `caller`; false when Slack did not answer (logged). */
  async withFacts(caller: Caller, what: string): Promise<boolean> {
    const userId = caller.userId.slice(this.idPrefix.length);
    try {
      const facts = await this.users.lookup(userId);
      caller.isAdmin ||= facts.isAdmin;
      if (facts.timeZone) caller.timeZone = facts.timeZone;
      return true;
    } catch (error) {
      this.logger.warn({ err: error, user: userId }, `users.info failed for ${what}; only SLACK_ADMIN_USER_IDS count as admins`);
      return false;
    }
  }

  /** `base` plus `withFacts`, for surfaces that always need both (the form, the Home). */
  async full(userId: string, channelId: string, what: string, userName?: string): Promise<Caller> {
    const caller = this.base(userId, channelId, userName);
    await this.withFacts(caller, what);
    return caller;
  }
}

export class PressAnswerer {
  private readonly callers: SlackCallers;
  /** A press's trigger_id is answered once (a replayed or retried request repeats it). */
  private readonly seen = new ReplayGuard();

  constructor(private readonly options: InteractivityOptions) {
    this.callers = new SlackCallers(options.users, options.adminUserIds, options.logger, options.idPrefix);
  }

  async handle(body: BlockAction, action: BlockAction['actions'][number], respond: RespondFn): Promise<void> {
    const { core, logger } = this.options;
    if (body.trigger_id && !this.seen.firstTime(body.trigger_id)) {
      logger.warn({ trigger: body.trigger_id }, 'ignored a repeated Slack button press (same trigger_id)');
      return;
    }
    const picked = action.type === 'static_select' ? action.selected_option?.value : undefined;
    const originalPrivate = Boolean(body.container?.is_ephemeral);
    const inHome = body.container?.type === 'view';
    const pressed = decodeAction(action.action_id);
    let answer: ActionAnswer | undefined;
    try {
      if (pressed?.line === NEW_DIGEST && !pressed.view && this.options.digestForm) {
        const instead = await this.options.digestForm.openFor(body.trigger_id, body.user.id, body.channel?.id, body.user.name);
        if (!instead) return;
        answer = { reply: instead, replace: false };
      }
      const caller = answer ? undefined : await this.caller(body, action.action_id);
      if (caller) answer = 'refusal' in caller ? { reply: caller.refusal, replace: false } : await answerAction(core, action.action_id, picked, caller, originalPrivate);
    } catch (error) {
      answer = { reply: core.internalError(error, { platform: 'slack', action: action.action_id.slice(0, 100), user: body.user.id }), replace: false };
    }
    if (!answer) return;
    if (inHome) {
      // No message to follow up in the Home tab: the answer goes on top of the republished Home.
      await this.options.home?.publish(body.user.id, answer.reply);
      return;
    }
    if (pressed?.line.startsWith('/capex-digest ')) void this.options.home?.refreshAll(false);
    const rendered = renderSlashResponse(answer.reply);
    const message: RespondArguments = answer.replace
      ? { replace_original: true, text: rendered.text, blocks: rendered.blocks }
      : { replace_original: false, response_type: rendered.response_type, text: rendered.text, blocks: rendered.blocks };
    try {
      await respond(message);
    } catch (error) {
      logger.error({ err: error, action: action.action_id.slice(0, 100) }, 'could not answer a Slack button press through response_url');
      return;
    }
    const channelId = body.channel?.id;
    if (this.options.charts && answer.reply.chart && channelId && !answer.replace) await this.options.charts.afterAnswer({ channelId }, answer.reply, respond);
  }

  /** Admin status and time zone are asked from Slack only when the pressed line is an admin or schedule command. */
  private async caller(body: BlockAction, encoded: string): Promise<Caller | { refusal: ReturnType<typeof errorReply> }> {
    const caller = this.callers.base(body.user.id, body.channel?.id ?? `dm-${body.user.id}`, body.user.name);
    const line = /\|(\/.*)$/s.exec(encoded)?.[1] ?? '';
    const parsed = parseCommandLine(line.replace('{}', 'x'));
    const spec = parsed.ok ? this.options.core.findByText(parsed.command, parsed.args)?.spec : undefined;
    const needsFacts = Boolean(spec?.adminOnly && !caller.isAdmin) || spec?.path[0] === 'capex-digest';
    if (!needsFacts) return caller;
    const known = await this.callers.withFacts(caller, 'a button press');
    if (!known && spec?.adminOnly && !caller.isAdmin) return { refusal: errorReply('I could not check your Slack admin status just now (Slack did not answer). Please try again in a minute.') };
    return caller;
  }
}
