// The hash chain of the audit log: how an entry is hashed and how the next entry follows the
// head. Pure apart from SHA-256; the store calls `chainAuditEntry` inside the transaction that
// holds the chain head, so every process appends to the same single chain.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditEntry, AuditInput } from './audit-entry.js';

/** The `prevHash` of the first entry, and the hash recorded in the head of an empty chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The head of the chain: the last entry's seq (0 when empty) and its hash. */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** The fields an entry's hash covers: everything but the hash itself. */
export type UnhashedAuditEntry = Omit<AuditEntry, 'hash'>;

/**
 * The RFC 8785 canonical JSON of an entry without its hash: the exact text that is hashed.
 * Only the known fields are taken (so an `AuditEntry` may be passed as it is); absent optional
 * fields are omitted, never written as null.
 */
export function canonicalAuditEntry(entry: UnhashedAuditEntry): string {
  const hashed: Record<string, unknown> = {
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    prevHash: entry.prevHash,
  };
  if (entry.grantId !== undefined) hashed['grantId'] = entry.grantId;
  if (entry.reason !== undefined) hashed['reason'] = entry.reason;
  if (entry.data !== undefined) hashed['data'] = entry.data;
  if (entry.severity !== undefined) hashed['severity'] = entry.severity;
  const text = canonicalize(hashed);
  if (text === undefined) {
    throw new Error('audit entry could not be canonicalised');
  }
  return text;
}

/** SHA-256 (lower-case hex) over the canonical JSON of the entry without its hash. */
export function hashAuditEntry(entry: UnhashedAuditEntry): string {
  return sha256Hex(canonicalAuditEntry(entry));
}

/**
 * The entry that follows `head`: seq `head.seq + 1`, linked to `head.hash`, hashed.
 *
 * The input passes through canonical JSON, so what is returned is exactly what a reader will
 * get back from the store (undefined members of `data` dropped, `toJSON` applied). Throws
 * when `data` is not plain JSON (NaN, Infinity, cycles, lone surrogates) or `at` is not an
 * integer: a bug in the caller, not an expected outcome.
 */
export function chainAuditEntry(head: AuditHead, input: AuditInput): AuditEntry {
  if (!Number.isSafeInteger(input.at)) {
    throw new TypeError(`audit entry time must be integer epoch milliseconds, got ${input.at}`);
  }
  const unhashed: UnhashedAuditEntry = { ...input, seq: head.seq + 1, prevHash: head.hash };
  const canonical = canonicalAuditEntry(unhashed);
  const normalised = JSON.parse(canonical) as UnhashedAuditEntry;
  return { ...normalised, hash: sha256Hex(canonical) };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
