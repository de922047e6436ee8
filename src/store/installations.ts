/**
 * Slack installations (migration 7): who installed capex-bot where, with the bot token encrypted at rest
 * (token-cipher.ts). One row per workspace, or one per Enterprise Grid organization for an org-wide install.
 *
 * Also the workspace-wide changes an installation's life brings to the other tables, done here because only
 * src/store touches the database:
 * - `suspendWorkspace` (app_uninstalled / tokens_revoked): the workspace's active digests are paused and its
 *   alert subscriptions set failing, both with a reason starting with UNINSTALLED_REASON, so a re-install
 *   (`resumeWorkspace`) brings back exactly those and not what an admin paused on purpose;
 * - `scopeSingleWorkspaceRows`: the upgrade from one-token mode, where Slack ids were `slack:C1`, to team-scoped
 *   ids `slack:T1:C1` in schedules, the delivery ledger, alerts, news and audit rows.
 */
import { sql, type Selectable } from 'kysely';
import type { InstallationLookup, InstallationRecord, InstallationStore } from '../core/installations.js';
import type { Database } from './database.js';
import type { SlackInstallationsTable } from './schema.js';
import { TokenCipher, TokenDecryptError } from './token-cipher.js';
import { transaction, writeOnce } from './write.js';

/** Starts the status reason of digests and alerts the bot paused because their workspace removed the app. */
export const UNINSTALLED_REASON = 'workspace uninstalled the app';

/** The store's names for the contract's types (src/core/installations.ts). */
export type SlackInstallationRecord = InstallationRecord;
export type { InstallationLookup };

/** The row key: `E:<enterprise>` for an org-wide install, else `T:<team>`. Also the text the token is bound to. */
export function installationKey(lookup: InstallationLookup): string {
  if (lookup.isEnterpriseInstall && lookup.enterpriseId) return `E:${lookup.enterpriseId}`;
  if (!lookup.teamId) throw new Error('a Slack installation needs a team id (or an enterprise id for an org-wide install)');
  return `T:${lookup.teamId}`;
}

/** Tables whose Slack ids become team-scoped, with the columns holding them. */
const SCOPED_COLUMNS = [
  ['schedules', 'channel_id'],
  ['schedules', 'created_by'],
  ['deliveries', 'channel_id'],
  ['delivery_ledger', 'target'],
  ['alert_subscriptions', 'channel_id'],
  ['alert_subscriptions', 'created_by'],
  ['alert_deliveries', 'channel_id'],
  ['news_feeds', 'added_by'],
  ['news_feed_scopes', 'added_by'],
  ['news_feed_scopes', 'scope'], // `slack:` (the one workspace) becomes `slack:T1:`
  ['news_digest_items', 'channel_id'],
  ['audit_log', 'actor'],
  ['proposal_channels', 'channel_id'],
  ['proposal_channels', 'created_by'],
  ['proposal_posts', 'channel_id'],
  ['proposals', 'decided_by'],
] as const;

export class SlackInstallationStore implements InstallationStore {
  constructor(
    private readonly database: Database,
    private readonly cipher: TokenCipher,
    private readonly now: () => number = Date.now,
  ) {}

