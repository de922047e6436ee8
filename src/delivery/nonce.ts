/**
 * Discord's idempotency key for a channel message: with `enforce_nonce: true`, a second message with the same
 * nonce from the same author within a few minutes returns the first message instead of making another. The
 * nonce is derived from the ledger row's unique key — not its id, so two databases (staging and production on
 * one bot token) can never collide — and is the same on every retry and on every replica that takes the row
 * over. Discord allows at most 25 characters.
 */
import { createHash } from 'node:crypto';
import type { LedgerKey } from './ledger.js';

export const MAX_NONCE_LENGTH = 25;

export function nonceFor(key: LedgerKey): string {
  const digest = createHash('sha256').update(`${key.kind}\u0000${key.subject}\u0000${key.target}\u0000${key.slot}`).digest('base64url');
  return `cx${digest.slice(0, MAX_NONCE_LENGTH - 2)}`;
}
