/**
 * The production wiring: `createRuntime` installs `services.alerts` over the digest database, `startAlerts`
 * follows `runtime.live`, the digest service sees the alert service's arrivals, and `runtime.close()` stops
 * everything (alerts before the database). Posts go to the fake Slack API through the real Slack outbound.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundWebClient, createSlackOutbound } from '../../src/adapters/slack/outbound.js';
import { startAlerts } from '../../src/alerts/wire.js';
import type { AlertService } from '../../src/alerts/service.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/log.js';
import { createRuntime } from '../../src/runtime.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { BOT_TOKEN, visibleText } from '../adapters/slack/harness.js';
import { shown } from '../core/shown.js';
import { GOOD, META_LINE, META_REVISION, withRows } from '../helpers/data-edits.js';
import { adminOn } from './harness.js';

let fake: FakeSlack;
let dir: string;
beforeAll(async () => {
  fake = await startFakeSlack({ validToken: BOT_TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'capex-alerts-wire-'));
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start() {
  const config = loadConfig({}, { DATA_FILE: join(dir, 'capex-data.yaml'), DATABASE_URL: join(dir, 'db', 'capex-bot.sqlite'), DATA_REFRESH_MINUTES: '0' });
  const runtime = await createRuntime(config, silentLogger);
  const outbound = createSlackOutbound(createOutboundWebClient({ token: BOT_TOKEN, slackApiUrl: fake.apiUrl }));
  const alerts = await startAlerts(runtime, [outbound]);
  return { runtime, alerts: alerts as AlertService };
}

describe('startAlerts on the runtime', () => {
  it('announces a data change in a subscribed channel once, across a restart, and the digest preview lists it', async () => {
    writeFileSync(join(dir, 'capex-data.yaml'), GOOD);
    const first = await start();
    expect(first.alerts).toBe(first.runtime.services.alerts);
    const on = await first.runtime.core.handleText('/capex-digest alerts on meta <#C0WIRE|wire>', adminOn('slack', 'C0OPS'));
    expect(shown(on, 'slack')).toContain('Revision alerts on in <#C0WIRE>');

    writeFileSync(join(dir, 'capex-data.yaml'), withRows(GOOD, '2026-11-25.2', META_REVISION));
    await first.runtime.live.check();
    await first.alerts.idle();
    const posts = () => fake.callsTo('chat.postMessage').filter((c) => c.body.channel === 'C0WIRE');
    expect(posts()).toHaveLength(1);
    expect(visibleText(posts()[0]!.body)).toContain(META_LINE);

    // The digest service of the same runtime reads the alert service's arrivals.
    const preview = await first.runtime.core.handleText('/capex-digest preview', { ...adminOn('slack', 'C0WIRE'), timeZone: 'UTC' });
    expect(preview.lines.join('\n')).toContain('Meta Platforms, capex guidance (raised) (CY2026): revised US$125–145B → US$135–150B (29 Jul 2026)');

    await first.runtime.close();
    expect(first.alerts.running).toBe(false);

    const second = await start();
    await second.alerts.idle();
    expect(posts()).toHaveLength(1);
    await second.runtime.close();
  });
});
