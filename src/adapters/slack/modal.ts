/**
 * Setting up a digest in a form: `/capex-digest add` with nothing after it opens a modal (views.open on the
 * command's trigger_id, which Slack honours for 3 seconds) with the channel (Slack's own conversation picker, the
 * channel typed in pre-selected), the time, the days and the time zone (the admin's own zone from their Slack
 * profile pre-filled). The submission (`view_submission`) is answered like the typed command: the same
 * `digest-add` declaration, its zod options and its grammar (core.handleStructured), the same service call and
 * audit, the same add-time channel check. A mistake comes back on its field (`response_action: errors`); success
 * closes the form and the confirmation arrives privately in the channel the command was typed in.
 *
 * Everything typed in the form is user text: the core strips reference marks and refuses control characters;
 * error texts that echo it are escaped before Slack shows them.
 */
import type { AckFn, App, RespondArguments, SlashCommand, ViewOutput, ViewResponseAction, webApi } from '@slack/bolt';
import type { Caller } from '../../core/command.js';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/log.js';
import { errorReply, type Reply } from '../../core/reply.js';
import { commandRef } from '../../core/syntax.js';
import { renderMessage, renderSlashResponse } from './render.js';
import type { SlackChannelCheck } from './channel-check.js';
import type { SlackUserDirectory } from './users.js';
import { SlackCallers } from './interactivity.js';

export const DIGEST_MODAL_CALLBACK = 'capex_digest_add';
/** The form's fields, in order: each input block's block_id is the digest-add option it fills. */
export const DIGEST_FIELDS = ['channel', 'time', 'days', 'zone'] as const;
type Field = (typeof DIGEST_FIELDS)[number];

/** Text inputs are capped a little above what the option schema accepts, so the schema (not Slack) says what is wrong. */
const MAX_INPUT = { time: 20, days: 60, zone: 64 } as const;

export interface DigestModalOptions {
  core: Core;
  client: webApi.WebClient;
  users: SlackUserDirectory;
  adminUserIds: readonly string[];
  channels?: SlackChannelCheck;
  logger: Logger;
  /** Called after a schedule was created (the App Home republishes). */
  onChange?: () => void;
  /** Prefix of the user's ids: `slack:` with one token, `slack:T1:` per workspace (OAuth). */
  idPrefix?: string;
}

/** Whether a slash command is the bare `add` that opens the form. */
export function opensDigestForm(command: Pick<SlashCommand, 'command' | 'text'>): boolean {
  return command.command === '/capex-digest' && (command.text ?? '').trim().toLowerCase() === 'add';
}

function plain(text: string) {
  return { type: 'plain_text' as const, text, emoji: false };
}

function textInput(field: 'time' | 'days' | 'zone', label: string, initial: string | undefined, hint: string, placeholder: string) {
  return {
    type: 'input',
    block_id: field,
    label: plain(label),
    hint: plain(hint),
    element: { type: 'plain_text_input', action_id: 'value', max_length: MAX_INPUT[field], placeholder: plain(placeholder), ...(initial ? { initial_value: initial } : {}) },
  };
}

/** The modal view; `channelId` (raw Slack id) is pre-selected, `zone` pre-filled. */
export function digestModalView(channelId: string | undefined, zone: string | undefined) {
  return {
    type: 'modal' as const,
    callback_id: DIGEST_MODAL_CALLBACK,
    title: plain('New digest'),
    submit: plain('Create'),
    close: plain('Cancel'),
    private_metadata: JSON.stringify({ channel: channelId ?? '' }),
    blocks: [
      {
        type: 'input',
        block_id: 'channel',
        label: plain('Channel'),
        hint: plain('Where the digest is posted. In a private channel, invite the bot first.'),
        element: {
          type: 'conversations_select',
          action_id: 'value',
          filter: { include: ['public', 'private'], exclude_bot_users: true },
          ...(channelId && /^[CG]/.test(channelId) ? { initial_conversation: channelId } : {}),
        },
      },
      textInput('time', 'Time of day', '09:00', '24-hour HH:MM, e.g. 09:00 or 17:30', 'HH:MM'),
      textInput('days', 'Days', 'weekdays', 'daily, weekdays, or days like mon,wed,fri', 'weekdays'),
      textInput('zone', 'Time zone', zone, 'An IANA name such as Europe/Berlin or UTC', 'Europe/Berlin'),
    ],
  };
}

export class DigestModal {
  private readonly callers: SlackCallers;

  constructor(private readonly options: DigestModalOptions) {
    this.callers = new SlackCallers(options.users, options.adminUserIds, options.logger, options.idPrefix);
  }

  opens(command: SlashCommand): boolean {
    return opensDigestForm(command);
  }

