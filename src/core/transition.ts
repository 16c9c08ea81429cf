// The grant state machine: `transition(grant, event, now)` is the only way a grant changes.
// Every refusal is a value; every success says what happened, for the audit log.
import { formatDuration } from './duration.js';
import { ok, refuse, type Result } from './errors.js';
import {
  assertNever,
  isEnded,
  type ActiveGrant,
  type Approval,
  type EndedGrant,
  type EndedStatus,
  type Grant,
  type GrantStatus,
  type Instant,
  type PendingExtension,
} from './grant.js';
import { SYSTEM_ACTOR, type Actor } from './principal.js';
import { inPrincipalSet } from './role.js';

export type GrantEvent =
  | { readonly type: 'submit' }
  | { readonly type: 'approve'; readonly actor: Actor; readonly comment?: string }
  | { readonly type: 'deny'; readonly actor: Actor; readonly comment?: string }
  | { readonly type: 'cancel'; readonly actor: Actor; readonly reason?: string }
  | { readonly type: 'start' }
  | { readonly type: 'expire' }
  | { readonly type: 'revoke'; readonly actor: Actor; readonly reason: string }
  | {
      readonly type: 'extend';
      readonly actor: Actor;
      readonly endsAt: Instant;
      readonly justification?: string;
      readonly ticket?: string;
      /** Whether the actor's sign-in carries fresh MFA evidence now. */
      readonly freshMfa: boolean;
    }
  | { readonly type: 'fail'; readonly reason: string }
  /** The outside source moved the end of a mirrored grant (PIM extend, renew, update). */
  | {
      readonly type: 'source-update';
      readonly endsAt: Instant;
      readonly standing: boolean;
      readonly reason: string;
    };

/** The audit action a successful transition records. */
export type GrantAction =
  | 'grant.requested'
  | 'grant.pending_approval'
  | 'grant.approval_recorded'
  | 'grant.approved'
  | 'grant.scheduled'
  | 'grant.activated'
  | 'grant.denied'
  | 'grant.cancelled'
  | 'grant.revoked'
  | 'grant.expired'
  | 'grant.failed'
  | 'grant.extension_requested'
  | 'grant.extension_approval_recorded'
  | 'grant.extension_denied'
  | 'grant.extended'
  | 'grant.break_glass_self_approved'
  | 'grant.source_updated';

export interface Transition {
  readonly grant: Grant;
  readonly action: GrantAction;
  readonly actor: string;
  readonly reason?: string;
  readonly from: GrantStatus;
  /** Loud events (break-glass, failures) that must also alert. */
  readonly alert?: string;
}

export function transition(grant: Grant, event: GrantEvent, now: Instant): Result<Transition> {
  switch (event.type) {
    case 'submit':
      return submit(grant, now);
    case 'approve':
      return approve(grant, event.actor, event.comment, now);
    case 'deny':
      return deny(grant, event.actor, event.comment, now);
    case 'cancel':
      return cancel(grant, event.actor, event.reason, now);
    case 'start':
      return start(grant, now);
    case 'expire':
      return expire(grant, now);
    case 'revoke':
      return revoke(grant, event.actor, event.reason, now);
    case 'extend':
      return extend(grant, event, now);
    case 'fail':
      return fail(grant, event.reason, now);
    case 'source-update':
      return sourceUpdate(grant, event, now);
    default:
      return assertNever(event);
  }
}

function illegal(grant: Grant, what: string): Result<Transition> {
  return refuse(
    'ERR_ILLEGAL_TRANSITION',
    `grant ${grant.id} is ${grant.status.replace('_', ' ')}; it cannot be ${what}`,
    { status: grant.status },
  );
}

function submit(grant: Grant, now: Instant): Result<Transition> {
  if (grant.status !== 'requested') return illegal(grant, 'submitted again');
  if (grant.policy.approvalRequired) {
    return ok({
      grant: { ...grant, status: 'pending_approval' },
      action: 'grant.pending_approval',
      actor: grant.principal,
      from: grant.status,
    });
  }
  return authorise(grant, now, grant.principal, 'grant.approved');
}

