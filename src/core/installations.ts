/**
 * Installations of a platform that serves many workspaces from one bot (Slack installed through OAuth): what the
 * adapter needs from storage, declared here so the Adapter contract names it without depending on the store.
 * src/store/installations.ts implements it over the bot's database, with the bot token encrypted at rest.
 */

export interface InstallationRecord {
  teamId?: string;
  teamName?: string;
  enterpriseId?: string;
  enterpriseName?: string;
  /** An organization-wide (Enterprise Grid) install: one token for every workspace of the organization. */
  isEnterpriseInstall: boolean;
  appId?: string;
  botId?: string;
  botUserId: string;
  botScopes: string[];
  /** In clear, only in memory: the store encrypts it before it reaches the database. */
  botToken: string;
  installerUserId?: string;
  installedAt: number;
}

/** Which installation a request belongs to: an org-wide install answers for every team of its enterprise. */
export interface InstallationLookup {
  teamId?: string;
  enterpriseId?: string;
  isEnterpriseInstall?: boolean;
}

export interface InstallationStore {
  /** Saves (or replaces, on a re-install) an installation. */
  save(record: InstallationRecord): Promise<void>;
  /** The installation serving a request: the team's own, else its organization's org-wide one. */
  find(lookup: InstallationLookup): Promise<InstallationRecord | undefined>;
  list(): Promise<InstallationRecord[]>;
  /** Deletes it (its token with it); true when there was one. */
  delete(lookup: InstallationLookup): Promise<boolean>;
  /** Re-encrypts tokens written under an older key; reports those no configured key opens. */
  reencryptStale(): Promise<{ reencrypted: number; unreadable: string[] }>;
  /** The workspace (id prefix `slack:T1:`) removed the app: pause its digests and alerts, marked. */
  suspendWorkspace(prefix: string, why: string): Promise<{ schedules: number; alerts: number }>;
  /** It installed the app again: resume exactly what `suspendWorkspace` paused. */
  resumeWorkspace(prefix: string): Promise<{ schedules: number; alerts: number }>;
  /** Upgrade from one workspace: ids without a workspace (`slack:C1`) become `slack:<teamId>:C1`. */
  scopeSingleWorkspaceRows(teamId: string): Promise<number>;
}
