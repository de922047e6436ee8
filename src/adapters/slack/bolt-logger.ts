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
  const text = (parts: unknown[]): string => parts.map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
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
