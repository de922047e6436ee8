/** 3: per-schedule admin switch: digests carry the /capex top chart as an image. */
import type { Migration } from '../migrate.js';

export const scheduleChart: Migration = {
  name: 'schedule chart switch',
  sqlite: `ALTER TABLE schedules ADD COLUMN chart INTEGER NOT NULL DEFAULT 0;`,
  postgres: `ALTER TABLE schedules ADD COLUMN chart INTEGER NOT NULL DEFAULT 0;`,
};
