// PostgreSQL for tests: is a server reachable, and a fresh database per test file, dropped
// afterwards. Outside CI an unreachable server skips the PostgreSQL tests with a warning
// saying how to start one; under CI=true it fails them, so they cannot pass by not running.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server tests use: TEST_DATABASE_URL, or the local default (trust auth, db `test`). */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface PostgresTestOptions {
  /** An admin URL on the server (any existing database); default from `env`. */
  readonly url?: string;
  /** Default `process.env`; read for TEST_DATABASE_URL and CI. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long to wait for the server to answer. Default 3000. */
  readonly timeoutMs?: number;
}

export type PostgresProbe =
  | { readonly reachable: true; readonly url: string }
  | { readonly reachable: false; readonly url: string; readonly reason: string };

export interface TestDatabase {
  /** The new database's name, `jit_test_<random>`. */
  readonly name: string;
  /** A URL for the new database, with the admin URL's user, password, host and options. */
  readonly url: string;
  /** Drops the database, ending any connections still open to it; safe to call twice. */
  drop(): Promise<void>;
}

/** The admin URL tests connect to. */
export function testPostgresUrl(env: PostgresTestOptions['env'] = process.env): string {
  const fromEnv = env['TEST_DATABASE_URL'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_TEST_DATABASE_URL;
}

/** Connects once and runs `select 1`; never throws. */
export async function probePostgres(options: PostgresTestOptions = {}): Promise<PostgresProbe> {
  const url = options.url ?? testPostgresUrl(options.env);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.timeoutMs ?? 3000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return { reachable: true, url };
  } catch (error) {
    return { reachable: false, url, reason: describeError(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether the PostgreSQL tests should run: true when the server answers. When it does not,
 * under CI=true this throws (the test file fails to load, so the run fails); elsewhere it
 * warns, naming how to start a server, and returns false so the caller skips:
 *
 * ```ts
 * const pgUp = await postgresAvailable();
 * describe.skipIf(!pgUp)('...', () => { ... });
 * ```
 */
export async function postgresAvailable(options: PostgresTestOptions = {}): Promise<boolean> {
  const env = options.env ?? process.env;
  const probe = await probePostgres({ ...options, env });
  if (probe.reachable) return true;
  const message =
    `PostgreSQL is not reachable at ${redact(probe.url)} (${probe.reason}). ` +
    'Start it (e.g. `pg_ctlcluster 15 main start`, or ' +
    '`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16`) ' +
    'or point TEST_DATABASE_URL at a server where you may CREATE DATABASE.';
  if (env['CI'] === 'true' || env['CI'] === '1') {
    throw new Error(`${message} Under CI the PostgreSQL tests must run, so this fails.`);
  }
  console.warn(`Skipping PostgreSQL tests: ${message}`);
  return false;
}

/** Creates `jit_test_<random>` on the server; `drop()` removes it. */
export async function createTestDatabase(options: PostgresTestOptions = {}): Promise<TestDatabase> {
  const adminUrl = options.url ?? testPostgresUrl(options.env);
  const name = `jit_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, async (client) => {
        try {
          await client.query(`drop database if exists ${name} with (force)`);
        } catch (error) {
          // Before PostgreSQL 13 there is no WITH (FORCE): end the sessions, then drop.
          if ((error as { code?: unknown }).code !== '42601') throw error;
          await client.query(
            'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1',
            [name],
          );
          await client.query(`drop database if exists ${name}`);
        }
      });
    },
  };
}

async function withAdmin(
  url: string,
  work: (client: pg.Client) => Promise<unknown>,
): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparseable TEST_DATABASE_URL)';
  }
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return describeError(error.errors[0]);
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
