/**
 * Admin sign-in for `/admin`. The admin types ADMIN_TOKEN into a form (POST, never a URL, so it is in no
 * log, history or Referer); the bot answers with a session cookie that is
 * - signed (HMAC-SHA256, Hono's signed-cookie helper) with a key derived from ADMIN_TOKEN, so changing the
 *   token signs everyone out, and a restart does not;
 * - HttpOnly (no script reads it), SameSite=Strict (no other site's page or form sends it), Path=/admin,
 *   Secure when PUBLIC_URL is https, and it expires after SESSION_HOURS (the expiry is inside the signed value).
 * Failed sign-ins are rate-limited per client address and in total, so the token cannot be guessed online.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';

export const SESSION_COOKIE = 'capex_admin';
export const SESSION_HOURS = 8;
const SESSION_PATH = '/admin';

/** Failed sign-ins allowed per client address per window, and in total (many addresses) per window. */
export const FAILED_SIGN_INS_PER_ADDRESS = 5;
export const FAILED_SIGN_INS_TOTAL = 30;
export const FAILED_SIGN_IN_WINDOW_MS = 15 * 60_000;

export class AdminSessions {
  private readonly key: string;

  constructor(
    private readonly token: string,
    private readonly secure: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', token).update('capex-bot admin session v1').digest('hex');
  }

  /** Constant-time comparison (of hashes, so the lengths match too). */
  tokenMatches(typed: string): boolean {
    const a = createHash('sha256').update(typed).digest();
    const b = createHash('sha256').update(this.token).digest();
    return timingSafeEqual(a, b);
  }

  async start(c: Context): Promise<void> {
    const expires = this.now() + SESSION_HOURS * 3_600_000;
    await setSignedCookie(c, SESSION_COOKIE, `v1.${expires}`, this.key, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: this.secure,
      path: SESSION_PATH,
      maxAge: SESSION_HOURS * 3600,
    });
  }

  async valid(c: Context): Promise<boolean> {
    const value = await getSignedCookie(c, this.key, SESSION_COOKIE);
    if (!value) return false;
    const match = /^v1\.(\d+)$/.exec(value);
    return Boolean(match && Number(match[1]) > this.now());
  }

  end(c: Context): void {
    deleteCookie(c, SESSION_COOKIE, { path: SESSION_PATH, secure: this.secure, httpOnly: true, sameSite: 'Strict' });
  }
}

/** Counts failures in a fixed window per key; `retryAfterMs` says when the key may try again. */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perKey: number,
    private readonly total: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private current(key: string): { start: number; count: number } {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      w = { start: t, count: 0 };
      this.windows.set(key, w);
    }
    return w;
  }

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfterMs(key: string): number {
    const t = this.now();
    const blocked = [this.current(key), this.current('*')].filter((w, i) => w.count >= (i === 0 ? this.perKey : this.total));
    return blocked.length ? Math.max(...blocked.map((w) => w.start + this.windowMs - t)) : 0;
  }

  fail(key: string): void {
    this.current(key).count += 1;
    this.current('*').count += 1;
    // Addresses whose window has passed are forgotten, so the map stays as small as the recent attackers.
    if (this.windows.size > 10_000) {
      const t = this.now();
      for (const [k, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(k);
    }
  }
}
