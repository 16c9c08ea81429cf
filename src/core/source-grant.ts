// Grants that mirror an outside activation (Entra PIM for Groups). PIM decides who holds a
// role and until when; JIT Access enforces it in Identity Center at once, ends it at the PIM
// end time, and ends live sessions. Pure: `now` is an argument.
import { ok, refuse, type Result } from './errors.js';
import type { ActiveGrant, Grant, GrantSource, Instant } from './grant.js';
import type { Actor } from './principal.js';
import { policySnapshot } from './request-policy.js';
import type { Role } from './role.js';

/** A permanent assignment has no end. Its mirror holds a lease instead: it ends this long
 *  after the last successful read of PIM that still showed it, so standing access fails
 *  closed when PIM cannot be read (or the group cannot be resolved) for a day. */
export const STANDING_LEASE = 24 * 3_600_000;
/** The lease is renewed once less than this remains. */
export const STANDING_RENEW_BELOW = 12 * 3_600_000;

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
  const endsAt = activation.endsAt ?? now + STANDING_LEASE;
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

/** The end the mirror of `activation` should have now, when it must change: the source
 *  moved the end, the assignment became (or stopped being) permanent, or a standing lease
 *  needs renewing. Undefined when the grant's end is right as it is. */
export function mirroredEnd(
  grant: Grant,
  activation: MirroredActivation,
  now: Instant,
): { endsAt: Instant; standing: boolean } | undefined {
  if (grant.status !== 'active' || !grant.source) return undefined;
  if (activation.endsAt !== undefined) {
    const moved = activation.endsAt !== grant.endsAt || grant.source.standing;
    return moved ? { endsAt: activation.endsAt, standing: false } : undefined;
  }
  const renew = !grant.source.standing || grant.endsAt - now < STANDING_RENEW_BELOW;
  return renew ? { endsAt: now + STANDING_LEASE, standing: true } : undefined;
}
