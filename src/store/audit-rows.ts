// Rows of the `audit_entries` and `audit_head` tables: the hash chain as stored, read in
// chain order, appended under the locked head.
import type { Kysely, Selectable } from 'kysely';
import { canonicalAuditEntry, chainAuditEntry, type AuditHead } from '../audit/audit-chain.js';
import type { AuditEntry, AuditInput } from '../audit/audit-entry.js';
import { JitError } from '../core/errors.js';
import { toInstant, type AuditEntriesTable, type Database } from './database.js';
import { clampLimit } from './row-helpers.js';
import type { AuditQuery, StoreDialect } from './store.js';

const DEFAULT_AUDIT_LIMIT = 100;
const MAX_AUDIT_LIMIT = 10_000;
const DEFAULT_AUDIT_PAGE = 1000;

/** Entries in chain order matching every given filter; `since` inclusive, `until` exclusive. */
export async function queryAudit(
  db: Kysely<Database>,
  query: AuditQuery,
): Promise<readonly AuditEntry[]> {
  let select = db
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

export async function* auditEntries(
  db: Kysely<Database>,
  pageSize = DEFAULT_AUDIT_PAGE,
  throughSeq?: number,
): AsyncIterable<AuditEntry> {
  const size = clampLimit(pageSize, DEFAULT_AUDIT_PAGE, MAX_AUDIT_LIMIT);
  let after: number | undefined;
  for (;;) {
    let select = db.selectFrom('audit_entries').selectAll().orderBy('seq').limit(size);
    if (after !== undefined) select = select.where('seq', '>', after);
    if (throughSeq !== undefined) select = select.where('seq', '<=', throughSeq);
    const rows = await select.execute();
    for (const row of rows) yield toAuditEntry(row);
    const last = rows.at(-1);
    if (last === undefined || rows.length < size) return;
    after = toInstant(last.seq);
  }
}

export async function appendAudit(
  db: Kysely<Database>,
  dialect: StoreDialect,
  input: AuditInput,
): Promise<AuditEntry> {
  const head = await readAuditHead(db, dialect === 'postgres');
  const entry = chainAuditEntry(head, input);
  await db
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
  const moved = await db
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

export async function readAuditHead(db: Kysely<Database>, lock: boolean): Promise<AuditHead> {
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
