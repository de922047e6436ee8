/**
 * Slack installed in many workspaces (OAuth): the bot token of each comes from the installation store, never
 * from configuration. This is where a request or a post finds the token of the workspace it belongs to:
 * - Bolt's `authorize` (one lookup per incoming request, by team and enterprise);
 * - the tools a slash command uses in that workspace (users.info cache, channel check, chart uploads), each
 *   on its own WebClient with that workspace's token, kept per workspace (so caches are per workspace too);
 * - the outbound channel: `slack:T1:C2` is posted with T1's token, `slack:T2:C9` with T2's.
 * A workspace that removed the app (app_uninstalled, tokens_revoked, or Slack answering token_revoked) loses its
 * installation and its tools at once: nothing is posted with a dead token, and the other workspaces go on.
 */
import type { Authorize, webApi } from '@slack/bolt';
import type { Logger } from '../../core/log.js';
import type { Reply } from '../../core/reply.js';
import { ChannelUnreachableError, type OutboundChannel, type PostedMessage } from '../../core/outbound.js';
import type { InstallationLookup, InstallationRecord, InstallationStore } from '../../core/installations.js';
import { TokenState } from '../token-state.js';
import { SlackChannelCheck } from './channel-check.js';
import { SlackChartUploader } from './charts.js';
import { createOutboundWebClient, createSlackOutbound } from './outbound.js';
import { SlackUserDirectory } from './users.js';

/** What a command or a post needs in one workspace. */
export interface WorkspaceTools {
  /** `slack:T1:`: the prefix of every channel and user id of this workspace. */
  idPrefix: string;
  /** A WebClient with this workspace's token for interactive calls (views.open, views.publish…): 5 s, no retries. */
  client: webApi.WebClient;
  users: SlackUserDirectory;
  channels: SlackChannelCheck;
  charts?: SlackChartUploader;
  outbound: OutboundChannel;
  tokenState: TokenState;
  /** The token these tools were built with (compared with the stored one when Slack refuses it). */
  readonly botToken: string;
  readonly botUserId: string;
  readonly botId?: string;
}

/**
 * How long a workspace's tools (and token) are reused before the store is read again: bounds how long another
 * replica's re-install goes unseen here (a refused post re-reads at once anyway), while sparing a database read
 * and a decryption per request.
 */
const TOOLS_TTL_MS = 5 * 60_000;

export interface SlackWorkspacesOptions {
  store: InstallationStore;
  slackApiUrl?: string;
  logger: Logger;
  /** Chart images under answers and digests (needs files:write). */
  charts: boolean;
  /**
   * Slack refused the token the installation store still holds for this workspace (token_revoked without an
   * event, or the event went to another replica): uninstall it. Awaited before the post is reported failed.
   */
  onTokenRefused?: (key: string, reason: string) => Promise<void>;
}

/** An outbound channel that may reply in a thread (OutboundChannel.replyInThread, optional). */
type ThreadedOutbound = OutboundChannel & {
  replyInThread?: (parent: PostedMessage, reply: Reply, options?: Parameters<OutboundChannel['post']>[2]) => Promise<PostedMessage | void>;
};

/**
 * The workspace part of ids for an installation: its team, or its organization for an org-wide (Enterprise Grid)
 * install — one bot token serves every workspace of the organization, and its admins manage them together.
 */
export function workspaceKey(installation: Pick<InstallationRecord, 'teamId' | 'enterpriseId' | 'isEnterpriseInstall'>): string {
  const key = installation.isEnterpriseInstall ? installation.enterpriseId : installation.teamId;
  if (!key) throw new Error('a Slack installation without team or enterprise id');
  return key;
}

/** `slack:T1:C2` → { team: 'T1', id: 'C2' } (`team` may be an organization, `E…`); undefined for an id without a workspace. */
export function splitScopedId(prefixed: string): { team: string; id: string } | undefined {
  const m = /^slack:([TE][A-Z0-9]+):([A-Z0-9]+)$/.exec(prefixed);
  return m ? { team: m[1]!, id: m[2]! } : undefined;
}

export class SlackWorkspaces {
  private readonly tools = new Map<string, { tools: Promise<WorkspaceTools | undefined>; until: number }>();

  constructor(private readonly options: SlackWorkspacesOptions) {}

  /** Bolt's per-request authorization: the token of the workspace (or org) the request comes from. */
  readonly authorize: Authorize<boolean> = async (source) => {
    const id = source.isEnterpriseInstall && source.enterpriseId ? source.enterpriseId : source.teamId;
    const installed = id ? await this.forTeam(id, source.enterpriseId) : undefined;
    // No installation (never installed, or removed): no token. The listeners see no workspace and answer
    // "not installed here" in plain words, instead of Bolt dropping the command with an empty 200.
    if (!installed) return {};
    return {
      botToken: installed.botToken,
      botUserId: installed.botUserId,
      ...(installed.botId ? { botId: installed.botId } : {}),
      ...(source.teamId ? { teamId: source.teamId } : {}),
      ...(source.enterpriseId ? { enterpriseId: source.enterpriseId } : {}),
    };
  };

