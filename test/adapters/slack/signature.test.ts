/** v0 request signatures: accepted only when signed with the secret over these exact bytes, within 5 minutes. */
import { describe, expect, it } from 'vitest';
import { verifySlackSignature } from '../../../src/adapters/slack/signature.js';
import { sign } from './harness.js';

const secret = 'shh';
const body = 'command=%2Fcapex&text=alibaba';
const now = 1_760_000_000;
const at = (seconds: number) => ({ signingSecret: secret, rawBody: body, nowMs: seconds * 1000 });

describe('verifySlackSignature', () => {
  it('accepts a correct signature over the raw body', () => {
    expect(verifySlackSignature({ ...at(now), timestamp: String(now), signature: sign(secret, String(now), body) })).toEqual({ ok: true });
  });

  it('refuses another secret, another body, or a truncated signature', () => {
    const ts = String(now);
    expect(verifySlackSignature({ ...at(now), timestamp: ts, signature: sign('other', ts, body) })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackSignature({ ...at(now), rawBody: `${body}x`, timestamp: ts, signature: sign(secret, ts, body) })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackSignature({ ...at(now), timestamp: ts, signature: sign(secret, ts, body).slice(0, -1) })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a signature made for another timestamp', () => {
    expect(verifySlackSignature({ ...at(now), timestamp: String(now), signature: sign(secret, String(now - 1), body) }).ok).toBe(false);
  });

  it('refuses missing headers', () => {
    expect(verifySlackSignature({ ...at(now), timestamp: undefined, signature: 'v0=00' })).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifySlackSignature({ ...at(now), timestamp: String(now), signature: undefined })).toEqual({ ok: false, reason: 'missing_headers' });
  });

  it('allows 5 minutes either way and no more; refuses a non-numeric timestamp', () => {
    for (const skew of [-300, 300]) {
      const ts = String(now + skew);
      expect(verifySlackSignature({ ...at(now), timestamp: ts, signature: sign(secret, ts, body) }).ok).toBe(true);
    }
    for (const skew of [-301, 301]) {
      const ts = String(now + skew);
      expect(verifySlackSignature({ ...at(now), timestamp: ts, signature: sign(secret, ts, body) })).toEqual({ ok: false, reason: 'stale_timestamp' });
    }
    expect(verifySlackSignature({ ...at(now), timestamp: '1e9', signature: sign(secret, '1e9', body) }).ok).toBe(false);
  });
});
