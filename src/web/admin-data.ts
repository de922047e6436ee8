/**
 * What `/admin` shows, read through the services' public interfaces (the digest service and its Store, the
 * news service, the alert service's store, the live data) — never a database handle. Each part is read on
 * its own: one that cannot be read says so and the rest still shows. Nothing here carries a token or secret
 * (schedules, feeds and subscriptions hold none; feed URLs are shown as the admin typed them).
 */
import type { Services } from '../core/command.js';
import type { AlertSubscription } from '../alerts/store.js';
import type { LiveData } from '../data/live.js';
import type { FeedRecord } from '../news/store.js';
import type { DigestService } from '../schedule/service.js';
import type {} from '../commands/services.js';
import type { DeliveryRecord, ScheduleRecord } from '../store/types.js';

export interface ScheduleHealth {
  schedule: ScheduleRecord;
  platform: string;
  /** Next slot's due time (epoch ms) for an active schedule. */
  nextRun?: number;
  lastDelivery?: DeliveryRecord;
  /** The newest delivered post. */
  lastDelivered?: DeliveryRecord;
  missed: number;
  failures: number;
  /** The newest failed delivery's reason. */
  lastFailure?: { at: number; error: string };
}

export type Part<T> = { state: 'ok'; rows: T[] } | { state: 'off'; why: string } | { state: 'error' };

export interface AdminSnapshot {
  data?: ReturnType<LiveData['status']>;
  schedules: Part<ScheduleHealth>;
  feeds: Part<FeedRecord>;
  alerts: Part<AlertSubscription>;
  /** The chat adapters this process runs, with their health ("slack: ok"). */
  adapters?: readonly string[];
}

async function part<T>(available: unknown, why: string, read: () => Promise<T[]>, onError: (err: unknown) => void): Promise<Part<T>> {
  if (!available) return { state: 'off', why };
  try {
    return { state: 'ok', rows: await read() };
  } catch (error) {
    onError(error);
    return { state: 'error' };
  }
}

async function scheduleHealth(digest: DigestService): Promise<ScheduleHealth[]> {
  const schedules = await digest.store.listSchedules();
  // Deliveries live in the delivery ledger the engine writes (src/delivery), read through the digest service.
  const summaries = await digest.summaries(schedules.map((s) => s.id));
  const rows: ScheduleHealth[] = [];
  for (const schedule of schedules) {
    const deliveries = await digest.deliveriesOf(schedule.id);
    const failed = deliveries.filter((d) => d.status === 'failed');
    const lastFailed = failed.reduce<DeliveryRecord | undefined>((a, d) => (!a || d.dueAt > a.dueAt ? d : a), undefined);
    const delivered = deliveries.filter((d) => d.status === 'delivered').reduce<DeliveryRecord | undefined>((a, d) => (!a || (d.deliveredAt ?? 0) > (a.deliveredAt ?? 0) ? d : a), undefined);
    const summary = summaries.get(schedule.id);
    rows.push({
      schedule,
      platform: schedule.channelId.split(':')[0] ?? '?',
      nextRun: schedule.status === 'active' ? digest.nextRuns(schedule, 1)[0]?.dueAt : undefined,
      lastDelivery: summary?.last,
      lastDelivered: delivered,
      missed: summary?.missed ?? 0,
      failures: failed.length,
      lastFailure: lastFailed ? { at: lastFailed.dueAt, error: lastFailed.error ?? 'no reason recorded' } : undefined,
    });
  }
  return rows.sort((a, b) => a.schedule.channelId.localeCompare(b.schedule.channelId) || a.schedule.id - b.schedule.id);
}

export async function readAdminSnapshot(services: Services, onError: (err: unknown) => void): Promise<AdminSnapshot> {
  const { live, digest, news, alerts } = services;
  const noDatabase = 'not set up in this run (no database)';
  return {
    data: live?.status(),
    schedules: await part(digest, noDatabase, () => scheduleHealth(digest!), onError),
    feeds: await part(news, noDatabase, () => news!.listFeeds(), onError),
    alerts: await part(alerts, noDatabase, () => alerts!.store.listSubscriptions(), onError),
    adapters: services.adapters?.().map((a) => `${a.label}: ${a.health.status}${a.health.reason ? ` (${a.health.reason})` : ''}`),
  };
}
