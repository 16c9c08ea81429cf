// The store: the port, and its Kysely implementation over SQLite or PostgreSQL.
export { openStore } from './open-store.js';
export type { OpenStoreOptions, PostgresStoreOptions, SqliteStoreOptions } from './open-store.js';
export { KyselyStore } from './kysely-store.js';
export type { KyselyStoreOptions, StoreDialect } from './kysely-store.js';
export { VersionConflictError } from './store.js';
export type {
  AuditQuery,
  GrantQuery,
  LoginCodeRecord,
  SessionKind,
  SessionQuery,
  SessionRecord,
  Store,
  StoredGrant,
  StoreTransaction,
} from './store.js';
export { STORE_MIGRATIONS, storeMigrationProvider } from './migrations.js';
export { parseDatabaseUrl } from './database-url.js';
export type { DatabaseUrlTarget } from './database-url.js';
