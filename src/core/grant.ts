// The grant: one person's time-bound access to one role, from request to end.
// States form a union keyed on `status`; only `transition()` moves between them.
import type { Millis } from './duration.js';
import type { Enforcement, PrincipalSet } from './role.js';

/** Epoch milliseconds. The core never reads a clock: `now` is always an argument. */
export type Instant = number;

export type GrantStatus =
  | 'requested'
  | 'pending_approval'
  | 'scheduled'
  | 'active'
  | 'expired'
  | 'revoked'
  | 'cancelled'
  | 'denied'
  | 'failed';

export type EndedStatus = 'expired' | 'revoked' | 'cancelled' | 'denied' | 'failed';
export type OpenStatus = Exclude<GrantStatus, EndedStatus>;

export const ENDED_STATUSES: readonly EndedStatus[] = [
  'expired',
  'revoked',
  'cancelled',
  'denied',
  'failed',
];
export const OPEN_STATUSES: readonly OpenStatus[] = [
  'requested',
  'pending_approval',
  'scheduled',
  'active',
];

export function isEnded(status: GrantStatus): status is EndedStatus {
  return (ENDED_STATUSES as readonly string[]).includes(status);
}

export interface Approval {
  readonly approver: string;
  readonly at: Instant;
  readonly comment?: string;
  /** Set when a break-glass requester approved their own request. */
  readonly selfApproval?: true;
}

/** The role's policy as it stood when the grant was requested. */
export interface GrantPolicy {
  readonly maxDuration: Millis;
  readonly approvalRequired: boolean;
  readonly approvers: PrincipalSet;
  readonly quorum: number;
  readonly allowSelfApproval: boolean;
  readonly breakGlass: boolean;
  readonly enforcement: Enforcement;
  /** Where access lands, so a grant can be cleaned up even if its role leaves the config. */
  readonly group: string;
  readonly permissionSet: string;
  /** The request's rules, which an extension must meet again (absent on grants requested
   *  before they were recorded: justification and MFA then count as required). */
  readonly requireJustification?: boolean;
  readonly requireTicket?: boolean;
  readonly requireMfa?: boolean;
}

export interface PendingExtension {
  readonly requestedAt: Instant;
  readonly endsAt: Instant;
  readonly justification?: string;
  readonly ticket?: string;
  readonly approvals: readonly Approval[];
}

/** Where a grant came from when it mirrors an outside activation (Entra PIM), not a request. */
export interface GrantSource {
  readonly kind: 'entra-pim';
  /** The source's stable key for this holder of this activation (see `SourceActivation`). */
  readonly key: string;
  readonly instanceId: string;
  readonly groupId: string;
  readonly viaGroup?: { readonly id: string; readonly displayName: string };
  readonly assignmentType: 'activated' | 'assigned' | 'unknown';
  /** A permanent assignment in the source: standing access, mirrored and flagged. */
  readonly standing: boolean;
}

interface GrantBase {
  readonly id: string;
  readonly role: string;
  /** The person, by principal id (their UPN / e-mail, lower case). */
  readonly principal: string;
  readonly accounts: readonly string[];
  readonly duration: Millis;
  readonly justification?: string;
  readonly ticket?: string;
  readonly requestedStart?: Instant;
  readonly requestedAt: Instant;
  readonly policy: GrantPolicy;
  readonly approvals: readonly Approval[];
  /** Set on grants that mirror an outside activation; absent on native requests. */
  readonly source?: GrantSource;
}

export interface RequestedGrant extends GrantBase {
  readonly status: 'requested';
}

export interface PendingApprovalGrant extends GrantBase {
  readonly status: 'pending_approval';
}

export interface ScheduledGrant extends GrantBase {
  readonly status: 'scheduled';
  readonly startsAt: Instant;
  readonly endsAt: Instant;
  /** When the window was last authorised (submission, final approval). */
  readonly authorizedAt: Instant;
}

export interface ActiveGrant extends GrantBase {
  readonly status: 'active';
  readonly startsAt: Instant;
  readonly endsAt: Instant;
  readonly authorizedAt: Instant;
  readonly activatedAt: Instant;
  readonly extension?: PendingExtension;
  readonly extensions: number;
}

export interface EndedGrant extends GrantBase {
  readonly status: EndedStatus;
  readonly endedAt: Instant;
  readonly endedBy: string;
  readonly endReason: string;
  /** The access window, when the grant had one. */
  readonly startsAt?: Instant;
  readonly endsAt?: Instant;
  /** True when access was (or may have been) granted in the target: removal must be ensured. */
  readonly hadAccess: boolean;
}

export type Grant =
  RequestedGrant | PendingApprovalGrant | ScheduledGrant | ActiveGrant | EndedGrant;

/** What the target must hold for a grant: one item per group or per account. */
export type Entitlement =
  | {
      readonly kind: 'group-membership';
      readonly group: string;
      readonly user: string;
    }
  | {
      readonly kind: 'account-assignment';
      readonly permissionSet: string;
      readonly account: string;
      readonly user: string;
    };

/** The access window of a grant, when it has one (scheduled, active, or ended after one). */
export function grantWindow(grant: Grant): { startsAt: Instant; endsAt: Instant } | undefined {
  switch (grant.status) {
    case 'scheduled':
    case 'active':
      return { startsAt: grant.startsAt, endsAt: grant.endsAt };
    case 'requested':
    case 'pending_approval':
      return undefined;
    case 'expired':
    case 'revoked':
    case 'cancelled':
    case 'denied':
    case 'failed':
      return grant.startsAt !== undefined && grant.endsAt !== undefined
        ? { startsAt: grant.startsAt, endsAt: grant.endsAt }
        : undefined;
    default:
      return assertNever(grant);
  }
}

/** The entitlements a grant stands for: its group, or its permission set in each account. */
export function grantEntitlements(grant: Grant): readonly Entitlement[] {
  if (grant.policy.enforcement === 'group-membership') {
    return [{ kind: 'group-membership', group: grant.policy.group, user: grant.principal }];
  }
  return grant.accounts.map((account) => ({
    kind: 'account-assignment',
    permissionSet: grant.policy.permissionSet,
    account,
    user: grant.principal,
  }));
}

/** A stable string key for an entitlement: used for per-key serialisation and set arithmetic. */
export function entitlementKey(entitlement: Entitlement): string {
  switch (entitlement.kind) {
    case 'group-membership':
      return `group:${entitlement.group}:${entitlement.user}`;
    case 'account-assignment':
      return `assignment:${entitlement.permissionSet}:${entitlement.account}:${entitlement.user}`;
    default:
      return assertNever(entitlement);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
