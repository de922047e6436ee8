/**
 * Versioned schema migrations, applied in order at start-up inside one transaction each. The applied
 * version lives in SQLite's `user_version`, so an older bot never guesses at a newer file: it refuses it.
 * Append new migrations; never edit one that has shipped.
 */
import type { Database } from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: schedules, the delivery ledger, the audit log.
  `
  CREATE TABLE schedules (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id      TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('time', 'cron')),
    time            TEXT,
    days            TEXT,
    cron            TEXT,
    zone            TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'failing', 'removed')),
    status_reason   TEXT,
    created_by      TEXT    NOT NULL,
    created_by_name TEXT,
    created_at      INTEGER NOT NULL,
    armed_from      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  );
  CREATE INDEX schedules_status ON schedules (status);

  CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id     INTEGER NOT NULL REFERENCES schedules (id),
    slot            TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('scheduled', 'manual')),
    due_at          INTEGER NOT NULL,
    channel_id      TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('claimed', 'sending', 'delivered', 'missed', 'failed')),
    late            INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    recoveries      INTEGER NOT NULL DEFAULT 0,
    claimed_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    error           TEXT,
    seen_figure_ids TEXT    NOT NULL DEFAULT '[]',
    UNIQUE (schedule_id, slot)
  );
  CREATE INDEX deliveries_schedule_due ON deliveries (schedule_id, kind, due_at);
  CREATE INDEX deliveries_channel_delivered ON deliveries (channel_id, status, delivered_at);
  CREATE INDEX deliveries_unfinished ON deliveries (status) WHERE status IN ('claimed', 'sending');

  CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    actor_name  TEXT,
    action      TEXT    NOT NULL,
    schedule_id INTEGER,
    details     TEXT    NOT NULL DEFAULT '{}'
  );
  `,
];

export class SchemaTooNewError extends Error {
  readonly code = 'SCHEMA_TOO_NEW';
}

/** Brings the database to the latest version; returns the versions applied. */
export function migrate(db: Database, migrations: readonly string[] = MIGRATIONS): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new SchemaTooNewError(
      `the database is at schema version ${current}, newer than this bot knows (${migrations.length}); upgrade the bot or point DATABASE_URL at another file`,
    );
  }
  const applied: number[] = [];
  for (let version = current + 1; version <= migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version - 1]!);
      db.pragma(`user_version = ${version}`);
    })();
    applied.push(version);
  }
  return applied;
}
