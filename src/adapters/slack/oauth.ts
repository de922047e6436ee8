/**
 * "Add to Slack": installing capex-bot into any workspace with Slack's own OAuth library (@slack/oauth's
 * InstallProvider — it builds the authorize URL, signs and checks the `state` against a cookie bound to the
 * browser that started, and exchanges the code with oauth.v2.access; we write none of that by hand).
 * Mounted on the shared HTTP server:
 * - GET /slack/install         → a page with the "Add to Slack" button (and the state cookie);
 * - GET /slack/oauth_redirect  → Slack sends the browser back here: a missing or forged state, a cancelled
 *   install or a refused code get a page saying so in plain words (nothing stored); otherwise the installation is
 *   stored (token encrypted, src/store/installations.ts), what an uninstall paused in that workspace resumes,
 *   and the page says where to start.
 * The token never appears on a page or in a log line.
 */
import type { ServerResponse } from 'node:http';
import { InstallProvider, type CodedError, type Installation, type InstallationStore as OAuthInstallationStore } from '@slack/oauth';
import type { HttpServer } from '../../http/server.js';
import type { Logger } from '../../core/log.js';
import type { InstallationRecord, InstallationStore } from '../../core/installations.js';
import { boltLogger } from './bolt-logger.js';

export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

export interface SlackOAuthOptions {
  http: HttpServer;
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  /** The bot's public base URL (PUBLIC_URL): the redirect URL is this + /slack/oauth_redirect. */
  publicUrl?: string;
  /** Slack's Web API base (tests: the fake's); oauth.v2.access and auth.test go there. */
  slackApiUrl?: string;
  store: InstallationStore;
  /** The bot scopes asked for (the manifest's BOT_SCOPES). */
  scopes: readonly string[];
  logger: Logger;
  /** After an installation is stored: forget cached tools of the workspace, resume what its uninstall paused. */
  onInstalled(installation: InstallationRecord): Promise<void>;
}

/** The redirect URL Slack must have on file ("OAuth & Permissions" → Redirect URLs), when the public URL is known. */
export function redirectUrl(publicUrl: string | undefined): string | undefined {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}${REDIRECT_PATH}` : undefined;
}

export function mountSlackOAuth(options: SlackOAuthOptions): InstallProvider {
  const { http, store, logger } = options;
  const redirectUri = redirectUrl(options.publicUrl);
  const installationStore: OAuthInstallationStore = {
    storeInstallation: async (installation) => {
      if (!installation.bot?.token) throw new Error('Slack returned no bot token for this installation');
      const teamId = installation.team?.id;
      const enterpriseId = installation.enterprise?.id;
      const record: InstallationRecord = {
        ...(teamId ? { teamId } : {}),
        ...(installation.team?.name ? { teamName: installation.team.name } : {}),
        ...(enterpriseId ? { enterpriseId } : {}),
        ...(installation.enterprise?.name ? { enterpriseName: installation.enterprise.name } : {}),
        isEnterpriseInstall: Boolean(installation.isEnterpriseInstall),
        ...(installation.appId ? { appId: installation.appId } : {}),
        ...(installation.bot.id ? { botId: installation.bot.id } : {}),
        botUserId: installation.bot.userId,
        botScopes: installation.bot.scopes ?? [],
        botToken: installation.bot.token,
        ...(installation.user?.id ? { installerUserId: installation.user.id } : {}),
        installedAt: Date.now(),
      };
      await store.save(record);
      logger.info({ team: teamId, enterprise: enterpriseId, orgWide: record.isEnterpriseInstall, installer: installation.user?.id }, 'capex-bot installed in a Slack workspace');
      await options.onInstalled(record);
    },
    // Bolt authorizes through src/adapters/slack/workspaces.ts; the provider asks only when told to.
    fetchInstallation: async (query) => {
      const found = await store.find(query);
      if (!found) throw new Error(`no installation for ${query.teamId ?? query.enterpriseId}`);
      return {
        team: found.teamId ? { id: found.teamId, name: found.teamName } : undefined,
        enterprise: found.enterpriseId ? { id: found.enterpriseId, name: found.enterpriseName } : undefined,
        isEnterpriseInstall: found.isEnterpriseInstall,
        bot: { token: found.botToken, userId: found.botUserId, id: found.botId ?? '', scopes: found.botScopes },
        user: { id: found.installerUserId ?? '', token: undefined, scopes: undefined },
      } as Installation;
    },
    deleteInstallation: async (query) => {
      await store.delete(query);
    },
  };
  const provider = new InstallProvider({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    stateSecret: options.stateSecret,
    installationStore,
    installUrlOptions: { scopes: [...options.scopes], ...(redirectUri ? { redirectUri } : {}) },
    renderHtmlForInstallPath: addToSlackPage,
    logger: boltLogger(logger),
    ...(options.slackApiUrl ? { clientOptions: { slackApiUrl: options.slackApiUrl } } : {}),
  });

  http.route('GET', INSTALL_PATH, async (req, res) => {
    await provider.handleInstallPath(req, res);
  });
  http.route('GET', REDIRECT_PATH, async (req, res) => {
    await provider.handleCallback(req, res, {
      success: (installation, _options, _req, response) => sendPage(response, 200, installedPage(installation)),
      failure: (error, _options, _req, response) => {
        const { status, page } = failurePage(error);
        logger.warn({ code: error.code, reason: error.message }, 'a Slack install did not complete');
        sendPage(response, status, page);
      },
    });
  });
  return provider;
}

function sendPage(res: ServerResponse, status: number, html: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1d3557}a.button{display:inline-block;padding:.6rem 1.2rem;background:#4a154b;color:#fff;border-radius:.3rem;text-decoration:none;font-weight:600}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

/** GET /slack/install: what the bot does, the scopes it asks for and why, and the button. */
export function addToSlackPage(url: string): string {
  return page(
    'Add capex-bot to Slack',
    `<p>capex-bot answers questions about AI capital expenditure with sources (<code>/capex microsoft</code>, <code>/compare</code>, <code>/capex top</code>) and can post scheduled digests and revision alerts in channels an admin picks.</p>
