/**
 * Discord's two clocks for an interaction: the first answer within 3 seconds (or the token is invalidated
 * and the user sees "The application did not respond"), then 15 minutes during which the token can edit
 * that answer and send follow-ups. Anything that waits on I/O (a digest post, a feed fetch, a slow
 * database) is raced against DEFER_AFTER_MS: ready in time, it is the answer; otherwise the interaction is
 * deferred (type 5, "capex-bot is thinking…") and the finished answer replaces it by an edit of @original.
 *
 * A deferral must say at once whether it is private (ephemeral), before the answer exists: admin commands
 * answer privately, everything else is deferred in public. When the answer turns out the other way, it is
 * sent as a follow-up with the right visibility and the placeholder is deleted, so a private error never
 * lands in the channel and a public answer is not hidden.
 */
import { Routes, type REST } from 'discord.js';
import type { Logger } from '../../core/log.js';
import type { Reply } from '../../core/reply.js';
import type { DiscordCommandSet } from './commands.js';
import type { Invocation } from './invocation.js';
import { EPHEMERAL, renderMessage } from './render.js';

/** Discord allows 3 s for the first answer; 2 s leaves a second for the network both ways. */
export const DEFER_AFTER_MS = 2_000;
/** An interaction token edits for 15 minutes; an answer later than 14 is dropped (and logged) rather than refused. */
export const INTERACTION_TOKEN_MS = 14 * 60_000;

/**
 * The promise's value if it settles within `ms`, otherwise undefined (the promise keeps running). Every
 * command goes through here, so it is one promise and one timer, without Promise.race's extra promises.
 */
export function readyWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms, undefined);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Whether a deferral should be private: the invoked command is admin-only (their answers are private). */
export function deferPrivately(commands: DiscordCommandSet, invocation: Invocation | undefined): boolean {
  if (!invocation) return true;
  const sub = invocation.options?.find((o) => o.type === 1 || o.type === 2);
  return commands.find(invocation.name, sub?.name)?.adminOnly ?? true;
}

/** The type-5 response body: "thinking…", privately when asked. */
export function deferredResponse(privately: boolean): { type: 5; data: { flags?: number } } {
  return { type: 5, data: privately ? { flags: EPHEMERAL } : {} };
}

/**
 * Delivers a deferred answer through the interaction webhook (the token alone authenticates it). Returns the
 * id of the message that now holds the answer (`@original`, or the follow-up's id), undefined if it failed.
 */
export async function finishDeferred(
  rest: REST,
  applicationId: string,
  token: string,
  reply: Reply,
  deferredPrivately: boolean,
  logger: Logger,
): Promise<string | undefined> {
  const message = renderMessage(reply);
  const { flags: _setByTheDeferral, ...edit } = message;
  try {
    if (Boolean(message.flags) === deferredPrivately) {
      await rest.patch(Routes.webhookMessage(applicationId, token, '@original'), { auth: false, body: edit });
      return '@original';
    }
    // Follow-up first: if it fails, the placeholder at least stays to show something happened.
    const followUp = (await rest.post(Routes.webhook(applicationId, token), { auth: false, body: message })) as { id?: string };
    await rest.delete(Routes.webhookMessage(applicationId, token, '@original'), { auth: false });
    return followUp.id;
  } catch (error) {
    logger.error({ err: error }, 'could not deliver a deferred Discord answer');
    return undefined;
  }
}
