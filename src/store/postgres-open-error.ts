// Turns a failure to reach or use a PostgreSQL database into one JitError that says where,
// what went wrong, and how to fix it; never a stack, never the password.
import { JitError } from '../core/errors.js';
import type { DatabaseUrlTarget } from './database-url.js';

/**
 * A `JitError('ERR_STORE')` for `error`, raised while opening the store at `target`.
 * `secrets` (the URL's password) are masked wherever the driver's own message is quoted.
 */
export function postgresOpenError(
  error: unknown,
  target: DatabaseUrlTarget,
  secrets: readonly string[] = [],
): JitError {
  const code = errorCode(error);
  const where = `PostgreSQL at ${target.host}:${target.port} (database "${target.database}", user "${target.user}")`;
  const details = { host: target.host, port: target.port, database: target.database, code };
  const fail = (message: string): JitError =>
    new JitError('ERR_STORE', message, { details, cause: error });

  switch (code) {
    case 'ECONNREFUSED':
      return fail(
        `cannot connect to ${where}: connection refused. Start PostgreSQL, or correct the host and port in DATABASE_URL.`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(
        `cannot connect to ${where}: host "${target.host}" not found. Correct the host in DATABASE_URL.`,
      );
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
      return fail(
        `cannot connect to ${where}: no answer before the timeout. Check that the host is reachable (firewall, security group) and PostgreSQL listens on port ${target.port}.`,
      );
    case '3D000':
      return fail(
        `cannot open ${where}: the database does not exist. Create it (createdb -h ${target.host} -p ${target.port} -U ${target.user} ${target.database}) or correct the database name in DATABASE_URL.`,
      );
    case '28P01':
    case '28000':
      return fail(
        `cannot sign in to ${where}: ${mask(describe(error), secrets)}. Check the user name and password in DATABASE_URL (the password is not shown here).`,
      );
    case '42501':
      return fail(
        `cannot set up ${where}: permission denied. The user needs the right to create tables in the database (GRANT CREATE ON SCHEMA public TO ${target.user}).`,
      );
    case undefined:
    default:
      return fail(
        `cannot open ${where}: ${mask(describe(error), secrets)}. Check DATABASE_URL and the server.`,
      );
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const message = error instanceof Error ? error.message : '';
  if (/timeout/i.test(message)) return 'CONNECT_TIMEOUT';
  // AggregateError from a host with several addresses (IPv4 and IPv6): use the first code.
  const inner = (error as { errors?: unknown }).errors;
  return Array.isArray(inner) ? errorCode(inner[0]) : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function mask(text: string, secrets: readonly string[]): string {
  return secrets.reduce(
    (out, secret) => (secret === '' ? out : out.replaceAll(secret, '***')),
    text,
  );
}
