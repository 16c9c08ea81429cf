// Schema migrations, defined in code (not files on disk) so they run the same from src/ and
// dist/, and written once in Kysely's schema builder for both SQLite and PostgreSQL.
// Migrations are append-only: never edit one that has shipped; add the next.
import { sql, type Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';
import { GENESIS_HASH } from '../audit/audit-chain.js';

// Migrations see the schema as it was when they were written, not today's `Database` type.
type AnyDb = Kysely<unknown>;

const initial: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('grants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('principal', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'bigint', (c) => c.notNull())
      .addColumn('starts_at', 'bigint')
      .addColumn('ends_at', 'bigint')
      .addColumn('had_access', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('grants_status_ends_at')
      .on('grants')
      .columns(['status', 'ends_at'])
      .execute();
    await db.schema
      .createIndex('grants_status_starts_at')
      .on('grants')
      .columns(['status', 'starts_at'])
      .execute();
    await db.schema.createIndex('grants_principal').on('grants').column('principal').execute();
    await db.schema.createIndex('grants_role').on('grants').column('role').execute();
    await db.schema
      .createIndex('grants_requested_at')
      .on('grants')
      .columns(['requested_at', 'id'])
      .execute();

    await db.schema
      .createTable('audit_entries')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('grant_id', 'text')
      .addColumn('severity', 'text')
      .addColumn('entry', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('audit_entries_grant_id')
      .on('audit_entries')
      .column('grant_id')
      .execute();

    // The chain head lives apart from the entries: deleting the last entry cannot hide,
    // and appends lock this one row to serialise across processes.
    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addCheckConstraint('audit_head_single_row', sql`id = 1`)
      .execute();
    await sql`insert into audit_head (id, seq, hash) values (1, 0, ${GENESIS_HASH})`.execute(db);

    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    for (const table of ['settings', 'leases', 'audit_head', 'audit_entries', 'grants']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/** Indexes for the API's hot queries: a person's grants newest first, and the open grants
 *  of one person and role (overlap detection at every request). */
const personIndexes: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createIndex('grants_principal_requested_at')
      .on('grants')
      .columns(['principal', 'requested_at', 'id'])
      .execute();
    await db.schema
      .createIndex('grants_principal_role_status')
      .on('grants')
      .columns(['principal', 'role', 'status'])
      .execute();
    await db.schema
      .createIndex('grants_status_requested_at')
      .on('grants')
      .columns(['status', 'requested_at', 'id'])
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    for (const index of [
      'grants_status_requested_at',
      'grants_principal_role_status',
      'grants_principal_requested_at',
    ]) {
      await db.schema.dropIndex(index).execute();
    }
  },
};

/** Grants that mirror an outside activation (Entra PIM) carry the source's key: looked up by
 *  key, and at most one open grant per key (two pollers, or a repeated item in a page, cannot
 *  mirror one activation twice). */
const grantSourceKey: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema.alterTable('grants').addColumn('source_key', 'text').execute();
    await db.schema
      .createIndex('grants_role_source_key')
      .on('grants')
      .columns(['role', 'source_key'])
      .execute();
    await db.schema
      .createIndex('grants_open_source_key')
      .on('grants')
      .columns(['role', 'source_key'])
      .unique()
      .where(
        sql.ref('status'),
        'in',
        ['requested', 'pending_approval', 'scheduled', 'active'].map((status) => sql.lit(status)),
      )
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropIndex('grants_open_source_key').execute();
    await db.schema.dropIndex('grants_role_source_key').execute();
    await db.schema.alterTable('grants').dropColumn('source_key').execute();
  },
};

/** Sign-in sessions (only a hash of each token is kept) and the CLI's one-time login codes. */
const sessions: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('principal', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('sessions_principal_expires_at')
      .on('sessions')
      .columns(['principal', 'expires_at'])
      .execute();
    await db.schema
      .createIndex('sessions_expires_at')
      .on('sessions')
      .column('expires_at')
      .execute();
    await db.schema
      .createTable('login_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('challenge', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropTable('login_codes').execute();
    await db.schema.dropTable('sessions').execute();
  },
};

/** Revocations owed (written with the grant's end, carried out by the controller) and the
 *  target's own id of each person, captured when access was granted. */
const revocations: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable('revocations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('entitlement_key', 'text', (c) => c.notNull())
      .addColumn('principal', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('revocations_status_next_attempt_at')
      .on('revocations')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('revocations_principal_created_at')
      .on('revocations')
      .columns(['principal', 'created_at'])
      .execute();
    await db.schema
      .createTable('target_subjects')
      .addColumn('principal', 'text', (c) => c.primaryKey())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('captured_at', 'bigint', (c) => c.notNull())
      .execute();
  },

  async down(db: AnyDb): Promise<void> {
    await db.schema.dropTable('target_subjects').execute();
    await db.schema.dropTable('revocations').execute();
  },
};

/** The store's migrations, by name; names sort in the order they run. */
export const STORE_MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial': initial,
  '0002_person_indexes': personIndexes,
  '0003_sessions': sessions,
  '0004_grant_source_key': grantSourceKey,
  '0005_revocations': revocations,
});

/** A Kysely `MigrationProvider` over `STORE_MIGRATIONS`. */
export const storeMigrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...STORE_MIGRATIONS }),
};
