/**
 * All configuration, read once at start-up and validated with zod. A value passed in code beats an
 * environment variable, which beats the default. With nothing set, the bot runs the console adapter on
 * the bundled data and a local SQLite file.
 */
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();
const optionalUrl = optionalText.pipe(z.url({ protocol: /^https?$/ }).optional());
const idList = optionalText.transform((s) => (s ? s.split(/[\s,]+/).filter(Boolean) : []));

export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    SLACK_BOT_TOKEN: optionalText,
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_APP_TOKEN: optionalText,
    SLACK_API_URL: optionalUrl,
    SLACK_ADMIN_USER_IDS: idList,
    /** OAuth install to many workspaces (docs/slack.md "Offering capex-bot to many workspaces"): all three, or none. */
    SLACK_CLIENT_ID: optionalText,
    SLACK_CLIENT_SECRET: optionalText,
    SLACK_STATE_SECRET: optionalText.pipe(z.string().min(16, 'use at least 16 random characters (e.g. `openssl rand -hex 24`)').optional()),
    /** 32 bytes (hex or base64) encrypting installations' bot tokens at rest; the previous key(s), comma-separated, while rotating. */
    TOKEN_ENCRYPTION_KEY: optionalText,
    TOKEN_ENCRYPTION_KEY_PREVIOUS: optionalText,

    DISCORD_TOKEN: optionalText,
    DISCORD_PUBLIC_KEY: optionalText.pipe(z.string().regex(/^[0-9a-f]{64}$/i, 'must be the 64 hex characters shown as "Public Key" in the Discord developer portal').optional()),
    DISCORD_APPLICATION_ID: optionalText,
    DISCORD_GUILD_ID: optionalText,
    DISCORD_API_URL: optionalUrl,

    DATABASE_URL: z.string().default('./data/capex-bot.sqlite'),
    DEFAULT_TIMEZONE: z.string().default('UTC'),
    DIGEST_GRACE_MINUTES: z.coerce.number().int().min(0).default(120),
    // How long a replica holds a claimed post without renewing it: a dead replica's posts are taken over after this.
    DELIVERY_LEASE_SECONDS: z.coerce.number().int().min(2).max(600).default(30),

    DATA_FILE: optionalText,
    DATA_URL: optionalUrl,
    /** How often DATA_URL is polled (and DATA_FILE re-checked besides being watched); 0 turns polling off. */
    DATA_REFRESH_MINUTES: z.coerce.number().min(0).default(15),
    /** Data files (and DATA_URL bodies) larger than this many bytes are refused like any invalid version. */
    DATA_MAX_BYTES: z.coerce.number().int().min(1024).default(5 * 1024 * 1024),

    /** Minutes between fetches of each news feed (a failing feed backs off further on its own). */
    FEED_REFRESH_MINUTES: optionalText.pipe(z.coerce.number<string | undefined>().min(1).max(1440).default(30)),
    /**
     * Lets admins add feeds on loopback, link-local and private addresses. Off by default so `feeds add`
     * cannot be used to probe the internal network; tests serving feeds on 127.0.0.1 turn it on.
     */
    ALLOW_PRIVATE_FEEDS: optionalText.pipe(z.stringbool().default(false)),

    /** Sent as User-Agent to SEC EDGAR (its fair-access policy asks for an app name and a contact email). */
    SEC_USER_AGENT: optionalText.pipe(z.string().regex(/\S+@\S+\.\S+/, 'must name the app and a contact email, e.g. "capex-bot/0.1 you@example.com"').optional()),
    /** SEC EDGAR API base URL; tests point it at a local server. */
    SEC_API_URL: optionalUrl.transform((u) => u ?? 'https://data.sec.gov'),
    /** EDGAR (www.sec.gov) base URL for the 8-K feeds and exhibits proposals read; tests point it at a local server. */
    SEC_BASE_URL: optionalUrl.transform((u) => u ?? 'https://www.sec.gov'),

    /** The web pages (src/web) on the HTTP server: on unless WEB=off. */
    WEB: optionalText.pipe(z.stringbool().default(true)),
    /** Where people reach the bot's web pages, e.g. https://capex.example.com: chat answers link there, feeds use it. */
    PUBLIC_URL: optionalUrl.transform((u) => u?.replace(/\/+$/, '')),
    /** Exchanged at /admin for a session cookie (schedule health); /admin is off without it. */
    ADMIN_TOKEN: optionalText.pipe(z.string().min(16, 'use at least 16 random characters (e.g. `openssl rand -hex 24`)').optional()),
  })
  .superRefine((c, ctx) => {
    if (c.SLACK_BOT_TOKEN && !c.SLACK_SIGNING_SECRET && !c.SLACK_APP_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) with SLACK_BOT_TOKEN' });
    }
    if (c.SLACK_APP_TOKEN && !c.SLACK_APP_TOKEN.startsWith('xapp-')) {
      // Socket Mode would retry a bot or user token forever: apps.connections.open only takes app-level tokens.
      ctx.addIssue({ code: 'custom', path: ['SLACK_APP_TOKEN'], message: 'must be an app-level token starting with xapp- ("Basic Information" → App-Level Tokens, scope connections:write); leave it empty for HTTP mode' });
    }
    const oauth = [c.SLACK_CLIENT_ID, c.SLACK_CLIENT_SECRET, c.SLACK_STATE_SECRET];
    if (oauth.some(Boolean) && !oauth.every(Boolean)) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_CLIENT_ID'], message: 'installing to many workspaces needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET (both from "Basic Information") and SLACK_STATE_SECRET (random): set all three, or none' });
    }
    if (oauth.every(Boolean) && !c.TOKEN_ENCRYPTION_KEY) {
      ctx.addIssue({ code: 'custom', path: ['TOKEN_ENCRYPTION_KEY'], message: 'set TOKEN_ENCRYPTION_KEY (`openssl rand -base64 32`): installations keep their bot tokens encrypted with it' });
    }
    // 32 bytes as 64 hex characters or base64 (the token cipher's format, src/store/token-cipher.ts).
    const key32 = /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/;
    const keys = [c.TOKEN_ENCRYPTION_KEY, ...(c.TOKEN_ENCRYPTION_KEY_PREVIOUS ?? '').split(',')].map((k) => k?.trim()).filter(Boolean);
    if (keys.some((k) => !key32.test(k!))) {
      ctx.addIssue({ code: 'custom', path: ['TOKEN_ENCRYPTION_KEY'], message: 'TOKEN_ENCRYPTION_KEY (and each TOKEN_ENCRYPTION_KEY_PREVIOUS) must be 32 random bytes as 64 hex characters or base64: `openssl rand -base64 32`' });
    }
    if (oauth.every(Boolean) && !c.SLACK_SIGNING_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'set SLACK_SIGNING_SECRET: the install pages and Slack requests are served over HTTP' });
    }
    if (!c.SLACK_BOT_TOKEN && !oauth.every(Boolean) && (c.SLACK_SIGNING_SECRET || c.SLACK_APP_TOKEN)) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'set SLACK_BOT_TOKEN (the xoxb- token from "OAuth & Permissions") to use Slack' });
    }
    if (!Intl.supportedValuesOf('timeZone').includes(c.DEFAULT_TIMEZONE) && c.DEFAULT_TIMEZONE !== 'UTC') {
      ctx.addIssue({ code: 'custom', path: ['DEFAULT_TIMEZONE'], message: `'${c.DEFAULT_TIMEZONE}' is not an IANA time zone such as Europe/Berlin` });
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof Config, string>> = {}): Config {
  const parsed = configSchema.safeParse({ ...env, ...overrides });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `- ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Configuration is invalid:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Installs to many workspaces through OAuth (src/adapters/slack/oauth.ts) instead of one SLACK_BOT_TOKEN. */
export const slackOAuthEnabled = (c: Config): boolean => Boolean(c.SLACK_CLIENT_ID && c.SLACK_CLIENT_SECRET && c.SLACK_STATE_SECRET);
export const slackEnabled = (c: Config): boolean => Boolean(c.SLACK_BOT_TOKEN) || slackOAuthEnabled(c);
export const discordEnabled = (c: Config): boolean => Boolean(c.DISCORD_TOKEN || c.DISCORD_PUBLIC_KEY);
export const webEnabled = (c: Config): boolean => c.WEB;
