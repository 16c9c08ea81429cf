// The Store over Kysely, one implementation for SQLite and PostgreSQL. Dialect differences
// are few and named here: how the audit head is locked, and which transaction failures are
// retried. Grants are stored whole as JSON; the other columns exist to index them.
import { type Kysely, type Selectable, type Transaction } from 'kysely';
import { canonicalAuditEntry, chainAuditEntry, type AuditHead } from '../audit/audit-chain.js';
import type { AuditEntry, AuditInput } from '../audit/audit-entry.js';
import { JitError } from '../core/errors.js';
import {
  assertNever,
  ENDED_STATUSES,
  type Grant,
  type GrantStatus,
  type Instant,
} from '../core/grant.js';
import {
  toInstant,
  type AuditEntriesTable,
  type Database,
  type GrantsTable,
  type SessionsTable,
} from './database.js';
import type { OwedRevocation } from '../core/owed-revocation.js';
import * as revocationRows from './revocation-rows.js';
import {
  VersionConflictError,
  type AuditQuery,
  type DueOptions,
  type RevocationQuery,
  type GrantQuery,
  type LoginCodeRecord,
  type SessionKind,
  type SessionQuery,
  type SessionRecord,
  type Store,
  type StoredGrant,
  type StoreTransaction,
} from './store.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface KyselyStoreOptions {
  readonly dialect: StoreDialect;
  /** PostgreSQL: how many times in all to run a transaction that failed with a
   *  serialization failure or a deadlock. Default 4. */
  readonly maxTransactionAttempts?: number;
}

