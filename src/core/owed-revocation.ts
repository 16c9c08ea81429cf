// A revocation owed: the durable promise that the live sessions of an entitlement whose
// access ends are denied (ARCHITECTURE.md §4). It is written in the same transaction that
// ends the grant, before any call to AWS, so neither a crash nor a failed call can lose it:
// the controller carries it through until the revoker has written the Deny, or until every
// session it could concern has expired on its own. Pure: times are arguments.
import { HOUR, MINUTE, SECOND, type Millis } from './duration.js';
import type { Entitlement, Instant } from './grant.js';

export type OwedRevocationStatus =
  /** The entitlement's access is still to be removed; the cut-off is not known yet. */
  | 'awaiting_removal'
  /** Removal confirmed at `cutoff`; the revoker has yet to deny older sessions. */
  | 'owed'
  /** The revoker wrote the Deny (or had nothing to deny). */
  | 'done'
  /** Access never ended: another grant held the entitlement when this one ended. */
  | 'superseded'
  /** Never written, and moot now: every session issued before the cut-off has expired. */
  | 'lapsed';

export const OPEN_REVOCATION_STATUSES: readonly OwedRevocationStatus[] = [
  'awaiting_removal',
  'owed',
];

export interface OwedRevocation {
  /** `<grant id>/<entitlement key>`, or `drift/<entitlement key>/<ms>` for drift removals. */
  readonly id: string;
  readonly entitlement: Entitlement;
  /** The grants whose end this revocation carries out (none for drift). */
  readonly grantIds: readonly string[];
  readonly status: OwedRevocationStatus;
  readonly createdAt: Instant;
  /** The target's own id of the person (Identity Center user id), captured when access was
   *  granted, so a rename or deletion afterwards cannot stop the Deny. */
  readonly subjectId?: string;
  /** Sessions issued before this moment are denied; set once removal is confirmed. */
  readonly cutoff?: Instant;
  /** Revoker attempts so far. */
  readonly attempts: number;
  /** When the next attempt is due (status `owed`). */
  readonly nextAttemptAt?: Instant;
  readonly lastError?: string;
  /** When the overdue alert was raised (once). */
  readonly overdueAlertedAt?: Instant;
  readonly settledAt?: Instant;
  readonly detail?: string;
  /** Set on a removal ordered outside any grant (an incident's `jit revoke --user --all`):
   *  why. While it awaits removal, the controller removes the entitlement whatever the
   *  role's drift mode, unless a grant wants it again. */
  readonly order?: string;
}

/** AWS's longest role session (a permission set's SessionDuration is at most PT12H). */
export const MAX_SESSION_DURATION: Millis = 12 * HOUR;

/** An owed revocation not done this long after its cut-off raises an alert. */
export const REVOCATION_OVERDUE_AFTER: Millis = 5 * MINUTE;

const RETRY_BASE: Millis = 5 * SECOND;
const RETRY_MAX: Millis = 5 * MINUTE;

/** The wait before attempt `attempts + 1`: 5 s doubling to at most 5 minutes; `random` in
 *  [0, 1) spreads it by up to a fifth so replicas and rows do not retry in step. */
export function revocationRetryDelay(attempts: number, random: number): Millis {
  const exponential = Math.min(RETRY_MAX, RETRY_BASE * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (1 - 0.2 * random));
}

/** After this, no session issued before the cut-off can still be alive. */
export function revocationMootAt(cutoff: Instant): Instant {
  return cutoff + MAX_SESSION_DURATION;
}

/** What an awaiting revocation becomes once the controller has seen the target. */
export function settleAwaiting(
  revocation: OwedRevocation,
  seen: { readonly held: boolean; readonly wanted: boolean },
  listedAt: Instant,
): OwedRevocation | undefined {
  if (revocation.status !== 'awaiting_removal') return undefined;
  // Still held and still wanted by another grant: access never ended, nothing to deny.
  if (seen.held && seen.wanted) {
    return { ...revocation, status: 'superseded', settledAt: listedAt };
  }
  // Still held and not wanted: the controller removes it and sets the cut-off then.
  if (seen.held) return undefined;
  // Not held: removal already happened (a crash after it, before its cut-off was written),
  // or access never landed. Every session the entitlement gave was issued before the
  // listing, so the listing's time is a safe cut-off; the controller writes it before any
  // new grant of the same entitlement, whose sessions come after.
  return owe(revocation, listedAt);
}

/** The revocation with removal confirmed at `cutoff`, due now. */
export function owe(revocation: OwedRevocation, cutoff: Instant): OwedRevocation {
  return { ...revocation, status: 'owed', cutoff, nextAttemptAt: cutoff };
}
