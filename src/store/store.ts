// The store port: grants (with optimistic concurrency), the audit chain, leases and a few
// settings. Implemented by Kysely over SQLite (default) and PostgreSQL (DATABASE_URL).
import type { Grant, GrantStatus, Instant } from '../core/grant.js';
import type { AuditEntry, AuditInput } from '../audit/audit-entry.js';
import type { OwedRevocation, OwedRevocationStatus } from '../core/owed-revocation.js';

export interface StoredGrant {
  readonly grant: Grant;
  /** Row version; every update must name the version it read. */
  readonly version: number;
}

export interface GrantQuery {
  readonly principal?: string;
  readonly role?: string;
  readonly roles?: readonly string[];
  readonly statuses?: readonly GrantStatus[];
  /** Grants that mirror this outside activation (the source's key; see GrantSource). */
  readonly sourceKey?: string;
  /** Newest first; default 100, at most 1000. */
  readonly limit?: number;
  /** Grants requested before this id's request (keyset paging); optional. */
  readonly before?: string;
}

export interface AuditQuery {
  readonly grantId?: string;
  readonly actor?: string;
  readonly action?: string;
  /** Entries with seq greater than this. */
  readonly afterSeq?: number;
  /** Entries at or after this instant. */
  readonly since?: Instant;
  /** Entries before this instant. */
  readonly until?: Instant;
  /** Default 100, at most 10,000. */
  readonly limit?: number;
}

export interface DueOptions {
  /** How long a request may wait for approval before it lapses. */
  readonly pendingTtlMs?: number;
}

export interface RevocationQuery {
  readonly principal?: string;
  readonly statuses?: readonly OwedRevocationStatus[];
  /** Oldest first; default 1000, at most 10,000. */
  readonly limit?: number;
}

export type SessionKind = 'browser' | 'cli';

/** The two databases a store runs on. */
export type StoreDialect = 'sqlite' | 'postgres';

/** A sign-in session as stored: only the SHA-256 of its token, never the token. */
export interface SessionRecord {
  /** Public id, safe to show and to audit (`s_…`). */
  readonly id: string;
  /** SHA-256 (hex) of the bearer token or cookie value. */
  readonly tokenHash: string;
  /** Principal id: the lower-cased UPN or e-mail. */
  readonly principal: string;
  readonly kind: SessionKind;
  /** The id_token's `amr` (with `mfa` when the configured MFA evidence was present). */
  readonly amr: readonly string[];
  /** The id_token's `auth_time`; 0 when the provider sent none. */
  readonly authTime: Instant;
  readonly displayName?: string;
  readonly createdAt: Instant;
  readonly expiresAt: Instant;
  readonly lastSeenAt: Instant;
  readonly revokedAt?: Instant;
}

/** A one-time code the CLI exchanges for a session, bound to its PKCE challenge. */
export interface LoginCodeRecord {
  /** SHA-256 (hex) of the code. */
  readonly codeHash: string;
  /** BASE64URL(SHA-256(verifier)) sent by the CLI when it started. */
  readonly challenge: string;
  readonly expiresAt: Instant;
  readonly principal: string;
  readonly amr: readonly string[];
  readonly authTime: Instant;
  readonly displayName?: string;
}

export interface SessionQuery {
  readonly principal?: string;
  /** Only sessions neither revoked nor expired at this instant. */
  readonly liveAt?: Instant;
  /** Newest first; default 100, at most 1000. */
  readonly limit?: number;
}

/** Thrown by `updateGrant` when the row's version is no longer the one read. */
export class VersionConflictError extends Error {
  constructor(
    readonly grantId: string,
    readonly expectedVersion: number,
  ) {
    super(`grant ${grantId} changed since version ${expectedVersion} was read`);
    this.name = 'VersionConflictError';
  }
}

/** Work done inside one database transaction; writes to grants and the audit chain
 *  commit together or not at all. Valid only until the transaction ends. */
/** Grant rows inside a transaction. */
export interface GrantWrites {
  getGrant(id: string): Promise<StoredGrant | undefined>;
  /** Inserts at version 1. An id already taken throws JitError ERR_CONFLICT; let it end the
   *  transaction (on PostgreSQL the transaction cannot go on after a failed statement). */
  insertGrant(grant: Grant): Promise<StoredGrant>;
  /** Writes `grant` if the row is still at `expectedVersion`; else VersionConflictError
   *  (JitError ERR_NOT_FOUND when there is no such grant). Returns the new version. */
  updateGrant(grant: Grant, expectedVersion: number): Promise<StoredGrant>;
}

/** The audit chain inside a transaction. */
export interface AuditWrites {
  /** Appends to the chain after its head, which stays locked until the transaction ends. */
  appendAudit(entry: AuditInput): Promise<AuditEntry>;
}

/** Revocations owed, and the people's target ids, inside a transaction. */
export interface RevocationWrites {
  /** Records a revocation owed; one already stored under its id is left as it is (false). */
  insertRevocation(revocation: OwedRevocation): Promise<boolean>;
  updateRevocation(revocation: OwedRevocation): Promise<void>;
  /** The target's id of the person, captured when access was last granted to them. */
  subjectOf(principal: string): Promise<string | undefined>;
  recordSubject(principal: string, subjectId: string, at: Instant): Promise<void>;
}