/** Opens the access window once the policy is satisfied: at once, or at the requested start. */
function authorise(
  grant: Grant & { status: 'requested' | 'pending_approval' },
  now: Instant,
  actor: string,
  action: GrantAction,
  alert?: string,
): Result<Transition> {
  const startsAt = Math.max(grant.requestedStart ?? now, now);
  const endsAt = startsAt + grant.duration;
  const base = { ...grant, startsAt, endsAt, authorizedAt: now };
  if (startsAt > now) {
    return ok({
      grant: { ...base, status: 'scheduled' },
      action: action === 'grant.approved' ? 'grant.scheduled' : action,
      actor,
      from: grant.status,
      ...(alert === undefined ? {} : { alert }),
    });
  }
  const active: ActiveGrant = { ...base, status: 'active', activatedAt: now, extensions: 0 };
  return ok({
    grant: active,
    action: action === 'grant.approved' ? 'grant.activated' : action,
    actor,
    from: grant.status,
    ...(alert === undefined ? {} : { alert }),
  });
}

/** Checks that the actor may approve, and returns the approval to record. */
function checkApprover(
  grant: Grant,
  approvals: readonly Approval[],
  actor: Actor,
  comment: string | undefined,
  now: Instant,
): Result<Approval> {
  const self = actor.id === grant.principal;
  if (self) {
    if (!grant.policy.allowSelfApproval) {
      return refuse(
        'ERR_SELF_APPROVAL',
        `${actor.id} requested grant ${grant.id} and cannot approve it; another approver must`,
      );
    }
    if (comment === undefined || comment.trim() === '') {
      return refuse(
        'ERR_REASON_REQUIRED',
        `self-approving break-glass grant ${grant.id} needs a reason; give one with --comment`,
      );
    }
  } else if (!inPrincipalSet(grant.policy.approvers, actor)) {
    return refuse(
      'ERR_NOT_APPROVER',
      `${actor.id} is not an approver of role ${grant.role}; ask one of its approvers`,
    );
  }
  if (approvals.some((a) => a.approver === actor.id)) {
    return refuse(
      'ERR_ALREADY_APPROVED',
      `${actor.id} has already approved grant ${grant.id}; the quorum of ${grant.policy.quorum} needs different approvers`,
    );
  }
  return ok({
    approver: actor.id,
    at: now,
    ...(comment === undefined || comment.trim() === '' ? {} : { comment: comment.trim() }),
    ...(self ? { selfApproval: true as const } : {}),
  });
}

function approve(
  grant: Grant,
  actor: Actor,
  comment: string | undefined,
  now: Instant,
): Result<Transition> {
  if (grant.status === 'active' && grant.extension) {
    return approveExtension(grant, grant.extension, actor, comment, now);
  }
  if (grant.status !== 'pending_approval') return illegal(grant, 'approved');
  const approval = checkApprover(grant, grant.approvals, actor, comment, now);
  if (!approval.ok) return approval;
  const approvals = [...grant.approvals, approval.value];
  const updated = { ...grant, approvals };
  const selfApproved = approval.value.selfApproval === true;
  const alert = selfApproved
    ? `break-glass: ${actor.id} self-approved grant ${grant.id} of role ${grant.role}: ${approval.value.comment ?? ''}`
    : undefined;
  // A break-glass self-approval suffices on its own: that is what break-glass is for.
  if (selfApproved || distinctApprovers(approvals) >= grant.policy.quorum) {
    return authorise(
      updated,
      now,
      actor.id,
      selfApproved ? 'grant.break_glass_self_approved' : 'grant.approved',
      alert,
    );
  }
  return ok({
    grant: updated,
    action: 'grant.approval_recorded',
    actor: actor.id,
    from: grant.status,
    ...(comment === undefined ? {} : { reason: comment }),
  });
}

