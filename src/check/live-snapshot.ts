// The live state `jit check --live` judges, read once (read-live-snapshot.ts) and then only
// looked at: the live rules (live-rules.ts) are pure functions of the config and this
// snapshot, so tests give them a fake one. A part that could not be read says why; the
// rules that need it report "not checked" with that reason instead of finding nothing.
import type { Entitlement, Instant } from '../core/grant.js';
import type { EntraState } from '../plan/entra-plan.js';

/** A part of the snapshot that was not read, and why (said to the reader as is). */
export interface Unread {
  readonly unread: string;
}

export function isUnread(part: object): part is Unread {
  return 'unread' in part;
}

/** One account assignment of a permission set. */
export interface LiveAssignment {
  readonly permissionSet: string;
  readonly account: string;
  readonly principalType: 'GROUP' | 'USER';
  /** The group's display name or the user's userName (the id when neither resolves). */
  readonly principal: string;
}

export interface IdentityCenterView {
  readonly instanceArn: string;
  /** Every assignment of a permission set the config names (or jit manages), in every
   *  account it is provisioned to or the config names. */
  readonly assignments: readonly LiveAssignment[];
  /** What the controller manages, as it lists it: members of the groups of group-membership
   *  roles and USER assignments of account-assignment roles' permission sets in their
   *  accounts (the same listing as the controller's drift sweep). */
  readonly held: readonly Entitlement[];
  /** The accounts of each organisational unit the config names. */
  readonly ouAccounts: ReadonlyMap<string, readonly string[]>;
}

export interface EntraView {
  /** Each entra-pim role's PIM group, policy and eligibilities, as `jit plan` reads them. */
  readonly pim: EntraState;
  /** Per entra-pim role: the groups that are direct members of its group (Entra's
   *  provisioning pushes that group to Identity Center and does not flatten them). */
  readonly nestedGroups: ReadonlyMap<string, readonly NestedGroup[]>;
}

export interface NestedGroup {
  readonly id: string;
  readonly name: string;
  /** A PIM assignment without an end makes it a member: standing access for its members. */
  readonly permanent: boolean;
}

export interface RevocationScp {
  readonly id: string;
  readonly name: string;
  /** Deny statements the session revoker wrote (Sid `JitRevoke…`). */
  readonly revocations: number;
  /** Roots, OUs and accounts it is attached to. */
  readonly targets: readonly string[];
}

export interface OrganizationsView {
  /** The name the controller finds the SCP by (aws.revocation.policyName). */
  readonly policyName: string;
  /** Absent: no SCP of that name. */
  readonly policy?: RevocationScp;
  /** Where the controller attaches it: aws.revocation.targetId, else the root. */
  readonly target: string;
  readonly managementAccountId?: string;
  /** Each account a role names (OUs resolved), with its parents up to the root (nearest
   *  first): an SCP attached to any of them, or to the account, applies to it. */
  readonly accountParents: ReadonlyMap<string, readonly string[]>;
}

/** An active grant, as far as the rules need one. */
export interface ActiveGrantView {
  readonly id: string;
  readonly role: string;
  readonly endsAt: Instant;
  readonly entitlements: readonly Entitlement[];
}

export interface GrantsView {
  /** Where they were read, e.g. `SQLite .jit/jit.db`. */
  readonly source: string;
  readonly active: readonly ActiveGrantView[];
}

export interface LiveSnapshot {
  /** When it was read: days left and ended grants count from here. */
  readonly readAt: Instant;
  readonly identityCenter: IdentityCenterView | Unread;
  readonly entra: EntraView | Unread;
  readonly organizations: OrganizationsView | Unread;
  /** The store's active grants: what backs managed access. */
  readonly grants: GrantsView | Unread;
}
