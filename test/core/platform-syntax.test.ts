/**
 * Every help and error text is written in the syntax of the platform it is shown on. The test asks every
 * command — bare, with wrong words, with wrong ids and channels, as admin and as member — on Slack, Discord
 * and the console, through the real runtime (real commands, data, SQLite-backed services), renders each answer
 * with that platform's renderer, and checks that no other platform's syntax appears: Slack never shows
 * `/digest`, `/capex-top`, `name:<…>` options or `/help` (Slack's own help); Discord never shows
 * `/capex-digest`, `/capex top`, `/help` or a raw `#123…` channel; nobody sees a reference delimiter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlain } from '../../src/adapters/console/render.js';
import { buildDiscordCommands } from '../../src/adapters/discord/commands.js';
import { renderMessage as renderDiscord } from '../../src/adapters/discord/render.js';
import { renderMessage as renderSlack } from '../../src/adapters/slack/render.js';
import { loadConfig } from '../../src/config.js';
import type { Caller, CommandSpec } from '../../src/core/command.js';
import type { Reply } from '../../src/core/reply.js';
import { optionShape } from '../../src/core/syntax.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';

/** What a reader of each platform must never see. */
const FOREIGN: Record<'slack' | 'discord' | 'console', [string, RegExp][]> = {
  slack: [
    ["Discord's grouped command", /(^|[^\w-])\/digest\b/],
    ["a Discord command name", /(^|[^\w-])\/capex-(top|companies|sources|news|help)\b/],
    ["Slack's own /help", /(^|[^\w-])\/help\b/],
    ['a Discord option', /\b[a-z]+\d?:<…>|\b(time|days|zone|company1|action|target|id|chart|topic|command):\S/],
    ['a raw channel id', /(^|[^<\w])#[CG][A-Z0-9]{6,}/],
    ['Discord wording', /Discord|Manage Server/],
    ['a reference delimiter', /[\uE000-\uE002]/],
  ],
  discord: [
    ["Slack's and the console's group command", /(^|[^\w-])\/capex-digest\b/],
    ['a text-grammar subcommand', /(^|[^\w-])\/capex (top|companies|sources|news|help)\b/],
    ['/help (Discord has /capex-help)', /(^|[^\w-])\/help\b/],
    ['a text-grammar company or list (Discord names options)', /(^|[^\w-])\/(capex|compare) (?!company\d?:)[\w<]/],
    ['a raw channel id', /(^|[^<\w])#\d{5,}/],
    ['Slack wording', /Slack|\/invite|workspace admin/],
    ['a reference delimiter', /[\uE000-\uE002]/],
  ],
  console: [
    ["Discord's grouped command", /(^|[^\w-])\/digest\b/],
    ['a Discord command name', /(^|[^\w-])\/capex-(top|companies|sources|news|help)\b/],
    ['a Discord option', /\b[a-z]+\d?:<…>/],
    ['platform wording', /Discord|Manage Server|workspace admin|\/invite/],
    ['a reference delimiter', /[\uE000-\uE002]/],
  ],
};

type PlatformName = keyof typeof FOREIGN;

/** Everything a reader sees, as each platform's renderer produces it (Discord's markdown escapes removed). */
function shown(reply: Reply, platform: PlatformName): string {
  if (platform === 'console') return renderPlain(reply);
  if (platform === 'discord') return JSON.stringify(renderDiscord(reply).embeds).replace(/\\\\(?=[\\*_~`|[\]#>-])/g, '');
  const message = renderSlack(reply);
  return [message.text, JSON.stringify(message.blocks)].join('\n');
}

function callers(platform: PlatformName): Caller[] {
  const channel = platform === 'slack' ? 'slack:C0HERE123' : platform === 'discord' ? 'discord:300000000000000003' : 'console:local';
  const user = platform === 'slack' ? 'slack:U0ADMIN' : platform === 'discord' ? 'discord:200000000000000002' : 'console:local';
  const base = { platform, channelId: channel, userId: user, timeZone: platform === 'discord' ? undefined : 'Europe/Berlin' };
  return [
    { ...base, isAdmin: true },
    { ...base, userId: `${user}x`, isAdmin: false },
  ];
}

/** Words that make each command fail in its own way: no argument, a wrong one, wrong ids, wrong channels. */
const TEXT_ARGS = ['', 'zzz-unknown', '999', '1990', 'abc', '25:00 weekdays', '09:00 mon,fry', '09:00 Mars/Olympus', '09:00 #general', 'cron "0 9 * *"', '09:00 <#C1|a> <#C2|b>', 'on zzz-unknown', 'off', 'add', 'remove abc', 'remove 999', 'add ftp://x', '3 maybe', 'list extra'];
const OPTION_VALUES = ['', 'zzz-unknown', '999', '1990', 'abc', '25:00', 'Mars/Olympus', '#general', '<#C0HERE123|x>', 'on', 'add', 'remove'];

/** Structured options as Discord sends them: each option alone with each value, plus none at all. */
function discordOptionSets(spec: CommandSpec): Record<string, unknown>[] {
  const sets: Record<string, unknown>[] = [{}];
  for (const { key, array } of optionShape(spec)) {
    for (const value of OPTION_VALUES) sets.push({ [key]: array ? [value, 'zzz-other'] : value });
  }
  return sets;
}

let runtime: Runtime;
const dir = mkdtempSync(join(tmpdir(), 'capex-syntax-'));

beforeAll(async () => {
  const config = loadConfig({}, { DATABASE_URL: join(dir, 'bot.sqlite'), LOG_LEVEL: 'silent' });
  runtime = await createRuntime(config, pino({ level: 'silent' }));
});

afterAll(async () => {
  await runtime?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function everyAnswer(platform: PlatformName): Promise<{ asked: string; reply: Reply }[]> {
  const { core } = runtime;
  const answers: { asked: string; reply: Reply }[] = [];
  for (const caller of callers(platform)) {
    if (platform === 'discord') {
      for (const spec of core.commands) {
        for (const options of discordOptionSets(spec)) {
          answers.push({ asked: `${spec.id} ${JSON.stringify(options)}`, reply: await core.handleStructured(spec.id, options, caller) });
        }
      }
      answers.push({ asked: 'unknown id', reply: await core.handleStructured('no-such-command', {}, caller) });
      continue;
    }
    const lines = ['', 'capex alibaba', '/capex "unclosed', '/nosuchcommand', '/help', ...core.commands.map((c) => `/capex help ${c.id}`)];
    for (const spec of core.commands) for (const args of TEXT_ARGS) lines.push(`/${spec.path.join(' ')} ${args}`.trim());
    for (const line of lines) answers.push({ asked: line, reply: await core.handleText(line, caller) });
  }
  return answers;
}

describe.each(['slack', 'discord', 'console'] as const)('on %s', (platform) => {
  it('GIVEN every command, bare and with wrong input, as admin and member THEN no other platform’s syntax appears', async () => {
    const answers = await everyAnswer(platform);
    const errors = answers.filter((a) => a.reply.kind === 'error');
    // The sweep really reaches the error paths (usage lines included), not only happy answers.
    expect(errors.length).toBeGreaterThan(100);
    expect(errors.some((a) => a.reply.lines.some((l) => l.startsWith('Usage: ')))).toBe(true);
    // At most two examples per kind of problem, so one wrong text does not hide the others.
    const problems = new Map<string, string[]>();
    for (const { asked, reply } of answers) {
      const text = shown(reply, platform);
      for (const [what, pattern] of FOREIGN[platform]) {
        const hit = pattern.exec(text);
        if (!hit) continue;
        const seen = problems.get(what) ?? [];
        if (seen.length < 2) seen.push(`${asked} → …${text.slice(Math.max(0, hit.index - 60), hit.index + 40)}…`);
        problems.set(what, seen);
      }
    }
    expect(Object.fromEntries(problems)).toEqual({});
  }, 120_000);

  it('GIVEN help for every command THEN its usage line is in this platform’s form', async () => {
    const { core } = runtime;
    const [admin] = callers(platform);
    for (const spec of core.commands) {
      const reply =
        platform === 'discord' ? await core.handleStructured('capex-help', { command: spec.id }, admin!) : await core.handleText(`/capex help ${spec.id}`, admin!);
      const usage = reply.lines.find((l) => l.startsWith('Usage: '))!;
      expect(usage, spec.id).toBeDefined();
      if (platform === 'discord') {
        // Discord usage names the command as registered and its options as name:<…>.
        const name = spec.discord ? `/${spec.discord.command}${spec.discord.subcommand ? ` ${spec.discord.subcommand}` : ''}` : `/${spec.id}`;
        expect(usage.startsWith(`Usage: ${name}`), usage).toBe(true);
      } else {
        expect(usage.startsWith(`Usage: /${spec.path.join(' ')}`), usage).toBe(true);
      }
    }
  });
});

describe('platform-specific words', () => {
  it('GIVEN /help on Slack THEN it points at /capex help, never at Slack’s own /help', async () => {
    const [admin] = callers('slack');
    const text = shown(await runtime.core.handleText('/nosuchcommand', admin!), 'slack');
    expect(text).toContain('/capex help');
  });

  it('GIVEN Discord THEN the parse-free errors name /capex-help and Discord’s commands with options', async () => {
    const [admin] = callers('discord');
    const help = await runtime.core.handleStructured('capex-help', { command: 'zzz' }, admin!);
    expect(shown(help, 'discord')).toContain('/capex-help lists them all');
    const add = await runtime.core.handleStructured('digest-add', {}, admin!);
    expect(shown(add, 'discord')).toMatch(/\/digest add time:09:00 days:weekdays zone:Europe\/Berlin/);
    expect(shown(add, 'discord')).toContain('Usage: /digest add [time:<…>] [days:<…>] [cron:<…>] [zone:<…>] [channel:<…>]');
  });

  it('GIVEN a member on each platform THEN the admin refusal names that platform’s admins', async () => {
    const ask = (platform: PlatformName) =>
      platform === 'discord'
        ? runtime.core.handleStructured('digest-add', { time: '09:00' }, callers(platform)[1]!)
        : runtime.core.handleText('/capex-digest add 09:00', callers(platform)[1]!);
    expect((await ask('discord')).lines[0]).toContain('Manage Server');
    expect((await ask('slack')).lines[0]).toContain('workspace admin');
    expect((await ask('slack')).lines[0]).not.toContain('Discord');
  });

  it('GIVEN the Discord command registration THEN no description names a Slack command or promises a zone Discord never sends', () => {
    const descriptions: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'description' && typeof value === 'string') descriptions.push(value);
          else walk(value);
        }
      }
    };
    walk(buildDiscordCommands(runtime.core.commands).json);
    expect(descriptions.length).toBeGreaterThan(40);
    for (const [what, pattern] of FOREIGN.discord) expect(descriptions.filter((d) => pattern.test(d)), what).toEqual([]);
    // Discord tells a user's locale, never their time zone: the default is the bot's.
    expect(descriptions.filter((d) => /\byours\b/i.test(d))).toEqual([]);
  });
});
