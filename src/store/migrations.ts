/**
 * The migration registry: every schema change, in order, each written for SQLite and for PostgreSQL. A
 * migration's version is its position in this list (1-based), recorded in SQLite's `user_version` or in
 * PostgreSQL's `capex_schema_migrations` table, so an older bot refuses a newer database instead of guessing.
 *
 * Append new migrations (one file under ./migrations/, one line here); never edit or reorder one that has shipped.
 */
import type { Migration } from './migrate.js';
import { schedulesLedgerAudit } from './migrations/001-schedules-ledger-audit.js';
import { news } from './migrations/002-news.js';
import { scheduleChart } from './migrations/003-schedule-chart.js';
import { alerts } from './migrations/004-alerts.js';
import { proposals } from './migrations/005-proposals.js';
import { deliveryLedger } from './migrations/006-delivery-ledger.js';
import { slackInstallations } from './migrations/007-slack-installations.js';
import { scheduleThread } from './migrations/008-schedule-thread.js';
import { newsFeedScopes } from './migrations/009-news-feed-scopes.js';

export const MIGRATIONS: readonly Migration[] = [
  schedulesLedgerAudit, // 1
  news, // 2
  scheduleChart, // 3
  alerts, // 4
  proposals, // 5
  deliveryLedger, // 6
  slackInstallations, // 7
  scheduleThread, // 8
  newsFeedScopes, // 9
];

export { SchemaTooNewError } from './errors.js';
