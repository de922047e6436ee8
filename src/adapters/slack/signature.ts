/**
 * Slack request signing (v0): HMAC-SHA256 over `v0:<timestamp>:<raw body>` with the app's signing secret.
 * Checked before anything else looks at the body, so an unsigned, forged or replayed request runs nothing.
 * See https://docs.slack.dev/authentication/verifying-requests-from-slack
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's own recommendation: refuse requests whose timestamp is more than five minutes away from now. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' };

export interface SignedRequest {
  signingSecret: string;
  /** `X-Slack-Request-Timestamp` header (seconds since the epoch). */
  timestamp: string | undefined;
  /** `X-Slack-Signature` header, `v0=<hex>`. */
  signature: string | undefined;
  rawBody: Buffer | string;
  /** Injected clock (ms) for tests. */
  nowMs?: number;
}

export function slackSignature(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

export function verifySlackSignature(request: SignedRequest): SignatureCheck {
  const { timestamp, signature } = request;
  if (!timestamp || !signature) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'stale_timestamp' };
  const nowSeconds = Math.floor((request.nowMs ?? Date.now()) / 1000);
  // Both directions: a timestamp far in the future is as suspicious as an old one.
  if (Math.abs(nowSeconds - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, reason: 'stale_timestamp' };
  const expected = Buffer.from(slackSignature(request.signingSecret, timestamp, request.rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing secret (the format is public).
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}