  /**
   * Answers the bare `/capex-digest add`: an admin gets the form (views.open first: the trigger lives 3 s), then an
   * empty ack; anyone else gets the core's own refusal, as if they had typed the command with arguments.
   */
  async open(command: SlashCommand, ack: AckFn<string | RespondArguments>): Promise<void> {
    const shown = await this.openFor(command.trigger_id, command.user_id, command.channel_id, command.user_name);
    await (shown ? ack(renderSlashResponse(shown)) : ack());
  }

  /**
   * Opens the form on `triggerId` (a slash command's or a "New digest" press's); returns what to tell the user
   * instead when it did not open: the core's refusal for a member, or how to type it when Slack refused the trigger.
   */
  async openFor(triggerId: string, userId: string, channelId: string | undefined, userName?: string): Promise<Reply | undefined> {
    const { core, logger } = this.options;
    const caller = await this.caller(userId, channelId ?? `dm-${userId}`, userName);
    if (!caller.isAdmin) return core.handleText('/capex-digest add', caller);
    try {
      await this.options.client.views.open({ trigger_id: triggerId, view: digestModalView(channelId, caller.timeZone) });
      return undefined;
    } catch (error) {
      logger.warn({ err: error }, 'views.open failed; the digest form could not be shown');
      return core.localize(errorReply(`Slack did not open the form in time. Try again, or type it: ${commandRef('/capex-digest add 09:00 weekdays Europe/Berlin #channel')}`), 'slack');
    }
  }

  /** The submission: the typed command's validation and service call; errors on their field. */
  async submit(body: { user: { id: string; name?: string } }, view: ViewOutput, ack: AckFn<ViewResponseAction | void>): Promise<void> {
    const { core, logger } = this.options;
    const values = view.state.values;
    const read = (field: Field): string | undefined => {
      const element = values[field]?.value;
      return (element?.selected_conversation ?? element?.value ?? undefined) || undefined;
    };
    const picked = read('channel');
    let origin: string | undefined;
    try {
      origin = (JSON.parse(view.private_metadata || '{}') as { channel?: string }).channel || undefined;
    } catch {
      origin = undefined;
    }
    const raw = { time: read('time'), days: read('days'), zone: read('zone'), ...(picked ? { channel: `<#${picked}>` } : {}) };
    try {
      if (picked && this.options.channels) {
        const refusal = await this.options.channels.refusal(picked);
        if (refusal) return await ack({ response_action: 'errors', errors: { channel: fieldText(refusal) } });
      }
      const caller = await this.caller(body.user.id, origin ?? picked ?? '', body.user.name);
      const reply = await core.handleStructured('digest-add', Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)), caller);
      if (reply.kind === 'error') {
        return await ack({ response_action: 'errors', errors: { [fieldOf(reply.lines[0] ?? '', raw)]: fieldText(reply.lines[0] ?? reply.summary) } });
      }
      await ack({ response_action: 'clear' });
      this.options.onChange?.();
      const confirmIn = origin ?? picked;
      if (confirmIn) {
        const message = renderMessage(reply);
        await this.options.client.chat.postEphemeral({ channel: confirmIn, user: body.user.id, text: message.text, blocks: message.blocks }).catch((error: unknown) => {
          logger.warn({ err: error }, 'could not confirm a digest created from the form');
        });
      }
    } catch (error) {
      const failed = core.internalError(error, { platform: 'slack', view: DIGEST_MODAL_CALLBACK, user: body.user.id });
      await ack({ response_action: 'errors', errors: { time: fieldText(failed.lines[0] ?? failed.summary) } });
    }
  }

  private caller(userId: string, channelId: string, userName?: string): Promise<Caller> {
    return this.callers.full(userId, channelId, 'the digest form', userName);
  }
}

/** Registers the submission listener; the bare command is routed to `open` by the slash-command answerer. */
export function registerDigestModal(app: App, modal: DigestModal): void {
  app.view(DIGEST_MODAL_CALLBACK, async ({ ack, body, view }) => modal.submit(body, view, ack as AckFn<ViewResponseAction | void>));
}

/**
 * Which field an error from the typed grammar is about: a schema error names its option (`zone: …`), a grammar
 * error quotes the value it refused (`'25:00' is not a valid time`); "say when to post" is about the time.
 */
export function fieldOf(message: string, raw: Partial<Record<'time' | 'days' | 'zone' | 'channel', string>>): Field {
  const named = /^(time|days|zone|channel):/.exec(message)?.[1] as Field | undefined;
  if (named) return named;
  for (const field of ['channel', 'zone', 'days', 'time'] as const) {
    const value = raw[field]?.trim();
    if (value && message.includes(`'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`)) return field;
  }
  return 'time';
}

/** An error under a field: Slack's three control characters escaped, so text echoed from the form stays text. */
function fieldText(message: string): string {
  const escaped = message.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
  return escaped.length > 300 ? `${escaped.slice(0, 299)}…` : escaped;
}