const DEFAULT_GRANT_LIMIT = 100;
const MAX_GRANT_LIMIT = 1000;
const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;
const DEFAULT_AUDIT_PAGE = 1000;
const DEFAULT_SESSION_LIMIT = 100;
const MAX_SESSION_LIMIT = 1000;
/** Keeps `IN (...)` lists well under every dialect's bound-parameter limit. */
const IN_LIST_CHUNK = 500;

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

  getGrant(id: string): Promise<StoredGrant | undefined> {
    return readGrant(this.#db, id);
  }

  async listGrants(query: GrantQuery): Promise<readonly StoredGrant[]> {
    if (query.roles?.length === 0 || query.statuses?.length === 0) return [];
    let select = this.#db
      .selectFrom('grants')
      .select(['id', 'status', 'version', 'data'])
      .orderBy('requested_at', 'desc')
      .orderBy('id', 'desc')
      .limit(clampLimit(query.limit, DEFAULT_GRANT_LIMIT, MAX_GRANT_LIMIT));
    if (query.principal !== undefined) select = select.where('principal', '=', query.principal);
    if (query.role !== undefined) select = select.where('role', '=', query.role);
    if (query.roles !== undefined) select = select.where('role', 'in', [...query.roles]);
    if (query.statuses !== undefined) select = select.where('status', 'in', [...query.statuses]);
    if (query.sourceKey !== undefined) select = select.where('source_key', '=', query.sourceKey);
    if (query.before !== undefined) {
      const before = query.before;
      const cursor = await this.#db
        .selectFrom('grants')
        .select('requested_at')
        .where('id', '=', before)
        .executeTakeFirst();
      // An unknown cursor (a grant that no longer exists) has nothing before it.
      if (cursor === undefined) return [];
      const requestedAt = toInstant(cursor.requested_at);
      select = select.where((eb) =>
        eb.or([
          eb('requested_at', '<', requestedAt),
          eb.and([eb('requested_at', '=', requestedAt), eb('id', '<', before)]),
        ]),
      );
    }
    return (await select.execute()).map(toStoredGrant);
  }

  async dueGrants(now: Instant, options: DueOptions = {}): Promise<readonly StoredGrant[]> {
    const lapsing =
      options.pendingTtlMs === undefined
        ? []
        : await this.#db
            .selectFrom('grants')
            .select(['id', 'status', 'version', 'data', 'requested_at as due_at'])
            .where('status', '=', 'pending_approval')
            .where('requested_at', '<=', now - options.pendingTtlMs)
            .execute();
    const starting = await this.#db
      .selectFrom('grants')
      .select(['id', 'status', 'version', 'data', 'starts_at as due_at'])
      .where('status', '=', 'scheduled')
      .where('starts_at', '<=', now)
      .execute();
    const ending = await this.#db
      .selectFrom('grants')
      .select(['id', 'status', 'version', 'data', 'ends_at as due_at'])
      .where('status', '=', 'active')
      .where('ends_at', '<=', now)
      .execute();
    return [...lapsing, ...starting, ...ending]
      .map((row) => ({ row, dueAt: row.due_at === null ? 0 : toInstant(row.due_at) }))
      .sort((a, b) => a.dueAt - b.dueAt || compareStrings(a.row.id, b.row.id))
      .map(({ row }) => toStoredGrant(row));
  }

  /** The earliest start of a scheduled grant or end of an active one; in the past when a grant
   *  is already due, undefined when none is scheduled or active. */
  async nextDueAt(options: DueOptions = {}): Promise<Instant | undefined> {
    const start = await this.#db
      .selectFrom('grants')
      .select((eb) => eb.fn.min('starts_at').as('at'))
      .where('status', '=', 'scheduled')
      .executeTakeFirst();
    const end = await this.#db
      .selectFrom('grants')
      .select((eb) => eb.fn.min('ends_at').as('at'))
      .where('status', '=', 'active')
      .executeTakeFirst();
    const candidates = [start?.at, end?.at]
      .filter((at) => at !== null && at !== undefined)
      .map((at) => toInstant(at));
    const revocation = await revocationRows.nextRevocationAttemptAt(this.#db);
    if (revocation !== undefined) candidates.push(revocation);
    if (options.pendingTtlMs !== undefined) {
      const pending = await this.#db
        .selectFrom('grants')
        .select((eb) => eb.fn.min('requested_at').as('at'))
        .where('status', '=', 'pending_approval')
        .executeTakeFirst();
      // MIN over no rows is NULL, whatever the column type says.
      const oldest = pending?.at as number | string | bigint | null | undefined;
      if (oldest !== undefined && oldest !== null)
        candidates.push(toInstant(oldest) + options.pendingTtlMs);
    }
    return candidates.length === 0 ? undefined : Math.min(...candidates);
  }

  openRevocations(): Promise<readonly OwedRevocation[]> {
    return revocationRows.openRevocations(this.#db);
  }

  listRevocations(query: RevocationQuery): Promise<readonly OwedRevocation[]> {
    return revocationRows.listRevocations(this.#db, query);
  }

  subjectOf(principal: string): Promise<string | undefined> {
    return revocationRows.subjectOf(this.#db, principal);
  }

  async activeGrants(): Promise<readonly StoredGrant[]> {
    const rows = await this.#db
      .selectFrom('grants')
      .select(['id', 'status', 'version', 'data'])
      .where('status', '=', 'active')
      .orderBy('ends_at')
      .orderBy('id')
      .execute();
    return rows.map(toStoredGrant);
  }

  async endedGrantsWithAccess(principals: readonly string[]): Promise<readonly StoredGrant[]> {
    const unique = [...new Set(principals)];
    const rows: (GrantRow & Pick<Selectable<GrantsTable>, 'requested_at'>)[] = [];
    for (let i = 0; i < unique.length; i += IN_LIST_CHUNK) {
      rows.push(
        ...(await this.#db
          .selectFrom('grants')
          .select(['id', 'status', 'version', 'data', 'requested_at'])
          .where('principal', 'in', unique.slice(i, i + IN_LIST_CHUNK))
          .where('status', 'in', [...ENDED_STATUSES])
          .where('had_access', '=', 1)
          .execute()),
      );
    }
    return rows
      .map((row) => ({ row, requestedAt: toInstant(row.requested_at) }))
      .sort((a, b) => b.requestedAt - a.requestedAt || compareStrings(b.row.id, a.row.id))
      .map(({ row }) => toStoredGrant(row));
  }

  /** Entries in chain order matching every given filter; `since` inclusive, `until` exclusive. */
  async queryAudit(query: AuditQuery): Promise<readonly AuditEntry[]> {
    let select = this.#db
      .selectFrom('audit_entries')
      .selectAll()
      .orderBy('seq')
      .limit(clampLimit(query.limit, DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT));
    if (query.grantId !== undefined) select = select.where('grant_id', '=', query.grantId);
    if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
    if (query.action !== undefined) select = select.where('action', '=', query.action);
    if (query.afterSeq !== undefined) select = select.where('seq', '>', query.afterSeq);
    if (query.since !== undefined) select = select.where('at', '>=', query.since);
    if (query.until !== undefined) select = select.where('at', '<', query.until);
    return (await select.execute()).map(toAuditEntry);
  }

  async *auditEntries(
    pageSize = DEFAULT_AUDIT_PAGE,
    throughSeq?: number,
  ): AsyncIterable<AuditEntry> {
    const size = clampLimit(pageSize, DEFAULT_AUDIT_PAGE, MAX_AUDIT_LIMIT);
    let after: number | undefined;
    for (;;) {
      let select = this.#db.selectFrom('audit_entries').selectAll().orderBy('seq').limit(size);
      if (after !== undefined) select = select.where('seq', '>', after);
      if (throughSeq !== undefined) select = select.where('seq', '<=', throughSeq);
      const rows = await select.execute();
      for (const row of rows) yield toAuditEntry(row);
      const last = rows.at(-1);
      if (last === undefined || rows.length < size) return;
      after = toInstant(last.seq);
    }
  }

  auditHead(): Promise<AuditHead> {
    return readAuditHead(this.#db, false);
  }

  async acquireLease(
    name: string,
    holder: string,
    now: Instant,
    ttlMs: number,
    options: { takeOverFrom?: string } = {},
  ): Promise<boolean> {
    const takeOverFrom = options.takeOverFrom;
    const result = await this.#write((db) =>
      db
        .insertInto('leases')
        .values({ name, holder, expires_at: now + ttlMs, version: 1 })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet((eb) => ({
              holder: eb.ref('excluded.holder'),
              expires_at: eb.ref('excluded.expires_at'),
              version: eb('leases.version', '+', 1),
            }))
            // Taken over only when expired, renewed only by its holder: one statement, so two
            // processes racing for it cannot both win.
            .where((eb) =>
              eb.or([
                eb('leases.holder', '=', holder),
                eb('leases.expires_at', '<=', now),
                ...(takeOverFrom === undefined ? [] : [eb('leases.holder', '=', takeOverFrom)]),
              ]),
            ),
        )
        .executeTakeFirst(),
    );
    return result.numInsertedOrUpdatedRows === 1n;
  }

  async leaseHolder(name: string): Promise<{ holder: string; expiresAt: Instant } | undefined> {
    const row = await this.#db
      .selectFrom('leases')
      .select(['holder', 'expires_at'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? { holder: row.holder, expiresAt: toInstant(row.expires_at) } : undefined;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.#write((db) =>
      db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute(),
    );
  }

  async sessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    const row = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row === undefined ? undefined : toSessionRecord(row);
  }

  async listSessions(query: SessionQuery): Promise<readonly SessionRecord[]> {
    let select = this.#db
      .selectFrom('sessions')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(clampLimit(query.limit, DEFAULT_SESSION_LIMIT, MAX_SESSION_LIMIT));
    if (query.principal !== undefined) select = select.where('principal', '=', query.principal);
    if (query.liveAt !== undefined) {
      select = select.where('revoked_at', 'is', null).where('expires_at', '>', query.liveAt);
    }
    return (await select.execute()).map(toSessionRecord);
  }

  async touchSession(id: string, at: Instant): Promise<void> {
    await this.#write((db) =>
      db
        .updateTable('sessions')
        .set({ last_seen_at: at })
        .where('id', '=', id)
        .where('last_seen_at', '<', at)
        .execute(),
    );
  }

  async saveLoginCode(code: LoginCodeRecord): Promise<void> {
    await this.#write((db) =>
      db
        .insertInto('login_codes')
        .values({
          code_hash: code.codeHash,
          challenge: code.challenge,
          expires_at: code.expiresAt,
          data: JSON.stringify({
            principal: code.principal,
            amr: code.amr,
            authTime: code.authTime,
            ...(code.displayName === undefined ? {} : { displayName: code.displayName }),
          }),
        })
        .execute(),
    );
  }

  async takeLoginCode(codeHash: string): Promise<LoginCodeRecord | undefined> {
    // One statement: of two exchanges racing with the same code, one gets the row.
    const row = await this.#write((db) =>
      db
        .deleteFrom('login_codes')
        .where('code_hash', '=', codeHash)
        .returningAll()
        .executeTakeFirst(),
    );
    if (row === undefined) return undefined;
    const data = parseJsonObject(row.data);
    return {
      codeHash: row.code_hash,
      challenge: row.challenge,
      expiresAt: toInstant(row.expires_at),
      principal: typeof data['principal'] === 'string' ? data['principal'] : '',
      amr: stringArray(data['amr']),
      authTime: typeof data['authTime'] === 'number' ? data['authTime'] : 0,
      ...(typeof data['displayName'] === 'string' ? { displayName: data['displayName'] } : {}),
    };
  }

  async deleteEndedSessions(before: Instant): Promise<number> {
    return this.#write(async (db) => {
      const result = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
        .executeTakeFirst();
      await db.deleteFrom('login_codes').where('expires_at', '<', before).execute();
      return Number(result.numDeletedRows);
    });
  }

  async getSetting(key: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value;
  }

  setSettingIfAbsent(key: string, value: string): Promise<string> {
    return this.#write(async (db) => {
      await db
        .insertInto('settings')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await db
        .selectFrom('settings')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      return row.value;
    });
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.#write((db) =>
      db
        .insertInto('settings')
        .values({ key, value })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
        )
        .execute(),
    );
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

