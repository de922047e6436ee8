/** The alert ledger on a real SQLite file: one claim per (channel, figure), baselines, and recovery after a crash. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';

const dirs: string[] = [];
const opened: SqliteStore[] = [];
function open(dir = mkdtempSync(join(tmpdir(), 'capex-alert-store-'))) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const db = new SqliteStore(join(dir, 'capex-bot.sqlite'));
  opened.push(db);
  return { dir, db, alerts: db.alerts };
}
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const who = { actor: 'slack:UADMIN', actorName: 'alice' };

describe('SqliteAlertStore', () => {
  it('claims a (channel, figure) once, even when asked again after a reopen', async () => {
    const { dir, alerts } = open();
    const { subscription } = await alerts.subscribe({ channelId: 'slack:C1', companies: [], ...who }, 1_000);
    const claim = { channelId: 'slack:C1', figureId: 'meta-x', subscriptionId: subscription.id, kind: 'revised' as const, previousId: 'meta-w' };
    expect(await alerts.recordArrivals({ figureIds: ['meta-x'], dataVersion: 'v2', baseline: false, claims: [claim] }, 2_000)).toHaveLength(1);
    const again = open(dir).alerts;
    expect(await again.recordArrivals({ figureIds: ['meta-x'], dataVersion: 'v2', baseline: false, claims: [claim] }, 3_000)).toEqual([]);
    expect((await again.deliveriesTo('slack:C1')).map((d) => [d.figureId, d.kind, d.previousId, d.status])).toEqual([['meta-x', 'revised', 'meta-w', 'claimed']]);
    expect(await again.getState('last_data_version')).toBe('v2');
  });

  it('baseline figures are seen but never "arrived"; later ones arrive with their time', async () => {
    const { alerts } = open();
    expect((await alerts.seenFigures()).empty).toBe(true);
    await alerts.recordArrivals({ figureIds: ['a', 'b'], dataVersion: 'v1', baseline: true, claims: [] }, 1_000);
    await alerts.recordArrivals({ figureIds: ['c'], dataVersion: 'v2', baseline: false, claims: [] }, 5_000);
    expect([...(await alerts.seenFigures()).ids].sort()).toEqual(['a', 'b', 'c']);
    expect(await alerts.arrivedSince(0)).toEqual(['c']);
    expect(await alerts.arrivedSince(5_000)).toEqual([]);
  });

  it('a row left "sending" by a dead process is retried once, then given up', async () => {
    const { dir, alerts } = open();
    const { subscription } = await alerts.subscribe({ channelId: 'slack:C1', companies: ['meta'], ...who }, 1_000);
    const [row] = await alerts.recordArrivals(
      { figureIds: ['f'], dataVersion: 'v2', baseline: false, claims: [{ channelId: 'slack:C1', figureId: 'f', subscriptionId: subscription.id, kind: 'added' }] },
      2_000,
    );
    await alerts.markSending([row!.id]);
    const second = open(dir).alerts;
    expect(await second.recoverInFlight(3_000)).toEqual({ requeued: 1, failed: 0 });
    expect((await second.pendingFor('slack:C1', 3_000)).map((r) => r.recoveries)).toEqual([1]);
    await second.markSending([row!.id]);
    const third = open(dir).alerts;
    expect(await third.recoverInFlight(4_000)).toEqual({ requeued: 0, failed: 1 });
    expect((await third.deliveriesTo('slack:C1'))[0]!.status).toBe('failed');
  });

  it('failing happens once per episode and is audited; on again makes the subscription active', async () => {
    const { db, alerts } = open();
    const { subscription } = await alerts.subscribe({ channelId: 'discord:9', companies: [], ...who }, 1_000);
    expect((await alerts.markFailing(subscription.id, 'Discord cannot reach channel 9', 2_000))?.status).toBe('failing');
    expect(await alerts.markFailing(subscription.id, 'again', 3_000)).toBeUndefined();
    const { subscription: back, before } = await alerts.subscribe({ channelId: 'discord:9', companies: ['meta'], ...who }, 4_000);
    expect(before?.status).toBe('failing');
    expect([back.status, back.statusReason, back.companies]).toEqual(['active', null, ['meta']]);
    expect((await db.auditLog()).map((e) => [e.action, e.actor]).reverse()).toEqual([
      ['alerts-on', 'slack:UADMIN'],
      ['alerts-failing', 'system'],
      ['alerts-on', 'slack:UADMIN'],
    ]);
  });
});
