import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalAuditEntry,
  chainAuditEntry,
  GENESIS_HASH,
  hashAuditEntry,
} from './audit-chain.js';
import type { AuditEntry } from './audit-entry.js';

const entry: Omit<AuditEntry, 'hash'> = {
  seq: 1,
  at: 1_893_456_000_000,
  actor: 'alice@example.com',
  action: 'grant.requested',
  grantId: 'g_1',
  reason: 'INC-42',
  data: { accounts: ['111111111111'], b: 2, a: 1 },
  severity: 'info',
  prevHash: GENESIS_HASH,
};

describe('hashAuditEntry', () => {
  it('is 64 lower-case hex characters, the same every time', () => {
    expect(hashAuditEntry(entry)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashAuditEntry(entry)).toBe(hashAuditEntry({ ...entry }));
  });

  it('matches SHA-256 over the RFC 8785 canonical JSON', () => {
    expect(canonicalAuditEntry(entry)).toBe(
      '{"action":"grant.requested","actor":"alice@example.com","at":1893456000000,' +
        '"data":{"a":1,"accounts":["111111111111"],"b":2},"grantId":"g_1",' +
        `"prevHash":"${GENESIS_HASH}","reason":"INC-42","seq":1,"severity":"info"}`,
    );
  });

  it('does not depend on the order of keys, at any depth', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (data) => {
        const reversed = Object.fromEntries(Object.entries(data).reverse());
        expect(hashAuditEntry({ ...entry, data })).toBe(
          hashAuditEntry({ ...entry, data: reversed }),
        );
      }),
    );
    const shuffled = {
      prevHash: entry.prevHash,
      severity: 'info',
      data: { b: 2, a: 1, accounts: ['111111111111'] },
      reason: 'INC-42',
      grantId: 'g_1',
      action: entry.action,
      actor: entry.actor,
      at: entry.at,
      seq: entry.seq,
    } as const;
    expect(hashAuditEntry(shuffled)).toBe(hashAuditEntry(entry));
  });

  it('omits absent optional fields rather than hashing them as null', () => {
    const bare = { seq: 2, at: 5, actor: 'a', action: 'x.y', prevHash: GENESIS_HASH };
    expect(canonicalAuditEntry(bare)).not.toContain('null');
    expect(canonicalAuditEntry(bare)).not.toContain('grantId');
  });

  it('changes when any field changes, including seq and prevHash', () => {
    const base = hashAuditEntry(entry);
    expect(hashAuditEntry({ ...entry, seq: 2 })).not.toBe(base);
    expect(hashAuditEntry({ ...entry, prevHash: 'f'.repeat(64) })).not.toBe(base);
    expect(hashAuditEntry({ ...entry, actor: 'mallory@example.com' })).not.toBe(base);
    expect(hashAuditEntry({ ...entry, data: { ...entry.data, b: 3 } })).not.toBe(base);
  });

  it('ignores the hash field of a full entry', () => {
    expect(hashAuditEntry({ ...entry, hash: 'whatever' } as AuditEntry)).toBe(
      hashAuditEntry(entry),
    );
  });
});

describe('chainAuditEntry', () => {
  it('follows the head: next seq, linked to the head hash, hashed', () => {
    const next = chainAuditEntry(
      { seq: 41, hash: 'a'.repeat(64) },
      { at: 7, actor: 'a', action: 'x' },
    );
    expect(next).toEqual({
      seq: 42,
      at: 7,
      actor: 'a',
      action: 'x',
      prevHash: 'a'.repeat(64),
      hash: next.hash,
    });
    expect(next.hash).toBe(hashAuditEntry(next));
  });

  it('returns the entry as it will be read back: plain JSON', () => {
    const next = chainAuditEntry(
      { seq: 0, hash: GENESIS_HASH },
      { at: 7, actor: 'a', action: 'x', data: { gone: undefined, when: new Date(0) } },
    );
    expect(next.data).toEqual({ when: '1970-01-01T00:00:00.000Z' });
    expect(next.hash).toBe(hashAuditEntry(next));
  });

  it('refuses data that is not JSON and times that are not integers', () => {
    const head = { seq: 0, hash: GENESIS_HASH };
    expect(() =>
      chainAuditEntry(head, { at: 1, actor: 'a', action: 'x', data: { n: NaN } }),
    ).toThrow();
    expect(() => chainAuditEntry(head, { at: 1.5, actor: 'a', action: 'x' })).toThrow(TypeError);
  });
});
