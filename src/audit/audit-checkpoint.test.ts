import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkCheckpoints,
  checkpointKeyId,
  parseCheckpoints,
  signCheckpoint,
} from './audit-checkpoint.js';

const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const H = (n: number) => n.toString(16).padStart(64, '0');

describe('audit checkpoints', () => {
  it('sign the head and check against the chain with the public key alone', () => {
    const checkpoint = signCheckpoint({ seq: 3, hash: H(3) }, T0, privateKey);
    expect(checkpoint).toMatchObject({ v: 1, seq: 3, hash: H(3), at: '2026-12-02T10:00:00.000Z' });
    expect(checkpoint.keyId).toBe(checkpointKeyId(publicKey));
    const chain = { head: { seq: 5, hash: H(5) }, hashAt: (seq: number) => H(seq) };
    expect(checkCheckpoints([checkpoint], publicKey, chain)).toMatchObject({
      ok: true,
      checked: 1,
    });
  });

  it('name a rewritten entry, a cut-off chain, an edited checkpoint and another key', () => {
    const checkpoint = signCheckpoint({ seq: 3, hash: H(3) }, T0, privateKey);
    const rewritten = { head: { seq: 5, hash: 'x' }, hashAt: () => 'f'.repeat(64) };
    expect(checkCheckpoints([checkpoint], publicKey, rewritten)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/entry 3 no longer has the hash signed then/) as unknown,
    });
    const cut = { head: { seq: 2, hash: H(2) }, hashAt: (seq: number) => H(seq) };
    expect(checkCheckpoints([checkpoint], publicKey, cut)).toMatchObject({
      problem: expect.stringMatching(/chain now ends at entry 2/) as unknown,
    });
    const edited = { ...checkpoint, seq: 2, hash: H(2) };
    const chain = { head: { seq: 5, hash: H(5) }, hashAt: (seq: number) => H(seq) };
    expect(checkCheckpoints([edited], publicKey, chain)).toMatchObject({
      problem: expect.stringMatching(/bad signature/) as unknown,
    });
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(checkCheckpoints([checkpoint], other, chain)).toMatchObject({
      problem: expect.stringMatching(/signed by key \w+, not by the key given/) as unknown,
    });
  });

  it('read a file of them and name a line that is not one', () => {
    const line = JSON.stringify(signCheckpoint({ seq: 1, hash: H(1) }, T0, privateKey));
    expect(parseCheckpoints(`${line}\n\n${line}\n`, 'cp.jsonl')).toMatchObject({
      ok: true,
      checkpoints: [{ seq: 1 }, { seq: 1 }],
    });
    expect(parseCheckpoints(`${line}\n{"v":1}\n`, 'cp.jsonl')).toEqual({
      ok: false,
      problem: 'cp.jsonl:2: not a checkpoint (v, seq, hash, at, keyId, signature)',
    });
    expect(parseCheckpoints('nope', 'cp.jsonl')).toEqual({
      ok: false,
      problem: 'cp.jsonl:1: not JSON',
    });
  });
});
