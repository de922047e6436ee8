/**
 * Discord's protocol rules, through signed interactions to the running endpoint and the fake Discord API:
 * stale timestamps and replayed interaction ids are refused; anything slow is deferred (type 5) within
 * 3 seconds and answered by an edit of @original; a revoked token (401, or gateway close 4004) stops posting
 * after the one request that found out and turns health degraded; admin commands are gated by Discord.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createCore } from '../../../src/app.js';
import { HttpServer } from '../../../src/http/server.js';
import { startDiscord, type DiscordAdapter } from '../../../src/adapters/discord/index.js';
import { buildDiscordCommands } from '../../../src/adapters/discord/commands.js';
import { createDiscordOutbound } from '../../../src/adapters/discord/outbound.js';
import { createDiscordRest } from '../../../src/adapters/discord/rest.js';
import { TokenState } from '../../../src/adapters/token-state.js';
import { createChartRest } from '../../../src/adapters/discord/charts.js';
import { finishDeferred } from '../../../src/adapters/discord/deferral.js';
import { commands as realCommands } from '../../../src/commands/index.js';
import { defineCommand, type CommandSpec } from '../../../src/core/command.js';
import { Core } from '../../../src/core/core.js';
import { z } from 'zod';
import type { Reply } from '../../../src/core/reply.js';
import { addressPolicy } from '../../../src/news/address-policy.js';
import { Harness } from '../../schedule/harness.js';
import { NewsHarness } from '../../news/harness.js';
import { FeedServer, fixture } from '../../news/feed-server.js';
import { bundledData } from '../../helpers/core.js';
import { startFakeDiscord, type FakeDiscord } from '../../helpers/fake-discord.js';
import { ADMIN, command, generateKeys, rawInteraction, signedHeaders } from './signing.js';

const keys = generateKeys();
const CHANNEL = '880000000000000088';
let fake: FakeDiscord;
let feeds: FeedServer;
let schedules: Harness;
let news: NewsHarness;
let server: HttpServer;
let url: string;
let slowDns = 0;

beforeAll(async () => {
  fake = await startFakeDiscord();
  feeds = await FeedServer.start();
  feeds.serve('/wire.rss', fixture('ai-capex.rss'));
  const outbound = createDiscordOutbound(createDiscordRest({ token: 'bot-token', apiUrl: fake.url, timeoutMs: 20_000 }));
  schedules = new Harness({ start: '2026-05-15T08:00:00Z', outbounds: [outbound] });
  // The feed's host name resolves as slowly as `slowDns` says: the untimed DNS lookup behind `feeds add`.
  news = new NewsHarness({
    start: '2026-05-15T08:00:00Z',
    service: {
      policy: addressPolicy({
        allowPrivate: true,
        resolveAll: async () => {
          await new Promise((resolve) => setTimeout(resolve, slowDns));
          return [{ address: '127.0.0.1', family: 4 }];
        },
      }),
    },
  });
  const core = createCore({ data: bundledData, services: { digest: schedules.service, news: news.news }, now: () => new Date(schedules.clock.now()) });
  server = new HttpServer(() => ({}));
  await startDiscord({ core, config: { DISCORD_PUBLIC_KEY: keys.publicKeyHex, DISCORD_API_URL: fake.url }, http: server, logger: pino({ level: 'silent' }), charts: false });
  url = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}/discord/interactions`;
});
afterEach(() => {
  fake.reset();
  slowDns = 0;
});
afterAll(async () => {
  await server.close();
  await schedules.cleanup();
  await news.cleanup();
  await feeds.close();
  await fake.close();
});

async function post(payload: Record<string, unknown>, timestamp?: string): Promise<{ status: number; body: any; ms: number }> {
  const body = JSON.stringify(payload);
  const started = Date.now();
  const res = await fetch(url, { method: 'POST', headers: signedHeaders(keys, body, timestamp), body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, ms: Date.now() - started };
}

const sub = (name: string, options: unknown[] = []) => [{ name, type: 1, options }];
const addDigest = (time: string, o = ADMIN) => command('digest', sub('add', [{ name: 'time', type: 3, value: time }, { name: 'channel', type: 7, value: CHANNEL }]), o);
const scheduleCount = async () => (await schedules.service.store.listSchedules()).length;

async function waitFor<T>(check: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('replays', () => {
  it('GIVEN an interaction signed 10 minutes ago THEN 401 and nothing runs', async () => {
    const before = await scheduleCount();
    const old = String(Math.floor(Date.now() / 1000) - 10 * 60);
    const res = await post(addDigest('07:00'), old);
    expect(res.status).toBe(401);
    expect(await scheduleCount()).toBe(before);
    // From the future is as suspect as from the past.
    expect((await post(rawInteraction(1), String(Math.floor(Date.now() / 1000) + 10 * 60))).status).toBe(401);
  });

  it('GIVEN the same signed interaction twice THEN it is answered once and one schedule is created', async () => {
    const before = await scheduleCount();
    const interaction = addDigest('07:30');
    const first = await post(interaction);
    expect(first.status).toBe(200);
    expect(first.body.data.embeds[0].title).toMatch(/Digest scheduled/);
    const again = await post(interaction);
    expect(again.status).toBe(401);
    expect(await scheduleCount()).toBe(before + 1);
  });
});

describe('deferral', () => {
  it('GIVEN Discord takes 5 s to accept the post WHEN an admin runs /digest send THEN "thinking…" within 3 s and the answer by edit', async () => {
    const added = await post(addDigest('08:15'));
    const id = /Schedule (\d+)/.exec(JSON.stringify(added.body.data.embeds[0]))?.[1];
    expect(id).toBeDefined();
    // About deferral: the digest as one message (a post plus a thread is the default, issue 14).
    await post(command('digest', sub('thread', [{ name: 'id', type: 3, value: id }, { name: 'thread', type: 3, value: 'off' }]), ADMIN));
    fake.delay(`/channels/${CHANNEL}/messages`, 5_000);

    const interaction = command('digest', sub('send', [{ name: 'id', type: 3, value: id }]), ADMIN);
    const res = await post(interaction);
    expect(res.ms).toBeLessThan(3_000);
    expect(res.body).toEqual({ type: 5, data: { flags: 64 } });

    const edit = await waitFor(() => fake.requestsTo('PATCH', `/webhooks/500000000000000005/${String(interaction.token)}/messages/@original`)[0]).catch((e) => {
      throw new Error(`${e} — requests: ${fake.requests.map((r) => `${r.method} ${r.route}`).join(', ')}`);
    });
    expect((edit.body as any).embeds[0].title).toBe('Digest posted');
    expect((edit.body as any).allowed_mentions).toEqual({ parse: [] });
    expect(fake.requestsTo('POST', `/channels/${CHANNEL}/messages`)).toHaveLength(1);
  }, 15_000);

  it('GIVEN the feed host takes 5 s to resolve WHEN an admin adds a feed THEN "thinking…" within 3 s and the answer by edit', async () => {
    slowDns = 5_000;
    const interaction = command('digest', sub('feeds', [{ name: 'action', type: 3, value: 'add' }, { name: 'target', type: 3, value: feeds.url('/wire.rss').replace('127.0.0.1', 'feeds.example') }]), ADMIN);
    const res = await post(interaction);
    expect(res.ms).toBeLessThan(3_000);
    expect(res.body.type).toBe(5);
    const edit = await waitFor(() => fake.interactionMessages(String(interaction.token)).find((r) => r.method === 'PATCH'));
    expect((edit.body as any).embeds[0].title).toMatch(/News feed \d+ added/);
  }, 15_000);

  it('GIVEN a public answer after a private deferral THEN it arrives as a public follow-up and the placeholder is deleted', async () => {
    const reply: Reply = { kind: 'answer', visibility: 'public', title: 'Public', lines: ['x'], summary: 'x' };
    const target = await finishDeferred(createChartRest(fake.url), '500000000000000005', 'tok-follow', reply, true, pino({ level: 'silent' }));
    const calls = fake.interactionMessages('tok-follow').map((r) => `${r.method} ${r.route}`);
    expect(calls).toEqual(['POST /webhooks/500000000000000005/tok-follow', 'DELETE /webhooks/500000000000000005/tok-follow/messages/@original']);
    expect((fake.interactionMessages('tok-follow')[0]!.body as any).flags).toBeUndefined();
    expect(target).toMatch(/^\d+$/);
  });
});

describe("Discord's permission gate", () => {
  it('/digest carries Manage Server as its default permission and is offered in servers only', () => {
    const digest = buildDiscordCommands(realCommands).json.find((c) => c.name === 'digest')!;
    expect(digest.default_member_permissions).toBe('32');
    expect(digest.contexts).toEqual([0]);
  });

  it('GIVEN a member the server delegated /digest to (no Manage Server) THEN Discord let them in and the bot trusts it', async () => {
    const res = await post(addDigest('09:45', { permissions: '2048' }));
    expect(res.body.data.embeds[0].description ?? '').not.toContain('Only admins');
    expect(JSON.stringify(res.body.data.embeds[0])).toMatch(/Schedule \d+/);
  });

  it('GIVEN /digest invoked outside a server (a DM) THEN it is refused privately', async () => {
    const res = await post(command('digest', sub('add', [{ name: 'time', type: 3, value: '09:00' }]), { dm: true }));
    expect(res.body.data.flags).toBe(64);
    expect(res.body.data.embeds[0].description).toContain('Only admins');
  });
});

describe('a revoked token', () => {
  const digest: Reply = { kind: 'answer', visibility: 'public', title: 'Digest', lines: ['x'], summary: 'x' };

  it('GIVEN Discord answers 401 THEN TokenRevokedError, no further request, and the state says why', async () => {
    const token = new TokenState('discord');
    const outbound = createDiscordOutbound(createDiscordRest({ token: 'bot-token', apiUrl: fake.url, timeoutMs: 2_000 }), { tokenState: token });
    fake.revokeToken();
    await expect(outbound.post('discord:123', digest)).rejects.toMatchObject({ kind: 'token_revoked', platform: 'discord' });
    await expect(outbound.post('discord:456', digest)).rejects.toMatchObject({ kind: 'token_revoked' });
    await expect(outbound.sendDirect('discord:789', digest)).rejects.toMatchObject({ kind: 'token_revoked' });
    expect(fake.requests.filter((r) => r.route.startsWith('/channels/') || r.route.startsWith('/users/'))).toHaveLength(1);
    expect(token.reason).toContain('401');
  });

  it('GIVEN a second client after @discordjs/rest dropped the token THEN still a token error, not "the platform is slow"', async () => {
    const rest = createDiscordRest({ token: 'bot-token', apiUrl: fake.url, timeoutMs: 2_000 });
    fake.revokeToken();
    await expect(createDiscordOutbound(rest).post('discord:1', digest)).rejects.toMatchObject({ kind: 'token_revoked' });
    // Same REST client (token now dropped by the library), a fresh outbound with no memory of the 401.
    await expect(createDiscordOutbound(rest).post('discord:2', digest)).rejects.toMatchObject({ kind: 'token_revoked' });
  });

  it('classifies the other failures for the delivery engine', async () => {
    // A fresh client each time: a global 429 holds the library's global bucket.
    const fresh = () => createDiscordOutbound(createDiscordRest({ token: 'bot-token', apiUrl: fake.url, timeoutMs: 2_000 }));
    fake.failNext({ kind: 'rate-limit', retryAfterSeconds: 2, global: true });
    await expect(fresh().post('discord:1', digest)).rejects.toMatchObject({ kind: 'rate_limited', scope: 'global', retryAfterMs: 2000 });
    fake.failNext({ kind: 'rate-limit', retryAfterSeconds: 1 });
    const outbound = fresh();
    await expect(outbound.post('discord:1', digest)).rejects.toMatchObject({ kind: 'rate_limited', scope: 'channel', retryAfterMs: 1000 });
    fake.failNext({ kind: 'api-error', status: 403, code: 50013, message: 'Missing Permissions' });
    await expect(outbound.post('discord:1', digest)).rejects.toMatchObject({ kind: 'permission' });
    fake.failNext({ kind: 'api-error', status: 400, code: 50035, message: 'Invalid Form Body' });
    await expect(outbound.post('discord:1', digest)).rejects.toMatchObject({ kind: 'permanent' });
  });

  it('GIVEN a slow command over the gateway THEN deferReply within 3 s and the answer by editing @original', async () => {
    let adapter: DiscordAdapter | undefined;
    const slow = defineCommand({
      id: 'slow', path: ['slow'], summary: 'Waits on a slow platform', usage: '/slow', examples: [], options: z.object({}), fromText: () => ({}),
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 3_500));
        return { kind: 'answer', visibility: 'public', title: 'Finally', lines: ['done'], summary: 'done' };
      },
    });
    try {
      const core = new Core({ commands: [...realCommands, slow] as CommandSpec[], data: () => bundledData });
      adapter = await startDiscord({ core, config: { DISCORD_TOKEN: 'bot-token', DISCORD_API_URL: fake.url }, logger: pino({ level: 'silent' }), charts: false });
      await fake.gateway.connected();
      const interaction = command('slow');
      const sent = Date.now();
      fake.gateway.dispatch('INTERACTION_CREATE', interaction);
      const callback = await waitFor(() => fake.requestsTo('POST', `/interactions/${String(interaction.id)}/`)[0]);
      expect(Date.now() - sent).toBeLessThan(3_000);
      expect((callback.body as any).type).toBe(5);
      expect((callback.body as any).data.flags ?? 0).toBe(0); // public: /slow answers for the channel
      const edit = await waitFor(() => fake.requestsTo('PATCH', `/webhooks/500000000000000005/${String(interaction.token)}/messages/@original`)[0]);
      expect((edit.body as any).embeds[0].title).toBe('Finally');
    } finally {
      await adapter?.stop();
    }
  }, 15_000);

  it('GIVEN the gateway closes with 4004 THEN the adapter reports degraded health and stops posting', async () => {
    let adapter: DiscordAdapter | undefined;
    try {
      const core = createCore({ data: bundledData });
      adapter = await startDiscord({ core, config: { DISCORD_TOKEN: 'bot-token', DISCORD_API_URL: fake.url }, logger: pino({ level: 'silent' }), charts: false });
      await fake.gateway.connected();
      expect(adapter.health().status).toBe('ok');
      fake.revokeToken();
      await waitFor(() => adapter!.health().status === 'degraded');
      expect(adapter.health().reason).toContain('4004');
      fake.reset();
      await expect(adapter.outbound!.post('discord:1', digest)).rejects.toMatchObject({ kind: 'token_revoked' });
      expect(fake.requestsTo('POST', '/channels/')).toHaveLength(0);
    } finally {
      await adapter?.stop();
    }
  }, 15_000);
});
