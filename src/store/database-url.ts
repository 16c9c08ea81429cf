// Reads a PostgreSQL connection URL far enough to name its target in messages, and never
// lets the password into one.
import { JitError } from '../core/errors.js';

/** Where a DATABASE_URL points, without its password. */
export interface DatabaseUrlTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** `postgres://user@host:port/database`: safe to print. */
  readonly display: string;
}

/**
 * Parses a `postgres://` or `postgresql://` URL into a printable target.
 * Throws `JitError('ERR_STORE')` naming the expected shape when the URL is malformed; the
 * value itself is never echoed, as it may hold a password.
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseUrlTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new JitError(
      'ERR_STORE',
      'DATABASE_URL is not a valid URL (its value is not shown, as it may hold a password); ' +
        'expected postgres://user:password@host:5432/database',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new JitError(
      'ERR_STORE',
      `DATABASE_URL must start with postgres:// or postgresql://, not ${url.protocol}//; ` +
        'unset it to use the embedded SQLite store',
      { details: { scheme: url.protocol } },
    );
  }
  const host = url.hostname || url.searchParams.get('host') || 'localhost';
  const port = url.port === '' ? 5432 : Number(url.port);
  const user = decodeURIComponent(url.username) || url.searchParams.get('user') || 'postgres';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  return {
    host,
    port,
    database,
    user,
    display: `postgres://${user}@${host.includes(':') ? `[${host}]` : host}:${port}/${database}`,
  };
}
