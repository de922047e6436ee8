/**
 * Opening a database runs the migrations of its dialect: on a real SQLite file (including one written by the
 * previous release) and on a real PostgreSQL database; a database newer than the code is refused.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { createTestDatabase, usePostgresDatabase } from '../helpers/postgres.js';

const RELEASE_V4 = new URL('./fixtures/release-v4.sqlite', import.meta.url).pathname;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'capex-migrate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite migrations', () => {
  it('GIVEN a new file THEN every migration is applied and recorded in user_version', async () => {
    const file = join(dir, 'new.sqlite');
    const db = await openDatabase(file);
    expect(db.kind).toBe('sqlite');
    expect(db.migrationVersion).toBe(MIGRATIONS.length);
    expect(db.health()).toMatchObject({ kind: 'sqlite', migrationVersion: MIGRATIONS.length, ok: true, location: file });
    await db.close();
    const raw = new BetterSqlite3(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    raw.close();
  });

  it('GIVEN a file written by the previous release (schema 4) THEN it opens with its rows intact', async () => {
    const file = join(dir, 'old.sqlite');
    copyFileSync(RELEASE_V4, file);
    const db = await openDatabase(`sqlite:${file}`);
    expect(db.migrationVersion).toBe(MIGRATIONS.length);
    const schedules = await db.kysely.selectFrom('schedules').select(['channel_id', 'kind', 'chart']).orderBy('id').execute();
    expect(schedules).toEqual([
      { channel_id: 'slack:C1', kind: 'time', chart: 0 },
      { channel_id: 'discord:42', kind: 'cron', chart: 1 },
    ]);
    const ledger = await db.kysely.selectFrom('deliveries').select(['slot', 'status']).orderBy('id').execute();
    expect(ledger.map((r) => r.status)).toEqual(['delivered', 'claimed', 'missed']);
    expect(await db.kysely.selectFrom('alert_deliveries').select(['figure_id', 'status']).execute()).toEqual([{ figure_id: 'msft-2026', status: 'claimed' }]);
    expect(await db.kysely.selectFrom('news_digest_items').select('channel_id').execute()).toEqual([{ channel_id: 'slack:C1' }]);
    expect(await db.kysely.selectFrom('data_state').selectAll().where('key', '=', 'admin_notified_refusal').execute()).toEqual([
      { key: 'admin_notified_refusal', value: 'sha:abc' },
    ]);
    await db.close();
  });

  it('GIVEN a file at a schema version newer than the code THEN opening is refused, naming the file and both versions', async () => {
    const file = join(dir, 'future.sqlite');
    await (await openDatabase(file)).close();
    const raw = new BetterSqlite3(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 3}`);
    raw.close();
    await expect(openDatabase(file)).rejects.toThrow(
      new RegExp(`database ${file} is at schema version ${MIGRATIONS.length + 3}, newer than this bot knows \\(${MIGRATIONS.length}\\)`),
    );
  });

  it('GIVEN a postgres-looking or unknown URL scheme THEN the SQLite opener is not used', async () => {
    await expect(openDatabase('mysql://u@h/db')).rejects.toThrow(/'mysql:\/\/…' is not supported/);
  });
});

describe('PostgreSQL migrations', () => {
  const pgdb = usePostgresDatabase('migrate');

  it('GIVEN an empty database THEN every migration is applied once, in order, under one lock', async () => {
    // Three replicas starting at once: the advisory lock makes one migrate and the others find it current.
    const opened = await Promise.all([openDatabase(pgdb.url), openDatabase(pgdb.url), openDatabase(pgdb.url)]);
    for (const db of opened) expect(db.migrationVersion).toBe(MIGRATIONS.length);
    expect(opened[0]!.health()).toMatchObject({ kind: 'postgres', migrationVersion: MIGRATIONS.length, ok: true });
    const client = new pg.Client(pgdb.url);
    await client.connect();
    const { rows } = await client.query('SELECT version, name FROM capex_schema_migrations ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map((m, i) => ({ version: i + 1, name: m.name })));
    await client.end();
    await Promise.all(opened.map((db) => db.close()));
  });

  it('GIVEN a database migrated by a newer release THEN opening is refused with both versions', async () => {
    const fresh = await createTestDatabase('future');
    try {
      await (await openDatabase(fresh.url)).close();
      const client = new pg.Client(fresh.url);
      await client.connect();
      await client.query(`INSERT INTO capex_schema_migrations (version, name, applied_at) VALUES (${MIGRATIONS.length + 1}, 'from the future', 0)`);
      await client.end();
      await expect(openDatabase(fresh.url)).rejects.toThrow(/schema version \d+, newer than this bot knows/);
    } finally {
      await fresh.drop();
    }
  });

  it('GIVEN a server that is not there THEN opening fails naming it, without the password', async () => {
    const error = await openDatabase('postgres://bot:s3cret@127.0.0.1:1/capex').catch((e: Error) => e);
    expect((error as Error).message).toMatch(/The PostgreSQL database postgres:\/\/bot:\*\*\*@127\.0\.0\.1:1\/capex cannot be reached/);
    expect((error as Error).message).not.toContain('s3cret');
  });
});

