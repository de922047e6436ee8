/**
 * Slack's own lifecycle events about this installation. `app_uninstalled` (the app was removed from the
 * workspace) and `tokens_revoked` (listing the revoked bot token's user) mean every later Web API call will
 * fail with `token_revoked`: the shared TokenState is flipped at once, so posting stops before the first
 * failed post, `/healthz` says degraded and why, and the reason is logged once.
 * Both events need no scope; the manifest subscribes to them (src/adapters/slack/manifest.ts).
 */
import type { App } from '@slack/bolt';
import type { TokenState } from '../token-state.js';

export const LIFECYCLE_EVENTS = ['app_uninstalled', 'tokens_revoked'] as const;

export interface LifecycleOptions {
  tokenState: TokenState;
}

export function registerLifecycleEvents(app: App, { tokenState }: LifecycleOptions): void {
  app.event('app_uninstalled', async () => {
    tokenState.revoke('the Slack app was uninstalled from the workspace (app_uninstalled): reinstall it, set the new SLACK_BOT_TOKEN and restart');
  });
  app.event('tokens_revoked', async ({ event }) => {
    // The app holds one bot token per workspace and no user tokens: a revoked user token changes nothing.
    if ((event.tokens.bot ?? []).length === 0) return;
    tokenState.revoke('Slack revoked the bot token (tokens_revoked): reinstall the app, set the new SLACK_BOT_TOKEN and restart');
  });
}
