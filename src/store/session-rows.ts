// Rows of the `sessions` and `login_codes` tables: sign-in sessions (only token hashes) and
// the CLI's one-time codes.
import type { Kysely, Selectable } from 'kysely';
import type { Instant } from '../core/grant.js';
import { toInstant, type Database, type SessionsTable } from './database.js';
import { clampLimit } from './row-helpers.js';
import type {
  LoginCodeRecord,
  SessionKind,
  SessionQuery,
  SessionRecord,
  StoreDialect,
} from './store.js';

const DEFAULT_SESSION_LIMIT = 100;
const MAX_SESSION_LIMIT = 1000;

export async function sessionByTokenHash(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<SessionRecord | undefined> {
  const row = await db
    .selectFrom('sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row === undefined ? undefined : toSessionRecord(row);
}

export async function listSessions(
  db: Kysely<Database>,
  query: SessionQuery,
): Promise<readonly SessionRecord[]> {
  let select = db
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

export async function touchSession(db: Kysely<Database>, id: string, at: Instant): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: at })
    .where('id', '=', id)
    .where('last_seen_at', '<', at)
    .execute();
}

export async function saveLoginCode(db: Kysely<Database>, code: LoginCodeRecord): Promise<void> {
  await db
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
    .execute();
}

export async function takeLoginCode(
  db: Kysely<Database>,
  codeHash: string,
): Promise<LoginCodeRecord | undefined> {
  // One statement: of two exchanges racing with the same code, one gets the row.
  const row = await db
    .deleteFrom('login_codes')
    .where('code_hash', '=', codeHash)
    .returningAll()
    .executeTakeFirst();
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

export async function deleteEndedSessions(db: Kysely<Database>, before: Instant): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
    .executeTakeFirst();
  await db.deleteFrom('login_codes').where('expires_at', '<', before).execute();
  return Number(result.numDeletedRows);
}

export async function insertSession(db: Kysely<Database>, session: SessionRecord): Promise<void> {
  await db
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

export async function revokeSessions(
  db: Kysely<Database>,
  dialect: StoreDialect,
  match: { readonly id: string } | { readonly principal: string },
  at: Instant,
): Promise<readonly SessionRecord[]> {
  let select = db
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
  if (dialect === 'postgres') select = select.forUpdate();
  const rows = await select.execute();
  if (rows.length === 0) return [];
  await db
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
