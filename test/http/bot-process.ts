/**
 * The real bot as a child process (`capex-bot start`, as a supervisor runs it) on 127.0.0.1:0, with Discord HTTP
 * interactions signed by a test key pair and Slack pointed at the fake Slack API: tests talk to it over HTTP
 * and read its JSON log lines. Used by the hardening tests (hostile input, HTTP limits, data files).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { command, generateKeys, signedHeaders, type TestKeys } from '../adapters/discord/signing.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../adapters/slack/harness.js';
import { startFakeSlack } from '../helpers/fake-slack.js';

export const BIN = fileURLToPath(new URL('../../bin/capex-bot.js', import.meta.url));

export interface BotProcess {
  base: string;
  keys: TestKeys;
  child: ChildProcess;
  /** stderr so far (pino JSON lines and anything else). */
  log(): string;
  /** Parsed JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  /** Sends a signed Discord chat-input command and returns the interaction response. */
  discord(name: string, options?: unknown[]): Promise<{ status: number; body: any }>;
  stop(): Promise<number | null>;
}

export interface StartOptions {
  env: Record<string, string>;
  keys?: TestKeys;
  timeoutMs?: number;
}

/** Runs `capex-bot <args>` to completion (for start-up failures): exit code and output. */
export function runBot(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`capex-bot ${args.join(' ')} did not exit:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function startBotProcess({ env, keys = generateKeys(), timeoutMs = 40_000 }: StartOptions): Promise<BotProcess> {
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DISCORD_PUBLIC_KEY: keys.publicKeyHex, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stdout!.resume();
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start:\n${log}`)), timeoutMs);
    const onData = () => {
      const port = /"port":(\d+)[^\n]*HTTP server listening/.exec(log)?.[1];
      if (!port) return;
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      resolve(`http://127.0.0.1:${port}`);
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bot exited (${code}) before listening:\n${log}`));
    });
  });
  return {
    base,
    keys,
    child,
    log: () => log,
    logLines: () =>
      log
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    discord: async (name, options = []) => {
      const body = JSON.stringify(command(name, options));
      const res = await fetch(`${base}/discord/interactions`, { method: 'POST', headers: signedHeaders(keys, body), body });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The bot with both platforms on (Slack at a fake Slack API, Discord HTTP interactions) and its own SQLite file. */
export async function startBotWithSlack(): Promise<{ bot: BotProcess; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'capex-bot-process-'));
  const fake = await startFakeSlack({ validToken: BOT_TOKEN });
  const bot = await startBotProcess({
    env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, DATABASE_URL: join(dir, 'bot.sqlite') },
  }).catch(async (error: unknown) => {
    await fake.close();
    throw error;
  });
  return {
    bot,
    close: async () => {
      await bot.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One bot with Slack for the enclosing test file or describe block: started before its tests, stopped after. */
export function botWithSlackForTests(): () => BotProcess {
  let running: Awaited<ReturnType<typeof startBotWithSlack>> | undefined;
  beforeAll(async () => {
    running = await startBotWithSlack();
  }, 60_000);
  afterAll(async () => {
    await running?.close();
  });
  return () => {
    if (!running) throw new Error('the bot is not running (beforeAll failed?)');
    return running.bot;
  };
}

