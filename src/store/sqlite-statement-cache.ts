// better-sqlite3 compiles a statement on every `prepare`, and Kysely's SQLite driver
// prepares every query it runs: on the request path that was a fifth of the CPU time spent
// in the store (the API benchmark's profile). This wraps the database so each distinct SQL
// text is compiled once and reused (least recently used first out). A better-sqlite3
// statement may be run again and again; Kysely runs one query at a time per connection, so
// a cached statement is never run twice at once.
import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';

/** SQL texts kept compiled. Queries with `in (?, ?, …)` lists vary in length, hence a bound. */
const DEFAULT_SIZE = 500;

export function cachingStatements(
  raw: SqliteDatabase.Database,
  size = DEFAULT_SIZE,
): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      cache.clear();
      raw.close();
    },
    prepare: (sql: string): SqliteStatement => {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = raw.prepare(sql);
        if (cache.size >= size) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      } else {
        cache.delete(sql); // move to the most recent end
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}
