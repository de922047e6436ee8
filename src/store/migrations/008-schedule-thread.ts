/** 8: per-schedule admin switch (issue 14): a digest is one short post plus its thread (1, the default) or one message. */
import type { Migration } from '../migrate.js';

export const scheduleThread: Migration = {
  name: 'schedule thread switch',
  sqlite: `ALTER TABLE schedules ADD COLUMN thread INTEGER NOT NULL DEFAULT 1;`,
  postgres: `ALTER TABLE schedules ADD COLUMN thread INTEGER NOT NULL DEFAULT 1;`,
};
