import { describe, expect, it } from 'vitest';
import { chainAuditEntry, GENESIS_HASH, hashAuditEntry, type AuditHead } from './audit-chain.js';
import type { AuditEntry } from './audit-entry.js';
import { verifyAudit } from './verify-audit.js';

function chain(length: number): { entries: AuditEntry[]; head: AuditHead } {
  const entries: AuditEntry[] = [];
  let head: AuditHead = { seq: 0, hash: GENESIS_HASH };
  for (let i = 0; i < length; i += 1) {
    const entry = chainAuditEntry(head, {
      at: 1_000 + i,
      actor: `user-${i % 4}`,
      action: 'grant.approved',
      ...(i % 2 === 0 ? { grantId: `g_${i}` } : {}),
    });
    entries.push(entry);
    head = { seq: entry.seq, hash: entry.hash };
  }
  return { entries, head };
}

describe('verifyAudit', () => {
  it('accepts an intact chain and returns its length and head hash', async () => {
    const { entries, head } = chain(50);
    expect(await verifyAudit(entries, head)).toEqual({
      ok: true,
      entries: 50,
      headHash: head.hash,
    });
  });

  it('accepts an empty chain with the genesis head', async () => {
    expect(await verifyAudit([], { seq: 0, hash: GENESIS_HASH })).toEqual({
      ok: true,
      entries: 0,
      headHash: GENESIS_HASH,
    });
  });

  it('names an edited entry', async () => {
    const { entries, head } = chain(50);
    entries[16] = { ...entries[16]!, actor: 'mallory' };
    expect(await verifyAudit(entries, head)).toEqual({
      ok: false,
      entries: 16,
      broken: { seq: 17, problem: 'entry 17: its content does not match its hash (edited?)' },
    });
  });

  it('names the entry after an edit whose hash was recomputed', async () => {
    const { entries, head } = chain(50);
    const forged = { ...entries[16]!, actor: 'mallory' };
    entries[16] = { ...forged, hash: hashAuditEntry(forged) };
    expect(await verifyAudit(entries, head)).toMatchObject({
      ok: false,
      broken: {
        seq: 18,
        problem: 'entry 18: does not follow entry 17 (reordered or an entry removed?)',
      },
    });
  });

  it('names a gap in seq', async () => {
    const { entries, head } = chain(50);
    entries.splice(20, 1);
    expect(await verifyAudit(entries, head)).toMatchObject({
      ok: false,
      entries: 20,
      broken: { seq: 21, problem: 'entry 21: missing (entry 22 follows entry 20; deleted?)' },
    });
  });

  it('names an entry removed and the rest renumbered', async () => {
    const { entries, head } = chain(10);
    const renumbered = [
      ...entries.slice(0, 4),
      ...entries.slice(5).map((e) => ({ ...e, seq: e.seq - 1 })),
    ];
    expect(await verifyAudit(renumbered, head)).toMatchObject({
      ok: false,
      broken: {
        seq: 5,
        problem: 'entry 5: does not follow entry 4 (reordered or an entry removed?)',
      },
    });
  });

  it('names the first of a swapped pair', async () => {
    const { entries, head } = chain(10);
    const [a, b] = [entries[5]!, entries[6]!];
    entries[5] = b;
    entries[6] = a;
    expect(await verifyAudit(entries, head)).toMatchObject({ ok: false, broken: { seq: 6 } });
    // Swapped contents at fixed positions, as in the database:
    const fixed = chain(10).entries;
    const [c, d] = [fixed[5]!, fixed[6]!];
    fixed[5] = { ...d, seq: 6 };
    fixed[6] = { ...c, seq: 7 };
    expect(await verifyAudit(fixed, head)).toMatchObject({
      ok: false,
      broken: {
        seq: 6,
        problem: 'entry 6: does not follow entry 5 (reordered or an entry removed?)',
      },
    });
  });

  it('names the last entry when it was deleted', async () => {
    const { entries, head } = chain(42);
    entries.pop();
    expect(await verifyAudit(entries, head)).toEqual({
      ok: false,
      entries: 41,
      broken: { seq: 42, problem: 'entry 42: missing (the head records 42 entries; deleted?)' },
    });
  });

  it('names entry 1 when the first entry was deleted', async () => {
    const { entries, head } = chain(5);
    entries.shift();
    expect(await verifyAudit(entries, head)).toMatchObject({
      ok: false,
      entries: 0,
      broken: { seq: 1, problem: 'entry 1: missing (the chain starts at entry 2; deleted?)' },
    });
  });

  it('names entry 1 when the chain does not start from the genesis hash', async () => {
    const { entries } = chain(6);
    const tail = entries.slice(3).map((e) => ({ ...e, seq: e.seq - 3 }));
    expect(await verifyAudit(tail, { seq: 3, hash: tail[2]!.hash })).toMatchObject({
      ok: false,
      broken: { seq: 1, problem: expect.stringContaining('genesis') as string },
    });
  });

  it('names a repeated entry', async () => {
    const { entries, head } = chain(5);
    entries.splice(3, 0, entries[2]!);
    expect(await verifyAudit(entries, head)).toMatchObject({ ok: false, broken: { seq: 4 } });
  });

  it('reports a head that does not match the last entry', async () => {
    const { entries, head } = chain(5);
    expect(await verifyAudit(entries, { ...head, hash: 'f'.repeat(64) })).toMatchObject({
      ok: false,
      entries: 5,
      broken: { seq: 5, problem: expect.stringContaining('head') as string },
    });
    expect(await verifyAudit([], { seq: 0, hash: 'f'.repeat(64) })).toMatchObject({
      ok: false,
      broken: { seq: 0 },
    });
  });

  it('reports entries beyond the head', async () => {
    const { entries } = chain(5);
    const head = { seq: 4, hash: entries[3]!.hash };
    expect(await verifyAudit(entries, head)).toMatchObject({
      ok: false,
      entries: 4,
      broken: { seq: 5, problem: expect.stringContaining('not recorded in the head') as string },
    });
  });

  it('verifies 100,000 entries from a lazy stream', async () => {
    const total = 100_000;
    const input = (i: number) => ({ at: i, actor: 'system:controller', action: 'tick' });
    let head: AuditHead = { seq: 0, hash: GENESIS_HASH };
    for (let i = 0; i < total; i += 1) {
      const e = chainAuditEntry(head, input(i));
      head = { seq: e.seq, hash: e.hash };
    }
    async function* produce(): AsyncGenerator<AuditEntry> {
      let h: AuditHead = { seq: 0, hash: GENESIS_HASH };
      for (let i = 0; i < total; i += 1) {
        const entry = chainAuditEntry(h, input(i));
        h = { seq: entry.seq, hash: entry.hash };
        yield await Promise.resolve(entry);
      }
    }
    expect(await verifyAudit(produce(), head)).toEqual({
      ok: true,
      entries: total,
      headHash: head.hash,
    });
  }, 60_000);

  it('consumes the stream one entry at a time and stops at the first break', async () => {
    const { entries, head } = chain(1000);
    entries[9] = { ...entries[9]!, action: 'edited' };
    let pulled = 0;
    async function* produce(): AsyncGenerator<AuditEntry> {
      for (const entry of entries) {
        pulled += 1;
        yield await Promise.resolve(entry);
      }
    }
    expect(await verifyAudit(produce(), head)).toMatchObject({ ok: false, broken: { seq: 10 } });
    expect(pulled).toBe(10);
  });
});
