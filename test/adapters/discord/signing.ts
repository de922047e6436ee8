/** Test-side Discord: a generated Ed25519 key pair and raw interaction payloads as Discord sends them. */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface TestKeys {
  publicKeyHex: string;
  privateKey: KeyObject;
}

export function generateKeys(): TestKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The raw 32-byte key is the tail of the SPKI DER encoding; the portal shows it as hex.
  const publicKeyHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  return { publicKeyHex, privateKey };
}

export function signedHeaders(keys: TestKeys, body: string, timestamp = String(Math.floor(Date.now() / 1000))): Record<string, string> {
  const signature = sign(null, Buffer.from(timestamp + body), keys.privateKey).toString('hex');
  return { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp };
}

let counter = 0;
const MANAGE_GUILD = String(0x20);

export interface InteractionOverrides {
  permissions?: string;
  userId?: string;
  channelId?: string;
  /** Leave out `member` (a DM). */
  dm?: boolean;
}

export function rawInteraction(type: number, data?: Record<string, unknown>, o: InteractionOverrides = {}): Record<string, unknown> {
  counter += 1;
  const user = { id: o.userId ?? '200000000000000002', username: 'alice', global_name: 'Alice', discriminator: '0', avatar: null };
  const channelId = o.channelId ?? '300000000000000003';
  return {
    id: `40000000000000${String(counter).padStart(4, '0')}`,
    application_id: '500000000000000005',
    type,
    token: `token-${counter}`,
    version: 1,
    locale: 'en-US',
    app_permissions: '2048',
    entitlements: [],
    authorizing_integration_owners: { '0': '600000000000000006' },
    context: o.dm ? 1 : 0,
    channel_id: channelId,
    channel: { id: channelId, type: o.dm ? 1 : 0 },
    ...(o.dm
      ? { user }
      : {
          guild_id: '600000000000000006',
          guild_locale: 'en-US',
          member: { user, roles: [], permissions: o.permissions ?? '0', joined_at: '2024-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0 },
        }),
    ...(data ? { data } : {}),
  };
}

/** A chat-input command: `command('capex', [{ name: 'company', type: 3, value: 'alibaba' }])`. */
export function command(name: string, options: unknown[] = [], o: InteractionOverrides = {}): Record<string, unknown> {
  return rawInteraction(2, { id: '700000000000000007', name, type: 1, options }, o);
}

export function autocomplete(name: string, options: unknown[], o: InteractionOverrides = {}): Record<string, unknown> {
  return rawInteraction(4, { id: '700000000000000007', name, type: 1, options }, o);
}

export const ADMIN = { permissions: MANAGE_GUILD };
