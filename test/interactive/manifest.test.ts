/** The Slack manifest turns on what issue 14 needs: interactivity on the signed endpoint, the Home tab, its event. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSlackManifest } from '../../src/adapters/slack/manifest.js';
import { commands } from '../../src/commands/index.js';

describe('Slack manifest for buttons, the form and the App Home', () => {
  it('HTTP mode: interactivity posts to /slack/events; the Home tab is on; app_home_opened is subscribed', () => {
    const manifest = buildSlackManifest(commands, { baseUrl: 'https://bot.example.org' });
    expect(manifest.settings?.interactivity).toEqual({ is_enabled: true, request_url: 'https://bot.example.org/slack/events' });
    expect(manifest.features?.app_home).toMatchObject({ home_tab_enabled: true });
    expect(manifest.settings?.event_subscriptions?.bot_events).toContain('app_home_opened');
  });

  it('Socket Mode: interactivity on without a URL', () => {
    expect(buildSlackManifest(commands, { socketMode: true }).settings?.interactivity).toEqual({ is_enabled: true });
  });

  it('the committed slack/manifest.json has them', () => {
    const committed = JSON.parse(readFileSync(new URL('../../slack/manifest.json', import.meta.url), 'utf8'));
    expect(committed.settings.interactivity.is_enabled).toBe(true);
    expect(committed.features.app_home.home_tab_enabled).toBe(true);
  });
});
