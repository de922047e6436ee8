/**
 * The Slack app manifest, generated from the same command registry the core answers from, so the slash
 * commands a workspace installs are exactly the ones the bot routes. `npm run manifest` writes it to
 * slack/manifest.json; a test fails if the committed file and the registry drift apart.
 */
import type { webApi } from '@slack/bolt';
import type { CommandSpec } from '../../core/command.js';
import { SLACK_EVENTS_PATH } from './receiver.js';
import { REDIRECT_PATH } from './oauth.js';

export type SlackManifest = webApi.AppsManifestCreateArguments['manifest'];

/**
 * Bot scopes, each one because a feature needs it:
 * - commands: the slash commands themselves.
 * - chat:write: scheduled digests and alerts via chat.postMessage.
 * - chat:write.public: digests go to the public channel an admin set them up in, which the bot usually has not
 *   been invited to (slash commands work without membership, so nobody expects an /invite step). Without it the
 *   first digest fails with not_in_channel. Private channels still need the bot invited.
 * - users:read: users.info for the admin/owner flags (admin-only commands) and the user's time zone (digests).
 * - im:write: conversations.open to DM an admin when a schedule keeps failing.
 * - files:write: chart images (files.getUploadURLExternal / files.completeUploadExternal) under /compare,
 *   /capex top and /capex <company> answers.
 * - channels:read, groups:read, im:read, mpim:read: conversations.info when a digest or alert is set up, to
 *   refuse a DM, a group DM or a private channel the bot is not in at once instead of at the first slot.
 */
export const BOT_SCOPES = ['commands', 'chat:write', 'chat:write.public', 'users:read', 'im:write', 'files:write', 'channels:read', 'groups:read', 'im:read', 'mpim:read'] as const;

/**
 * Events (none needs a scope): about the installation itself — a revoked token stops posting and degrades health —
 * and `app_home_opened`, which publishes the App Home (src/adapters/slack/home.ts).
 */
export const BOT_EVENTS = ['app_uninstalled', 'tokens_revoked', 'app_home_opened'] as const;

/** Placeholder request URL in the committed manifest; docs/slack.md says where to put the real one. */
export const PLACEHOLDER_BASE_URL = 'https://capex-bot.example.com';

export interface ManifestOptions {
  /** Public base URL of the bot (HTTP mode), e.g. https://capex.example.org; the events path is appended. */
  baseUrl?: string;
  /** Socket Mode: no request URLs, events arrive over the app-level token's WebSocket. */
  socketMode?: boolean;
  appName?: string;
  /**
   * Installed in many workspaces through OAuth (SLACK_CLIENT_ID…): the manifest lists the redirect URL
   * (<baseUrl>/slack/oauth_redirect) and allows org-wide installs on Enterprise Grid (org_deploy_enabled).
   */
  oauth?: boolean;
}

interface SlashCommandEntry {
  command: string;
  description: string;
  usage_hint?: string;
  should_escape: boolean;
  url?: string;
}

/** "/capex top [year] — e.g. …" → "top [year]": the grammar after the command name, without examples. */
function grammarAfterCommand(spec: CommandSpec): string {
  const grammar = spec.usage.split(' — ')[0]!.trim();
  const prefix = `/${spec.path[0]}`;
  return grammar.startsWith(prefix) ? grammar.slice(prefix.length).trim() : grammar;
}

export function slashCommandEntries(commands: readonly CommandSpec[], url?: string): SlashCommandEntry[] {
  const groups = new Map<string, CommandSpec[]>();
  for (const spec of commands) {
    const group = groups.get(spec.path[0]) ?? [];
    group.push(spec);
    groups.set(spec.path[0], group);
  }
  return [...groups.entries()].map(([name, specs]) => {
    const main = specs.find((s) => s.path.length === 1);
    const description = main?.summary ?? specs.map((s) => s.summary).join('; ');
    const mainGrammar = main ? grammarAfterCommand(main) : '';
    // Subcommands the main usage already names (`<add | list | …> …`) need no hint of their own.
    const named = (sub: string) => new RegExp(`(^|[^\\w-])${sub.replace(/[^\w-]/g, '')}($|[^\\w-])`).test(mainGrammar);
    const subs = specs.filter((s) => s !== main && !(s.path.length === 2 && named(s.path[1])));
    const forms = [...new Set([mainGrammar, ...subs.map(grammarAfterCommand)].filter(Boolean))];
    const usageHint = forms.join(' | ');
    return {
      command: `/${name}`.slice(0, 32),
      description: description.slice(0, 2000),
      ...(usageHint ? { usage_hint: usageHint.slice(0, 1000) } : {}),
      // Slack then sends a picked #channel as <#C123|name> (and users/links as ids), so `/capex-digest add …
      // #channel` gets a channel id it can post to. The renderer escapes whatever is echoed back either way.
      should_escape: true,
      ...(url ? { url } : {}),
    };
  });
}

export function buildSlackManifest(commands: readonly CommandSpec[], options: ManifestOptions = {}): SlackManifest {
  // The install pages are served over HTTP: OAuth and Socket Mode do not mix here.
  const socketMode = (options.socketMode ?? false) && !options.oauth;
  const base = (options.baseUrl ?? PLACEHOLDER_BASE_URL).replace(/\/+$/, '');
  const url = socketMode ? undefined : `${base}${SLACK_EVENTS_PATH}`;
  const name = options.appName ?? 'capex-bot';
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name,
      description: 'AI capital-expenditure figures with sources: /capex <company>, /compare, /capex top.',
      background_color: '#1d3557',
    },
    features: {
      bot_user: { display_name: name.toLowerCase().replace(/[^a-z0-9._-]/g, '-'), always_online: false },
      slash_commands: slashCommandEntries(commands, url),
      // The Home tab shows figures and schedules; the Messages tab keeps the bot's DMs to admins, read-only.
      app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true },
    },
    oauth_config: { ...(options.oauth ? { redirect_urls: [`${base}${REDIRECT_PATH}`] } : {}), scopes: { bot: [...BOT_SCOPES] } },
    settings: {
      event_subscriptions: { ...(url ? { request_url: url } : {}), bot_events: [...BOT_EVENTS] },
      // Buttons, selects and the digest form post to the same signed endpoint (or arrive over Socket Mode).
      interactivity: { is_enabled: true, ...(url ? { request_url: url } : {}) },
      org_deploy_enabled: Boolean(options.oauth),
      socket_mode_enabled: socketMode,
      token_rotation_enabled: false,
    },
  };
}

/** The manifest as committed in slack/manifest.json: stable key order, two-space indent, final newline. */
export function slackManifestJson(commands: readonly CommandSpec[], options: ManifestOptions = {}): string {
  return `${JSON.stringify(buildSlackManifest(commands, options), null, 2)}\n`;
}
