/**
 * Chart images in Slack, end to end: signed slash commands to the running adapter, the text answer in the ack,
 * then the chart uploaded through the files API of the fake Slack on loopback, where the bytes are decoded.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOT_SCOPES } from '../../../src/adapters/slack/manifest.js';
import { decodePng } from '../../helpers/png.js';
import { postSlash, startHarness, visibleText, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ charts: true });
});
afterAll(async () => h.close());
afterEach(() => h.fake.reset());

describe('charts in Slack', () => {
  it('/compare meta amazon: the full text answer in the ack, then the chart uploaded to that channel as a PNG', async () => {
    const res = await postSlash(h.url, { command: '/compare', text: 'meta amazon', channel_id: 'C0CHARTS' });
    expect(res.json?.response_type).toBe('in_channel');
    // The text stays complete on its own: table and text bars, for notifications and screen readers.
    expect(visibleText(res.json)).toMatch(/Meta Platforms\s+█+░+\s+125–145/);

    const [shared] = await h.fake.waitFor(() => (h.fake.sharedFiles.length ? h.fake.sharedFiles : undefined), 15_000);
    expect(shared!.channelId).toBe('C0CHARTS');
    expect(shared!.title).toMatch(/^AI capex \d{4}, US\$ billion per year$/);
    expect(shared!.upload.filename).toBe('chart.png');
    // Slack reads the alt text from `alt_txt` (the SDK's uploadV2 sends `alt_text`, which Slack ignores).
    expect(shared!.upload.altText).toContain('Meta Platforms');
    expect(h.fake.callsTo('files.getUploadURLExternal')[0]!.body.alt_text).toBeUndefined();
    const bytes = shared!.upload.bytes!;
    expect(bytes.length).toBe(shared!.upload.announcedLength);
    expect(decodePng(bytes)).toMatchObject({ width: 900, height: 500 });
    // The three calls of the files.uploadV2 flow, with the bot's token.
    expect(h.fake.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(h.fake.callsTo('files.completeUploadExternal')[0]!.token).toBe('xoxb-test-token');
  });

  it('/capex meta: its guidance timeline is uploaded too; different answers give different images', async () => {
    await postSlash(h.url, { command: '/capex', text: 'meta' });
    await postSlash(h.url, { command: '/capex', text: 'top' });
    await h.fake.waitFor(() => h.fake.sharedFiles.length === 2, 15_000);
    const [a, b] = h.fake.sharedFiles.map((f) => f.upload.bytes!);
    expect(decodePng(a!).width).toBe(900);
    expect(a!.equals(b!)).toBe(false);
  });

  it('private answers and answers without a chart upload nothing', async () => {
    const error = await postSlash(h.url, { command: '/capex', text: 'alibba' });
    expect(error.json?.response_type).toBe('ephemeral');
    await postSlash(h.url, { command: '/capex', text: 'alibaba' }); // one figure: no chart
    await postSlash(h.url, { command: '/compare', text: 'meta amazon' }); // a marker that uploads
    await h.fake.waitFor(() => h.fake.sharedFiles.length === 1, 15_000);
    expect(h.fake.callsTo('files.getUploadURLExternal')).toHaveLength(1);
  });

  it('GIVEN the bot is not in the channel THEN the asker is told once, privately, how to get charts; the answer stands', async () => {
    h.fake.failChannel('C0NOTJOINED', 'not_in_channel');
    const responseUrl = h.fake.responseUrl('r-notjoined');
    const first = await postSlash(h.url, { command: '/compare', text: 'meta amazon', channel_id: 'C0NOTJOINED', response_url: responseUrl });
    expect(first.json?.response_type).toBe('in_channel');
    const [hint] = await h.fake.waitFor(() => (h.fake.responses('r-notjoined').length ? h.fake.responses('r-notjoined') : undefined), 15_000);
    expect(hint!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(hint!.body.text)).toContain('/invite @capex-bot');

    await postSlash(h.url, { command: '/capex', text: 'top', channel_id: 'C0NOTJOINED', response_url: responseUrl });
    await h.fake.waitFor(() => h.fake.callsTo('files.completeUploadExternal').length === 2, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.fake.responses('r-notjoined')).toHaveLength(1);
    expect(h.fake.sharedFiles).toHaveLength(0);
  });

  it('GIVEN the files API fails THEN the text answer went out anyway and the failure is logged', async () => {
    h.fake.failNext({ kind: 'server-error', status: 503 }, { method: 'files.getUploadURLExternal' });
    const res = await postSlash(h.url, { command: '/compare', text: 'meta amazon' });
    expect(res.status).toBe(200);
    expect(visibleText(res.json)).toContain('Meta Platforms vs Amazon');
    await h.fake.waitFor(() => h.logs.some((l) => String(l.msg).includes('chart upload to Slack failed')), 15_000);
    expect(h.fake.sharedFiles).toHaveLength(0);
  });

  it('the manifest asks for files:write', () => {
    expect(BOT_SCOPES).toContain('files:write');
  });
});

describe('an installation without files:write', () => {
  it('GIVEN missing_scope THEN one warning naming the fix, no further upload attempts, answers unchanged', async () => {
    const own = await startHarness({ charts: true });
    try {
      own.fake.failNext({ kind: 'platform-error', error: 'missing_scope' }, { method: 'files.getUploadURLExternal' });
      await postSlash(own.url, { command: '/compare', text: 'meta amazon' });
      await own.fake.waitFor(() => own.logs.some((l) => String(l.msg).includes('add the files:write scope')), 15_000);
      const second = await postSlash(own.url, { command: '/capex', text: 'top' });
      expect(visibleText(second.json)).toContain('Top AI capex');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(own.fake.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    } finally {
      await own.close();
    }
  });
});

describe('posts without a slash command (digests, when a digest carries a chart)', () => {
  it('GIVEN a reply with a chart THEN the message is posted, then the chart uploaded; a failed upload never fails the post', async () => {
    const { createOutboundWebClient, createSlackOutbound } = await import('../../../src/adapters/slack/outbound.js');
    const { SlackChartUploader } = await import('../../../src/adapters/slack/charts.js');
    const own = await startHarness({ charts: false });
    try {
      const client = createOutboundWebClient({ token: 'xoxb-test-token', slackApiUrl: own.fake.apiUrl });
      const { pino } = await import('pino');
      const logs: string[] = [];
      const outbound = createSlackOutbound(client, { charts: new SlackChartUploader(client, pino({ level: 'warn' }, { write: (l: string) => void logs.push(l) })) });
      const reply = await own.core.handleText('/capex top', { platform: 'slack', userId: 'slack:U1', isAdmin: false, channelId: 'slack:C0DIGEST' });
      await outbound.post('slack:C0DIGEST', reply);
      expect(own.fake.callsTo('chat.postMessage')).toHaveLength(1);
      expect(own.fake.sharedFiles).toHaveLength(1);
      expect(own.fake.sharedFiles[0]!.channelId).toBe('C0DIGEST');
      expect(decodePng(own.fake.sharedFiles[0]!.upload.bytes!).width).toBe(900);

      own.fake.failNext({ kind: 'server-error', status: 500 }, { method: 'files.getUploadURLExternal' });
      await expect(outbound.post('slack:C0DIGEST', reply)).resolves.toMatchObject({ channelId: 'slack:C0DIGEST' });
      expect(own.fake.callsTo('chat.postMessage')).toHaveLength(2);
      expect(logs.some((l) => l.includes('chart upload to Slack failed'))).toBe(true);
    } finally {
      await own.close();
    }
  });
});
