/**
 * Slack as the registry knows it (src/adapters/registry.ts): on when SLACK_BOT_TOKEN is set; HTTP mode
 * (POST /slack/events on the shared server) unless SLACK_APP_TOKEN asks for Socket Mode. Bolt is loaded only
 * when Slack is on.
 */
import type { AdapterDefinition } from '../../core/adapter.js';
import { slackSyntax } from './syntax.js';

export const slackAdapter: AdapterDefinition = {
  name: 'slack',
  syntax: slackSyntax,
  enabled: (config) => Boolean(config.SLACK_BOT_TOKEN),
  needsHttp: (config) => !config.SLACK_APP_TOKEN,
  create: async (deps) => (await import('./index.js')).createSlackAdapter(deps),
};
