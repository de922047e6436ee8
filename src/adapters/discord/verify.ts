/**
 * Discord signs every HTTP interaction with Ed25519 over `timestamp + raw body`; an endpoint that accepts a
 * bad signature is disabled by Discord (it sends some on purpose). Node's own crypto does the check: the
 * portal's hex public key becomes a KeyObject once, via the fixed SPKI DER prefix for Ed25519 keys.
 *
 * A valid signature only proves Discord sent these bytes once, not that it sent them now: a captured
 * `/digest send` would post again on every replay. So the signed timestamp must be within
 * SIGNATURE_TOLERANCE_SECONDS of our clock (as Slack's scheme asks), and a `ReplayGuard` remembers the
 * interaction ids answered inside that window; anything older is refused by the timestamp alone.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** DER header of an SPKI-wrapped 32-byte Ed25519 public key (RFC 8410). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const SIGNATURE_HEX = /^[0-9a-f]{128}$/i;
/** Discord sends Unix seconds; anything else (or absurdly long) is not from Discord. */
const TIMESTAMP = /^\d{1,20}$/;

/** An interaction signed more than 5 minutes from our clock (either way) is a replay or a broken clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export type SignatureVerifier = (signature: string | undefined, timestamp: string | undefined, body: Buffer) => boolean;

export interface VerifierOptions {
  /** Injected clock (ms) for tests. */
  now?: () => number;
  toleranceSeconds?: number;
}

export function publicKeyFromHex(publicKeyHex: string): KeyObject {
  if (!/^[0-9a-f]{64}$/i.test(publicKeyHex)) throw new Error('DISCORD_PUBLIC_KEY must be 64 hex characters');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]), format: 'der', type: 'spki' });
}

/** Returns a verifier bound to one key; it never throws, a malformed header is simply "not verified". */
export function createSignatureVerifier(publicKeyHex: string, { now = Date.now, toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS }: VerifierOptions = {}): SignatureVerifier {
  const key = publicKeyFromHex(publicKeyHex);
  return (signature, timestamp, body) => {
    // Buffer.from(hex) silently drops bad characters, so the shape is checked first.
    if (!signature || !timestamp || !SIGNATURE_HEX.test(signature) || !TIMESTAMP.test(timestamp)) return false;
    if (Math.abs(now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
    try {
      return verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), key, Buffer.from(signature, 'hex'));
    } catch {
      return false;
    }
  };
}

