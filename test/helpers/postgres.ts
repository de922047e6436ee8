/**
 * Real PostgreSQL for tests. Every test file that needs one calls `createTestDatabase()` (or
 * `usePostgresDatabase()` inside a describe) and gets a fresh, empty database of its own, dropped afterwards.
 *
 * Where the server comes from:
 * - TEST_DATABASE_URL, when set: a server where that user may CREATE DATABASE.
 * - otherwise one throwaway cluster per test run: Debian's PostgreSQL (/usr/lib/postgresql/<v>/bin) initdb'd
 *   into a temp dir and started with pg_ctl on a free 127.0.0.1 port — as the `postgres` user when we are
 *   root, since PostgreSQL refuses to run as root. It is started lazily by the first test that asks (a run
 *   that needs no PostgreSQL pays nothing) and stopped and removed by the vitest globalSetup teardown
 *   (test/helpers/postgres-setup.ts).
 * If PostgreSQL cannot be started the test fails with why (the initdb/pg_ctl output); it is never skipped.
 *
 * Scripts outside vitest (benchmarks) use `startPostgresCluster()` directly and stop it themselves.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';

const run = promisify(execFile);

declare module 'vitest' {
  interface ProvidedContext {
    /** A directory shared by the workers of one run: the lazily started cluster's URL lands here. */
    postgresStateDir: string;
  }
}

/** How long a worker waits for another worker that is starting the run's cluster. */
const CLUSTER_START_WAIT_MS = 120_000;

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres — the maintenance database, for CREATE DATABASE. */
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export interface TestDatabase {
  /** A URL for DATABASE_URL: a fresh, empty database of its own. */
  url: string;
  name: string;
  /** Drops the database (closing whatever is still connected to it). */
  drop(): Promise<void>;
}

/** Debian's newest installed PostgreSQL binaries, or why there are none. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL tests need a server: set TEST_DATABASE_URL=postgres://user:password@host/db (a user that may CREATE DATABASE), ' +
        'or install Debian\'s PostgreSQL (apt-get install postgresql; .ci/run does it) so a throwaway cluster can be started. ' +
        `No ${root}/<version>/bin/initdb found.`,
    );
  }
  return join(root, versions[0]!, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as the `postgres` user when we are root (the server refuses root). */
async function asPostgres(bin: string, args: string[]): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    const { stdout, stderr } = await run(cmd, argv, { timeout: 90_000 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${bin.split('/').pop()} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim());
  }
}

/** initdb into a temp dir and pg_ctl start on a free loopback port. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'capex-pg-'));
  const data = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  mkdirSync(socketDir);
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUser();
    for (const path of [dir, socketDir]) chownSync(path, uid, gid);
  }
  const log = join(dir, 'server.log');
  try {
    await asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C']);
    const port = await freePort();
    // Durability off: a test cluster is thrown away; it makes CREATE DATABASE and commits fast.
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${socketDir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
    await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start']);
    const stop = async () => {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    };
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, stop };
  } catch (error) {
    const serverLog = existsSync(log) ? `\nserver log:\n${readFileSync(log, 'utf8').slice(-2000)}` : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Could not start a throwaway PostgreSQL cluster (${bin}): ${(error as Error).message}${serverLog}`);
  }
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('We run as root but there is no `postgres` user to run the PostgreSQL server as (apt-get install postgresql creates it).');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

let serverUrl: Promise<string> | undefined;

/** The server tests create their databases on: TEST_DATABASE_URL, or this run's cluster (started on first use). */
export function postgresServerUrl(): Promise<string> {
  serverUrl ??= process.env.TEST_DATABASE_URL ? Promise.resolve(process.env.TEST_DATABASE_URL) : runCluster();
  return serverUrl;
}

/**
 * One cluster per vitest run, shared by its workers: the first to get the lock (an atomic mkdir) starts it
 * and writes its URL (or the failure) into the run's state dir; the others wait for that file.
 */
async function runCluster(): Promise<string> {
  let stateDir: string;
  try {
    stateDir = inject('postgresStateDir');
  } catch {
    stateDir = '';
  }
  if (!stateDir) {
    throw new Error('No PostgreSQL for this test: set TEST_DATABASE_URL, or run it through vitest (vitest.config.ts has the globalSetup that owns the cluster).');
  }
  const urlFile = join(stateDir, 'url');
  const errorFile = join(stateDir, 'error');
  let starter = false;
  try {
    mkdirSync(join(stateDir, 'lock'));
    starter = true;
  } catch {
    // another worker is starting it
  }
  if (starter) {
    try {
      const cluster = await startPostgresCluster();
      writeFileSync(join(stateDir, 'cluster.json'), JSON.stringify({ dir: cluster.dir, bin: postgresBinDir() }));
      writeFileSync(urlFile, cluster.url);
      return cluster.url;
    } catch (error) {
      writeFileSync(errorFile, (error as Error).message);
      throw error;
    }
  }
  const deadline = Date.now() + CLUSTER_START_WAIT_MS;
  while (Date.now() < deadline) {
    if (existsSync(urlFile)) return readFileSync(urlFile, 'utf8');
    if (existsSync(errorFile)) throw new Error(readFileSync(errorFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Another test worker was starting PostgreSQL and did not finish within ${CLUSTER_START_WAIT_MS / 1000} s (state in ${stateDir}).`);
}

let counter = 0;

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** A fresh, empty database on the test server. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const server = await postgresServerUrl();
  const name = `capex_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 20)}_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(server, name),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** In a describe (or at file level): a fresh database for the suite, dropped after it. Read `.url` inside tests. */
export function usePostgresDatabase(label?: string): { readonly url: string } {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(label);
  }, CLUSTER_START_WAIT_MS);
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get url() {
      if (!db) throw new Error('usePostgresDatabase(): the database is created in beforeAll; read .url inside a test or hook');
      return db.url;
    },
  };
}
