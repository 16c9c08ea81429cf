// Opens the store named by the configuration: an SQLite file (the embedded default) or a
// PostgreSQL database (DATABASE_URL). Prepares the connection, runs the migrations, and
// turns every failure to get there into one JitError that says how to fix it.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { JitError } from '../core/errors.js';
import type { Database } from './database.js';
import { parseDatabaseUrl, type DatabaseUrlTarget } from './database-url.js';
import { cachingStatements } from './sqlite-statement-cache.js';
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js';
import { KyselyStore } from './kysely-store.js';
import { STORE_MIGRATIONS, storeMigrationProvider } from './migrations.js';
import { postgresOpenError } from './postgres-open-error.js';
import type { Store } from './store.js';

export interface SqliteStoreOptions {
  /** The database file; its directory is created. `:memory:` for a private in-memory store. */
  readonly sqlitePath: string;
  /** How long a write waits for another process's write lock. Default 5000. */
  readonly busyTimeoutMs?: number;
}

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database`; never printed with its password. */
  readonly databaseUrl: string;
  /** Connections in the pool. Default 10. */
  readonly poolSize?: number;
  /** How long to wait for a connection before giving up. Default 10,000. */
  readonly connectTimeoutMs?: number;
  /** Told about errors on idle pooled connections (a server restart, say); the pool drops
   *  the connection and reconnects on demand. Without a listener they are ignored. */
  readonly onPoolError?: (error: Error) => void;
}

export type OpenStoreOptions = SqliteStoreOptions | PostgresStoreOptions;

/**
 * Opens and migrates the store. SQLite: creates the file's directory, WAL journal, busy
 * timeout, foreign keys. PostgreSQL: a pool of `poolSize` connections, checked at once.
 * The same migrations run on both; running them again is a no-op, and two processes opening
 * the same database at once migrate it once.
 *
 * Throws `JitError('ERR_STORE')` naming the file or the host and database (never the
 * password) and the fix, when the database cannot be reached, opened or migrated.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  return 'databaseUrl' in options ? openPostgres(options) : openSqlite(options);
}

async function openSqlite(options: SqliteStoreOptions): Promise<Store> {
  const path = options.sqlitePath;
  const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
  const inMemory = path === ':memory:';
  if (!inMemory) {
    const dir = dirname(resolve(path));
    try {
      // The store holds session hashes and the sandbox's token secret: this user only. The
      // file is made (or tightened) before SQLite opens it; SQLite gives its -wal and -shm
      // files the same permissions.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new JitError(
        'ERR_STORE',
        `cannot create the directory ${dir} for the SQLite store: ${message(error)}. Choose a writable path for the database file.`,
        { details: { path }, cause: error },
      );
    }
    try {
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    } catch (error) {
      throw new JitError(
        'ERR_STORE',
        `cannot create or protect the SQLite store ${path}: ${message(error)}. Choose a path this user owns.`,
        { details: { path }, cause: error },
      );
    }
  }

  let raw: SqliteDatabase.Database | undefined;
  try {
    raw = new SqliteDatabase(path, { timeout: busyTimeoutMs });
    if (!inMemory) raw.pragma('journal_mode = WAL');
    raw.pragma('foreign_keys = ON');
  } catch (error) {
    raw?.close();
    throw new JitError(
      'ERR_STORE',
      `cannot open the SQLite store at ${path}: ${message(error)}. ${sqliteHint(error)}`,
      { details: { path }, cause: error },
    );
  }

  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({
      database: cachingStatements(raw),
      busyTimeoutMs,
      lockTimeoutMs: busyTimeoutMs,
    }),
  });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw new JitError(
      'ERR_STORE',
      `cannot prepare the SQLite store at ${path}: ${message(error)}. ${sqliteHint(error)}`,
      { details: { path }, cause: error },
    );
  }
  return new KyselyStore(db, { dialect: 'sqlite' });
}

async function openPostgres(options: PostgresStoreOptions): Promise<Store> {
  const target: DatabaseUrlTarget = parseDatabaseUrl(options.databaseUrl);
  const secrets = passwords(options.databaseUrl);
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: Math.max(1, options.poolSize ?? 10),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'jit-access',
  });
  // An idle client's error is emitted on the pool; unheard, it would end the process.
  const onPoolError = options.onPoolError;
  pool.on('error', (error) => onPoolError?.(error));

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
    await migrate(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw postgresOpenError(error, target, secrets);
  }
  return new KyselyStore(db, { dialect: 'postgres' });
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: storeMigrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === 'Error');
  const text = message(error);
  if (/corrupted migrations|is missing/i.test(text)) {
    throw new Error(
      `${text} (the database was migrated by a newer version of jit; upgrade jit to use it)`,
      { cause: error },
    );
  }
  if (failed !== undefined) {
    throw Object.assign(
      new Error(`migration ${failed.migrationName} failed: ${text}`, { cause: error }),
      {
        code: errorCode(error),
      },
    );
  }
  throw error instanceof Error ? error : new Error(text);
}

function sqliteHint(error: unknown): string {
  switch (errorCode(error)) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return 'The file is not a jit SQLite database; point the store at a new file or restore the right one.';
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return 'Check that the file and its directory are writable by this user.';
    case 'SQLITE_BUSY':
      return 'Another process holds the database locked; try again, or stop it.';
    default:
      return 'Check the path and permissions of the database file.';
  }
}

function passwords(databaseUrl: string): string[] {
  try {
    const password = new URL(databaseUrl).password;
    return password === '' ? [] : [password, decodeURIComponent(password)];
  } catch {
    return [];
  }
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Looks at the store without changing it (`jit doctor`): reachable, and how many of this
 * version's migrations it has. A missing SQLite file is fine (the server creates it). Throws
 * `JitError('ERR_STORE')` as `openStore` does, and when the database was migrated by a
 * newer version.
 */
export async function inspectStore(options: OpenStoreOptions): Promise<string> {
  const known = Object.keys(STORE_MIGRATIONS).length;
  let db: Kysely<Database>;
  let where: string;
  if ('databaseUrl' in options) {
    const target = parseDatabaseUrl(options.databaseUrl);
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 1,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: 'jit-access doctor',
    });
    pool.on('error', () => undefined);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    where = `PostgreSQL ${target.host}/${target.database}`;
    try {
      await sql`select 1`.execute(db);
    } catch (error) {
      await db.destroy().catch(() => undefined);
      throw postgresOpenError(error, target, passwords(options.databaseUrl));
    }
  } else {
    const path = options.sqlitePath;
    if (path !== ':memory:' && !existsSync(path))
      return `SQLite ${path} does not exist yet; jit serve creates it and applies ${String(known)} migrations`;
    let raw: SqliteDatabase.Database;
    try {
      raw = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw new JitError(
        'ERR_STORE',
        `cannot open the SQLite store at ${path}: ${message(error)}. ${sqliteHint(error)}`,
        { details: { path }, cause: error },
      );
    }
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
    where = `SQLite ${path}`;
  }
  try {
    const migrations = await new Migrator({ db, provider: storeMigrationProvider }).getMigrations();
    const applied = migrations.filter((m) => m.executedAt !== undefined).length;
    const pending = known - applied;
    return pending === 0
      ? `${where}: all ${String(known)} migrations applied`
      : `${where}: ${String(applied)} of ${String(known)} migrations applied; jit serve applies the other ${String(pending)} at start`;
  } catch (error) {
    throw new JitError(
      'ERR_STORE',
      `cannot read the migrations of ${where}: ${message(error)}. ${String(errorCode(error)).startsWith('SQLITE_') ? sqliteHint(error) : 'Check that this user may read the database.'}`,
      { cause: error },
    );
  } finally {
    await db.destroy().catch(() => undefined);
  }
}
