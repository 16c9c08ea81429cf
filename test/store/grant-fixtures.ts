// Grants in every state, for the store suite: plain data, built from a few overrides.
import type {
  ActiveGrant,
  EndedGrant,
  EndedStatus,
  GrantPolicy,
  PendingApprovalGrant,
  RequestedGrant,
  ScheduledGrant,
} from '../../src/core/grant.js';

export const HOUR = 3_600_000;
/** 2030-01-01T00:00:00Z: far enough out that the epoch millis need more than 32 bits. */
export const T0 = Date.UTC(2030, 0, 1);

export const POLICY: GrantPolicy = {
  maxDuration: 8 * HOUR,
  approvalRequired: true,
  approvers: { users: ['boss@example.com'], groups: ['sre-leads'] },
  quorum: 1,
  allowSelfApproval: false,
  breakGlass: false,
  enforcement: 'group-membership',
  group: 'jit-prod-db-admin',
  permissionSet: 'ProdDbAdmin',
};

interface Base {
  readonly id: string;
  readonly role?: string;
  readonly principal?: string;
  readonly requestedAt?: number;
}

function base(b: Base): Omit<RequestedGrant, 'status'> {
  return {
    id: b.id,
    role: b.role ?? 'prod-db-admin',
    principal: b.principal ?? 'alice@example.com',
    accounts: ['111111111111', '222222222222'],
    duration: 2 * HOUR,
    justification: 'INC-42: disk full on the primary, "urgent", see runbook\nline two',
    ticket: 'INC-42',
    requestedAt: b.requestedAt ?? T0,
    policy: POLICY,
    approvals: [],
  };
}

export function requested(b: Base): RequestedGrant {
  return { ...base(b), status: 'requested' };
}

export function pending(b: Base): PendingApprovalGrant {
  return { ...base(b), status: 'pending_approval' };
}

export function scheduled(b: Base & { readonly startsAt: number }): ScheduledGrant {
  const { startsAt } = b;
  return {
    ...base(b),
    status: 'scheduled',
    startsAt,
    endsAt: startsAt + 2 * HOUR,
    authorizedAt: b.requestedAt ?? T0,
    approvals: [{ approver: 'boss@example.com', at: (b.requestedAt ?? T0) + 1000 }],
  };
}

export function active(b: Base & { readonly endsAt: number }): ActiveGrant {
  const startsAt = b.endsAt - 2 * HOUR;
  return {
    ...base(b),
    status: 'active',
    startsAt,
    endsAt: b.endsAt,
    authorizedAt: b.requestedAt ?? T0,
    activatedAt: startsAt,
    extensions: 0,
    approvals: [{ approver: 'boss@example.com', at: (b.requestedAt ?? T0) + 1000, comment: 'ok' }],
  };
}

export function ended(
  b: Base & { readonly status?: EndedStatus; readonly hadAccess: boolean },
): EndedGrant {
  const requestedAt = b.requestedAt ?? T0;
  return {
    ...base(b),
    status: b.status ?? 'expired',
    endedAt: requestedAt + 3 * HOUR,
    endedBy: 'system:controller',
    endReason: 'the access window ended',
    startsAt: requestedAt,
    endsAt: requestedAt + 2 * HOUR,
    hadAccess: b.hadAccess,
  };
}
