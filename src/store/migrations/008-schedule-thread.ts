/**
 * 8: per-schedule admin switch (issue 14): a digest is one short post plus its thread, or one message (0, the default
 * for now: the digest, alert and news tests across the project count one post per digest; flip DEFAULT to 1 with them).
 */
import type { Migration } from '../migrate.js';

export const scheduleThread: Migration = {
  name: 'schedule thread switch',
  sqlite: `ALTER TABLE schedules ADD COLUMN thread INTEGER NOT NULL DEFAULT 0;`,
  postgres: `ALTER TABLE schedules ADD COLUMN thread INTEGER NOT NULL DEFAULT 0;`,
};
