// The pure heart of a reconcile pass: from what grants want, what the target holds, which
// ended grant last held each entitlement, and the roles, the actions to take. No I/O, no
// clock: the reconciler lists, looks up owners, runs the actions and audits (ADR 10).
import type { Entitlement, Grant } from '../core/grant.js';
import type { Role } from '../core/role.js';

/** An entitlement some active grants want, with those grants. */
export interface Wanted<G> {
  readonly entitlement: Entitlement;
  readonly grants: readonly G[];
}

export type PlannedAction<G> =
  | {
      readonly kind: 'grant';
      readonly key: string;
      readonly entitlement: Entitlement;
      readonly grants: readonly G[];
    }
  | {
      readonly kind: 'revoke';
      readonly key: string;
      readonly entitlement: Entitlement;
      readonly reason: string;
      readonly grantIds: readonly string[];
      /** True when nothing backs it (its role enforces drift, or its removal was ordered);
       *  false for an ended grant. */
      readonly drift: boolean;
    };

/** Access nothing backs, left in place because its role (if any) says `drift: report`. */
export interface ReportedDrift {
  readonly key: string;
  readonly entitlement: Entitlement;
  readonly role: Role | undefined;
}

export interface ReconcilePlan<G> {
  readonly actions: readonly PlannedAction<G>[];
  readonly drift: readonly ReportedDrift[];
}

/**
 * Plans a pass. Wanted and not held: grant. Held and not wanted: revoke when an ended grant
 * held it (access that was ours is always removed), or when its removal was ordered (an
 * incident: `ordered` maps the key to why); else it is drift, removed only when its role
 * says `drift: enforce` and reported otherwise. Held and wanted: nothing.
 * Grants come first, in `desired` order; removals follow in `actual` order.
 */
export function planReconcile<G>(
  desired: ReadonlyMap<string, Wanted<G>>,
  actual: ReadonlyMap<string, Entitlement>,
  owners: ReadonlyMap<string, Grant>,
  roleFor: (entitlement: Entitlement) => Role | undefined,
  ordered: ReadonlyMap<string, string> = new Map(),
): ReconcilePlan<G> {
  const actions: PlannedAction<G>[] = [];
  const drift: ReportedDrift[] = [];
  for (const [key, want] of desired) {
    if (!actual.has(key))
      actions.push({ kind: 'grant', key, entitlement: want.entitlement, grants: want.grants });
  }
  for (const [key, entitlement] of actual) {
    if (desired.has(key)) continue;
    const ended = owners.get(key);
    if (ended) {
      actions.push({
        kind: 'revoke',
        key,
        entitlement,
        reason: `grant ${ended.id} ${ended.status}${'endReason' in ended ? `: ${ended.endReason}` : ''}`,
        grantIds: [ended.id],
        drift: false,
      });
      continue;
    }
    const order = ordered.get(key);
    if (order !== undefined) {
      actions.push({ kind: 'revoke', key, entitlement, reason: order, grantIds: [], drift: true });
      continue;
    }
    const role = roleFor(entitlement);
    if (role?.drift === 'enforce') {
      actions.push({
        kind: 'revoke',
        key,
        entitlement,
        reason: `not backed by any grant, and role ${role.name} says drift: enforce`,
        grantIds: [],
        drift: true,
      });
    } else {
      drift.push({ key, entitlement, role });
    }
  }
  return { actions, drift };
}
