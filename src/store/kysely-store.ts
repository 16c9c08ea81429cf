// The Store over Kysely, one implementation for SQLite and PostgreSQL, assembled from one
// module per table (`*-rows.ts`, the way Kysely splits a dialect into its parts): this file
// holds only what spans them, the transaction and its retries, and the SQLite write lock.
// Dialect differences are few and named where they live: how the audit head is locked,
// which transaction failures are retried.
import type { Kysely, Transaction } from 'kysely';
import type { AuditHead } from '../audit/audit-chain.js';
import type { AuditEntry, AuditInput } from '../audit/audit-entry.js';
import type { Grant, GrantStatus, Instant } from '../core/grant.js';
import type { OwedRevocation, OwedRevocationStatus } from '../core/owed-revocation.js';
import * as auditRows from './audit-rows.js';
import type { Database } from './database.js';
import * as grantRows from './grant-rows.js';
import * as leaseRows from './lease-rows.js';
import * as revocationRows from './revocation-rows.js';
import { errorCode } from './row-helpers.js';
import * as sessionRows from './session-rows.js';
import * as settingRows from './setting-rows.js';
import type {
  AuditQuery,
  DueOptions,
  GrantQuery,
  LoginCodeRecord,
  RevocationQuery,
  SessionQuery,
  SessionRecord,
  Store,
  StoredGrant,
  StoreDialect,
  StoreTransaction,
} from './store.js';

export type { StoreDialect } from './store.js';

export interface KyselyStoreOptions {
  readonly dialect: StoreDialect;
  /** PostgreSQL: how many times in all to run a transaction that failed with a
   *  serialization failure or a deadlock. Default 4. */
  readonly maxTransactionAttempts?: number;
}

/** A Store over an open, migrated Kysely database. Use `openStore` to get one. */
export class KyselyStore implements Store {
  readonly dialect: StoreDialect;
  readonly #db: Kysely<Database>;
  readonly #maxAttempts: number;
  #closed = false;

  constructor(db: Kysely<Database>, options: KyselyStoreOptions) {
    this.#db = db;
    this.dialect = options.dialect;
    this.#maxAttempts = Math.max(1, options.maxTransactionAttempts ?? 4);
  }

