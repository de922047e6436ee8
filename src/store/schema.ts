/**
 * The tables as Kysely sees them: one description for both dialects (column names are the SQL ones).
 * Epoch-millisecond columns are numbers (PostgreSQL BIGINTs are parsed to numbers, see postgres.ts), flags
 * are 0/1 integers and lists are JSON text, so no query needs a dialect branch.
 */
import type { Generated } from 'kysely';

export interface SchedulesTable {
  id: Generated<number>;
  channel_id: string;
  kind: 'time' | 'cron';
  time: string | null;
  days: string | null;
  cron: string | null;
  zone: string;
  status: Generated<'active' | 'paused' | 'failing' | 'removed'>;
  status_reason: string | null;
  created_by: string;
  created_by_name: string | null;
  created_at: number;
  armed_from: number;
  updated_at: number;
  chart: Generated<number>;
  /** 1 (default): digests post a short parent and their thread (issue 14); 0: one message. */
  thread: Generated<number>;
}

export interface DeliveriesTable {
  id: Generated<number>;
  schedule_id: number;
  slot: string;
  kind: 'scheduled' | 'manual';
  due_at: number;
  channel_id: string;
  status: 'claimed' | 'sending' | 'delivered' | 'missed' | 'failed';
  late: Generated<number>;
  attempts: Generated<number>;
  recoveries: Generated<number>;
  claimed_at: number;
  next_attempt_at: number;
  delivered_at: number | null;
  error: string | null;
  seen_figure_ids: Generated<string>;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  actor_name: string | null;
  action: string;
  schedule_id: number | null;
  details: Generated<string>;
}

export interface NewsFeedsTable {
  id: Generated<number>;
  url: string;
  title: string | null;
  added_by: string;
  added_by_name: string | null;
  added_at: number;
  etag: string | null;
  last_modified: string | null;
  last_fetch_at: number | null;
  last_ok_at: number | null;
  item_count: Generated<number>;
  health: Generated<'pending' | 'ok' | 'failing'>;
  reason: string | null;
  next_fetch_at: number;
  failures: Generated<number>;
  notified: Generated<number>;
}

export interface NewsItemsTable {
  id: Generated<number>;
  feed_id: number;
  guid_key: string | null;
  link_key: string | null;
  title: string;
  link: string;
  source: string;
  published: number | null;
  companies: Generated<string>;
  first_seen: number;
  sort_at: number;
}

export interface NewsDigestItemsTable {
  channel_id: string;
  item_id: number;
  delivery_id: number | null;
  shown_at: number;
}

export interface AlertSubscriptionsTable {
  id: Generated<number>;
  channel_id: string;
  companies: Generated<string>;
  status: Generated<'active' | 'failing'>;
  status_reason: string | null;
  created_by: string;
  created_by_name: string | null;
  created_at: number;
  updated_at: number;
}

export interface AlertDeliveriesTable {
  id: Generated<number>;
  channel_id: string;
  figure_id: string;
  subscription_id: number;
  kind: 'added' | 'revised';
  previous_id: string | null;
  data_version: string;
  status: 'claimed' | 'sending' | 'delivered' | 'failed' | 'skipped';
  attempts: Generated<number>;
  recoveries: Generated<number>;
  claimed_at: number;
  next_attempt_at: number;
  delivered_at: number | null;
  error: string | null;
}

export interface DataFiguresSeenTable {
  figure_id: string;
  first_seen: number;
  data_version: string;
  baseline: Generated<number>;
}

export interface DataStateTable {
  key: string;
  value: string;
}

/** The one leased delivery ledger (migration 6, src/store/ledger.ts). */
export interface DeliveryLedgerTable {
  id: Generated<number>;
  kind: 'digest' | 'alert' | 'notice';
  subject: string;
  target: string;
  slot: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed' | 'missed' | 'skipped';
  due_at: number;
  not_before: number;
  created_at: number;
  lease_owner: string | null;
  lease_until: number;
  attempts: Generated<number>;
  takeovers: Generated<number>;
  ambiguous: Generated<number>;
  delivered_at: number | null;
  error: string | null;
  payload: string;
  result: string | null;
  progress: string | null;
  message_ref: string | null;
}

export interface Tables {
  schedules: SchedulesTable;
  deliveries: DeliveriesTable;
  audit_log: AuditLogTable;
  news_feeds: NewsFeedsTable;
  news_items: NewsItemsTable;
  news_digest_items: NewsDigestItemsTable;
  alert_subscriptions: AlertSubscriptionsTable;
  alert_deliveries: AlertDeliveriesTable;
  data_figures_seen: DataFiguresSeenTable;
  data_state: DataStateTable;
  delivery_ledger: DeliveryLedgerTable;
  slack_installations: SlackInstallationsTable;
}

/** Slack workspaces that installed the bot through OAuth (migration 7, src/store/installations.ts); bot_token is encrypted. */
export interface SlackInstallationsTable {
  id: string;
  team_id: string | null;
  team_name: string | null;
  enterprise_id: string | null;
  enterprise_name: string | null;
  is_enterprise_install: Generated<number>;
  app_id: string | null;
  bot_id: string | null;
  bot_user_id: string;
  bot_scopes: Generated<string>;
  bot_token: string;
  installer_user_id: string | null;
  installed_at: number;
  updated_at: number;
}
