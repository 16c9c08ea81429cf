// Rows of the `grants` table: each grant stored whole as JSON (the source of truth), the
// other columns indexing it. Functions over any Kysely handle (the database or a
// transaction); the Store and its transactions call them.
import type { Kysely, Selectable } from 'kysely';
import { JitError } from '../core/errors.js';
import {
  assertNever,
  ENDED_STATUSES,
  type Grant,
  type GrantStatus,
  type Instant,
} from '../core/grant.js';
import { toInstant, type Database, type GrantsTable } from './database.js';
import { clampLimit, compareStrings, IN_LIST_CHUNK, isUniqueViolation } from './row-helpers.js';
import {
  VersionConflictError,
  type DueOptions,
  type GrantQuery,
  type StoredGrant,
} from './store.js';

const DEFAULT_GRANT_LIMIT = 100;
const MAX_GRANT_LIMIT = 1000;

export async function readGrant(
  db: Kysely<Database>,
  id: string,
): Promise<StoredGrant | undefined> {
  const row = await db
    .selectFrom('grants')
    .select(['id', 'status', 'version', 'data'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toStoredGrant(row);
}

export async function listGrants(
  db: Kysely<Database>,
  query: GrantQuery,
): Promise<readonly StoredGrant[]> {
  if (query.roles?.length === 0 || query.statuses?.length === 0) return [];
  let select = db
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
    const cursor = await db
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

export async function dueGrants(
  db: Kysely<Database>,
  now: Instant,
  options: DueOptions = {},
): Promise<readonly StoredGrant[]> {
  const lapsing =
    options.pendingTtlMs === undefined
      ? []
      : await db
          .selectFrom('grants')
          .select(['id', 'status', 'version', 'data', 'requested_at as due_at'])
          .where('status', '=', 'pending_approval')
          .where('requested_at', '<=', now - options.pendingTtlMs)
          .execute();
  const starting = await db
    .selectFrom('grants')
    .select(['id', 'status', 'version', 'data', 'starts_at as due_at'])
    .where('status', '=', 'scheduled')
    .where('starts_at', '<=', now)
    .execute();
  const ending = await db
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

export async function activeGrants(db: Kysely<Database>): Promise<readonly StoredGrant[]> {
  const rows = await db
    .selectFrom('grants')
    .select(['id', 'status', 'version', 'data'])
    .where('status', '=', 'active')
    .orderBy('ends_at')
    .orderBy('id')
    .execute();
  return rows.map(toStoredGrant);
}

export async function endedGrantsWithAccess(
  db: Kysely<Database>,
  principals: readonly string[],
): Promise<readonly StoredGrant[]> {
  const unique = [...new Set(principals)];
  const rows: (GrantRow & Pick<Selectable<GrantsTable>, 'requested_at'>)[] = [];
  for (let i = 0; i < unique.length; i += IN_LIST_CHUNK) {
    rows.push(
      ...(await db
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

/** The earliest start of a scheduled grant or end of an active one; in the past when a grant
 *  is already due, undefined when none is scheduled or active. */
export async function nextGrantDueAt(
  db: Kysely<Database>,
  options: DueOptions = {},
): Promise<Instant | undefined> {
  const start = await db
    .selectFrom('grants')
    .select((eb) => eb.fn.min('starts_at').as('at'))
    .where('status', '=', 'scheduled')
    .executeTakeFirst();
  const end = await db
    .selectFrom('grants')
    .select((eb) => eb.fn.min('ends_at').as('at'))
    .where('status', '=', 'active')
    .executeTakeFirst();
  const candidates = [start?.at, end?.at]
    .filter((at) => at !== null && at !== undefined)
    .map((at) => toInstant(at));
  if (options.pendingTtlMs !== undefined) {
    const pending = await db
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

export async function insertGrant(db: Kysely<Database>, grant: Grant): Promise<StoredGrant> {
  const row = grantRow(grant);
  try {
    await db
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

export async function updateGrant(
  db: Kysely<Database>,
  grant: Grant,
  expectedVersion: number,
): Promise<StoredGrant> {
  const { id, ...row } = grantRow(grant);
  const result = await db
    .updateTable('grants')
    .set((eb) => ({ ...row, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    const current = await db
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

type GrantRow = Pick<Selectable<GrantsTable>, 'id' | 'status' | 'version' | 'data'>;

export function toStoredGrant(row: GrantRow): StoredGrant {
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
