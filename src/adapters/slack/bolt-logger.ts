/**
 * Bolt and the WebClient log through @slack/logger's interface; this routes them into the bot's pino
 * logger so everything lands in one structured stream (and stays silent in tests).
 */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/log.js';

const PINO_TO_BOLT: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'slack' });
  const text = (parts: unknown[]): string => redactSecrets(parts.map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p))).join(' '));
  const errorOf = (parts: unknown[]): Error | undefined => parts.find((p): p is Error => p instanceof Error);
  return {
    debug: (...parts: unknown[]) => {
      // The WebClient logs every request at debug: skip the formatting when nobody reads it.
      if (child.isLevelEnabled('debug')) child.debug(text(parts));
    },
    info: (...parts: unknown[]) => child.info(text(parts)),
    warn: (...parts: unknown[]) => child.warn({ err: errorOf(parts) }, text(parts)),
    error: (...parts: unknown[]) => child.error({ err: errorOf(parts) }, text(parts)),
    // The level is pino's (LOG_LEVEL); Bolt asking to change it is ignored on purpose.
    setLevel: () => undefined,
    getLevel: () => PINO_TO_BOLT[logger.level] ?? LogLevel.INFO,
    setName: () => undefined,
  };
}

/** Body fields that hold credentials: the WebClient logs request bodies at debug (oauth.v2.access sends client_secret). */
const SECRET_FIELDS = /((?:\\?")(?:client_secret|token|access_token|refresh_token|bot_token|code)(?:\\?")\s*:\s*\\?")[^"\\]*/g;
/** The same fields form-encoded (`client_secret=…&code=…`). */
const SECRET_PARAMS = /\b(client_secret|token|access_token|refresh_token|code)=[^&\s"]*/g;
/** Slack tokens wherever they appear (xoxb-, xoxp-, xapp-, xoxe-…). */
const SLACK_TOKENS = /\b(xox[a-z]|xapp)-[A-Za-z0-9-]+/g;

/** What Bolt, the WebClient and @slack/oauth log, with credentials replaced: a log line never holds a token or secret. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_FIELDS, '$1[redacted]').replace(SECRET_PARAMS, '$1=[redacted]').replace(SLACK_TOKENS, '$1-[redacted]');
}
