/**
 * A database that becomes unusable while the bot runs (its SQLite file deleted or replaced) is reported
 * loudly, once: an error in the log as soon as it is noticed (FileGuard looks every 10 s, and every write
 * looks first), the `database` part of /healthz (degraded, with the reason), and a direct message to every
 * admin who set up a digest, revision alerts or a news feed. Meanwhile every write is refused
 * (DatabaseFileGoneError), so no command answers "added" for a change a restart would lose.
 */
import type { Logger } from '../core/log.js';
import type { OutboundChannel } from '../core/outbound.js';
import type { Reply } from '../core/reply.js';
import type { DatabaseHealth } from './database.js';
import type { Store } from './types.js';

/** Logs the problem at error level the moment it is noticed; starts the periodic file check. */
export function logDatabaseProblems(store: Store, logger: Logger): void {
  store.database.onProblem((problem) => {
    logger.error({ database: store.health().location, problem: problem.message }, `DATABASE LOST: ${problem.message}`);
  });
}

/** Everyone who administers something stored in the database: schedule creators, alert subscribers, feed adders. */
async function adminsOf(store: Store): Promise<string[]> {
  // Reads still work: the open handle keeps the deleted file's contents until the process exits.
  const [schedules, subscriptions, feeds] = await Promise.all([store.listSchedules(), store.alerts.listSubscriptions(), store.news.listFeeds()]);
  return [...new Set([...schedules.map((s) => s.createdBy), ...subscriptions.map((s) => s.createdBy), ...feeds.map((f) => f.addedBy)])];
}

function alarmReply(problem: Error): Reply {
  return {
    kind: 'error',
    visibility: 'private',
    title: 'capex-bot cannot save changes: its database is gone',
    lines: [
      problem.message,
      'Until then, changes to digests, alerts and feeds are refused (not saved), and digests already posted cannot be recorded.',
    ],
    summary: 'capex-bot cannot save changes: its database file was deleted or replaced.',
  };
}

/**
 * After the adapters are up: a DM to each admin on their platform, once, when the database is lost. Sent
 * straight through the outbound channel, not the delivery ledger: the ledger lives in the database that is gone.
 */
export function tellAdminsOfDatabaseProblems(store: Store, outbounds: readonly OutboundChannel[], logger: Logger): void {
  let told = false;
  store.database.onProblem((problem) => {
    if (told) return;
    told = true;
    void (async () => {
      const reply = alarmReply(problem);
      for (const admin of await adminsOf(store)) {
        const outbound = outbounds.find((o) => admin.startsWith(`${o.platform}:`));
        if (!outbound) continue;
        await outbound.sendDirect(admin, reply).catch((err: unknown) => logger.error({ err, admin }, 'could not tell an admin that the database is lost'));
      }
    })().catch((err: unknown) => logger.error({ err }, 'could not tell admins that the database is lost'));
  });
}

/**
 * The /healthz body with the database in it: its kind, migration version and location; when it is lost, the
 * whole body says degraded (still HTTP 200: the bot answers questions, it cannot keep changes).
 */
export function withDatabaseHealth<T extends { ok?: boolean; status?: string; degraded?: string[] }>(
  body: T,
  store: Store | undefined,
): T & { database?: DatabaseHealth } {
  if (!store) return body;
  const database = store.health();
  if (database.ok) return { ...body, database };
  return { ...body, database, ok: false, status: 'degraded', degraded: [...(body.degraded ?? []), `database: ${database.problem}`] };
}
