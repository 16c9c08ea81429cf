// Rows of the `revocations` and `target_subjects` tables: reads and writes over any Kysely
// handle (the database, or a transaction), so the Store and its transactions share them.
import type { Kysely } from 'kysely';
import { JitError } from '../core/errors.js';
import { entitlementKey, type Instant } from '../core/grant.js';
import { OPEN_REVOCATION_STATUSES, type OwedRevocation } from '../core/owed-revocation.js';
import { toInstant, type Database } from './database.js';
import type { RevocationQuery } from './store.js';

const DEFAULT_LIMIT = 1000;
const MAX_LIMIT = 10_000;

function columns(revocation: OwedRevocation): {
  entitlement_key: string;
  principal: string;
  status: string;
  next_attempt_at: number | null;
  created_at: number;
  data: string;
} {
  return {
    entitlement_key: entitlementKey(revocation.entitlement),
    principal: revocation.entitlement.user,
    status: revocation.status,
    next_attempt_at: revocation.status === 'owed' ? (revocation.nextAttemptAt ?? null) : null,
    created_at: revocation.createdAt,
    data: JSON.stringify(revocation),
  };
}

/** Inserts the revocation unless one with its id exists; true when inserted. */
export async function insertRevocation(
  db: Kysely<Database>,
  revocation: OwedRevocation,
): Promise<boolean> {
  const result = await db
    .insertInto('revocations')
    .values({ id: revocation.id, ...columns(revocation) })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function updateRevocation(
  db: Kysely<Database>,
  revocation: OwedRevocation,
): Promise<void> {
  const result = await db
    .updateTable('revocations')
    .set(columns(revocation))
    .where('id', '=', revocation.id)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    throw new JitError('ERR_NOT_FOUND', `revocation ${revocation.id} does not exist`, {
      details: { revocationId: revocation.id },
    });
  }
}

export async function listRevocations(
  db: Kysely<Database>,
  query: RevocationQuery,
): Promise<readonly OwedRevocation[]> {
  if (query.statuses?.length === 0) return [];
  let select = db
    .selectFrom('revocations')
    .select(['id', 'data'])
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .limit(Math.min(Math.max(1, Math.floor(query.limit ?? DEFAULT_LIMIT)), MAX_LIMIT));
  if (query.principal !== undefined) select = select.where('principal', '=', query.principal);
  if (query.statuses !== undefined) select = select.where('status', 'in', [...query.statuses]);
  const rows = await select.execute();
  return rows.map((row) => parseRevocation(row.data, row.id));
}

/** Every revocation not yet settled, oldest first. */
export async function openRevocations(db: Kysely<Database>): Promise<readonly OwedRevocation[]> {
  const rows = await db
    .selectFrom('revocations')
    .select(['id', 'data'])
    .where('status', 'in', [...OPEN_REVOCATION_STATUSES])
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
  return rows.map((row) => parseRevocation(row.data, row.id));
}

/** The earliest next attempt of an owed revocation. */
export async function nextRevocationAttemptAt(db: Kysely<Database>): Promise<Instant | undefined> {
  const row = await db
    .selectFrom('revocations')
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .where('status', '=', 'owed')
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? undefined : toInstant(row.at);
}

export async function subjectOf(
  db: Kysely<Database>,
  principal: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('target_subjects')
    .select('subject_id')
    .where('principal', '=', principal)
    .executeTakeFirst();
  return row?.subject_id;
}

export async function recordSubject(
  db: Kysely<Database>,
  principal: string,
  subjectId: string,
  at: Instant,
): Promise<void> {
  await db
    .insertInto('target_subjects')
    .values({ principal, subject_id: subjectId, captured_at: at })
    .onConflict((oc) =>
      oc.column('principal').doUpdateSet({ subject_id: subjectId, captured_at: at }),
    )
    .execute();
}

function parseRevocation(data: string, id: string): OwedRevocation {
  const revocation = JSON.parse(data) as OwedRevocation;
  if (typeof revocation !== 'object' || revocation.id !== id) {
    throw new JitError('ERR_STORE', `revocation ${id} is inconsistent: its data names another`, {
      details: { revocationId: id },
    });
  }
  return revocation;
}
