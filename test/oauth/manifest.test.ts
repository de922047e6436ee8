/** The Slack manifest when capex-bot is offered to many workspaces (`npm run manifest -- --url … --oauth`). */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildSlackManifest } from '../../src/adapters/slack/manifest.js';
import { commands } from '../../src/commands/index.js';

describe('Slack manifest with OAuth', () => {
  it('GIVEN oauth THEN it lists the redirect URL on the same base as the events URL and allows org-wide installs', () => {
    const manifest = buildSlackManifest(commands, { baseUrl: 'https://capex.example.org/', oauth: true });
    expect(manifest.oauth_config?.redirect_urls).toEqual(['https://capex.example.org/slack/oauth_redirect']);
    expect(manifest.settings?.event_subscriptions?.request_url).toBe('https://capex.example.org/slack/events');
    expect(manifest.settings?.org_deploy_enabled).toBe(true);
    expect(manifest.settings?.socket_mode_enabled).toBe(false);
  });

  it('GIVEN one workspace (the committed manifest) THEN no redirect URL and no org-wide install', () => {
    const manifest = buildSlackManifest(commands);
    expect(manifest.oauth_config?.redirect_urls).toBeUndefined();
    expect(manifest.settings?.org_deploy_enabled).toBe(false);
  });

  it('GIVEN SLACK_CLIENT_ID and PUBLIC_URL in the environment THEN `npm run manifest -- --oauth` prints the OAuth manifest for that URL', () => {
    const out = execFileSync('node', ['--import', 'tsx', 'scripts/slack-manifest.ts', '--oauth'], {
      env: { ...process.env, SLACK_CLIENT_ID: '123.456', PUBLIC_URL: 'https://bot.example.net' },
      encoding: 'utf8',
    });
    const manifest = JSON.parse(out) as ReturnType<typeof buildSlackManifest>;
    expect(manifest.oauth_config?.redirect_urls).toEqual(['https://bot.example.net/slack/oauth_redirect']);
  });
});