function approveExtension(
  grant: ActiveGrant,
  extension: PendingExtension,
  actor: Actor,
  comment: string | undefined,
  now: Instant,
): Result<Transition> {
  const approval = checkApprover(grant, extension.approvals, actor, comment, now);
  if (!approval.ok) return approval;
  const approvals = [...extension.approvals, approval.value];
  const selfApproved = approval.value.selfApproval === true;
  if (selfApproved || distinctApprovers(approvals) >= grant.policy.quorum) {
    return applyExtension(grant, extension, now, actor.id, approvals);
  }
  return ok({
    grant: { ...grant, extension: { ...extension, approvals } },
    action: 'grant.extension_approval_recorded',
    actor: actor.id,
    from: grant.status,
  });
}

function applyExtension(
  grant: ActiveGrant,
  extension: PendingExtension,
  now: Instant,
  actor: string,
  approvals: readonly Approval[],
): Result<Transition> {
  const approvedBy = approvals.map((a) => a.approver).join(', ');
  // The window may only grow, never shrink, and may not reach past now + maximum.
  const endsAt = Math.min(Math.max(grant.endsAt, extension.endsAt), now + grant.policy.maxDuration);
  const { extension: _done, ...rest } = grant;
  return ok({
    grant: {
      ...rest,
      endsAt,
      authorizedAt: now,
      extensions: grant.extensions + 1,
    },
    action: 'grant.extended',
    actor,
    from: grant.status,
    reason: `new end ${new Date(endsAt).toISOString()}${approvedBy ? `, approved by ${approvedBy}` : ''}`,
  });
}

function distinctApprovers(approvals: readonly Approval[]): number {
  return new Set(approvals.map((a) => a.approver)).size;
}

function deny(
  grant: Grant,
  actor: Actor,
  comment: string | undefined,
  now: Instant,
): Result<Transition> {
  if (grant.status === 'active' && grant.extension) {
    if (!inPrincipalSet(grant.policy.approvers, actor) && !actor.isAdmin) {
      return refuse('ERR_NOT_APPROVER', `${actor.id} is not an approver of role ${grant.role}`);
    }
    const { extension: _denied, ...rest } = grant;
    return ok({
      grant: rest,
      action: 'grant.extension_denied',
      actor: actor.id,
      from: grant.status,
      reason: `extension denied${comment ? `: ${comment}` : ''}`,
    });
  }
  if (grant.status !== 'pending_approval') return illegal(grant, 'denied');
  if (actor.id === grant.principal) {
    return refuse(
      'ERR_SELF_APPROVAL',
      `${actor.id} requested grant ${grant.id}; to withdraw it, cancel it instead of denying it`,
    );
  }
  if (!inPrincipalSet(grant.policy.approvers, actor) && !actor.isAdmin) {
    return refuse('ERR_NOT_APPROVER', `${actor.id} is not an approver of role ${grant.role}`);
  }
  return end(grant, 'denied', actor.id, comment ?? 'denied', now, 'grant.denied');
}

function cancel(
  grant: Grant,
  actor: Actor,
  reason: string | undefined,
  now: Instant,
): Result<Transition> {
  if (
    grant.status !== 'requested' &&
    grant.status !== 'pending_approval' &&
    grant.status !== 'scheduled'
  ) {
    return illegal(
      grant,
      grant.status === 'active' ? 'cancelled (it is active: revoke it)' : 'cancelled',
    );
  }
  if (actor.id !== grant.principal && !actor.isAdmin) {
    return refuse(
      'ERR_FORBIDDEN',
      `only the requester or an administrator can cancel grant ${grant.id}`,
    );
  }
  return end(
    grant,
    'cancelled',
    actor.id,
    reason ?? 'cancelled by requester',
    now,
    'grant.cancelled',
  );
}

