// Grants that mirror an outside activation (Entra PIM for Groups). PIM decides who holds a
// role and until when; JIT Access enforces it in Identity Center at once, ends it at the PIM
// end time, and ends live sessions. Pure: `now` is an argument.
import { ok, refuse, type Result } from './errors.js';
import type { ActiveGrant, Grant, GrantSource, Instant } from './grant.js';
import type { Actor } from './principal.js';
import { policySnapshot } from './request-policy.js';
import type { Role } from './role.js';

/** A permanent assignment has no end; its mirror ends this far after its start, or earlier
 *  when the assignment goes away. 100 years: far beyond any real grant. */
export const STANDING_HORIZON = 100 * 365 * 24 * 3_600_000;

/** The outside source acts as this actor in the audit log and when it ends a grant. */
export const ENTRA_PIM_ACTOR: Actor = { id: 'source:entra-pim', groups: [], isAdmin: true };

/** What the source says about one holder; the port's `SourceActivation` fits it. */
export interface MirroredActivation {
  readonly key: string;
  readonly instanceId: string;
  readonly principal: string;
  readonly viaGroup?: { readonly id: string; readonly displayName: string };
  readonly startsAt: Instant;
  readonly endsAt?: Instant;
  readonly assignmentType: 'activated' | 'assigned' | 'unknown';
}

/** The active grant that mirrors `activation` for `role`, or why there can be none. */
export function mirrorActivation(
  role: Role,
  activation: MirroredActivation,
  groupId: string,
  id: string,
  now: Instant,
): Result<ActiveGrant> {
  if (role.source !== 'entra-pim') {
    return refuse(
      'ERR_ROLE_NOT_NATIVE',
      `role ${role.name} is not activated in Entra PIM (source: ${role.source}); set source: entra-pim to mirror PIM`,
    );
  }
  const standing = activation.endsAt === undefined;
  const startsAt = Math.min(activation.startsAt, now);
  const endsAt = activation.endsAt ?? startsAt + STANDING_HORIZON;
  if (endsAt <= now) {
    return refuse(
      'ERR_ILLEGAL_TRANSITION',
      `the PIM activation ${activation.instanceId} of ${activation.principal} already ended at ${new Date(endsAt).toISOString()}`,
    );
  }
  const source: GrantSource = {
    kind: 'entra-pim',
    key: activation.key,
    instanceId: activation.instanceId,
    groupId,
    assignmentType: activation.assignmentType,
    standing,
    ...(activation.viaGroup ? { viaGroup: activation.viaGroup } : {}),
  };
  return ok({
    id,
    role: role.name,
    principal: activation.principal,
    accounts: [...role.accounts],
    duration: endsAt - startsAt,
    requestedAt: now,
    policy: policySnapshot(role),
    approvals: [],
    source,
    status: 'active',
    startsAt,
    endsAt,
    authorizedAt: now,
    activatedAt: now,
    extensions: 0,
  });
}

/** Whether the mirror of `activation` needs its end moved: the source changed it. */
export function sourceEndChanged(grant: Grant, activation: MirroredActivation): boolean {
  if (grant.status !== 'active' || !grant.source) return false;
  const standing = activation.endsAt === undefined;
  if (standing !== grant.source.standing) return true;
  return !standing && activation.endsAt !== grant.endsAt;
}
