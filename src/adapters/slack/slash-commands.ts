/**
 * Slash commands: Bolt routes `/capex`, `/compare`, `/capex-digest` here; this turns the payload into a
 * Caller, asks the core exactly as a console user would (`/capex alibaba`), and acks with the rendered
 * answer. If an answer is not ready within the ack budget (a slow users.info, a slow database) the
 * request is acked at once and the answer follows through `respond` (the payload's response_url).
 */
import type { AckFn, App, RespondArguments, RespondFn, SlashCommand } from '@slack/bolt';
import type { Caller, CommandSpec } from '../../core/command.js';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/log.js';
import { parseCommandLine } from '../../core/parse.js';
import { errorReply, type Reply } from '../../core/reply.js';
import type { SlackChartUploader } from './charts.js';
import { renderSlashResponse, slackTextToPlain, type SlashCommandResponse } from './render.js';
import { POSTING_SETUPS, targetChannel, type SlackChannelCheck } from './channel-check.js';
import { ReplayGuard } from '../replay-guard.js';
import type { SlackUserDirectory } from './users.js';

/** Slack shows an error after 3 s; answering within 2.5 s leaves room for the network. */
export const DEFAULT_ACK_BUDGET_MS = 2_500;

/** The scheduling commands need the caller's time zone even when the admin list already says "admin". */
const NEEDS_TIME_ZONE = new Set(['capex-digest']);

/** What a command needs from the workspace it was typed in (per workspace when installed through OAuth). */
export interface CommandWorkspace {
  /** Prefix of the caller's ids: `slack:` with one token, `slack:T1:` per workspace (src/core/workspace.ts). */
  idPrefix: string;
  users: SlackUserDirectory;
  charts?: SlackChartUploader;
  channels?: SlackChannelCheck;
}

export interface SlashCommandOptions {
  core: Core;
  /** users.info of the one workspace (one-token mode); with `workspace`, each workspace's own. */
  users?: SlackUserDirectory;
  /** Raw Slack user ids (U…) from SLACK_ADMIN_USER_IDS; `slack:`-prefixed entries are accepted too. */
  adminUserIds: readonly string[];
  logger: Logger;
  ackBudgetMs?: number;
  /** Uploads a public answer's chart after the text answer went out; without it, text only. */
  charts?: SlackChartUploader;
  /** Checks a digest's or alert's channel when it is set up (DMs, private channels the bot is not in). */
  channels?: SlackChannelCheck;
  /**
   * Installed in many workspaces: the tools of the command's workspace (its token's users.info, channel check and
   * uploads), undefined when the app is not installed there. Without it, `users`/`charts`/`channels` and ids
   * without a workspace (`slack:C1`), as in one-token mode.
   */
  workspace?: (teamId: string, enterpriseId?: string) => Promise<CommandWorkspace | undefined>;
  /** Opens the digest form for a bare `/capex-digest add` (src/adapters/slack/modal.ts). */
  digestForm?: { opens(command: SlashCommand): boolean; open(command: SlashCommand, ack: AckFn<string | RespondArguments>): Promise<void> };
  /** Runs once a command's answer went out (the App Home refreshes after /capex-digest, home.ts). */
  afterCommand?: (command: SlashCommand) => void;
}

/** The Slack commands to register: one per first word of the command paths, in registry order. */
export function slashCommandNames(commands: readonly CommandSpec[]): string[] {
  return [...new Set(commands.map((c) => c.path[0]))];
}