/** Sign-in sessions inside a transaction. */
export interface SessionWrites {
  insertSession(session: SessionRecord): Promise<void>;
  /** Marks revoked, at `at`, the sessions with this id or of this principal that are live at
   *  `at`; returns them as they were before. */
  revokeSessions(
    match: { readonly id: string } | { readonly principal: string },
    at: Instant,
  ): Promise<readonly SessionRecord[]>;
}

export interface StoreTransaction
  extends GrantWrites, AuditWrites, RevocationWrites, SessionWrites {}

/** Grants: the workflow's and the controller's reads. */
export interface GrantStore {
  getGrant(id: string): Promise<StoredGrant | undefined>;
  listGrants(query: GrantQuery): Promise<readonly StoredGrant[]>;
  /** Scheduled grants whose start, and active grants whose end, is at or before `now`; with
   *  `pendingTtlMs`, also requests waiting for approval that long. */
  dueGrants(now: Instant, options?: DueOptions): Promise<readonly StoredGrant[]>;
  /** The earliest start of a scheduled grant, end of an active one, next attempt of an owed
   *  revocation (and, with `pendingTtlMs`, lapse of a pending request): in the past when one
   *  is already due; undefined when there is none. */
  nextDueAt(options?: DueOptions): Promise<Instant | undefined>;
  /** All grants in `active` status (the controller's desired state). */
  activeGrants(): Promise<readonly StoredGrant[]>;
  /** Ended grants that held access, for these principals: evidence that an entitlement was ours. */
  endedGrantsWithAccess(principals: readonly string[]): Promise<readonly StoredGrant[]>;
  /** How many grants are in each status (statuses with none are absent); for metrics. */
  countGrantsByStatus(): Promise<Partial<Record<GrantStatus, number>>>;
}

/** Revocations owed (the controller carries them out). */
export interface RevocationStore {
  /** Revocations not yet settled (awaiting removal, or owed), oldest first. */
  openRevocations(): Promise<readonly OwedRevocation[]>;
  listRevocations(query: RevocationQuery): Promise<readonly OwedRevocation[]>;
  /** How many revocations are in each status (absent: none); for metrics. */
  countRevocationsByStatus(): Promise<Partial<Record<OwedRevocationStatus, number>>>;
  subjectOf(principal: string): Promise<string | undefined>;
}

/** The audit chain, read. */
export interface AuditStore {
  /** Audit entries in chain order. */
  queryAudit(query: AuditQuery): Promise<readonly AuditEntry[]>;
  /** Streams the chain in seq order, `pageSize` (default 1000) per query, for verify and
   *  export; with `throughSeq`, stops there (pass the head's seq when verifying a live log). */
  auditEntries(pageSize?: number, throughSeq?: number): AsyncIterable<AuditEntry>;
  /** The chain head, recorded apart from the entries. */
  auditHead(): Promise<{ readonly seq: number; readonly hash: string }>;
}

/** Named leases (the controller's leader lease). */
export interface LeaseStore {
  /** Takes or renews a named lease for `holder` until `now + ttl`; true when held. A lease is
   *  taken over only once expired (`expires_at <= now`), or from `takeOverFrom` (a holder
   *  known to be dead); a holder may always renew its own. */
  acquireLease(
    name: string,
    holder: string,
    now: Instant,
    ttlMs: number,
    options?: { takeOverFrom?: string },
  ): Promise<boolean>;
  /** Who holds a lease and until when. */
  leaseHolder(
    name: string,
  ): Promise<{ readonly holder: string; readonly expiresAt: Instant } | undefined>;
  /** Gives up the lease if `holder` holds it; otherwise does nothing. */
  releaseLease(name: string, holder: string): Promise<void>;
}

/** Sign-in sessions and the CLI's one-time login codes. */
export interface SessionStore {
  /** The session whose token hashes to `tokenHash`, revoked or expired ones included. */
  sessionByTokenHash(tokenHash: string): Promise<SessionRecord | undefined>;
  listSessions(query: SessionQuery): Promise<readonly SessionRecord[]>;
  /** Records that a session was used at `at` (for the idle timeout). */
  touchSession(id: string, at: Instant): Promise<void>;
  saveLoginCode(code: LoginCodeRecord): Promise<void>;
  /** Removes and returns the code: a second take of the same code finds nothing. */
  takeLoginCode(codeHash: string): Promise<LoginCodeRecord | undefined>;
  /** Deletes sessions that ended (expired or revoked) before `before`, and login codes that
   *  expired before it; returns how many sessions went. */
  deleteEndedSessions(before: Instant): Promise<number>;
}

/** A few keyed values. */
export interface SettingStore {
  getSetting(key: string): Promise<string | undefined>;
  /** Sets the value only if the key is absent; returns the value that is stored. */
  setSettingIfAbsent(key: string, value: string): Promise<string>;
  setSetting(key: string, value: string): Promise<void>;
}

/** The whole store: every table's port, and the transaction that spans them. */
export interface Store
  extends GrantStore, RevocationStore, AuditStore, LeaseStore, SessionStore, SettingStore {
  readonly dialect: StoreDialect;
  /** Runs `work` in a transaction that serialises audit appends across processes; a throw
   *  rolls everything back. `work` may be run more than once (PostgreSQL retries deadlocks
   *  and serialization failures), so it must touch nothing but `tx`; and it must not call
   *  the Store itself (on SQLite, that waits for the connection `work` holds). */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
