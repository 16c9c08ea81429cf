// Takes a person's standing in an outside activation source away: today, their Entra PIM for
// Groups eligibilities (so they cannot activate again) and active assignments (so the source
// stops holding the membership), for the groups of entra-pim roles. Used by the incident
// command (`jit revoke --user <person> --all`); the watcher never writes to the source.
//
// Contract (checked by runActivationRevokerContract):
// - `holdings` lists what the person holds in each given group, whoever gave it; a group
//   that cannot be read is reported as `{ ok: false }`, never as an empty list.
// - `remove` is idempotent: removing what is no longer there is `done`. Expected failures
//   are returned, not thrown.
import type { PimHolding } from '../core/user-revocation.js';

/** A managed group: the role it belongs to and the group as the config names it. */
export interface SourceGroupRef {
  readonly role: string;
  /** Display name or object id. */
  readonly group: string;
}

export type SourceHoldings =
  | { readonly ok: true; readonly group: SourceGroupRef; readonly holdings: readonly PimHolding[] }
  | { readonly ok: false; readonly group: SourceGroupRef; readonly error: string };

export type SourceRemoval =
  | { readonly state: 'done'; readonly detail: string }
  | { readonly state: 'failed'; readonly message: string };

export interface ActivationRevoker {
  readonly kind: 'entra-pim';
  /** What `principal` holds in each group, in the order given; empty holdings when the
   *  source does not know the person. */
  holdings(
    principal: string,
    groups: readonly SourceGroupRef[],
  ): Promise<readonly SourceHoldings[]>;
  /** Removes one holding (not one held through a group); `justification` is recorded with
   *  the request in the source. */
  remove(holding: PimHolding, justification: string): Promise<SourceRemoval>;
}
