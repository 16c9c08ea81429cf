// Signed checkpoints of the audit chain's head, kept outside the database (review M7).
//
// The chain detects tampering by anyone who cannot rewrite all of it; someone with write
// access to the database can recompute every hash and the head. A checkpoint is the head
// (seq and hash) at a moment, signed with an Ed25519 key that is not in the database, and
// appended to a file the database does not hold. Rewriting the chain then changes the hash
// at some checkpointed seq, or cuts the chain below one, and `jit audit verify` says so;
// forging a checkpoint needs the private key. Anyone holding the public key can check.
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditHead } from './audit-chain.js';

export interface AuditCheckpoint {
  readonly v: 1;
  readonly seq: number;
  readonly hash: string;
  /** When it was taken (ISO 8601). */
  readonly at: string;
  /** The signing key's id: SHA-256 of its public key (SPKI DER), first 16 hex digits. */
  readonly keyId: string;
  /** Ed25519 over the canonical JSON of the other fields, base64url. */
  readonly signature: string;
}

/** The id of a key (public or private), as checkpoints name it. */
export function checkpointKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

function signedText(checkpoint: Omit<AuditCheckpoint, 'signature'>): string {
  const text = canonicalize({
    v: checkpoint.v,
    seq: checkpoint.seq,
    hash: checkpoint.hash,
    at: checkpoint.at,
    keyId: checkpoint.keyId,
  });
  if (text === undefined) throw new Error('checkpoint could not be canonicalised');
  return text;
}

/** Signs the head at `at` (epoch ms) with an Ed25519 private key. */
export function signCheckpoint(
  head: AuditHead,
  at: number,
  privateKey: KeyObject,
): AuditCheckpoint {
  const unsigned = {
    v: 1 as const,
    seq: head.seq,
    hash: head.hash,
    at: new Date(at).toISOString(),
    keyId: checkpointKeyId(privateKey),
  };
  const signature = sign(null, Buffer.from(signedText(unsigned)), privateKey).toString('base64url');
  return { ...unsigned, signature };
}

/** Reads a checkpoint file (JSON Lines); a line that is not a checkpoint is named. */
export function parseCheckpoints(
  text: string,
  file: string,
): { ok: true; checkpoints: AuditCheckpoint[] } | { ok: false; problem: string } {
  const checkpoints: AuditCheckpoint[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return { ok: false, problem: `${file}:${String(index + 1)}: not JSON` };
    }
    if (!isCheckpoint(value)) {
      return {
        ok: false,
        problem: `${file}:${String(index + 1)}: not a checkpoint (v, seq, hash, at, keyId, signature)`,
      };
    }
    checkpoints.push(value);
  }
  return { ok: true, checkpoints };
}

function isCheckpoint(value: unknown): value is AuditCheckpoint {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    c['v'] === 1 &&
    typeof c['seq'] === 'number' &&
    Number.isSafeInteger(c['seq']) &&
    c['seq'] >= 0 &&
    typeof c['hash'] === 'string' &&
    typeof c['at'] === 'string' &&
    typeof c['keyId'] === 'string' &&
    typeof c['signature'] === 'string'
  );
}

export type CheckpointCheck =
  | { readonly ok: true; readonly checked: number; readonly latest?: AuditCheckpoint }
  | { readonly ok: false; readonly problem: string };

/**
 * Checks checkpoints against a verified chain: each is signed by `publicKey`, and the chain
 * (`hashAt(seq)`, from the entries just verified, and its head) still has that hash at
 * that seq. A chain shorter than a checkpoint was cut off; a different hash was rewritten.
 */
export function checkCheckpoints(
  checkpoints: readonly AuditCheckpoint[],
  publicKey: KeyObject,
  chain: { readonly head: AuditHead; readonly hashAt: (seq: number) => string | undefined },
): CheckpointCheck {
  const keyId = checkpointKeyId(publicKey);
  let latest: AuditCheckpoint | undefined;
  for (const checkpoint of checkpoints) {
    const name = `checkpoint of entry ${String(checkpoint.seq)} taken ${checkpoint.at}`;
    if (checkpoint.keyId !== keyId) {
      return {
        ok: false,
        problem: `${name} is signed by key ${checkpoint.keyId}, not by the key given (${keyId})`,
      };
    }
    const { signature, ...unsigned } = checkpoint;
    const valid = verify(
      null,
      Buffer.from(signedText(unsigned)),
      publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) return { ok: false, problem: `${name} has a bad signature (the file was edited)` };
    if (checkpoint.seq > chain.head.seq) {
      return {
        ok: false,
        problem: `${name}: the chain now ends at entry ${String(chain.head.seq)}, so entries were removed after it was taken`,
      };
    }
    const hash = checkpoint.seq === 0 ? undefined : chain.hashAt(checkpoint.seq);
    if (checkpoint.seq > 0 && hash !== checkpoint.hash) {
      return {
        ok: false,
        problem: `${name}: entry ${String(checkpoint.seq)} no longer has the hash signed then, so the chain was rewritten up to there`,
      };
    }
    if (latest === undefined || checkpoint.seq >= latest.seq) latest = checkpoint;
  }
  return { ok: true, checked: checkpoints.length, ...(latest ? { latest } : {}) };
}
