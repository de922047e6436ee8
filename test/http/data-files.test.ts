/**
 * Bad data files while the bot runs, and at its next start — through the running bot (a child process, DATA_FILE
 * on disk, signed Discord requests): an alias bomb, a 50 MB file and a half-written file are each refused or
 * waited out while the last good data keeps answering; the next start uses the last good copy; with no copy
 * it stops with exit 2 and the problem named, never a stack.
 */
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync, appendFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GOOD, META_REVISION, withRows } from '../helpers/data-edits.js';
import { aliasBomb, validFirstPart } from './data-versions.js';
import { runBot, startBotProcess, type BotProcess } from './bot-process.js';
import { generateKeys } from '../adapters/discord/signing.js';

const dir = mkdtempSync(join(tmpdir(), 'capex-data-files-'));
const dataFile = join(dir, 'capex-data.yaml');
const lastGood = `${dataFile}.last-good`;
const keys = generateKeys();
const env = { DATA_FILE: dataFile, DATA_REFRESH_MINUTES: '0', DATABASE_URL: join(dir, 'bot.sqlite') };
let bot: BotProcess | undefined;

afterAll(async () => {
  await bot?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Replaces the file the way docs/data.md asks: write a temp file, then rename it over the data file. */
function replaceAtomically(text: string | Buffer): void {
  const temp = `${dataFile}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, dataFile);
}

async function health(b: BotProcess): Promise<{ dataVersion: string; lastRefusal?: { message: string } }> {
  return (await (await fetch(`${b.base}/healthz`)).json()) as { dataVersion: string; lastRefusal?: { message: string } };
}

async function metaAnswer(b: BotProcess): Promise<string> {
  const { status, body } = await b.discord('capex', [{ name: 'company', type: 3, value: 'meta' }]);
  expect(status).toBe(200);
  return JSON.stringify(body.data);
}

const reloads = (b: BotProcess) => b.logLines().filter((l) => l.msg === 'data reloaded').length;

describe('bad data files while running, and at the next start', { timeout: 120_000 }, () => {
  it('starts on a good file and keeps a last good copy beside it', async () => {
    writeFileSync(dataFile, GOOD);
    bot = await startBotProcess({ env, keys });
    expect(await metaAnswer(bot)).toContain('US$125–145B');
    expect(existsSync(lastGood)).toBe(true);
  });

  it('refuses a YAML alias bomb; the bot stays up and answers from the last good data', async () => {
    replaceAtomically(aliasBomb());
    await expect.poll(async () => (await health(bot!)).lastRefusal?.message ?? '', { timeout: 20_000, interval: 200 }).toMatch(/cannot be expanded: Excessive alias count/);
    expect(bot!.child.exitCode).toBeNull();
    expect(await metaAnswer(bot!)).toContain('US$125–145B');
  });

  it('refuses a 50 MB file without blocking answers', async () => {
    // 50 MB of YAML comments after the good content: only the size says no.
    const temp = `${dataFile}.tmp`;
    const fd = openSync(temp, 'w');
    writeSync(fd, GOOD);
    const line = Buffer.from(`# ${'x'.repeat(1022)}\n`);
    const block = Buffer.concat(Array.from({ length: 1024 }, () => line));
    for (let i = 0; i < 50; i++) writeSync(fd, block);
    closeSync(fd);
    renameSync(temp, dataFile);
    let slowest = 0;
    await expect
      .poll(
        async () => {
          const started = performance.now();
          expect(await metaAnswer(bot!)).toContain('US$125–145B');
          slowest = Math.max(slowest, performance.now() - started);
          return (await health(bot!)).lastRefusal?.message ?? '';
        },
        { timeout: 20_000, interval: 100 },
      )
      .toMatch(/is 5\d\.\d MB, over the 5\.0 MB limit \(DATA_MAX_BYTES\)/);
    expect(slowest).toBeLessThan(1_000);
  });

  it('waits out a slow writer: the valid first half of a new version is never served', async () => {
    replaceAtomically(GOOD);
    await expect.poll(async () => (await health(bot!)).lastRefusal, { timeout: 20_000, interval: 200 }).toBeUndefined();
    const before = reloads(bot!);
    const next = withRows(GOOD, '2026-11-25.2', META_REVISION);
    const { first, rest } = validFirstPart(next);
    writeFileSync(dataFile, first); // in place, as a slow script does
    await new Promise((r) => setTimeout(r, 900));
    appendFileSync(dataFile, rest);
    await expect.poll(async () => metaAnswer(bot!), { timeout: 20_000, interval: 200 }).toContain('US$135–150B');
    // One reload: the complete version. (Serving the first half would have been a reload of its own.)
    await new Promise((r) => setTimeout(r, 1_500));
    expect(reloads(bot!) - before).toBe(1);
    expect((await health(bot!)).dataVersion).toBe('2026-11-25.2');
  });

  it('next start with a refused data file: starts from the last good copy and reports the refusal', async () => {
    await bot!.stop();
    replaceAtomically(aliasBomb());
    bot = await startBotProcess({ env, keys });
    expect(await metaAnswer(bot)).toContain('US$135–150B');
    const h = await health(bot);
    expect(h.dataVersion).toBe('2026-11-25.2');
    expect(h.lastRefusal?.message).toMatch(/cannot be expanded/);
    expect(bot.log()).toContain('starting with the last good copy');
  });

  it('with no last good copy: exit 2 and the problem named, never a stack (start and ask)', async () => {
    await bot!.stop();
    bot = undefined;
    rmSync(lastGood);
    for (const args of [['start'], ['ask', '/capex meta']]) {
      const { code, stdout, stderr } = await runBot(args, { ...env, DISCORD_PUBLIC_KEY: keys.publicKeyHex, PORT: '0', HOST: '127.0.0.1' });
      expect(code, args[0]).toBe(2);
      expect(stderr).toContain(`${dataFile}: cannot be expanded: Excessive alias count`);
      expect(stderr).toContain('no last good copy');
      expect(stdout + stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    }
  });
});