function start(grant: Grant, now: Instant): Result<Transition> {
  if (grant.status !== 'scheduled') return illegal(grant, 'started');
  if (now < grant.startsAt)
    return illegal(grant, `started before ${new Date(grant.startsAt).toISOString()}`);
  if (now >= grant.endsAt) return expire(grant, now);
  const active: ActiveGrant = { ...grant, status: 'active', activatedAt: now, extensions: 0 };
  return ok({
    grant: active,
    action: 'grant.activated',
    actor: SYSTEM_ACTOR.id,
    from: grant.status,
  });
}

function expire(grant: Grant, now: Instant): Result<Transition> {
  if (grant.status !== 'active' && grant.status !== 'scheduled') return illegal(grant, 'expired');
  if (now < grant.endsAt)
    return illegal(grant, `expired before ${new Date(grant.endsAt).toISOString()}`);
  return end(
    grant,
    'expired',
    SYSTEM_ACTOR.id,
    `reached its end ${new Date(grant.endsAt).toISOString()} (${formatDuration(now - grant.endsAt)} ago)`,
    now,
    'grant.expired',
  );
}

function revoke(grant: Grant, actor: Actor, reason: string, now: Instant): Result<Transition> {
  if (grant.status !== 'active' && grant.status !== 'scheduled') return illegal(grant, 'revoked');
  const allowed =
    actor.id === grant.principal || actor.isAdmin || inPrincipalSet(grant.policy.approvers, actor);
  if (!allowed) {
    return refuse(
      'ERR_FORBIDDEN',
      `only the requester, an approver of role ${grant.role} or an administrator can revoke grant ${grant.id}`,
    );
  }
  if (reason.trim() === '') {
    return refuse(
      'ERR_REASON_REQUIRED',
      `revoking grant ${grant.id} needs a reason; give one with --reason`,
    );
  }
  return end(grant, 'revoked', actor.id, reason.trim(), now, 'grant.revoked');
}

function extend(
  grant: Grant,
  event: Extract<GrantEvent, { type: 'extend' }>,
  now: Instant,
): Result<Transition> {
  if (grant.status !== 'active') return illegal(grant, 'extended (only an active grant can be)');
  if (grant.source) {
    return refuse(
      'ERR_ROLE_NOT_NATIVE',
      `grant ${grant.id} mirrors an Entra PIM activation; extend it in Entra PIM, and the change reaches JIT Access at the next poll`,
    );
  }
  if (event.actor.id !== grant.principal) {
    return refuse(
      'ERR_FORBIDDEN',
      `only ${grant.principal}, who holds grant ${grant.id}, can extend it`,
    );
  }
  if (grant.extension) {
    return refuse(
      'ERR_EXTENSION_PENDING',
      `grant ${grant.id} already has an extension waiting for approval; wait for it or ask an approver`,
    );
  }
  if (event.endsAt <= grant.endsAt) {
    return refuse(
      'ERR_INVALID_INPUT',
      `the new end ${new Date(event.endsAt).toISOString()} is not later than the current end ${new Date(grant.endsAt).toISOString()}`,
    );
  }
  if (event.endsAt > now + grant.policy.maxDuration) {
    return refuse(
      'ERR_DURATION_TOO_LONG',
      `an extension may reach at most ${formatDuration(grant.policy.maxDuration)} from now (${new Date(now + grant.policy.maxDuration).toISOString()}); ask for less`,
      { maximum: formatDuration(grant.policy.maxDuration) },
    );
  }
  // An extension is new access: the rules of the request hold for it too, or one MFA
  // sign-in would stretch into any number of extensions. Grants snapshotted before these
  // rules were recorded require justification and MFA, the defaults.
  if ((grant.policy.requireJustification ?? true) && (event.justification?.trim() ?? '') === '') {
    return refuse(
      'ERR_JUSTIFICATION_REQUIRED',
      `role ${grant.role} requires a justification for an extension too; say why with --justification`,
    );
  }
  if ((grant.policy.requireTicket ?? false) && (event.ticket?.trim() ?? '') === '') {
    return refuse(
      'ERR_TICKET_REQUIRED',
      `role ${grant.role} requires a ticket reference for an extension too; give one with --ticket`,
    );
  }
  if ((grant.policy.requireMfa ?? true) && !event.freshMfa) {
    return refuse(
      'ERR_MFA_REQUIRED',
      `role ${grant.role} requires a recent sign-in with MFA to extend a grant; sign in again with MFA and retry`,
    );
  }
  const extension: PendingExtension = {
    requestedAt: now,
    endsAt: event.endsAt,
    approvals: [],
    ...(event.justification === undefined ? {} : { justification: event.justification }),
    ...(event.ticket === undefined ? {} : { ticket: event.ticket }),
  };
  if (!grant.policy.approvalRequired)
    return applyExtension(grant, extension, now, event.actor.id, []);
  return ok({
    grant: { ...grant, extension },
    action: 'grant.extension_requested',
    actor: event.actor.id,
    from: grant.status,
    ...(event.justification === undefined ? {} : { reason: event.justification }),
  });
}

