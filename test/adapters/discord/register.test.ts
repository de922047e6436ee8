/** `npm run register` run as a real process against the fake Discord API; the test reads the exact JSON it sent. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../helpers/fake-discord.js';

const run = promisify(execFile);
let fake: FakeDiscord;

beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
});

async function register(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCORD_') && !k.startsWith('SLACK_')));
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/register-discord.ts'], { env: { ...clean, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const company = {
  description: 'Company name, ticker or alias, e.g. alibaba, MSFT, google',
  type: 3,
  min_length: 1,
  max_length: 60,
  autocomplete: true,
};

describe('npm run register', () => {
  it('PUTs every command globally, generated from the command specs', async () => {
    const result = await register({ DISCORD_TOKEN: 'reg-token', DISCORD_APPLICATION_ID: '555', DISCORD_API_URL: fake.url });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Registered 8 commands for all servers');

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request!.method).toBe('PUT');
    expect(request!.route).toBe('/applications/555/commands');
    expect(request!.headers.authorization).toBe('Bot reg-token');
    const body = request!.body as any[];
    expect(body.map((c) => c.name)).toEqual(['capex', 'compare', 'capex-top', 'capex-companies', 'capex-sources', 'capex-news', 'capex-help', 'digest']);

    const byName = Object.fromEntries(body.map((c) => [c.name, c]));
    expect(byName.capex).toEqual({
      type: 1,
      name: 'capex',
      description: 'AI capex of one company: latest figure, revisions and sources',
      options: [{ name: 'company', required: true, ...company }],
    });
    expect(byName.compare).toEqual({
      type: 1,
      name: 'compare',
      description: 'Two to six companies side by side, in US$ per year',
      options: [1, 2, 3, 4, 5, 6].map((i) => ({ ...company, name: `company${i}`, description: `Companies to compare (#${i})`, required: i <= 2 })),
    });
    expect(byName['capex-top']).toEqual({
      type: 1,
      name: 'capex-top',
      description: 'All tracked companies ranked by AI capex for a year, with the total',
      options: [{ name: 'year', description: 'Year (fiscal years are named by the year they end), default: this year', required: false, type: 4, min_value: 2020, max_value: 2035 }],
    });
    expect(byName['capex-companies']).toEqual({ type: 1, name: 'capex-companies', description: 'Every tracked company with its tickers and aliases' });
    expect(byName['capex-help'].options).toEqual([{ name: 'command', description: 'A command to explain, e.g. compare', required: false, type: 3, max_length: 40 }]);
    // The digest specs sit under one /digest command as subcommands; the channel is a channel picker.
    expect(byName.digest.options.map((o: any) => [o.type, o.name])).toEqual(
      ['add', 'list', 'next', 'preview', 'send', 'pause', 'resume', 'remove', 'chart', 'thread', 'help', 'feeds', 'alerts', 'status', 'proposals'].map((n) => [1, n]),
    );
    // Admin subcommands gate the whole command (Discord gates commands, not subcommands), in servers only.
    expect(byName.digest.default_member_permissions).toBe('32');
    expect(byName.digest.contexts).toEqual([0]);
    expect(byName.digest.options[0].options.find((o: any) => o.name === 'channel')).toEqual({
      name: 'channel',
      description: 'Channel to post in (default: this one)',
      required: false,
      type: 7,
      channel_types: [0, 5],
    });
    for (const c of body) expect(c.description.length).toBeLessThanOrEqual(100);
  });

  it('PUTs to one server with DISCORD_GUILD_ID', async () => {
    const result = await register({ DISCORD_TOKEN: 'reg-token', DISCORD_APPLICATION_ID: '555', DISCORD_GUILD_ID: '777', DISCORD_API_URL: fake.url });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('server 777');
    expect(fake.requests.map((r) => `${r.method} ${r.route}`)).toEqual(['PUT /applications/555/guilds/777/commands']);
  });

  it('explains what to set when the token or application id is missing', async () => {
    const result = await register({ DISCORD_API_URL: fake.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DISCORD_APPLICATION_ID');
    expect(fake.requests).toHaveLength(0);
  });

  it('reports a refused token without a stack trace', async () => {
    fake.failNext({ kind: 'api-error', status: 401, code: 0, message: '401: Unauthorized' });
    const result = await register({ DISCORD_TOKEN: 'bad', DISCORD_APPLICATION_ID: '555', DISCORD_API_URL: fake.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Registering the commands failed: 401: Unauthorized');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