  /**
   * Runs `work` in one transaction; everything it writes through `tx` commits together or
   * not at all, and a throw rolls it all back.
   *
   * SQLite: `BEGIN IMMEDIATE`, so the transaction holds the database's single write lock from
   * the start; transactions (and audit appends) are serialised across processes sharing the
   * file, and never fail with SQLITE_BUSY half-way.
   *
   * PostgreSQL: READ COMMITTED; `appendAudit` locks the chain head row (`FOR UPDATE`), which
   * serialises appends across processes until commit. A transaction that fails with a
   * serialization failure (40001) or deadlock (40P01) has been rolled back by the server and
   * is run again from the start, a few times; so `work` must touch nothing outside `tx`
   * (no calls to other systems, no writes through the Store itself).
   *
   * Do not call the Store from inside `work` (on SQLite that waits for the connection `work`
   * holds): read and write through `tx`.
   */
  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#db
          .transaction()
          .execute((trx) => work(new KyselyStoreTransaction(trx, this.dialect)));
      } catch (error) {
        if (
          this.dialect !== 'postgres' ||
          attempt >= this.#maxAttempts ||
          !isRetryablePostgresError(error)
        ) {
          throw error;
        }
        await sleep(10 * attempt);
      }
    }
  }

  // --- grants ---

  getGrant(id: string): Promise<StoredGrant | undefined> {
    return grantRows.readGrant(this.#db, id);
  }

  listGrants(query: GrantQuery): Promise<readonly StoredGrant[]> {
    return grantRows.listGrants(this.#db, query);
  }

  dueGrants(now: Instant, options: DueOptions = {}): Promise<readonly StoredGrant[]> {
    return grantRows.dueGrants(this.#db, now, options);
  }

  async nextDueAt(options: DueOptions = {}): Promise<Instant | undefined> {
    const candidates = [
      await grantRows.nextGrantDueAt(this.#db, options),
      await revocationRows.nextRevocationAttemptAt(this.#db),
    ].filter((at) => at !== undefined);
    return candidates.length === 0 ? undefined : Math.min(...candidates);
  }

  activeGrants(): Promise<readonly StoredGrant[]> {
    return grantRows.activeGrants(this.#db);
  }

  endedGrantsWithAccess(principals: readonly string[]): Promise<readonly StoredGrant[]> {
    return grantRows.endedGrantsWithAccess(this.#db, principals);
  }

  countGrantsByStatus(): Promise<Partial<Record<GrantStatus, number>>> {
    return countByStatus(this.#db, 'grants');
  }

  // --- revocations ---

  openRevocations(): Promise<readonly OwedRevocation[]> {
    return revocationRows.openRevocations(this.#db);
  }

  listRevocations(query: RevocationQuery): Promise<readonly OwedRevocation[]> {
    return revocationRows.listRevocations(this.#db, query);
  }

  countRevocationsByStatus(): Promise<Partial<Record<OwedRevocationStatus, number>>> {
    return countByStatus(this.#db, 'revocations');
  }

  subjectOf(principal: string): Promise<string | undefined> {
    return revocationRows.subjectOf(this.#db, principal);
  }

  // --- audit ---

  queryAudit(query: AuditQuery): Promise<readonly AuditEntry[]> {
    return auditRows.queryAudit(this.#db, query);
  }

  auditEntries(pageSize?: number, throughSeq?: number): AsyncIterable<AuditEntry> {
    return auditRows.auditEntries(this.#db, pageSize, throughSeq);
  }

  auditHead(): Promise<AuditHead> {
    return auditRows.readAuditHead(this.#db, false);
  }

  // --- leases ---

  acquireLease(
    name: string,
    holder: string,
    now: Instant,
    ttlMs: number,
    options: { takeOverFrom?: string } = {},
  ): Promise<boolean> {
    return this.#write((db) => leaseRows.acquireLease(db, name, holder, now, ttlMs, options));
  }

  leaseHolder(name: string): Promise<{ holder: string; expiresAt: Instant } | undefined> {
    return leaseRows.leaseHolder(this.#db, name);
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.#write((db) => leaseRows.releaseLease(db, name, holder));
  }

  // --- sign-in sessions ---

  sessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    return sessionRows.sessionByTokenHash(this.#db, tokenHash);
  }

  listSessions(query: SessionQuery): Promise<readonly SessionRecord[]> {
    return sessionRows.listSessions(this.#db, query);
  }

  touchSession(id: string, at: Instant): Promise<void> {
    return this.#write((db) => sessionRows.touchSession(db, id, at));
  }

  saveLoginCode(code: LoginCodeRecord): Promise<void> {
    return this.#write((db) => sessionRows.saveLoginCode(db, code));
  }

  takeLoginCode(codeHash: string): Promise<LoginCodeRecord | undefined> {
    return this.#write((db) => sessionRows.takeLoginCode(db, codeHash));
  }

  deleteEndedSessions(before: Instant): Promise<number> {
    return this.#write((db) => sessionRows.deleteEndedSessions(db, before));
  }

  // --- settings ---

  getSetting(key: string): Promise<string | undefined> {
    return settingRows.getSetting(this.#db, key);
  }

  setSettingIfAbsent(key: string, value: string): Promise<string> {
    return this.#write((db) => settingRows.setSettingIfAbsent(db, key, value));
  }

  setSetting(key: string, value: string): Promise<void> {
    return this.#write((db) => settingRows.setSetting(db, key, value));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.destroy();
  }

  // SQLite writes go through an IMMEDIATE transaction so that waiting for the write lock is
  // asynchronous (see ImmediateSqliteDialect); PostgreSQL statements lock rows themselves.
  #write<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.dialect === 'sqlite' ? this.#db.transaction().execute(work) : work(this.#db);
  }
}

/** Writes inside one transaction: each through its table's module, on the transaction. */
class KyselyStoreTransaction implements StoreTransaction {
  readonly #trx: Transaction<Database>;
  readonly #dialect: StoreDialect;

  constructor(trx: Transaction<Database>, dialect: StoreDialect) {
    this.#trx = trx;
    this.#dialect = dialect;
  }

  getGrant(id: string): Promise<StoredGrant | undefined> {
    return grantRows.readGrant(this.#trx, id);
  }

  insertGrant(grant: Grant): Promise<StoredGrant> {
    return grantRows.insertGrant(this.#trx, grant);
  }

  updateGrant(grant: Grant, expectedVersion: number): Promise<StoredGrant> {
    return grantRows.updateGrant(this.#trx, grant, expectedVersion);
  }

  appendAudit(input: AuditInput): Promise<AuditEntry> {
    return auditRows.appendAudit(this.#trx, this.#dialect, input);
  }

  insertRevocation(revocation: OwedRevocation): Promise<boolean> {
    return revocationRows.insertRevocation(this.#trx, revocation);
  }

  updateRevocation(revocation: OwedRevocation): Promise<void> {
    return revocationRows.updateRevocation(this.#trx, revocation);
  }

  subjectOf(principal: string): Promise<string | undefined> {
    return revocationRows.subjectOf(this.#trx, principal);
  }

  recordSubject(principal: string, subjectId: string, at: Instant): Promise<void> {
    return revocationRows.recordSubject(this.#trx, principal, subjectId, at);
  }

  insertSession(session: SessionRecord): Promise<void> {
    return sessionRows.insertSession(this.#trx, session);
  }

  revokeSessions(
    match: { readonly id: string } | { readonly principal: string },
    at: Instant,
  ): Promise<readonly SessionRecord[]> {
    return sessionRows.revokeSessions(this.#trx, this.#dialect, match, at);
  }
}

function isRetryablePostgresError(error: unknown): boolean {
  const code = errorCode(error);
  return code === '40001' || code === '40P01';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `status → count` of a table with a status column (one indexed GROUP BY). */
async function countByStatus(
  db: Kysely<Database>,
  table: 'grants' | 'revocations',
): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom(table)
    .select((eb) => ['status', eb.fn.countAll<number | string | bigint>().as('count')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}