class KyselyStoreTransaction implements StoreTransaction {
  readonly #trx: Transaction<Database>;
  readonly #dialect: StoreDialect;

  constructor(trx: Transaction<Database>, dialect: StoreDialect) {
    this.#trx = trx;
    this.#dialect = dialect;
  }

  getGrant(id: string): Promise<StoredGrant | undefined> {
    return readGrant(this.#trx, id);
  }

  async insertGrant(grant: Grant): Promise<StoredGrant> {
    const row = grantRow(grant);
    try {
      await this.#trx
        .insertInto('grants')
        .values({ ...row, version: 1 })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new JitError('ERR_CONFLICT', `grant ${grant.id} already exists; use a new id`, {
          details: { grantId: grant.id },
          cause: error,
        });
      }
      throw error;
    }
    return { grant: parseGrant(row.data, grant.id), version: 1 };
  }

  async updateGrant(grant: Grant, expectedVersion: number): Promise<StoredGrant> {
    const { id, ...row } = grantRow(grant);
    const result = await this.#trx
      .updateTable('grants')
      .set((eb) => ({ ...row, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) {
      const current = await this.#trx
        .selectFrom('grants')
        .select('version')
        .where('id', '=', id)
        .executeTakeFirst();
      if (current === undefined) {
        throw new JitError('ERR_NOT_FOUND', `grant ${id} does not exist; insert it first`, {
          details: { grantId: id },
        });
      }
      throw new VersionConflictError(id, expectedVersion);
    }
    return { grant: parseGrant(row.data, id), version: expectedVersion + 1 };
  }

  async appendAudit(input: AuditInput): Promise<AuditEntry> {
    const head = await readAuditHead(this.#trx, this.#dialect === 'postgres');
    const entry = chainAuditEntry(head, input);
    await this.#trx
      .insertInto('audit_entries')
      .values({
        seq: entry.seq,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        grant_id: entry.grantId ?? null,
        severity: entry.severity ?? null,
        entry: canonicalAuditEntry(entry),
        prev_hash: entry.prevHash,
        hash: entry.hash,
      })
      .execute();
    const moved = await this.#trx
      .updateTable('audit_head')
      .set({ seq: entry.seq, hash: entry.hash })
      .where('id', '=', 1)
      .where('seq', '=', head.seq)
      .executeTakeFirst();
    // Unreachable while the head is locked; a guard against a transaction that does not lock.
    if (moved.numUpdatedRows !== 1n) {
      throw new JitError('ERR_AUDIT_BROKEN', 'the audit chain head moved during an append', {
        details: { seq: entry.seq },
      });
    }
    return entry;
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

  async insertSession(session: SessionRecord): Promise<void> {
    await this.#trx
      .insertInto('sessions')
      .values({
        id: session.id,
        token_hash: session.tokenHash,
        principal: session.principal,
        kind: session.kind,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        last_seen_at: session.lastSeenAt,
        revoked_at: session.revokedAt ?? null,
        data: JSON.stringify({
          amr: session.amr,
          authTime: session.authTime,
          ...(session.displayName === undefined ? {} : { displayName: session.displayName }),
        }),
      })
      .execute();
  }

  async revokeSessions(
    match: { readonly id: string } | { readonly principal: string },
    at: Instant,
  ): Promise<readonly SessionRecord[]> {
    let select = this.#trx
      .selectFrom('sessions')
      .selectAll()
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', at)
      .orderBy('created_at')
      .orderBy('id');
    select =
      'id' in match
        ? select.where('id', '=', match.id)
        : select.where('principal', '=', match.principal);
    if (this.#dialect === 'postgres') select = select.forUpdate();
    const rows = await select.execute();
    if (rows.length === 0) return [];
    await this.#trx
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    return rows.map(toSessionRecord);
  }
}

function toSessionRecord(row: Selectable<SessionsTable>): SessionRecord {
  const data = parseJsonObject(row.data);
  return {
    id: row.id,
    tokenHash: row.token_hash,
    principal: row.principal,
    kind: (row.kind === 'cli' ? 'cli' : 'browser') satisfies SessionKind,
    amr: stringArray(data['amr']),
    authTime: typeof data['authTime'] === 'number' ? data['authTime'] : 0,
    ...(typeof data['displayName'] === 'string' ? { displayName: data['displayName'] } : {}),
    createdAt: toInstant(row.created_at),
    expiresAt: toInstant(row.expires_at),
    lastSeenAt: toInstant(row.last_seen_at),
    ...(row.revoked_at === null ? {} : { revokedAt: toInstant(row.revoked_at) }),
  };
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

type GrantRow = Pick<Selectable<GrantsTable>, 'id' | 'status' | 'version' | 'data'>;

async function readGrant(db: Kysely<Database>, id: string): Promise<StoredGrant | undefined> {
  const row = await db
    .selectFrom('grants')
    .select(['id', 'status', 'version', 'data'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toStoredGrant(row);
}

async function readAuditHead(db: Kysely<Database>, lock: boolean): Promise<AuditHead> {
  let select = db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
  if (lock) select = select.forUpdate();
  const row = await select.executeTakeFirst();
  if (row === undefined) {
    throw new JitError(
      'ERR_AUDIT_BROKEN',
      'the audit chain head (table audit_head, row id 1) is missing: the database was changed outside jit. Restore it from a backup.',
    );
  }
  return { seq: toInstant(row.seq), hash: row.hash };
}

function toStoredGrant(row: GrantRow): StoredGrant {
  const grant = parseGrant(row.data, row.id);
  if (grant.status !== row.status) {
    throw new JitError(
      'ERR_STORE',
      `grant ${row.id} is inconsistent: its row says ${row.status} but its data says ${grant.status}`,
      { details: { grantId: row.id } },
    );
  }
  return { grant, version: row.version };
}

function parseGrant(data: string, id: string): Grant {
  const grant = JSON.parse(data) as Grant;
  if (typeof grant !== 'object' || grant.id !== id) {
    throw new JitError('ERR_STORE', `grant ${id} is inconsistent: its data names another grant`, {
      details: { grantId: id },
    });
  }
  return grant;
}

/** The columns of a grant's row; `data` is the whole grant, the rest index it. */
function grantRow(grant: Grant): {
  id: string;
  role: string;
  principal: string;
  status: GrantStatus;
  requested_at: number;
  starts_at: number | null;
  ends_at: number | null;
  had_access: number;
  updated_at: number;
  data: string;
  source_key: string | null;
} {
  const window = accessWindow(grant);
  return {
    id: grant.id,
    role: grant.role,
    principal: grant.principal,
    status: grant.status,
    requested_at: grant.requestedAt,
    starts_at: window.startsAt ?? null,
    ends_at: window.endsAt ?? null,
    had_access: window.hadAccess ? 1 : 0,
    updated_at: lastEventAt(grant),
    data: JSON.stringify(grant),
    source_key: grant.source?.key ?? null,
  };
}

function accessWindow(grant: Grant): {
  startsAt: Instant | undefined;
  endsAt: Instant | undefined;
  hadAccess: boolean;
} {
  switch (grant.status) {
    case 'requested':
    case 'pending_approval':
      return { startsAt: undefined, endsAt: undefined, hadAccess: false };
    case 'scheduled':
    case 'active':
      return { startsAt: grant.startsAt, endsAt: grant.endsAt, hadAccess: false };
    case 'expired':
    case 'revoked':
    case 'cancelled':
    case 'denied':
    case 'failed':
      return { startsAt: grant.startsAt, endsAt: grant.endsAt, hadAccess: grant.hadAccess };
    default:
      return assertNever(grant);
  }
}

/** The latest instant the grant records: when it last changed, by its own account. */
function lastEventAt(grant: Grant): Instant {
  const times = [grant.requestedAt, ...grant.approvals.map((approval) => approval.at)];
  if ('authorizedAt' in grant) times.push(grant.authorizedAt);
  if ('activatedAt' in grant) times.push(grant.activatedAt);
  if ('endedAt' in grant) times.push(grant.endedAt);
  if ('extension' in grant) {
    times.push(grant.extension.requestedAt, ...grant.extension.approvals.map((a) => a.at));
  }
  return Math.max(...times);
}

/**
 * An entry as stored: seq from its row, the hash from its column, everything else from the
 * canonical JSON that was hashed. A row whose JSON cannot be read comes back built from its
 * columns, so that verification reports it as edited instead of failing.
 */
function toAuditEntry(row: Selectable<AuditEntriesTable>): AuditEntry {
  const seq = toInstant(row.seq);
  try {
    const body = JSON.parse(row.entry) as Omit<AuditEntry, 'hash'> | null;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      return { ...body, seq, hash: row.hash };
    }
  } catch {
    // fall through
  }
  return {
    seq,
    at: toInstant(row.at),
    actor: row.actor,
    action: row.action,
    data: { unreadable: row.entry },
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(Math.max(Math.trunc(limit), 1), max);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}

function isRetryablePostgresError(error: unknown): boolean {
  const code = errorCode(error);
  return code === '40001' || code === '40P01';
}

function isUniqueViolation(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
