/**
 * Slack as the registry knows it (src/adapters/registry.ts): on when SLACK_BOT_TOKEN is set; HTTP mode
 * (POST /slack/events on the shared server) unless SLACK_APP_TOKEN asks for Socket Mode. Bolt is loaded only
 * when Slack is on.
 */
import type { AdapterDefinition } from '../../core/adapter.js';
import { slackSyntax } from './syntax.js';
import { slackEnabled, slackOAuthEnabled } from '../../config.js';

export const slackAdapter: AdapterDefinition = {
  name: 'slack',
  syntax: slackSyntax,
  // One workspace (SLACK_BOT_TOKEN) or many through OAuth (SLACK_CLIENT_ID/SECRET/STATE_SECRET, HTTP only).
  enabled: (config) => slackEnabled(config),
  needsHttp: (config) => !config.SLACK_APP_TOKEN || slackOAuthEnabled(config),
  create: async (deps) => (await import('./index.js')).createSlackAdapter(deps),
};
