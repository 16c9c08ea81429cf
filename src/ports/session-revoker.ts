// Ends live cloud sessions that outlast a removed entitlement (see ARCHITECTURE.md §4).
import type { Entitlement, Instant } from '../core/grant.js';

export interface SessionRevocation {
  readonly entitlement: Entitlement;
  /** Sessions issued before this moment are denied. */
  readonly cutoff: Instant;
  /** The target's id of the person (Identity Center user id) captured when access was
   *  granted; without it the revoker looks the person up by name. */
  readonly subjectId?: string;
}

export type RevocationOutcome =
  | { readonly state: 'done'; readonly detail: string }
  | { readonly state: 'skipped'; readonly detail: string }
  | { readonly state: 'failed'; readonly retryable: boolean; readonly message: string };

export interface SessionRevoker {
  readonly name: string;
  revokeSessions(revocation: SessionRevocation): Promise<RevocationOutcome>;
  /** Called before the entitlement is granted again: a revoker that stretched an earlier
   *  cut-off (to save space) narrows it back so the new grant's sessions stay allowed. */
  release?(entitlement: Entitlement): Promise<RevocationOutcome>;
}

/** Does nothing: the stand-in until the Identity Center adapter brings the real one. */
export class NoopSessionRevoker implements SessionRevoker {
  readonly name = 'none';
  revokeSessions(revocation: SessionRevocation): Promise<RevocationOutcome> {
    return Promise.resolve({
      state: 'skipped',
      detail: `no session revoker configured; sessions of ${revocation.entitlement.user} issued before removal live until they expire`,
    });
  }
}