  /** Saves (or replaces, on a re-install) an installation; the token is encrypted before it is written. */
  async save(record: SlackInstallationRecord): Promise<void> {
    const id = installationKey(record);
    const now = this.now();
    const row = {
      id,
      team_id: record.teamId ?? null,
      team_name: record.teamName ?? null,
      enterprise_id: record.enterpriseId ?? null,
      enterprise_name: record.enterpriseName ?? null,
      is_enterprise_install: record.isEnterpriseInstall ? 1 : 0,
      app_id: record.appId ?? null,
      bot_id: record.botId ?? null,
      bot_user_id: record.botUserId,
      bot_scopes: JSON.stringify(record.botScopes),
      bot_token: this.cipher.encrypt(record.botToken, id),
      installer_user_id: record.installerUserId ?? null,
      installed_at: record.installedAt,
      updated_at: now,
    };
    await writeOnce(this.database, (db) =>
      db
        .insertInto('slack_installations')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet({ ...row, id: undefined }))
        .execute(),
    );
  }

  /** The installation serving a request: the team's own, else its organization's org-wide one. */
  async find(lookup: InstallationLookup): Promise<SlackInstallationRecord | undefined> {
    const keys = [
      ...(lookup.isEnterpriseInstall && lookup.enterpriseId ? [`E:${lookup.enterpriseId}`] : []),
      ...(lookup.teamId ? [`T:${lookup.teamId}`] : []),
      ...(!lookup.isEnterpriseInstall && lookup.enterpriseId ? [`E:${lookup.enterpriseId}`] : []),
    ];
    for (const key of keys) {
      const row = await this.database.kysely.selectFrom('slack_installations').selectAll().where('id', '=', key).executeTakeFirst();
      if (row) return this.toRecord(row);
    }
    return undefined;
  }

  async list(): Promise<SlackInstallationRecord[]> {
    const rows = await this.database.kysely.selectFrom('slack_installations').selectAll().orderBy('installed_at').execute();
    return rows.map((r) => this.toRecord(r));
  }

  /** Deletes the installation (its token is gone with it); true when there was one. */
  async delete(lookup: InstallationLookup): Promise<boolean> {
    const id = installationKey(lookup);
    const result = await writeOnce(this.database, (db) => db.deleteFrom('slack_installations').where('id', '=', id).executeTakeFirst());
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Re-encrypts every token written under an older key (TOKEN_ENCRYPTION_KEY_PREVIOUS) with the current one.
   * Returns how many rows changed, and the ids of those no configured key opens (left as they are: that workspace
   * must reinstall, the others keep working). After a run with none unreadable, the old key may be dropped.
   */
  async reencryptStale(): Promise<{ reencrypted: number; unreadable: string[] }> {
    const rows = await this.database.kysely.selectFrom('slack_installations').select(['id', 'bot_token']).execute();
    let changed = 0;
    const unreadable: string[] = [];
    for (const row of rows) {
      if (!this.cipher.isStale(row.bot_token)) continue;
      let plain: string;
      try {
        plain = this.cipher.decrypt(row.bot_token, row.id);
      } catch (error) {
        if (!(error instanceof TokenDecryptError)) throw error;
        unreadable.push(row.id);
        continue;
      }
      const fresh = this.cipher.encrypt(plain, row.id);
      await writeOnce(this.database, (db) => db.updateTable('slack_installations').set({ bot_token: fresh }).where('id', '=', row.id).where('bot_token', '=', row.bot_token).execute());
      changed += 1;
    }
    return { reencrypted: changed, unreadable };
  }

  /**
   * The workspace removed the app: its active digests are paused and its alert subscriptions stop, marked so a
   * re-install resumes them. `prefix` is the workspace's id prefix, `slack:T1:`. Returns what was stopped.
   */
  async suspendWorkspace(prefix: string, why: string): Promise<{ schedules: number; alerts: number }> {
    const now = this.now();
    const reason = `${UNINSTALLED_REASON} (${why}); resumed when it is installed again`;
    return transaction(this.database, async (trx) => {
      const schedules = await trx
        .updateTable('schedules')
        .set({ status: 'paused', status_reason: reason, updated_at: now })
        .where('status', 'in', ['active', 'failing'])
        .where(sql<string>`substr(channel_id, 1, ${prefix.length})`, '=', prefix)
        .executeTakeFirst();
      const alerts = await trx
        .updateTable('alert_subscriptions')
        .set({ status: 'failing', status_reason: reason, updated_at: now })
        .where('status', '=', 'active')
        .where(sql<string>`substr(channel_id, 1, ${prefix.length})`, '=', prefix)
        .executeTakeFirst();
      await trx.insertInto('audit_log').values({ at: now, actor: 'system', action: 'workspace-suspended', details: JSON.stringify({ workspace: prefix, why }) }).execute();
      return { schedules: Number(schedules.numUpdatedRows), alerts: Number(alerts.numUpdatedRows) };
    });
  }

  /** The workspace installed the app again: what `suspendWorkspace` stopped runs again (slots meanwhile are not owed). */
  async resumeWorkspace(prefix: string): Promise<{ schedules: number; alerts: number }> {
    const now = this.now();
    return transaction(this.database, async (trx) => {
      const schedules = await trx
        .updateTable('schedules')
        .set({ status: 'active', status_reason: null, armed_from: now, updated_at: now })
        .where('status', '=', 'paused')
        .where(sql<string>`substr(status_reason, 1, ${UNINSTALLED_REASON.length})`, '=', UNINSTALLED_REASON)
        .where(sql<string>`substr(channel_id, 1, ${prefix.length})`, '=', prefix)
        .executeTakeFirst();
      const alerts = await trx
        .updateTable('alert_subscriptions')
        .set({ status: 'active', status_reason: null, updated_at: now })
        .where('status', '=', 'failing')
        .where(sql<string>`substr(status_reason, 1, ${UNINSTALLED_REASON.length})`, '=', UNINSTALLED_REASON)
        .where(sql<string>`substr(channel_id, 1, ${prefix.length})`, '=', prefix)
        .executeTakeFirst();
      return { schedules: Number(schedules.numUpdatedRows), alerts: Number(alerts.numUpdatedRows) };
    });
  }

  /**
   * Upgrade from one-token mode: every `slack:X…` id without a team (`slack:C1`, `slack:U1`) becomes
   * `slack:<teamId>:X…`, in one transaction, so schedules keep their ledger history and alerts their
   * announcements. Ids that already carry a team are left alone, so running it again changes nothing.
   */
  async scopeSingleWorkspaceRows(teamId: string): Promise<number> {
    if (!/^[TE][A-Z0-9]+$/.test(teamId)) throw new Error(`not a Slack team id: ${teamId.slice(0, 40)}`);
    const into = `slack:${teamId}:`;
    return transaction(this.database, async (trx) => {
      let changed = 0;
      for (const [table, column] of SCOPED_COLUMNS) {
        // `slack:` then an id with no further colon: the single-workspace form.
        const result = await sql`UPDATE ${sql.table(table)} SET ${sql.ref(column)} = ${into} || substr(${sql.ref(column)}, 7)
          WHERE substr(${sql.ref(column)}, 1, 6) = 'slack:' AND ${sql.ref(column)} NOT LIKE 'slack:%:%'`.execute(trx);
        changed += Number(result.numAffectedRows ?? 0);
      }
      return changed;
    });
  }

  private toRecord(row: Selectable<SlackInstallationsTable>): SlackInstallationRecord {
    return {
      ...(row.team_id ? { teamId: row.team_id } : {}),
      ...(row.team_name ? { teamName: row.team_name } : {}),
      ...(row.enterprise_id ? { enterpriseId: row.enterprise_id } : {}),
      ...(row.enterprise_name ? { enterpriseName: row.enterprise_name } : {}),
      isEnterpriseInstall: row.is_enterprise_install === 1,
      ...(row.app_id ? { appId: row.app_id } : {}),
      ...(row.bot_id ? { botId: row.bot_id } : {}),
      botUserId: row.bot_user_id,
      botScopes: JSON.parse(row.bot_scopes) as string[],
      botToken: this.cipher.decrypt(row.bot_token, row.id),
      ...(row.installer_user_id ? { installerUserId: row.installer_user_id } : {}),
      installedAt: row.installed_at,
    };
  }
}

/** The installation store of an open Store's database, with the cipher TOKEN_ENCRYPTION_KEY(_PREVIOUS) describe. */
export function openSlackInstallations(store: { readonly database: Database }, config: { TOKEN_ENCRYPTION_KEY?: string; TOKEN_ENCRYPTION_KEY_PREVIOUS?: string }): SlackInstallationStore {
  return new SlackInstallationStore(store.database, TokenCipher.fromConfig(config));
}
