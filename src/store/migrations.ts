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
  // 2: news feeds, the headlines kept from them, and which headlines each channel's digests have shown.
  `
  CREATE TABLE news_feeds (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    url           TEXT    NOT NULL UNIQUE,
    title         TEXT,
    added_by      TEXT    NOT NULL,
    added_by_name TEXT,
    added_at      INTEGER NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    last_fetch_at INTEGER,
    last_ok_at    INTEGER,
    item_count    INTEGER NOT NULL DEFAULT 0,
    health        TEXT    NOT NULL DEFAULT 'pending' CHECK (health IN ('pending', 'ok', 'failing')),
    reason        TEXT,
    next_fetch_at INTEGER NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    notified      INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX news_feeds_due ON news_feeds (next_fetch_at);

  CREATE TABLE news_items (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    feed_id    INTEGER NOT NULL REFERENCES news_feeds (id) ON DELETE CASCADE,
    guid_key   TEXT    UNIQUE,
    link_key   TEXT    UNIQUE,
    title      TEXT    NOT NULL,
    link       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    published  INTEGER,
    companies  TEXT    NOT NULL DEFAULT '[]',
    first_seen INTEGER NOT NULL,
    sort_at    INTEGER NOT NULL
  );
  CREATE INDEX news_items_sort ON news_items (sort_at DESC, id DESC);
  CREATE INDEX news_items_first_seen ON news_items (first_seen);
  CREATE INDEX news_items_feed ON news_items (feed_id);

  CREATE TABLE news_digest_items (
    channel_id  TEXT    NOT NULL,
    item_id     INTEGER NOT NULL REFERENCES news_items (id) ON DELETE CASCADE,
    delivery_id INTEGER,
    shown_at    INTEGER NOT NULL,
    PRIMARY KEY (channel_id, item_id)
  );
  CREATE INDEX news_digest_items_item ON news_digest_items (item_id);
  `,
  // 3: per-schedule admin switch: digests carry the /capex top chart as an image.
  `ALTER TABLE schedules ADD COLUMN chart INTEGER NOT NULL DEFAULT 0;`,
  // 4: revision alerts: subscriptions per channel, the (channel, figure) announcement ledger, and the figure ids
  // the bot has seen in the data (so changes made while it was down are announced once after a restart).
  `
  CREATE TABLE alert_subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id      TEXT    NOT NULL UNIQUE,
    companies       TEXT    NOT NULL DEFAULT '[]',
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'failing')),
    status_reason   TEXT,
    created_by      TEXT    NOT NULL,
    created_by_name TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  );

  CREATE TABLE alert_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id      TEXT    NOT NULL,
    figure_id       TEXT    NOT NULL,
    subscription_id INTEGER NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('added', 'revised')),
    previous_id     TEXT,
    data_version    TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('claimed', 'sending', 'delivered', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    recoveries      INTEGER NOT NULL DEFAULT 0,
    claimed_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    error           TEXT,
    UNIQUE (channel_id, figure_id)
  );
  CREATE INDEX alert_deliveries_unfinished ON alert_deliveries (status, next_attempt_at) WHERE status IN ('claimed', 'sending');

  CREATE TABLE data_figures_seen (
    figure_id    TEXT    PRIMARY KEY,
    first_seen   INTEGER NOT NULL,
    data_version TEXT    NOT NULL,
    baseline     INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX data_figures_seen_first ON data_figures_seen (first_seen) WHERE baseline = 0;

  CREATE TABLE data_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
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
