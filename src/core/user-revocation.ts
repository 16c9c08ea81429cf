// Incident response (`jit revoke --user <person> --all`): everything one person holds through
// JIT Access, what ending all of it takes, and the report of what was (or would be) done.
// Pure: the workflow gathers the facts (open grants, what Identity Center holds, what Entra
// PIM holds) and carries the plan out; times are arguments.
import { assertNever, entitlementKey, grantEntitlements, isEnded } from './grant.js';
import type { Entitlement, Grant, Instant, OpenStatus } from './grant.js';
import type { OwedRevocation } from './owed-revocation.js';
import type { Actor } from './principal.js';
import type { ActivationSourceKind, Enforcement, Role } from './role.js';
import type { GrantEvent } from './transition.js';

/** What Entra PIM says the person holds for one entra-pim role's group. */
export interface PimHolding {
  readonly role: string;
  /** The group as the config names it, and its object id. */
  readonly group: string;
  readonly groupId: string;
  /** An eligibility (may activate) or an assignment (holds the membership now). */
  readonly kind: 'eligibility' | 'assignment';
  /** The source's id of the person (the Entra user object id). */
  readonly principalId: string;
  readonly instanceId: string;
  /** Set when the person holds it through a group that is the PIM principal: removing that
   *  would remove everyone in the group, so it is reported, not removed. */
  readonly viaGroup?: string;
  readonly endsAt?: Instant;
}

/** Everything the plan is made from. */
export interface UserRevocationFacts {
  /** The person, by principal id. */
  readonly principal: string;
  /** Their grants in an open status: requested, pending approval, scheduled, active. */
  readonly openGrants: readonly Grant[];
  /** What Identity Center holds for them within what JIT Access manages. */
  readonly held: readonly Entitlement[];
  /** Revocations still owed for them (awaiting removal, or owed). */
  readonly openRevocations: readonly OwedRevocation[];
  /** Their PIM eligibilities and assignments in the groups of entra-pim roles. */
  readonly pim: readonly PimHolding[];
  /** Their live JIT Access sign-in sessions. */
  readonly signInSessions: number;
  readonly roles: ReadonlyMap<string, Role>;
}

export interface PlannedGrantEnd {
  readonly grantId: string;
  readonly role: string;
  readonly from: OpenStatus;
  /** Active and scheduled grants are revoked; requests not yet decided are cancelled. */
  readonly to: 'revoked' | 'cancelled';
  readonly source: ActivationSourceKind;
  readonly enforcement: Enforcement;
}

/** One entitlement of the person that goes, with the sessions it gave. */
export interface PlannedRemoval {
  readonly key: string;
  readonly entitlement: Entitlement;
  readonly permissionSet: string;
  /** Where sessions of it live: the group's accounts, or the assignment's account. */
  readonly accounts: readonly string[];
  /** The open grants that stand for it (ended by this plan). */
  readonly grantIds: readonly string[];
  /** Held in Identity Center now (false: a grant wanted it but it never landed, or it went
   *  and only its session revocation is still owed). */
  readonly held: boolean;
  /** Held, and no grant of this plan stands for it: the workflow orders its removal. */
  readonly drift: boolean;
}

export interface PlannedPimRemoval extends PimHolding {
  /** False for holdings through a group: those are reported for a person to remove. */
  readonly removable: boolean;
}

export interface UserRevocationPlan {
  readonly principal: string;
  readonly grants: readonly PlannedGrantEnd[];
  readonly removals: readonly PlannedRemoval[];
  readonly pim: readonly PlannedPimRemoval[];
  readonly signInSessions: number;
  /** True when nothing is left to do (holdings through a group aside, which stay listed). */
  readonly nothingToDo: boolean;
}

/** The event that ends an open grant in an incident; undefined for a grant already ended. */
export function incidentEndEvent(
  grant: Grant,
  actor: Actor,
  reason: string,
): GrantEvent | undefined {
  switch (grant.status) {
    case 'active':
    case 'scheduled':
      return { type: 'revoke', actor, reason };
    case 'requested':
    case 'pending_approval':
      return { type: 'cancel', actor, reason };
    case 'expired':
    case 'revoked':
    case 'cancelled':
    case 'denied':
    case 'failed':
      return undefined;
    default:
      return assertNever(grant);
  }
}

