/** What DATABASE_URL names: an SQLite file (the default) or a PostgreSQL server. */
import { DatabaseConfigError } from './errors.js';

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/**
 * "./data/x.sqlite", "file:./x.sqlite", "sqlite:///abs/x.sqlite", "sqlite:x.sqlite" or ":memory:" → an SQLite
 * file; "postgres://…" or "postgresql://…" → PostgreSQL. Anything else with a scheme is refused by name.
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  const url = databaseUrl.trim();
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  if (url === ':memory:' || url === 'sqlite::memory:') return { kind: 'sqlite', path: ':memory:' };
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(url) && !/^(sqlite|file):/i.test(url)) {
    throw new DatabaseConfigError(
      'unsupported_url',
      `DATABASE_URL '${url.split(':')[0]}://…' is not supported: use an SQLite file (e.g. ./data/capex-bot.sqlite) or postgres://user:password@host/database`,
    );
  }
  const path = url.replace(/^sqlite:(\/\/)?/i, '').replace(/^file:(\/\/)?/i, '');
  if (path === '') throw new DatabaseConfigError('unsupported_url', 'DATABASE_URL is empty; name an SQLite file such as ./data/capex-bot.sqlite');
  return { kind: 'sqlite', path };
}

/** The URL with its password replaced, for logs, /healthz and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
  }
}
