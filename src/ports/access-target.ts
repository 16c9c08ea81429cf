// Where access is enforced (AWS IAM Identity Center, or an in-memory stand-in).
//
// Contract (checked by runAccessTargetContract):
// - `grant` and `revoke` are idempotent: granting what is held, or revoking what is not,
//   is `done`. They may finish asynchronously: `pending` carries an operation id that
//   `poll` follows until `done` or `failed`.
// - Expected failures are returned (`failed`, with `retryable`), not thrown. A throw means
//   broken infrastructure; the controller treats it as a retryable failure.
// - `list` returns what the target actually holds within a scope, whoever put it there.
import type { Entitlement, Instant } from '../core/grant.js';

export type TargetOperation =
  | {
      readonly state: 'done';
      /** When the target confirmed the change (the cut-off for session revocation). */
      readonly confirmedAt: Instant;
    }
  | { readonly state: 'pending'; readonly operationId: string }
  | {
      readonly state: 'failed';
      readonly retryable: boolean;
      readonly code: string;
      readonly message: string;
      /** A hint from the target (e.g. RetryAfterSeconds) for when to try again. */
      readonly retryAfterMs?: number;
    };

/** What the controller manages: the groups of group-membership roles, and the permission
 *  sets (in their accounts) of account-assignment roles. */
export interface TargetScope {
  readonly groups: readonly string[];
  readonly assignments: readonly {
    readonly permissionSet: string;
    readonly accounts: readonly string[];
  }[];
}

export interface AccessTarget {
  /** A short name for logs and the audit log, e.g. `identity-center`. */
  readonly name: string;
  grant(entitlement: Entitlement): Promise<TargetOperation>;
  revoke(entitlement: Entitlement): Promise<TargetOperation>;
  /** Follows an operation that `grant` or `revoke` left pending. */
  poll(operationId: string): Promise<TargetOperation>;
  /** Everything the target holds within the scope. */
  list(scope: TargetScope): Promise<readonly Entitlement[]>;
  /** The target's own id of a person (Identity Center: the identity-store user id), asked
   *  right after a grant so that the revocation at its end does not depend on the name. */
  subjectIdOf?(user: string): Promise<string | undefined>;
}