/** What ending everything the person holds takes. */
export function planUserRevocation(facts: UserRevocationFacts): UserRevocationPlan {
  const { principal, roles } = facts;
  const grants: PlannedGrantEnd[] = [];
  const byKey = new Map<string, { entitlement: Entitlement; grants: Grant[]; held: boolean }>();
  const entry = (entitlement: Entitlement) => {
    const key = entitlementKey(entitlement);
    const found = byKey.get(key) ?? { entitlement, grants: [], held: false };
    byKey.set(key, found);
    return found;
  };
  for (const grant of [...facts.openGrants].sort(byId)) {
    if (grant.principal !== principal) continue;
    const status = grant.status;
    if (isEnded(status)) continue;
    grants.push({
      grantId: grant.id,
      role: grant.role,
      from: status,
      to: status === 'active' || status === 'scheduled' ? 'revoked' : 'cancelled',
      source: grant.source ? grant.source.kind : 'native',
      enforcement: grant.policy.enforcement,
    });
    // Only an active grant's access may have landed; the others stand for nothing yet.
    if (status === 'active') for (const e of grantEntitlements(grant)) entry(e).grants.push(grant);
  }
  for (const entitlement of facts.held) {
    if (entitlement.user === principal) entry(entitlement).held = true;
  }
  for (const revocation of facts.openRevocations) {
    if (revocation.entitlement.user === principal) entry(revocation.entitlement);
  }
  const removals = [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, { entitlement, grants: backing, held }]): PlannedRemoval => {
      const where = whereOf(entitlement, backing, roles);
      return {
        key,
        entitlement,
        permissionSet: where.permissionSet,
        accounts: where.accounts,
        grantIds: backing.map((g) => g.id),
        held,
        drift: held && backing.length === 0,
      };
    });
  const pim = [...facts.pim]
    .sort((a, b) => pimKey(a).localeCompare(pimKey(b)))
    .map((h): PlannedPimRemoval => ({ ...h, removable: h.viaGroup === undefined }));
  return {
    principal,
    grants,
    removals,
    pim,
    signInSessions: facts.signInSessions,
    nothingToDo:
      grants.length === 0 &&
      removals.length === 0 &&
      !pim.some((p) => p.removable) &&
      facts.signInSessions === 0,
  };
}

/** The permission set and the accounts an entitlement gives: an assignment's own account;
 *  for a group, the accounts of the role whose group it is (or of the grants that wanted it,
 *  when the role left the config). */
export function whereOf(
  entitlement: Entitlement,
  grants: readonly Grant[],
  roles: ReadonlyMap<string, Role>,
): { permissionSet: string; accounts: readonly string[] } {
  if (entitlement.kind === 'account-assignment') {
    return { permissionSet: entitlement.permissionSet, accounts: [entitlement.account] };
  }
  const role = [...roles.values()].find(
    (r) => r.enforcement === 'group-membership' && r.group === entitlement.group,
  );
  if (role) return { permissionSet: role.permissionSet, accounts: [...role.accounts].sort() };
  const first = grants[0];
  return {
    permissionSet: first?.policy.permissionSet ?? '',
    accounts: [...new Set(grants.flatMap((g) => g.accounts))].sort(),
  };
}

// --- the report -----------------------------------------------------------------------------

export type GrantEndResult = 'planned' | 'done' | 'skipped';
export type RemovalResult = 'planned' | 'removed' | 'pending' | 'not_held';
export type SessionsResult = 'planned' | 'denied' | 'not_denied' | 'pending' | 'not_needed';
export type PimResult = 'planned' | 'removed' | 'failed' | 'kept';

export interface GrantEndReport extends PlannedGrantEnd {
  readonly result: GrantEndResult;
  readonly detail?: string;
}

/** One permission set the person had (or may have had) in one account. */
export interface AccessReport {
  readonly permissionSet: string;
  /** `group` (membership of `group`, assigned in the account) or `assignment` (direct). */
  readonly via: 'group' | 'assignment';
  readonly group?: string;
  readonly grantIds: readonly string[];
  readonly drift: boolean;
  readonly removal: RemovalResult;
  readonly sessions: SessionsResult;
  readonly detail?: string;
}

export interface AccountReport {
  readonly account: string;
  readonly access: readonly AccessReport[];
}

export interface PimReport {
  readonly role: string;
  readonly group: string;
  readonly groupId: string;
  readonly kind: 'eligibility' | 'assignment';
  readonly viaGroup?: string;
  readonly result: PimResult;
  readonly detail?: string;
}

export interface UserRevocationReport {
  /** Absent on a dry run: nothing was recorded. */
  readonly incidentId?: string;
  readonly person: string;
  readonly reason: string;
  readonly dryRun: boolean;
  readonly grants: readonly GrantEndReport[];
  readonly accounts: readonly AccountReport[];
  readonly pim: readonly PimReport[];
  readonly signInSessions: { readonly count: number; readonly result: 'planned' | 'done' };
  /** What could not be read or done, each with what to do about it. */
  readonly problems: readonly string[];
  readonly nothingToDo: boolean;
  /** Everything planned is done: access gone, sessions denied, PIM removed. */
  readonly complete: boolean;
}

