/**
 * Whether a platform still accepts the bot's token. The first sign that it does not — Slack `token_revoked`,
 * `invalid_auth`, `account_inactive` or an `app_uninstalled` / `tokens_revoked` event; Discord 401 or
 * gateway close 4004 — flips it once: the adapter's health turns degraded with the reason, the reason is
 * logged once as an error, and every later outbound call fails at once with TokenRevokedError instead of
 * reaching the platform again (so there is at most the one attempt that found out). Only a restart with a
 * new token clears it.
 */
import type { Platform } from '../core/command.js';
import type { Logger } from '../core/log.js';
import { TokenRevokedError } from '../core/outbound.js';

export class TokenState {
  private revokedReason: string | undefined;
  private revokedAt: Date | undefined;
  private readonly listeners: ((reason: string) => void)[] = [];

  constructor(
    readonly platform: Platform,
    private readonly logger?: Logger,
  ) {}

  get revoked(): boolean {
    return this.revokedReason !== undefined;
  }

  /** Why the token stopped working, in words an operator acts on; undefined while it works. */
  get reason(): string | undefined {
    return this.revokedReason;
  }

  get since(): Date | undefined {
    return this.revokedAt;
  }

  /** Marks the token unusable; true the first time (the caller may then tell someone), false afterwards. */
  revoke(reason: string): boolean {
    if (this.revokedReason !== undefined) return false;
    this.revokedReason = reason;
    this.revokedAt = new Date();
    this.logger?.error({ platform: this.platform, reason }, 'the platform no longer accepts the bot token; posting there stops until it is replaced and the bot restarted');
    for (const listener of this.listeners) listener(reason);
    return true;
  }

  /** Called once with the reason when the token is revoked (at once if it already is). */
  onRevoke(listener: (reason: string) => void): void {
    if (this.revokedReason !== undefined) listener(this.revokedReason);
    else this.listeners.push(listener);
  }

  /** Throws TokenRevokedError when revoked: call before a platform request. */
  assertUsable(): void {
    if (this.revokedReason !== undefined) throw new TokenRevokedError(this.platform, `${this.platform}: ${this.revokedReason}`);
  }

  /** The error to throw for a request that found the token refused; marks it revoked. */
  refused(reason: string, cause?: unknown): TokenRevokedError {
    this.revoke(reason);
    return new TokenRevokedError(this.platform, `${this.platform}: ${reason}`, { cause });
  }
}
