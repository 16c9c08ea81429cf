// Verification of the audit chain: recomputes every hash and link, streaming, and names the
// first entry where the chain is broken (edited, removed, reordered, or cut off at the end).
import { GENESIS_HASH, hashAuditEntry, type AuditHead } from './audit-chain.js';
import type { AuditEntry } from './audit-entry.js';

export type VerifyAuditResult =
  | {
      readonly ok: true;
      /** Entries verified. */
      readonly entries: number;
      /** The hash of the last entry (the genesis hash for an empty chain). */
      readonly headHash: string;
    }
  | {
      readonly ok: false;
      /** Entries verified intact before the break. */
      readonly entries: number;
      /** The first broken entry, by seq, and what is wrong with it. */
      readonly broken: { readonly seq: number; readonly problem: string };
    };

/**
 * Verifies a chain, in seq order, against its separately recorded head.
 *
 * Consumes `entries` one at a time and keeps only the previous hash, so a chain of any length
 * verifies in constant memory. Checks, per entry: the seq is the next one (no gap, no
 * repeat), the entry links to the previous entry's hash (the genesis hash for entry 1), and
 * its content hashes to its hash; at the end, that the chain reaches the head's seq and hash.
 * Stops at the first problem.
 *
 * When the log is being appended to, read the head first and stream only the entries up to
 * its seq (`store.auditEntries(pageSize, head.seq)`); entries beyond the head are otherwise
 * reported as not recorded in it.
 */
export async function verifyAudit(
  entries: AsyncIterable<AuditEntry> | Iterable<AuditEntry>,
  head: AuditHead,
): Promise<VerifyAuditResult> {
  let verified = 0;
  let previousHash = GENESIS_HASH;

  const broken = (seq: number, problem: string): VerifyAuditResult => ({
    ok: false,
    entries: verified,
    broken: { seq, problem: seq === 0 ? problem : `entry ${seq}: ${problem}` },
  });

  for await (const entry of entries) {
    const expectedSeq = verified + 1;
    if (verified >= head.seq) {
      return broken(
        expectedSeq,
        `not recorded in the head (the head records ${head.seq} entries; appended outside the store, or the head rolled back?)`,
      );
    }
    if (entry.seq !== expectedSeq) {
      if (entry.seq > expectedSeq) {
        return broken(
          expectedSeq,
          expectedSeq === 1
            ? `missing (the chain starts at entry ${entry.seq}; deleted?)`
            : `missing (entry ${entry.seq} follows entry ${expectedSeq - 1}; deleted?)`,
        );
      }
      return broken(
        expectedSeq,
        `missing (entry ${entry.seq} appears again after entry ${expectedSeq - 1}; reordered or duplicated?)`,
      );
    }
    if (entry.prevHash !== previousHash) {
      return broken(
        entry.seq,
        entry.seq === 1
          ? 'does not start from the genesis hash (an earlier chain removed?)'
          : `does not follow entry ${entry.seq - 1} (reordered or an entry removed?)`,
      );
    }
    if (!hashMatches(entry)) {
      return broken(entry.seq, 'its content does not match its hash (edited?)');
    }
    previousHash = entry.hash;
    verified += 1;
  }

  if (verified < head.seq) {
    return broken(verified + 1, `missing (the head records ${head.seq} entries; deleted?)`);
  }
  if (previousHash !== head.hash) {
    return verified === 0
      ? broken(0, 'head: the chain is empty but the head does not hold the genesis hash (edited?)')
      : broken(
          verified,
          'its hash does not match the hash recorded in the head (the head or this entry changed?)',
        );
  }
  return { ok: true, entries: verified, headHash: previousHash };
}

function hashMatches(entry: AuditEntry): boolean {
  try {
    return hashAuditEntry(entry) === entry.hash;
  } catch {
    // Content that cannot even be canonicalised (NaN, a cycle) cannot match any hash.
    return false;
  }
}
