/**
 * The installation store on a real SQLite file and a real PostgreSQL database: tokens are encrypted at rest
 * (the file's bytes and the column hold no token), rotation re-encrypts under the new key, a workspace is
 * suspended and resumed without touching another one, and a database made by the previous release (schema 4,
 * one workspace, `slack:C1` ids) is upgraded to team-scoped ids with every schedule and ledger row kept.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/index.js';
import { SlackInstallationStore, type SlackInstallationRecord } from '../../src/store/installations.js';
import { TokenCipher, TokenDecryptError, TokenKeyError, parseTokenKey } from '../../src/store/token-cipher.js';
import { usePostgresDatabase } from '../helpers/postgres.js';

const RELEASE_V4 = new URL('../store/fixtures/release-v4.sqlite', import.meta.url).pathname;
const KEY = randomBytes(32);
const T1_TOKEN = 'xoxb-t1-0123456789-SECRETSECRETSECRET';
const T2_TOKEN = 'xoxb-t2-9876543210-OTHERSECRETOTHER';

const install = (teamId: string, botToken: string, extra: Partial<SlackInstallationRecord> = {}): SlackInstallationRecord => ({
  teamId,
  teamName: `Team ${teamId}`,
  isEnterpriseInstall: false,
  botUserId: `UBOT${teamId}`,
  botId: `B${teamId}`,
  botScopes: ['commands', 'chat:write'],
  botToken,
  installerUserId: 'UADMIN',
  installedAt: 1_700_000_000_000,
  ...extra,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'capex-install-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('token cipher', () => {
  it('GIVEN a value encrypted for one row THEN it decrypts there, not on another row, and not with another key', () => {
    const cipher = new TokenCipher(KEY);
    const sealed = cipher.encrypt(T1_TOKEN, 'T:T1');
    expect(sealed).not.toContain('xoxb');
    expect(cipher.decrypt(sealed, 'T:T1')).toBe(T1_TOKEN);
    expect(() => cipher.decrypt(sealed, 'T:T2')).toThrow(TokenDecryptError);
    expect(() => new TokenCipher(randomBytes(32)).decrypt(sealed, 'T:T1')).toThrow(/TOKEN_ENCRYPTION_KEY_PREVIOUS/);
    // A flipped byte of the ciphertext is refused by the GCM tag.
    const parts = sealed.split('.');
    const body = Buffer.from(parts[4]!, 'base64url');
    body[0] = body[0]! ^ 1;
    expect(() => cipher.decrypt([...parts.slice(0, 4), body.toString('base64url')].join('.'), 'T:T1')).toThrow(TokenDecryptError);
  });

  it('GIVEN keys in hex or base64 THEN both parse, and anything but 32 bytes is refused with how to make one', () => {
    expect(parseTokenKey(KEY.toString('hex'))).toEqual(KEY);
    expect(parseTokenKey(KEY.toString('base64'))).toEqual(KEY);
    expect(() => parseTokenKey('too-short')).toThrow(TokenKeyError);
    expect(() => parseTokenKey(randomBytes(16).toString('hex'))).toThrow(/openssl rand/);
    expect(() => TokenCipher.fromConfig({})).toThrow(/TOKEN_ENCRYPTION_KEY is not set/);
  });
});

async function exerciseStore(database: Database): Promise<SlackInstallationStore> {
  const store = new SlackInstallationStore(database, new TokenCipher(KEY));
  await store.save(install('T1', T1_TOKEN));
  await store.save(install('T2', T2_TOKEN));
  expect((await store.find({ teamId: 'T1' }))?.botToken).toBe(T1_TOKEN);
  expect((await store.find({ teamId: 'T2' }))?.botToken).toBe(T2_TOKEN);
  expect(await store.find({ teamId: 'T3' })).toBeUndefined();
  return store;
}

describe('installation store on SQLite', () => {
  it('GIVEN two installations THEN each is found with its own token, and no byte of the file holds a token', async () => {
    const file = join(dir, 'bot.sqlite');
    const database = await openDatabase(file);
    await exerciseStore(database);
    await database.close();
    // Every file SQLite wrote (the database, and a WAL/journal if one is left) is searched for the tokens.
    const files = readdirSync(dir).filter((f) => f.startsWith('bot.sqlite'));
    expect(files).toContain('bot.sqlite');
    for (const f of files) {
      const bytes = readFileSync(join(dir, f));
      expect(bytes.includes(Buffer.from('xoxb-')), f).toBe(false);
      expect(bytes.includes(Buffer.from('SECRETSECRET')), f).toBe(false);
    }
  });

  it('GIVEN a re-install THEN the row is replaced; an org-wide install answers for every team of its enterprise; delete removes it', async () => {
    const database = await openDatabase(join(dir, 'bot.sqlite'));
    const store = new SlackInstallationStore(database, new TokenCipher(KEY));
    await store.save(install('T1', T1_TOKEN));
    await store.save(install('T1', 'xoxb-t1-new'));
    expect((await store.list()).map((i) => i.botToken)).toEqual(['xoxb-t1-new']);
    await store.save(install('', 'xoxb-org', { teamId: undefined, enterpriseId: 'E1', isEnterpriseInstall: true }));
    expect((await store.find({ teamId: 'T9', enterpriseId: 'E1' }))?.botToken).toBe('xoxb-org');
    expect((await store.find({ teamId: 'T1', enterpriseId: 'E1' }))?.botToken).toBe('xoxb-t1-new');
    expect(await store.delete({ teamId: 'T1' })).toBe(true);
    expect(await store.delete({ teamId: 'T1' })).toBe(false);
    expect(await store.find({ teamId: 'T1' })).toBeUndefined();
    await database.close();
  });

  it('GIVEN tokens written under an old key THEN they are still read with it as previous key, and re-encrypted under the new one', async () => {
    const database = await openDatabase(join(dir, 'bot.sqlite'));
    const oldKey = randomBytes(32);
    await new SlackInstallationStore(database, new TokenCipher(oldKey)).save(install('T1', T1_TOKEN));
    const newKey = randomBytes(32);
    expect(() => new TokenCipher(newKey).decrypt('v1.x.y.z.w', 'T:T1')).toThrow(TokenDecryptError);
    const rotated = new SlackInstallationStore(database, new TokenCipher(newKey, [oldKey]));
    expect((await rotated.find({ teamId: 'T1' }))?.botToken).toBe(T1_TOKEN);
    expect(await rotated.reencryptStale()).toEqual({ reencrypted: 1, unreadable: [] });
    expect(await rotated.reencryptStale()).toEqual({ reencrypted: 0, unreadable: [] });
    // The old key is no longer needed.
    expect((await new SlackInstallationStore(database, new TokenCipher(newKey)).find({ teamId: 'T1' }))?.botToken).toBe(T1_TOKEN);
    // A row no configured key opens is reported, not fatal: the other rows are still re-encrypted.
    await new SlackInstallationStore(database, new TokenCipher(randomBytes(32))).save(install('T2', T2_TOKEN));
    const third = randomBytes(32);
    await new SlackInstallationStore(database, new TokenCipher(newKey)).save(install('T3', 'xoxb-t3'));
    expect(await new SlackInstallationStore(database, new TokenCipher(third, [newKey])).reencryptStale()).toEqual({ reencrypted: 2, unreadable: ['T:T2'] });
    await database.close();
  });

  it('GIVEN the previous release’s single-workspace file THEN ids become team-scoped and every schedule, ledger, alert and news row is kept', async () => {
    const file = join(dir, 'old.sqlite');
    copyFileSync(RELEASE_V4, file);
    const database = await openDatabase(file);
    const db = database.kysely;
    const before = {
      schedules: await db.selectFrom('schedules').selectAll().orderBy('id').execute(),
      deliveries: await db.selectFrom('deliveries').selectAll().orderBy('id').execute(),
      ledger: await db.selectFrom('delivery_ledger').selectAll().orderBy('id').execute(),
    };
    expect(before.schedules.map((s) => s.channel_id)).toEqual(['slack:C1', 'discord:42']);
    const store = new SlackInstallationStore(database, new TokenCipher(KEY));
    expect(await store.scopeSingleWorkspaceRows('T0FAKE')).toBeGreaterThan(0);
    const schedules = await db.selectFrom('schedules').selectAll().orderBy('id').execute();
    expect(schedules.map((s) => s.channel_id)).toEqual(['slack:T0FAKE:C1', 'discord:42']);
    expect(schedules.map((s) => ({ ...s, channel_id: '', created_by: '' }))).toEqual(before.schedules.map((s) => ({ ...s, channel_id: '', created_by: '' })));
    const deliveries = await db.selectFrom('deliveries').selectAll().orderBy('id').execute();
    expect(deliveries).toHaveLength(before.deliveries.length);
    expect(deliveries.map((d) => d.channel_id)).toEqual(before.deliveries.map((d) => d.channel_id.replace(/^slack:/, 'slack:T0FAKE:')));
    const ledger = await db.selectFrom('delivery_ledger').selectAll().orderBy('id').execute();
    expect(ledger).toHaveLength(before.ledger.length);
    expect(ledger.map((r) => r.target)).toEqual(before.ledger.map((r) => r.target.replace(/^slack:/, 'slack:T0FAKE:')));
    expect(await db.selectFrom('news_digest_items').select('channel_id').execute()).toEqual([{ channel_id: 'slack:T0FAKE:C1' }]);
    // Again: nothing left to change.
    expect(await store.scopeSingleWorkspaceRows('T0FAKE')).toBe(0);
    await database.close();
  });

  it('GIVEN schedules and alerts in T1 and T2 WHEN T1 is suspended THEN only T1’s active ones stop, and a re-install resumes exactly those', async () => {
    const database = await openDatabase(join(dir, 'bot.sqlite'));
    const db = database.kysely;
    const schedule = (channel_id: string, status: 'active' | 'paused') =>
      db.insertInto('schedules').values({ channel_id, kind: 'time', time: '09:00', days: null, cron: null, zone: 'UTC', status, status_reason: status === 'paused' ? 'paused by an admin' : null, created_by: 'slack:T1:U1', created_by_name: null, created_at: 1, armed_from: 1, updated_at: 1 }).execute();
    await schedule('slack:T1:C1', 'active');
    await schedule('slack:T1:C2', 'paused');
    await schedule('slack:T2:C1', 'active');
    await db.insertInto('alert_subscriptions').values([{ channel_id: 'slack:T1:C1', created_by: 'x', created_at: 1, updated_at: 1, status_reason: null }, { channel_id: 'slack:T2:C1', created_by: 'x', created_at: 1, updated_at: 1, status_reason: null }]).execute();
    const store = new SlackInstallationStore(database, new TokenCipher(KEY), () => 5_000);
    expect(await store.suspendWorkspace('slack:T1:', 'app_uninstalled')).toEqual({ schedules: 1, alerts: 1 });
    const statuses = async () => (await db.selectFrom('schedules').select(['channel_id', 'status', 'status_reason']).orderBy('id').execute()).map((s) => `${s.channel_id} ${s.status} ${s.status_reason ?? ''}`);
    expect(await statuses()).toEqual([
      'slack:T1:C1 paused workspace uninstalled the app (app_uninstalled); resumed when it is installed again',
      'slack:T1:C2 paused paused by an admin',
      'slack:T2:C1 active ',
    ]);
    expect((await db.selectFrom('alert_subscriptions').select(['channel_id', 'status']).orderBy('id').execute()).map((a) => a.status)).toEqual(['failing', 'active']);
    expect(await store.resumeWorkspace('slack:T1:')).toEqual({ schedules: 1, alerts: 1 });
    expect(await statuses()).toEqual(['slack:T1:C1 active ', 'slack:T1:C2 paused paused by an admin', 'slack:T2:C1 active ']);
    await database.close();
  });
});

describe('installation store on PostgreSQL', () => {
  const pgdb = usePostgresDatabase('installations');

  it('GIVEN two installations THEN each is found with its own token, and the bot_token column holds none in clear', async () => {
    const database = await openDatabase(pgdb.url);
    const store = await exerciseStore(database);
    await database.close();
    const client = new pg.Client({ connectionString: pgdb.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; bot_token: string }>('SELECT id, bot_token FROM slack_installations ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(['T:T1', 'T:T2']);
      for (const row of rows) {
        expect(row.bot_token).toMatch(/^v1\./);
        expect(row.bot_token).not.toContain('xoxb');
      }
      // Nor anywhere else in the table.
      const { rows: dump } = await client.query<{ t: string }>('SELECT slack_installations::text AS t FROM slack_installations');
      expect(dump.map((r) => r.t).join('\n')).not.toMatch(/xoxb|SECRET/);
    } finally {
      await client.end();
    }
    expect(store).toBeDefined();
  });

  it('GIVEN one-workspace ids THEN they are team-scoped once, and a workspace is suspended and resumed alone (same SQL on PostgreSQL)', async () => {
    const database = await openDatabase(pgdb.url);
    const db = database.kysely;
    const schedule = (channel_id: string) =>
      db.insertInto('schedules').values({ channel_id, kind: 'time', time: '09:00', days: null, cron: null, zone: 'UTC', status: 'active', status_reason: null, created_by: 'slack:U1', created_by_name: null, created_at: 1, armed_from: 1, updated_at: 1 }).execute();
    await schedule('slack:C1');
    await schedule('slack:T2:C1');
    await schedule('discord:42');
    await db.insertInto('alert_subscriptions').values({ channel_id: 'slack:C1', created_by: 'slack:U1', created_at: 1, updated_at: 1, status_reason: null }).execute();
    // Proposal tables are typed in src/store/proposals.ts, not in Tables: plain SQL here.
    await sql`INSERT INTO proposal_channels (channel_id, created_by, created_at) VALUES ('slack:C1', 'slack:U1', 1)`.execute(db);
    const store = new SlackInstallationStore(database, new TokenCipher(KEY), () => 9);
    // 1 channel and 3 creators of schedules, the alert's channel and creator, the proposal channel and its creator.
    expect(await store.scopeSingleWorkspaceRows('T1')).toBe(8);
    expect((await sql<{ channel_id: string; created_by: string }>`SELECT channel_id, created_by FROM proposal_channels`.execute(db)).rows).toEqual([{ channel_id: 'slack:T1:C1', created_by: 'slack:T1:U1' }]);
    expect(await store.scopeSingleWorkspaceRows('T1')).toBe(0);
    const channels = async () => (await db.selectFrom('schedules').select(['channel_id', 'created_by', 'status']).orderBy('id').execute()).map((r) => `${r.channel_id} ${r.created_by} ${r.status}`);
    expect(await channels()).toEqual(['slack:T1:C1 slack:T1:U1 active', 'slack:T2:C1 slack:T1:U1 active', 'discord:42 slack:T1:U1 active']);
    expect(await store.suspendWorkspace('slack:T1:', 'app_uninstalled')).toEqual({ schedules: 1, alerts: 1 });
    expect(await channels()).toEqual(['slack:T1:C1 slack:T1:U1 paused', 'slack:T2:C1 slack:T1:U1 active', 'discord:42 slack:T1:U1 active']);
    expect(await store.resumeWorkspace('slack:T1:')).toEqual({ schedules: 1, alerts: 1 });
    expect((await channels())[0]).toBe('slack:T1:C1 slack:T1:U1 active');
    await database.close();
  });
});