<p>Slack will ask you to allow it to add slash commands, post in channels, read users' admin flags and time zones, and upload chart images.</p>
<p><a class="button" href="${escapeHtml(url)}">Add to Slack</a></p>`,
  );
}

function installedPage(installation: Installation | { team?: { name?: string }; enterprise?: { name?: string } }): string {
  const where = installation.team?.name ?? installation.enterprise?.name ?? 'your workspace';
  return page(
    'capex-bot is installed',
    `<p>capex-bot is now installed in <strong>${escapeHtml(where)}</strong>.</p>
<p>Go back to Slack and type <code>/capex help</code> in any channel. Workspace admins can set up a daily digest there with <code>/capex-digest add 09:00</code>.</p>
<p>You can close this page.</p>`,
  );
}

/** What went wrong, in words for the person in the browser, and the HTTP status. */
export function failurePage(error: CodedError): { status: number; page: string } {
  const again = `<p><a href="${INSTALL_PATH}">Start the installation again</a>.</p>`;
  switch (error.code) {
    case 'slack_oauth_invalid_state':
    case 'slack_oauth_missing_state':
      return {
        status: 400,
        page: page('Installation not completed', `<p>This installation link is not valid for this browser: it expired, was already used, or was opened from another browser. Nothing was installed.</p>${again}`),
      };
    case 'slack_oauth_installer_authorization_error':
      return { status: 200, page: page('Installation cancelled', `<p>You cancelled the installation in Slack, so capex-bot was not added.</p>${again}`) };
    case 'slack_oauth_missing_code':
      return { status: 400, page: page('Installation not completed', `<p>Slack did not send the code this page needs. Nothing was installed.</p>${again}`) };
    default:
      return {
        status: 502,
        page: page('Installation not completed', `<p>Slack did not confirm the installation (${escapeHtml(slackCode(error))}). Nothing was installed; please try again in a minute.</p>${again}`),
      };
  }
}

function slackCode(error: CodedError): string {
  const data = (error as { data?: { error?: string } }).data;
  return data?.error ?? error.code ?? 'unknown error';
}
