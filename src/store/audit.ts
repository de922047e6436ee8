/**
 * The audit log: every admin change (schedules, alerts, feeds) and system change (a schedule failing) as one
 * row. Writers pass the transaction the change itself runs in, so the change and its audit row land together.
 */
import type { Executor } from './database.js';
import type { AuditEntry, NewAuditEntry } from './types.js';

/** The one way an audit_log row is written: null name/schedule when absent, details as JSON. */
export async function writeAudit(db: Executor, entry: NewAuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: entry.at,
      actor: entry.actor,
      actor_name: entry.actorName ?? null,
      action: entry.action,
      schedule_id: entry.scheduleId ?? null,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}

/** Newest first. */
export async function readAuditLog(db: Executor, limit: number): Promise<AuditEntry[]> {
  const rows = await db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    actor: r.actor,
    actorName: r.actor_name,
    action: r.action,
    scheduleId: r.schedule_id,
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));
}
