// The database schema as Kysely sees it. Epoch-millisecond and sequence columns are BIGINT:
// better-sqlite3 returns them as numbers, pg as strings, so reads go through `toInstant`.
import type { ColumnType } from 'kysely';

/** A BIGINT column: written as a number, read as whatever the driver returns. */
export type BigIntColumn = ColumnType<number | string | bigint, number, number>;
export type NullableBigIntColumn = ColumnType<
  number | string | bigint | null,
  number | null,
  number | null
>;

export interface GrantsTable {
  id: string;
  role: string;
  principal: string;
  status: string;
  requested_at: BigIntColumn;
  starts_at: NullableBigIntColumn;
  ends_at: NullableBigIntColumn;
  /** 1 when an ended grant held (or may have held) access in the target. */
  had_access: number;
  /** The time of the grant's latest recorded event, taken from the grant itself. */
  updated_at: BigIntColumn;
  version: number;
  /** The whole Grant as JSON text: the source of truth; the other columns index it. */
  data: string;
  /** The outside source's key of a mirrored grant (Entra PIM); null for native grants. */
  source_key: string | null;
}

export interface AuditEntriesTable {
  seq: BigIntColumn;
  at: BigIntColumn;
  actor: string;
  action: string;
  grant_id: string | null;
  severity: string | null;
  /** The canonical JSON that was hashed (every field but `hash`): the source of truth. */
  entry: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: BigIntColumn;
  hash: string;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: BigIntColumn;
  version: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface SessionsTable {
  id: string;
  /** SHA-256 (hex) of the session token; the token itself is never stored. */
  token_hash: string;
  principal: string;
  kind: string;
  created_at: BigIntColumn;
  expires_at: BigIntColumn;
  last_seen_at: BigIntColumn;
  revoked_at: NullableBigIntColumn;
  /** JSON: amr, authTime, displayName. */
  data: string;
}

export interface LoginCodesTable {
  /** SHA-256 (hex) of the one-time code. */
  code_hash: string;
  /** The CLI's PKCE challenge (S256) the code is bound to. */
  challenge: string;
  expires_at: BigIntColumn;
  /** JSON: the sign-in the code stands for (principal, amr, authTime, displayName). */
  data: string;
}

export interface RevocationsTable {
  id: string;
  entitlement_key: string;
  principal: string;
  status: string;
  /** When an owed revocation is next due; null once settled. */
  next_attempt_at: NullableBigIntColumn;
  created_at: BigIntColumn;
  /** The whole OwedRevocation as JSON text: the source of truth. */
  data: string;
}

export interface TargetSubjectsTable {
  principal: string;
  /** The target's id of the person (Identity Center user id). */
  subject_id: string;
  captured_at: BigIntColumn;
}

export interface Database {
  grants: GrantsTable;
  audit_entries: AuditEntriesTable;
  audit_head: AuditHeadTable;
  leases: LeasesTable;
  settings: SettingsTable;
  sessions: SessionsTable;
  login_codes: LoginCodesTable;
  revocations: RevocationsTable;
  target_subjects: TargetSubjectsTable;
}

/** A BIGINT read back as a JS number; throws if it cannot be one exactly. */
export function toInstant(value: number | string | bigint): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`database returned ${String(value)} where an integer was expected`);
  }
  return n;
}
