// A role as the core sees it: who may ask, for what, under which activation policy.
// The config loader turns `jit.config.yaml` into these; the core never reads YAML.
import type { Millis } from './duration.js';

export type Enforcement = 'group-membership' | 'account-assignment';
export type ActivationSourceKind = 'native' | 'entra-pim';
export type DriftMode = 'report' | 'enforce';

/** Users (principal ids) and groups (directory group names). */
export interface PrincipalSet {
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

export interface ApprovalPolicy {
  readonly required: boolean;
  readonly approvers: PrincipalSet;
  readonly quorum: number;
  /** Always false for ordinary roles; break-glass roles allow it with a reason. */
  readonly allowSelfApproval: boolean;
}

export interface ActivationPolicy {
  readonly maxDuration: Millis;
  readonly defaultDuration: Millis;
  readonly requireJustification: boolean;
  readonly requireTicket: boolean;
  readonly requireMfa: boolean;
  readonly approval: ApprovalPolicy;
  /** How far ahead a request may ask its access to start; `DEFAULT_MAX_START_DELAY` when
   *  absent. */
  readonly maxStartDelay?: Millis;
}

export interface Role {
  readonly name: string;
  readonly description?: string;
  /** Identity Center group (display name) used in group-membership mode. */
  readonly group: string;
  readonly permissionSet: string;
  readonly accounts: readonly string[];
  /** Group-membership roles: organisational units whose accounts (and those of the OUs
   *  below them) are assigned too, as Organizations lists them when jit plan runs. */
  readonly organizationalUnits?: readonly string[];
  readonly enforcement: Enforcement;
  readonly source: ActivationSourceKind;
  /** Entra PIM roles: the PIM-enabled Entra group (display name or object id) whose active
   *  members hold the role. Defaults to `group`, as when Entra provisions that group to IdC. */
  readonly entraGroup?: string;
  readonly drift: DriftMode;
  readonly activation: ActivationPolicy;
  readonly eligibility: { readonly members: PrincipalSet; readonly maxEligibility?: Millis };
  readonly breakGlass: boolean;
}

/** How far ahead a requested start may lie unless the role says otherwise: a week. */
export const DEFAULT_MAX_START_DELAY: Millis = 7 * 24 * 60 * 60_000;

/** The shortest activation anyone may ask for (as in Entra PIM). */
export const MIN_ACTIVATION: Millis = 5 * 60_000;

export function inPrincipalSet(
  set: PrincipalSet,
  principal: { readonly id: string; readonly groups: readonly string[] },
): boolean {
  return set.users.includes(principal.id) || principal.groups.some((g) => set.groups.includes(g));
}