/** What became of each step; absent entries are still `planned` (a dry run passes none). */
export interface UserRevocationOutcomes {
  readonly grants?: ReadonlyMap<string, { result: GrantEndResult; detail?: string }>;
  /** Keys of entitlements still held when the command finished. */
  readonly stillHeld?: ReadonlySet<string>;
  readonly sessions?: ReadonlyMap<string, { result: SessionsResult; detail?: string }>;
  readonly pim?: ReadonlyMap<string, { result: PimResult; detail?: string }>;
  readonly signInSessionsEnded?: boolean;
  readonly problems?: readonly string[];
}

/** A PIM holding's key in outcome maps. */
export function pimKey(h: Pick<PimHolding, 'groupId' | 'kind' | 'instanceId'>): string {
  return `${h.groupId}/${h.kind}/${h.instanceId}`;
}

/** The report of a plan: as planned (dry run), or with what became of each step. */
export function userRevocationReport(
  plan: UserRevocationPlan,
  meta: { readonly reason: string; readonly incidentId?: string },
  outcomes?: UserRevocationOutcomes,
): UserRevocationReport {
  const dryRun = outcomes === undefined;
  const grants = plan.grants.map((g): GrantEndReport => ({
    ...g,
    ...(outcomes?.grants?.get(g.grantId) ?? { result: 'planned' }),
  }));
  const byAccount = new Map<string, AccessReport[]>();
  for (const removal of plan.removals) {
    const session = outcomes?.sessions?.get(removal.key);
    const removalResult: RemovalResult = dryRun
      ? removal.held
        ? 'planned'
        : 'not_held'
      : outcomes.stillHeld?.has(removal.key) === true
        ? 'pending'
        : removal.held
          ? 'removed'
          : 'not_held';
    const access: AccessReport = {
      permissionSet: removal.permissionSet,
      via: removal.entitlement.kind === 'group-membership' ? 'group' : 'assignment',
      ...(removal.entitlement.kind === 'group-membership'
        ? { group: removal.entitlement.group }
        : {}),
      grantIds: removal.grantIds,
      drift: removal.drift,
      removal: removalResult,
      sessions: session?.result ?? (dryRun ? 'planned' : 'pending'),
      ...(session?.detail === undefined ? {} : { detail: session.detail }),
    };
    const accounts = removal.accounts.length > 0 ? removal.accounts : ['(no account known)'];
    for (const account of accounts)
      byAccount.set(account, [...(byAccount.get(account) ?? []), access]);
  }
  const accounts = [...byAccount.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([account, access]) => ({ account, access }));
  const pim = plan.pim.map((h): PimReport => {
    const base = {
      role: h.role,
      group: h.group,
      groupId: h.groupId,
      kind: h.kind,
      ...(h.viaGroup === undefined ? {} : { viaGroup: h.viaGroup }),
    };
    if (!h.removable) {
      return {
        ...base,
        result: 'kept',
        detail: `held through group ${h.viaGroup ?? ''}, which is the PIM principal; remove ${plan.principal} from that group in Entra`,
      };
    }
    return { ...base, ...(outcomes?.pim?.get(pimKey(h)) ?? { result: 'planned' }) };
  });
  const problems = [...(outcomes?.problems ?? [])];
  const complete =
    !dryRun &&
    problems.length === 0 &&
    grants.every((g) => g.result !== 'planned') &&
    accounts.every((a) =>
      a.access.every((x) => x.removal !== 'pending' && x.sessions !== 'pending'),
    ) &&
    pim.every((p) => p.result === 'removed' || p.result === 'kept');
  return {
    ...(meta.incidentId === undefined ? {} : { incidentId: meta.incidentId }),
    person: plan.principal,
    reason: meta.reason,
    dryRun,
    grants,
    accounts,
    pim,
    signInSessions: {
      count: plan.signInSessions,
      result: outcomes?.signInSessionsEnded === true ? 'done' : 'planned',
    },
    problems,
    nothingToDo: plan.nothingToDo,
    complete,
  };
}

/** Counts for the audit entry and the headline. */
export function planSummary(plan: UserRevocationPlan): Record<string, number | string[]> {
  return {
    grants: plan.grants.length,
    removals: plan.removals.filter((r) => r.held).length,
    drift: plan.removals.filter((r) => r.drift).length,
    accounts: [...new Set(plan.removals.flatMap((r) => r.accounts))].sort(),
    pimRemovals: plan.pim.filter((p) => p.removable).length,
    signInSessions: plan.signInSessions,
  };
}

function byId(a: Grant, b: Grant): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
