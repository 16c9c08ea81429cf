// Kysely's SQLite dialect, changed in two ways so that several processes can share one file:
// transactions begin IMMEDIATE (take the write lock up front, instead of failing with
// SQLITE_BUSY when a deferred read transaction later tries to write), and the wait for that
// lock is asynchronous, so a process (or a second Store in the same process) that holds the
// lock across `await`s can finish while another waits.
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import { JitError } from '../core/errors.js';

export interface ImmediateSqliteDialectConfig extends SqliteDialectConfig {
  /** How long to keep retrying `BEGIN IMMEDIATE` while another connection writes. */
  readonly lockTimeoutMs: number;
  /** The connection's synchronous busy timeout, restored after each `BEGIN IMMEDIATE`. */
  readonly busyTimeoutMs: number;
}

/** SQLite with `BEGIN IMMEDIATE` transactions and transactional migrations. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ImmediateSqliteDialectConfig;

  constructor(config: ImmediateSqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

// SQLite does run DDL in transactions; saying so makes Kysely's Migrator run each migration
// batch in one (IMMEDIATE) transaction, which also serialises migrations across processes.
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #lockTimeoutMs: number;
  readonly #busyTimeoutMs: number;

  constructor(config: ImmediateSqliteDialectConfig) {
    super(config);
    this.#lockTimeoutMs = config.lockTimeoutMs;
    this.#busyTimeoutMs = config.busyTimeoutMs;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // The synchronous busy handler would block the event loop; wait asynchronously instead.
    await connection.executeQuery(CompiledQuery.raw('pragma busy_timeout = 0'));
    try {
      let waited = 0;
      for (let attempt = 0; ; attempt += 1) {
        try {
          await connection.executeQuery(CompiledQuery.raw('begin immediate'));
          return;
        } catch (error) {
          if (!isBusy(error)) throw error;
          if (waited >= this.#lockTimeoutMs) {
            throw new JitError(
              'ERR_STORE',
              `the SQLite database stayed locked by another writer for ${this.#lockTimeoutMs} ms; ` +
                'another process may be stuck in a transaction. Try again, or stop the other process.',
              { cause: error },
            );
          }
        }
        const delay = Math.min(2 ** attempt, 50);
        await sleep(delay);
        waited += delay;
      }
    } finally {
      await connection.executeQuery(
        CompiledQuery.raw(`pragma busy_timeout = ${this.#busyTimeoutMs}`),
      );
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
