// Evaluates a new access request against the role's policy: eligibility, duration,
// justification, ticket, MFA and account selection. Pure: `now` is an argument.
import { formatDuration, humanDuration, type Millis } from './duration.js';
import { ok, refuse, type Result } from './errors.js';
import type { GrantPolicy, Instant, RequestedGrant } from './grant.js';
import { hasFreshMfa, type Principal } from './principal.js';
import { DEFAULT_MAX_START_DELAY, inPrincipalSet, MIN_ACTIVATION, type Role } from './role.js';

export interface AccessRequest {
  readonly id: string;
  readonly principal: Principal;
  readonly accounts?: readonly string[];
  readonly duration?: Millis;
  readonly justification?: string;
  readonly ticket?: string;
  readonly start?: Instant;
}

export interface RequestPolicyOptions {
  /** How old an MFA sign-in may be and still count. */
  readonly mfaMaxAge: Millis;
}

/** How far in the past a requested start may lie before it is refused (clock skew). */
const START_GRACE: Millis = 5 * 60_000;

export function policySnapshot(role: Role): GrantPolicy {
  return {
    maxDuration: role.activation.maxDuration,
    approvalRequired: role.activation.approval.required,
    approvers: role.activation.approval.approvers,
    quorum: role.activation.approval.quorum,
    allowSelfApproval: role.breakGlass,
    breakGlass: role.breakGlass,
    enforcement: role.enforcement,
    group: role.group,
    permissionSet: role.permissionSet,
    requireJustification: role.activation.requireJustification || role.breakGlass,
    requireTicket: role.activation.requireTicket,
    requireMfa: role.activation.requireMfa,
  };
}

/** Checks a request and, when the policy allows it, returns the new grant in `requested`. */
export function evaluateRequest(
  role: Role,
  request: AccessRequest,
  now: Instant,
  options: RequestPolicyOptions,
): Result<RequestedGrant> {
  const who = request.principal.id;
  if (role.source !== 'native') {
    return refuse(
      'ERR_ROLE_NOT_NATIVE',
      `role ${role.name} is activated in Entra PIM, not here; activate it with \`jit pim activate ${role.name}\` or in the Entra portal`,
    );
  }
  if (!inPrincipalSet(role.eligibility.members, request.principal)) {
    return refuse(
      'ERR_NOT_ELIGIBLE',
      `${who} is not eligible for role ${role.name}: neither the user nor any of their groups is among the role's eligible members; ask an administrator to add you to eligibility.members`,
      { role: role.name, principal: who },
    );
  }
  const duration = request.duration ?? role.activation.defaultDuration;
  if (duration > role.activation.maxDuration) {
    return refuse(
      'ERR_DURATION_TOO_LONG',
      `duration ${formatDuration(duration)} is longer than role ${role.name} allows; ask for ${formatDuration(role.activation.maxDuration)} (${humanDuration(role.activation.maxDuration)}) or less`,
      { requested: formatDuration(duration), maximum: formatDuration(role.activation.maxDuration) },
    );
  }
  if (duration < MIN_ACTIVATION) {
    return refuse(
      'ERR_DURATION_TOO_SHORT',
      `duration ${formatDuration(duration)} is shorter than the minimum; ask for ${formatDuration(MIN_ACTIVATION)} or more`,
      { requested: formatDuration(duration), minimum: formatDuration(MIN_ACTIVATION) },
    );
  }
  const justification = request.justification?.trim() ?? '';
  if ((role.activation.requireJustification || role.breakGlass) && justification === '') {
    return refuse(
      'ERR_JUSTIFICATION_REQUIRED',
      role.breakGlass
        ? `role ${role.name} is break-glass: a justification is mandatory; say why with --justification`
        : `role ${role.name} requires a justification; say why with --justification`,
    );
  }
  const ticket = request.ticket?.trim() ?? '';
  if (role.activation.requireTicket && ticket === '') {
    return refuse(
      'ERR_TICKET_REQUIRED',
      `role ${role.name} requires a ticket reference; give one with --ticket`,
    );
  }
  if (role.activation.requireMfa && !hasFreshMfa(request.principal, now, options.mfaMaxAge)) {
    return refuse(
      'ERR_MFA_REQUIRED',
      `role ${role.name} requires a sign-in with MFA within the last ${humanDuration(options.mfaMaxAge)}; sign in again with MFA and retry`,
    );
  }
  const accounts = selectAccounts(role, request.accounts);
  if (!accounts.ok) return accounts;
  if (request.start !== undefined && request.start < now - START_GRACE) {
    return refuse(
      'ERR_START_IN_PAST',
      `start ${new Date(request.start).toISOString()} is in the past; leave it out to start at once, or give a future time`,
    );
  }
  const maxStartDelay = role.activation.maxStartDelay ?? DEFAULT_MAX_START_DELAY;
  if (request.start !== undefined && request.start > now + maxStartDelay) {
    return refuse(
      'ERR_START_TOO_LATE',
      `start ${new Date(request.start).toISOString()} is more than ${humanDuration(maxStartDelay)} ahead, which role ${role.name} allows at most (activation.maxStartDelay ${formatDuration(maxStartDelay)}); ask for a start before ${new Date(now + maxStartDelay).toISOString()}`,
      { maximum: formatDuration(maxStartDelay) },
    );
  }
  const grant: RequestedGrant = {
    status: 'requested',
    id: request.id,
    role: role.name,
    principal: who,
    accounts: accounts.value,
    duration,
    requestedAt: now,
    policy: policySnapshot(role),
    approvals: [],
    ...(justification === '' ? {} : { justification }),
    ...(ticket === '' ? {} : { ticket }),
    ...(request.start !== undefined && request.start > now
      ? { requestedStart: request.start }
      : {}),
  };
  return ok(grant);
}

function selectAccounts(
  role: Role,
  asked: readonly string[] | undefined,
): Result<readonly string[]> {
  if (asked === undefined || asked.length === 0) return ok([...role.accounts]);
  const unique = [...new Set(asked)];
  const unknown = unique.filter((a) => !role.accounts.includes(a));
  if (unknown.length > 0) {
    return refuse(
      'ERR_UNKNOWN_ACCOUNT',
      `account ${unknown.join(', ')} is not one of role ${role.name}'s accounts (${role.accounts.join(', ')}); pick from those`,
      { unknown },
    );
  }
  if (role.enforcement === 'group-membership' && unique.length !== role.accounts.length) {
    return refuse(
      'ERR_ACCOUNTS_NOT_SELECTABLE',
      `role ${role.name} grants access through group membership, which covers all its accounts; leave out --account, or use a role with enforcement: account-assignment`,
    );
  }
  return ok(unique.sort());
}
