/**
 * One logger for the whole bot (pino: structured JSON, fast, well kept). LOG_LEVEL sets the level;
 * tests and the one-shot CLI keep it quiet so stdout stays the user's.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  // stderr so the console adapter's stdout carries only answers.
  return pino({ level, base: undefined }, pino.destination(2));
}

export const silentLogger: Logger = pino({ level: 'silent' });
