/** The OAuth settings are checked at start-up, each refusal naming the variable and the fix. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, slackEnabled, slackOAuthEnabled } from '../../src/config.js';

const oauth = { SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 'secret', SLACK_STATE_SECRET: 'state-secret-0123456789', SLACK_SIGNING_SECRET: 'sign', TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') };

describe('OAuth configuration', () => {
  it('GIVEN client id, secret, state secret, signing secret and key THEN Slack is on for many workspaces without SLACK_BOT_TOKEN', () => {
    const config = loadConfig({}, oauth as never);
    expect(slackOAuthEnabled(config)).toBe(true);
    expect(slackEnabled(config)).toBe(true);
  });

  it('GIVEN only some of the three, no key, a malformed key or no signing secret THEN start-up is refused saying what to set', () => {
    expect(() => loadConfig({}, { ...oauth, SLACK_STATE_SECRET: '' } as never)).toThrow(/set all three, or none/);
    expect(() => loadConfig({}, { ...oauth, TOKEN_ENCRYPTION_KEY: '' } as never)).toThrow(/set TOKEN_ENCRYPTION_KEY/);
    expect(() => loadConfig({}, { ...oauth, TOKEN_ENCRYPTION_KEY: 'hunter2' } as never)).toThrow(/openssl rand -base64 32/);
    expect(() => loadConfig({}, { ...oauth, TOKEN_ENCRYPTION_KEY_PREVIOUS: `${randomBytes(32).toString('hex')},short` } as never)).toThrow(ConfigError);
    expect(() => loadConfig({}, { ...oauth, SLACK_SIGNING_SECRET: '' } as never)).toThrow(/SLACK_SIGNING_SECRET/);
    expect(() => loadConfig({}, { ...oauth, SLACK_STATE_SECRET: 'short' } as never)).toThrow(/at least 16/);
  });
});
