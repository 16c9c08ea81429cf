import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cachingStatements } from './sqlite-statement-cache.js';

describe('cachingStatements', () => {
  it('compiles each SQL text once, reuses it, and keeps at most `size`, dropping the least recently used', () => {
    const raw = new Database(':memory:');
    let compiled = 0;
    const prepare = raw.prepare.bind(raw);
    raw.prepare = (sql: string) => {
      compiled += 1;
      return prepare(sql);
    };
    const db = cachingStatements(raw, 2);
    db.prepare('create table t (x integer)').run([]);
    const insert = 'insert into t (x) values (?)';
    for (let i = 0; i < 5; i += 1) db.prepare(insert).run([i]);
    expect(compiled).toBe(2);
    expect(db.prepare('select count(*) as n from t').all([])).toEqual([{ n: 5 }]);
    expect(compiled).toBe(3);
    db.prepare(insert).run([9]); // still cached: the create statement went first
    expect(compiled).toBe(3);
    db.prepare('create table u (y integer)').run([]);
    db.prepare('select count(*) as n from t').all([]); // evicted by now: compiled again
    expect(compiled).toBe(5);
    db.close();
  });
});
