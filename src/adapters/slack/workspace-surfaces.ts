/**
 * The interactive surfaces of issue 14 — buttons and selects (interactivity.ts), the digest form (modal.ts) and
 * the App Home (home.ts) — when the app is installed in many workspaces (OAuth). Each workspace gets its own set,
 * built on that workspace's tools (workspaces.ts): its token for views.open / views.publish / chat.postEphemeral /
 * users.info, and ids scoped with its team (`slack:T1:U1`, `slack:T1:C1`), so a press, a form or a Home in T2
 * sees and changes T2's schedules only. One-token mode wires the same classes once (index.ts).
 */
import type { AckFn, App, BlockAction, RespondArguments, SlashCommand, ViewResponseAction } from '@slack/bolt';
import type { Core } from '../../core/core.js';
import { ACTION_ID_PATTERN } from '../../core/interaction.js';
import type { Logger } from '../../core/log.js';
import { errorReply } from '../../core/reply.js';
import { AppHome } from './home.js';
import { PressAnswerer } from './interactivity.js';
import { DIGEST_MODAL_CALLBACK, DigestModal, opensDigestForm } from './modal.js';
import { renderSlashResponse } from './render.js';
import { NOT_INSTALLED } from './slash-commands.js';
import type { WorkspaceTools } from './workspaces.js';


interface Surfaces {
  tools: WorkspaceTools;
  home: AppHome;
  digestForm: DigestModal;
  presses: PressAnswerer;
}

export interface WorkspaceSurfacesOptions {
  core: Core;
  adminUserIds: readonly string[];
  logger: Logger;
  /** The workspace's tools, undefined when the app is not installed there (SlackWorkspaces.forTeam). */
  tools: (teamId: string, enterpriseId?: string) => Promise<WorkspaceTools | undefined>;
}

/** Where a request comes from, as Bolt's authorize saw it (`context`). */
interface Origin {
  teamId?: string;
  enterpriseId?: string;
  isEnterpriseInstall?: boolean;
}

function commandOrigin(command: SlashCommand): Origin {
  return { teamId: command.team_id, enterpriseId: command.enterprise_id, isEnterpriseInstall: command.is_enterprise_install === 'true' };
}

export class WorkspaceSurfaces {
  /** Per workspace prefix (`slack:T1:`): rebuilt when its tools are (a fresher token), keeping the Homes it tracks. */
  private readonly byWorkspace = new Map<string, Surfaces>();

  constructor(private readonly options: WorkspaceSurfacesOptions) {}

  /** The surfaces of the workspace a request comes from; undefined when the app is not installed there. Never rejects. */
  async of(origin: Origin): Promise<Surfaces | undefined> {
    const id = origin.isEnterpriseInstall && origin.enterpriseId ? origin.enterpriseId : origin.teamId;
    let tools: WorkspaceTools | undefined;
    try {
      tools = id ? await this.options.tools(id, origin.enterpriseId) : undefined;
    } catch (error) {
      this.options.logger.error({ err: error, team: id }, 'could not read the Slack installation of a workspace');
      return undefined;
    }
    if (!tools) return undefined;
    const known = this.byWorkspace.get(tools.idPrefix);
    if (known?.tools === tools) return known;
    const built = this.build(tools);
    if (known) built.home.takeOver(known.home);
    this.byWorkspace.set(tools.idPrefix, built);
    return built;
  }

  /** The app was removed from workspace `key`: its Homes are no longer kept current. */
  forget(key: string): void {
    const prefix = `slack:${key}:`;
    this.byWorkspace.get(prefix)?.home.stop();
    this.byWorkspace.delete(prefix);
  }

  stop(): void {
    for (const surfaces of this.byWorkspace.values()) surfaces.home.stop();
    this.byWorkspace.clear();
  }

  /** For the slash commands: a bare `/capex-digest add` opens the form of the command's workspace. */
  readonly digestForm = {
    opens: (command: SlashCommand): boolean => opensDigestForm(command),
    open: async (command: SlashCommand, ack: AckFn<string | RespondArguments>): Promise<void> => {
      const surfaces = await this.of(commandOrigin(command));
      if (!surfaces) return ack(renderSlashResponse(errorReply(NOT_INSTALLED)));
      return surfaces.digestForm.open(command, ack);
    },
  };

  /** For the slash commands (`afterCommand`): a /capex-digest command refreshes the Homes of its workspace once answered. */
  readonly afterCommand = (command: SlashCommand): void => {
    if (command.command !== '/capex-digest') return;
    void this.of(commandOrigin(command)).then((surfaces) => surfaces?.home.refreshAll(false));
  };

  private build(tools: WorkspaceTools): Surfaces {
    const { core, adminUserIds, logger } = this.options;
    const shared = { core, client: tools.client, users: tools.users, adminUserIds, logger, idPrefix: tools.idPrefix };
    const home = new AppHome(shared);
    home.start();
    const digestForm = new DigestModal({ ...shared, channels: tools.channels, onChange: () => void home.refreshAll(false) });
    const presses = new PressAnswerer({ core, users: tools.users, adminUserIds, logger, ...(tools.charts ? { charts: tools.charts } : {}), digestForm, home, idPrefix: tools.idPrefix });
    return { tools, home, digestForm, presses };
  }
}

/** The listeners of one-token mode's registerInteractivity / registerDigestModal / registerAppHome, per workspace. */
export function registerWorkspaceSurfaces(app: App, surfaces: WorkspaceSurfaces): void {
  const of = (origin: Origin) => surfaces.of(origin);
  app.action<BlockAction>(ACTION_ID_PATTERN, async ({ ack, body, action, respond, context }) => {
    await ack();
    const mine = await of(context);
    if (!mine) {
      if (body.response_url) await respond(renderSlashResponse(errorReply(NOT_INSTALLED))).catch(() => undefined);
      return;
    }
    await mine.presses.handle(body, action, respond);
  });
  app.view(DIGEST_MODAL_CALLBACK, async ({ ack, body, view, context }) => {
    const mine = await of(context);
    if (!mine) return ack({ response_action: 'errors', errors: { time: NOT_INSTALLED } });
    return mine.digestForm.submit(body, view, ack as AckFn<ViewResponseAction | void>);
  });
  app.event('app_home_opened', async ({ event, context }) => {
    if (event.tab !== 'home') return;
    await (await of(context))?.home.publish(event.user);
  });
}