function sourceUpdate(
  grant: Grant,
  event: Extract<GrantEvent, { type: 'source-update' }>,
  now: Instant,
): Result<Transition> {
  if (grant.status !== 'active' || !grant.source) {
    return illegal(grant, 'updated from an outside source (only an active mirrored grant can be)');
  }
  if (event.endsAt <= now) {
    return illegal(grant, `moved to an end in the past (${new Date(event.endsAt).toISOString()})`);
  }
  const standing = event.standing;
  const alert =
    standing && !grant.source.standing
      ? `grant ${grant.id} of ${grant.principal} became standing access: its Entra PIM assignment no longer ends`
      : undefined;
  return ok({
    grant: {
      ...grant,
      endsAt: event.endsAt,
      duration: event.endsAt - grant.startsAt,
      source: { ...grant.source, standing },
    },
    action: 'grant.source_updated',
    actor: `source:${grant.source.kind}`,
    reason: event.reason,
    from: grant.status,
    ...(alert === undefined ? {} : { alert }),
  });
}

function fail(grant: Grant, reason: string, now: Instant): Result<Transition> {
  if (isEnded(grant.status)) return illegal(grant, 'failed');
  return end(
    grant,
    'failed',
    SYSTEM_ACTOR.id,
    reason,
    now,
    'grant.failed',
    `grant ${grant.id} failed: ${reason}`,
  );
}

function end(
  grant: Grant,
  status: EndedStatus,
  actor: string,
  reason: string,
  now: Instant,
  action: GrantAction,
  alert?: string,
): Result<Transition> {
  const window =
    grant.status === 'scheduled' || grant.status === 'active'
      ? { startsAt: grant.startsAt, endsAt: Math.min(grant.endsAt, Math.max(now, grant.startsAt)) }
      : {};
  const base = stripOpenFields(grant);
  const ended: EndedGrant = {
    ...base,
    ...window,
    status,
    endedAt: now,
    endedBy: actor,
    endReason: reason,
    hadAccess: grant.status === 'active',
  };
  return ok({
    grant: ended,
    action,
    actor,
    reason,
    from: grant.status,
    ...(alert === undefined ? {} : { alert }),
  });
}

function stripOpenFields(
  grant: Grant,
): Omit<EndedGrant, 'status' | 'endedAt' | 'endedBy' | 'endReason' | 'hadAccess'> {
  const { id, role, principal, accounts, duration, requestedAt, policy, approvals } = grant;
  return {
    id,
    role,
    principal,
    accounts,
    duration,
    requestedAt,
    policy,
    approvals,
    ...(grant.justification === undefined ? {} : { justification: grant.justification }),
    ...(grant.ticket === undefined ? {} : { ticket: grant.ticket }),
    ...(grant.requestedStart === undefined ? {} : { requestedStart: grant.requestedStart }),
    ...(grant.source === undefined ? {} : { source: grant.source }),
  };
}