export function registerSlashCommands(app: App, options: SlashCommandOptions): string[] {
  const answerer = new SlashCommandAnswerer(options);
  // Exactly the commands the manifest declares (both come from the registry), so the two cannot drift.
  const names = slashCommandNames(options.core.commands);
  // One listener whose pattern names every command: Bolt still matches the command name, but runs one
  // middleware chain per request instead of one per command (its per-listener cost dominated the profile).
  const pattern = new RegExp(`^/(?:${names.map(escapeRegExp).join('|')})$`);
  app.command(pattern, async ({ command, ack, respond }) => answerer.handle(command, ack, respond));
  return names;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const LATE = Symbol('late');

/** A command from a workspace whose installation is gone (Bolt's authorize normally stops it before this). */
export const NOT_INSTALLED = 'capex-bot is not installed in this Slack workspace any more. An admin can add it again from the install page.';

export class SlashCommandAnswerer {
  private readonly adminIds: ReadonlySet<string>;
  /** Commands with at least one admin-only or time-zone-dependent form: only these may need users.info. */
  private readonly mayNeedUserFacts: ReadonlySet<string>;
  private readonly ackBudgetMs: number;
  /** trigger_ids already answered (Slack's signed timestamps refuse anything older than 5 minutes). */
  private readonly seen = new ReplayGuard();

  constructor(private readonly options: SlashCommandOptions) {
    this.adminIds = new Set(options.adminUserIds.map((id) => id.replace(/^slack:/, '')));
    this.mayNeedUserFacts = new Set([
      ...options.core.commands.filter((c) => c.adminOnly).map((c) => c.path[0]),
      ...NEEDS_TIME_ZONE,
    ]);
    this.ackBudgetMs = options.ackBudgetMs ?? DEFAULT_ACK_BUDGET_MS;
  }

  async handle(command: SlashCommand, ack: AckFn<string | RespondArguments>, respond: RespondFn): Promise<void> {
    // Slack's retries (X-Slack-Retry-Num) and a replayed request carry the same trigger_id: answer it once.
    if (command.trigger_id && !this.seen.firstTime(command.trigger_id)) {
      this.options.logger.warn({ command: command.command, trigger: command.trigger_id }, 'ignored a repeated Slack command (same trigger_id)');
      await ack();
      return;
    }
    if (this.options.digestForm?.opens(command)) return this.options.digestForm.open(command, ack);
    const workspace = await this.workspaceOf(command);
    const answered = workspace ? this.answerWithReply(command, workspace) : Promise.resolve({ response: renderSlashResponse(errorReply(NOT_INSTALLED)) } as { response: SlashCommandResponse; reply?: Reply });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof LATE>((resolve) => {
      timer = setTimeout(() => resolve(LATE), this.ackBudgetMs);
    });
    const first = await Promise.race([answered, late]);
    clearTimeout(timer);
    if (first !== LATE) {
      await ack(first.response as RespondArguments);
    } else {
      await ack({ response_type: 'ephemeral', text: 'Working on it…' });
      try {
        await respond((await answered).response as Parameters<RespondFn>[0]);
      } catch (error) {
        this.options.logger.error({ err: error, command: command.command }, 'could not deliver a late Slack answer through response_url');
      }
    }
    this.options.afterCommand?.(command);
    // The image follows the text answer, never holds it up, and never fails it.
    const { reply } = await answered;
    if (workspace?.charts && reply?.chart) await workspace.charts.afterAnswer({ channelId: command.channel_id }, reply, respond);
  }

  /** The workspace's tools; undefined when the command comes from a workspace the app is not installed in. */
  private async workspaceOf(command: SlashCommand): Promise<CommandWorkspace | undefined> {
    const { workspace, users, charts, channels } = this.options;
    if (!workspace) {
      if (!users) throw new Error('slash commands need either users (one workspace) or workspace (many)');
      return { idPrefix: 'slack:', users, charts, channels };
    }
    try {
      return await workspace(command.team_id, command.enterprise_id);
    } catch (error) {
      this.options.logger.error({ err: error, team: command.team_id }, 'could not read the Slack installation of a workspace');
      return undefined;
    }
  }

  /** Never rejects: every failure becomes a rendered private reply. */
  async answer(command: SlashCommand): Promise<SlashCommandResponse> {
    const workspace = await this.workspaceOf(command);
    return workspace ? (await this.answerWithReply(command, workspace)).response : renderSlashResponse(errorReply(NOT_INSTALLED));
  }

  private async answerWithReply(command: SlashCommand, workspace: CommandWorkspace): Promise<{ response: SlashCommandResponse; reply?: Reply }> {
    const { core } = this.options;
    const line = `${command.command} ${slackTextToPlain(command.text ?? '')}`.trim();
    try {
      const caller = await this.caller(command, line, workspace);
      if ('refusal' in caller) return { response: renderSlashResponse(caller.refusal) };
      const unpostable = caller.isAdmin ? await this.unpostableTarget(command, line, workspace) : undefined;
      if (unpostable) return { response: renderSlashResponse(errorReply(unpostable)) };
      const reply = await core.handleText(line, caller);
      return { response: renderSlashResponse(reply), reply };
    } catch (error) {
      return { response: renderSlashResponse(core.internalError(error, { platform: 'slack', command: command.command, user: command.user_id })) };
    }
  }

  private async caller(command: SlashCommand, line: string, workspace: CommandWorkspace): Promise<Caller | { refusal: ReturnType<typeof errorReply> }> {
    const caller: Caller = {
      platform: 'slack',
      userId: `${workspace.idPrefix}${command.user_id}`,
      userName: command.user_name,
      channelId: `${workspace.idPrefix}${command.channel_id}`,
      isAdmin: this.adminIds.has(command.user_id),
    };
    const needs = this.userFactsNeeded(command.command.slice(1), line);
    if (!needs || (needs.admin && caller.isAdmin && !needs.timeZone)) return caller;
    try {
      const facts = await workspace.users.lookup(command.user_id);
      caller.isAdmin ||= facts.isAdmin;
      caller.timeZone = facts.timeZone;
      return caller;
    } catch (error) {
      this.options.logger.warn({ err: error, user: command.user_id }, 'users.info failed; admin status and time zone unknown');
      // Without Slack's answer only the configured admin list counts; say so rather than "admins only".
      if (needs.admin && !caller.isAdmin) {
        return { refusal: errorReply('I could not check your Slack admin status just now (Slack did not answer). Please try again in a minute.') };
      }
      return caller;
    }
  }

  /** For `add` and `alerts on`: why their channel cannot get posts (checked with Slack now, not at the first slot). */
  private async unpostableTarget(command: SlashCommand, line: string, workspace: CommandWorkspace): Promise<string | undefined> {
    if (!workspace.channels) return undefined;
    const parsed = parseCommandLine(line);
    if (!parsed.ok) return undefined;
    const match = this.options.core.findByText(parsed.command, parsed.args);
    if (!match || !POSTING_SETUPS.get(match.spec.id)?.(match.rest)) return undefined;
    return workspace.channels.refusal(targetChannel(command.text ?? '', command.channel_id));
  }

  /** Only admin-only and scheduling commands pay for a users.info call; /capex alibaba never does. */
  private userFactsNeeded(name: string, line: string): { admin: boolean; timeZone: boolean } | undefined {
    if (!this.mayNeedUserFacts.has(name)) return undefined;
    const parsed = parseCommandLine(line);
    const admin = parsed.ok && Boolean(this.options.core.findByText(parsed.command, parsed.args)?.spec.adminOnly);
    const timeZone = NEEDS_TIME_ZONE.has(name);
    return admin || timeZone ? { admin, timeZone } : undefined;
  }
}
