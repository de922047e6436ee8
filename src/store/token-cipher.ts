/**
 * Bot tokens at rest: AES-256-GCM (node:crypto) with the key from TOKEN_ENCRYPTION_KEY, so a copied database
 * file or a PostgreSQL dump holds no usable token. Each value is
 * `v1.<key id>.<iv>.<auth tag>.<ciphertext>` (base64url parts); the key id (8 characters of the key's SHA-256)
 * says which key wrote it, and the row's identity is bound in as additional data, so a ciphertext copied onto
 * another workspace's row does not decrypt.
 *
 * Key rotation (docs/slack.md): put the new key in TOKEN_ENCRYPTION_KEY and the old one in
 * TOKEN_ENCRYPTION_KEY_PREVIOUS (comma-separated, several allowed). Values written under an old key are still
 * read, and the installation store re-encrypts them under the new key at start-up; once that has run (the log
 * says how many), the old key can be dropped.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;

export class TokenKeyError extends Error {
  readonly code = 'TOKEN_KEY_INVALID';
}

/** A value no configured key can open (wrong key, tampered, or bound to another row). */
export class TokenDecryptError extends Error {
  readonly code = 'TOKEN_DECRYPT_FAILED';
}

/** 32 bytes, written as 64 hex characters or as base64 (`openssl rand -base64 32` / `openssl rand -hex 32`). */
export function parseTokenKey(text: string, name = 'TOKEN_ENCRYPTION_KEY'): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32 || (!/^[0-9a-f]{64}$/i.test(t) && !/^[A-Za-z0-9+/_-]{43}=?$/.test(t))) {
    throw new TokenKeyError(`${name} must be 32 random bytes written as 64 hex characters or base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

export class TokenCipher {
  private readonly current: { id: string; key: Buffer };
  private readonly byId: Map<string, Buffer>;

  /** `previous`: keys still accepted for reading while values are re-encrypted under `key`. */
  constructor(key: Buffer, previous: readonly Buffer[] = []) {
    this.current = { id: keyId(key), key };
    this.byId = new Map([key, ...previous].map((k) => [keyId(k), k]));
  }

  static fromConfig(config: { TOKEN_ENCRYPTION_KEY?: string; TOKEN_ENCRYPTION_KEY_PREVIOUS?: string }): TokenCipher {
    if (!config.TOKEN_ENCRYPTION_KEY) throw new TokenKeyError('TOKEN_ENCRYPTION_KEY is not set: installations keep their bot tokens encrypted with it');
    const previous = (config.TOKEN_ENCRYPTION_KEY_PREVIOUS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => parseTokenKey(s, 'TOKEN_ENCRYPTION_KEY_PREVIOUS'));
    return new TokenCipher(parseTokenKey(config.TOKEN_ENCRYPTION_KEY), previous);
  }

  /** `boundTo` names the row (e.g. `T123`): the same text must be given to decrypt. */
  encrypt(plain: string, boundTo: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, this.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(sealed: string, boundTo: string): string {
    const [version, id, iv, tag, body] = sealed.split('.');
    if (version !== VERSION || !id || !iv || !tag || body === undefined) throw new TokenDecryptError('not an encrypted token value');
    const key = this.byId.get(id);
    if (!key) throw new TokenDecryptError(`token encrypted with a key that is not configured (key id ${id}): set it in TOKEN_ENCRYPTION_KEY_PREVIOUS`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new TokenDecryptError('a stored token does not decrypt (tampered, or bound to another row)', { cause: error });
    }
  }

  /** Whether the value was written under an older key (and should be re-encrypted). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.current.id;
  }
}