  /**
   * The tools of a workspace, or undefined when the app is not installed there. `id` is a team (`T…`, its own
   * install or its organization's org-wide one, given `enterpriseId`) or an organization (`E…`, org-wide install).
   */
  forTeam(id: string, enterpriseId?: string): Promise<WorkspaceTools | undefined> {
    const cached = this.tools.get(id);
    if (cached && cached.until > Date.now()) return cached.tools;
    const tools = this.build(id.startsWith('E') ? { enterpriseId: id, isEnterpriseInstall: true } : { teamId: id, enterpriseId });
    const entry = { tools, until: Date.now() + TOOLS_TTL_MS };
    this.tools.set(id, entry);
    // A failed lookup (database hiccup) is not remembered; a missing installation is looked up again next time.
    const drop = () => this.tools.get(id) === entry && this.tools.delete(id);
    void tools.then((t) => (t ? undefined : drop()), drop);
    return tools;
  }

  /** Forgets a workspace's (or organization's) token and caches: after an uninstall, or a re-install with a new token. */
  forget(key: string): void {
    const cached = [...this.tools.values()];
    // Teams of an org-wide install are cached under their own ids: everything is rebuilt lazily, cheaply.
    this.tools.clear();
    for (const { tools } of cached) {
      void tools.then((t) => t?.idPrefix === `slack:${key}:` && t.tokenState.revoke(`capex-bot was removed from Slack workspace ${key}`), () => undefined);
    }
  }

  private async build(lookup: InstallationLookup): Promise<WorkspaceTools | undefined> {
    const installation = await this.options.store.find(lookup);
    if (!installation) return undefined;
    return this.toolsFor(installation);
  }

  private toolsFor(installation: InstallationRecord): WorkspaceTools {
    const teamId = workspaceKey(installation);
    const { slackApiUrl, logger } = this.options;
    const client = (timeoutMs?: number): webApi.WebClient => createOutboundWebClient({ token: installation.botToken, slackApiUrl, logger, ...(timeoutMs ? { timeoutMs } : {}) });
    const interactive = client(5_000);
    // No logger: a refused token here is one workspace's uninstall, logged by the caller (not the platform's token).
    const tokenState = new TokenState('slack');
    const charts = this.options.charts ? new SlackChartUploader(client(20_000), logger) : undefined;
    return {
      idPrefix: `slack:${teamId}:`,
      client: interactive,
      users: new SlackUserDirectory(interactive),
      channels: new SlackChannelCheck(interactive, logger),
      ...(charts ? { charts } : {}),
      outbound: createSlackOutbound(client(), { ...(charts ? { charts } : {}), tokenState }),
      tokenState,
      botToken: installation.botToken,
      botUserId: installation.botUserId,
      ...(installation.botId ? { botId: installation.botId } : {}),
    };
  }

  /**
   * Posts and DMs for every workspace: the team in the id picks the token. A workspace without an installation,
   * or whose token Slack refuses, is ChannelUnreachableError for that post — never TokenRevokedError, which
   * would stop the delivery engine posting to every workspace — so a digest of an uninstalled workspace never
   * reaches Slack and the other workspaces carry on.
   */
  outbound(): OutboundChannel {
    const within = async <T>(prefixed: string, what: string, call: (tools: WorkspaceTools, local: string) => Promise<T>): Promise<T> => {
      const scoped = splitScopedId(prefixed);
      if (!scoped) throw new ChannelUnreachableError(`not a workspace-scoped Slack ${what} id: ${prefixed.slice(0, 60)}`);
      const notInstalled = () => new ChannelUnreachableError(`capex-bot is not installed in Slack workspace ${scoped.team} (removed, or never installed): nothing is posted there`);
      const tools = await this.forTeam(scoped.team);
      if (!tools) throw notInstalled();
      try {
        return await call(tools, `slack:${scoped.id}`);
      } catch (error) {
        if ((error as { kind?: string }).kind !== 'token_revoked') throw error;
        // Refused. If the workspace installed again meanwhile (through another replica), the cached token was
        // just stale: post once more with the stored one. Otherwise the installation is dead: uninstall it.
        this.forget(scoped.team);
        const fresh = await this.forTeam(scoped.team);
        if (fresh && fresh.botToken !== tools.botToken) return call(fresh, `slack:${scoped.id}`);
        if (fresh) {
          this.forget(scoped.team);
          await this.options.onTokenRefused?.(scoped.team, (error as Error).message);
        }
        throw new ChannelUnreachableError(`Slack workspace ${scoped.team} no longer accepts capex-bot's token (uninstalled or revoked): nothing more is posted there until it is installed again`, { cause: error });
      }
    };
    const channel: OutboundChannel = {
      platform: 'slack',
      post: (channelId, reply, options): Promise<PostedMessage | void> =>
        within(channelId, 'channel', async (tools, local) => {
          const posted = await tools.outbound.post(local, reply, options);
          return posted ? { channelId, messageId: posted.messageId } : undefined;
        }),
      sendDirect: (userId, reply) => within(userId, 'user', (tools, local) => tools.outbound.sendDirect(local, reply)),
    };
    // The optional thread capability, forwarded when the one-workspace outbound has it (fallback: a plain post).
    const replyInThread: ThreadedOutbound['replyInThread'] = (parent, reply, options) =>
      within(parent.channelId, 'channel', async (tools, local) => {
        const inner = tools.outbound as ThreadedOutbound;
        const posted = inner.replyInThread ? await inner.replyInThread({ channelId: local, messageId: parent.messageId }, reply, options) : await inner.post(local, reply, options);
        return posted ? { channelId: parent.channelId, messageId: posted.messageId } : undefined;
      });
    return Object.assign(channel, { replyInThread });
  }
}
