// What happens when a PIM for Groups schedule request is POSTed: selfActivate (the caller's
// own eligibility, checked against the group's policy: duration, justification, ticket,
// MFA, approval), selfDeactivate, adminAssign, adminRemove and adminExtend, for assignments
// and eligibilities; and approval decisions. Failures are Graph's 400s with the codes PIM
// uses, e.g. RoleAssignmentRequestPolicyValidationFailed naming the rules that failed.

import { randomUUID } from 'node:crypto';
import type { ScheduleRequestActions } from '@microsoft/microsoft-graph-types';
import type { EntraDirectory } from './entra-directory.js';
import type { GraphCaller } from './graph-context.js';
import { badRequest, forbidden, GraphError, notFound } from './graph-error.js';
import { isRecord } from './http-kit.js';
import { formatIsoDuration, parseIsoDuration } from './iso-duration.js';
import {
  approvalSetting,
  authenticationContext,
  effectiveRules,
  type AccessId,
  type PimPolicy,
} from './pim-policy.js';
import type {
  PimRequest,
  PimSchedule,
  PimState,
  ScheduleInfoRecord,
  ScheduleKind,
} from './pim-state.js';

const supportedActions: readonly ScheduleRequestActions[] = [
  'selfActivate',
  'selfDeactivate',
  'adminAssign',
  'adminRemove',
  'adminExtend',
];
const knownActions: readonly ScheduleRequestActions[] = [
  ...supportedActions,
  'adminUpdate',
  'adminRenew',
  'selfExtend',
  'selfRenew',
];

function isAction(value: unknown): value is ScheduleRequestActions {
  return knownActions.some((a) => a === value);
}
const minimumActivationMs = 5 * 60 * 1000;
/** Entra refuses a self-deactivation in the first five minutes of an activation. */
const minimumActiveBeforeDeactivationMs = 5 * 60 * 1000;

const policyFailure = (rules: readonly string[]): GraphError =>
  new GraphError(
    400,
    'RoleAssignmentRequestPolicyValidationFailed',
    `The following policy rules failed: ${JSON.stringify(rules)}`,
  );

interface ParsedRequest {
  readonly action: ScheduleRequestActions;
  readonly accessId: AccessId;
  readonly principalId: string;
  readonly groupId: string;
  readonly justification: string | null;
  readonly ticketInfo: { ticketNumber: string | null; ticketSystem: string | null };
  readonly isValidationOnly: boolean;
  readonly start: number | undefined;
  readonly expiration: {
    readonly type: 'afterDuration' | 'afterDateTime' | 'noExpiration' | 'notSpecified';
    readonly durationMs: number | undefined;
    readonly end: number | undefined;
    readonly durationText: string | null;
    readonly endText: string | null;
  };
}

function optionalString(body: Record<string, unknown>, key: string, path = key): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badRequest(`${path} must be a string.`);
  return value;
}

function parseTime(text: string, path: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(text))
    throw badRequest(
      `${path} must be an ISO 8601 date-time such as 2024-05-01T12:00:00Z, not '${text.slice(0, 50)}'.`,
    );
  return ms;
}

function parseRequest(body: Record<string, unknown>, directory: EntraDirectory): ParsedRequest {
  const action = body.action;
  if (!isAction(action))
    throw badRequest(
      `action must be one of ${knownActions.join(', ')}; got ${JSON.stringify(action ?? null)}.`,
    );
  if (!supportedActions.includes(action))
    throw badRequest(
      `The action ${action} is not supported by the Entra emulator; it supports ${supportedActions.join(', ')}.`,
    );
  const accessId = body.accessId;
  if (accessId !== 'member' && accessId !== 'owner')
    throw badRequest(
      `accessId must be 'member' or 'owner'; got ${JSON.stringify(accessId ?? null)}.`,
    );
  const principalId = body.principalId;
  if (typeof principalId !== 'string' || principalId === '')
    throw badRequest('principalId is required: the id of the user or group.');
  if (directory.kindOf(principalId) === undefined)
    throw new GraphError(
      400,
      'InvalidPrincipal',
      `The principal ${principalId.slice(0, 100)} does not exist in the directory.`,
    );
  const groupId = body.groupId;
  if (typeof groupId !== 'string' || groupId === '')
    throw badRequest('groupId is required: the id of the PIM group.');
  const group = directory.group(groupId);
  if (group === undefined)
    throw new GraphError(
      400,
      'InvalidGroup',
      `The group ${groupId.slice(0, 100)} does not exist in the directory.`,
    );
  if (!group.securityEnabled || group.groupTypes.includes('DynamicMembership'))
    throw new GraphError(
      400,
      'InvalidGroup',
      `The group ${group.displayName} cannot be managed by PIM: it must be a security group with assigned membership.`,
    );
  const ticket = body.ticketInfo;
  if (ticket !== undefined && ticket !== null && !isRecord(ticket))
    throw badRequest('ticketInfo must be an object {ticketNumber, ticketSystem}.');
  const ticketInfo = {
    ticketNumber: isRecord(ticket)
      ? optionalString(ticket, 'ticketNumber', 'ticketInfo.ticketNumber')
      : null,
    ticketSystem: isRecord(ticket)
      ? optionalString(ticket, 'ticketSystem', 'ticketInfo.ticketSystem')
      : null,
  };
  const isValidationOnly = body.isValidationOnly ?? false;
  if (typeof isValidationOnly !== 'boolean')
    throw badRequest('isValidationOnly must be true or false.');
  const info = body.scheduleInfo;
  if (info !== undefined && info !== null && !isRecord(info))
    throw badRequest('scheduleInfo must be an object {startDateTime, expiration}.');
  const startText = isRecord(info)
    ? optionalString(info, 'startDateTime', 'scheduleInfo.startDateTime')
    : null;
  const expirationBody = isRecord(info) ? info.expiration : undefined;
  if (expirationBody !== undefined && expirationBody !== null && !isRecord(expirationBody))
    throw badRequest('scheduleInfo.expiration must be an object {type, duration | endDateTime}.');
  const exp = isRecord(expirationBody) ? expirationBody : {};
  const type = exp.type ?? 'notSpecified';
  if (
    type !== 'afterDuration' &&
    type !== 'afterDateTime' &&
    type !== 'noExpiration' &&
    type !== 'notSpecified'
  )
    throw badRequest(
      `scheduleInfo.expiration.type must be afterDuration, afterDateTime, noExpiration or notSpecified; got ${JSON.stringify(type)}.`,
    );
  const durationText = optionalString(exp, 'duration', 'scheduleInfo.expiration.duration');
  const endText = optionalString(exp, 'endDateTime', 'scheduleInfo.expiration.endDateTime');
  let durationMs: number | undefined;
  let end: number | undefined;
  if (type === 'afterDuration') {
    if (durationText === null)
      throw badRequest(
        "scheduleInfo.expiration.duration is required when type is 'afterDuration', e.g. PT2H.",
      );
    durationMs = parseIsoDuration(durationText);
    if (durationMs === undefined || durationMs <= 0)
      throw badRequest(
        `scheduleInfo.expiration.duration must be an ISO 8601 duration such as PT2H, not '${durationText.slice(0, 50)}'.`,
      );
  }
  if (type === 'afterDateTime') {
    if (endText === null)
      throw badRequest(
        "scheduleInfo.expiration.endDateTime is required when type is 'afterDateTime'.",
      );
    end = parseTime(endText, 'scheduleInfo.expiration.endDateTime');
  }
  const justification = optionalString(body, 'justification');
  return {
    action,
    accessId,
    principalId,
    groupId: group.id,
    justification,
    ticketInfo,
    isValidationOnly,
    start: startText === null ? undefined : parseTime(startText, 'scheduleInfo.startDateTime'),
    expiration: { type, durationMs, end, durationText, endText },
  };
}

function createdBy(caller: GraphCaller, directory: EntraDirectory): PimRequest['createdBy'] {
  return caller.kind === 'user'
    ? {
        kind: 'user',
        id: caller.userId,
        displayName: directory.users.get(caller.userId)?.displayName ?? null,
      }
    : { kind: 'app', id: caller.appId, displayName: null };
}

function scheduleInfoOf(
  parsed: ParsedRequest,
  start: number,
  durationMs: number | undefined,
  end: number | undefined,
): ScheduleInfoRecord {
  const type =
    parsed.expiration.type === 'notSpecified'
      ? end === undefined
        ? 'noExpiration'
        : 'afterDuration'
      : parsed.expiration.type;
  return {
    startDateTime: new Date(start).toISOString(),
    expiration: {
      type,
      duration:
        type === 'afterDuration' && durationMs !== undefined ? formatIsoDuration(durationMs) : null,
      endDateTime:
        type === 'afterDateTime' && end !== undefined ? new Date(end).toISOString() : null,
    },
  };
}

/** Whether the user is the principal or a (transitive) member of it. */
function holdsThrough(directory: EntraDirectory, userId: string, principalId: string): boolean {
  return userId === principalId || directory.transitiveMemberOf(userId).includes(principalId);
}

export class PimRequestProcessor {
  constructor(
    private readonly pim: PimState,
    private readonly directory: EntraDirectory,
  ) {}

  #policy(groupId: string, accessId: AccessId, now: number): PimPolicy {
    this.pim.onboard(groupId, now);
    const policy = this.pim.policyFor(groupId, accessId);
    if (policy === undefined)
      throw new Error(`no ${accessId} policy for onboarded group ${groupId}`);
    return policy;
  }

  #record(
    kind: ScheduleKind,
    parsed: ParsedRequest,
    caller: GraphCaller,
    now: number,
    status: string,
    schedule: { start: number; durationMs: number | undefined; end: number | undefined },
    extra: Partial<Pick<PimRequest, 'targetScheduleId' | 'approvalId' | 'pending'>> = {},
  ): PimRequest {
    const request: PimRequest = {
      id: randomUUID(),
      kind,
      action: parsed.action,
      groupId: parsed.groupId,
      principalId: parsed.principalId,
      accessId: parsed.accessId,
      status,
      createdAt: now,
      completedAt: status === 'PendingApproval' ? undefined : now,
      approvalId: extra.approvalId,
      justification: parsed.justification,
      ticketInfo: parsed.ticketInfo,
      scheduleInfo: scheduleInfoOf(parsed, schedule.start, schedule.durationMs, schedule.end),
      createdBy: createdBy(caller, this.directory),
      targetScheduleId: extra.targetScheduleId,
      isValidationOnly: parsed.isValidationOnly,
      ...(extra.pending === undefined ? {} : { pending: extra.pending }),
    };
    if (!parsed.isValidationOnly) {
      this.pim.requests.set(request.id, request);
      const target =
        extra.targetScheduleId === undefined
          ? undefined
          : this.pim.schedules.get(extra.targetScheduleId);
      if (target !== undefined && target.createdUsing === undefined)
        target.createdUsing = request.id;
    }
    return request;
  }

  /** Handles one POSTed schedule request; returns the stored request or throws GraphError. */
  submit(
    kind: ScheduleKind,
    body: Record<string, unknown>,
    caller: GraphCaller,
    now: number,
  ): PimRequest {
    this.pim.settle(now);
    const parsed = parseRequest(body, this.directory);
    switch (parsed.action) {
      case 'selfActivate':
        return this.#selfActivate(kind, parsed, caller, now);
      case 'selfDeactivate':
        return this.#selfDeactivate(kind, parsed, caller, now);
      case 'adminAssign':
        return this.#adminAssign(kind, parsed, caller, now);
      case 'adminRemove':
        return this.#adminRemove(kind, parsed, caller, now);
      case 'adminExtend':
        return this.#adminExtend(kind, parsed, caller, now);
      case 'adminUpdate':
      case 'adminRenew':
      case 'selfExtend':
      case 'selfRenew':
      case 'unknownFutureValue':
        // parseRequest refuses these before they get here.
        throw badRequest(`The action ${parsed.action} is not supported by the Entra emulator.`);
    }
  }

  #selfOnly(
    parsed: ParsedRequest,
    caller: GraphCaller,
  ): asserts caller is Extract<GraphCaller, { kind: 'user' }> {
    if (caller.kind !== 'user')
      throw forbidden(
        `${parsed.action} needs a delegated token: the signed-in user acts on their own behalf. Application tokens can use adminAssign and adminRemove.`,
      );
    if (caller.userId !== parsed.principalId)
      throw forbidden(
        `${parsed.action}: principalId must be the signed-in user (${caller.userId}).`,
      );
  }

  #adminOnly(parsed: ParsedRequest, caller: GraphCaller): void {
    if (caller.kind !== 'app')
      throw forbidden(
        `${parsed.action} with a delegated token needs a PIM administrator role, which the emulator does not model; use an application token (client credentials).`,
      );
  }

  #selfActivate(
    kind: ScheduleKind,
    parsed: ParsedRequest,
    caller: GraphCaller,
    now: number,
  ): PimRequest {
    this.#selfOnly(parsed, caller);
    if (kind === 'eligibility')
      throw badRequest(
        'selfActivate applies to assignmentScheduleRequests; eligibilities are given with adminAssign.',
      );
    const eligibility = this.pim
      .activeSchedules('eligibility', parsed.groupId, undefined, parsed.accessId)
      .find((s) => holdsThrough(this.directory, caller.userId, s.principalId));
    if (eligibility === undefined)
      throw new GraphError(
        400,
        'RoleAssignmentDoesNotExist',
        `The Role assignment does not exist: ${caller.upn} has no active eligibility for ${parsed.accessId} of group ${parsed.groupId}.`,
      );
    if (
      this.pim.activeSchedules('assignment', parsed.groupId, parsed.principalId, parsed.accessId)
        .length > 0
    )
      throw new GraphError(400, 'RoleAssignmentExists', 'The Role assignment already exists.');
    const pendingAlready = [...this.pim.requests.values()].some(
      (r) =>
        r.status === 'PendingApproval' &&
        r.groupId === parsed.groupId &&
        r.principalId === parsed.principalId &&
        r.accessId === parsed.accessId,
    );
    if (pendingAlready)
      throw new GraphError(
        400,
        'PendingRoleAssignmentRequest',
        'There is already a pending request for this role assignment; cancel it or wait for its approval.',
      );
    const policy = this.#policy(parsed.groupId, parsed.accessId, now);
    const rules = effectiveRules(policy, 'EndUser', 'Assignment');
    const start = parsed.start ?? now;
    let durationMs: number | undefined;
    if (parsed.expiration.type === 'afterDuration') durationMs = parsed.expiration.durationMs;
    else if (parsed.expiration.type === 'afterDateTime')
      durationMs = (parsed.expiration.end ?? start) - start;
    else if (parsed.expiration.type === 'notSpecified') durationMs = rules.maxDurationMs;
    const failed: string[] = [];
    if (
      durationMs === undefined ||
      durationMs > rules.maxDurationMs ||
      durationMs < minimumActivationMs
    )
      failed.push('ExpirationRule');
    if (rules.enabledRules.includes('Justification') && (parsed.justification ?? '').trim() === '')
      failed.push('JustificationRule');
    if (
      rules.enabledRules.includes('Ticketing') &&
      (parsed.ticketInfo.ticketNumber ?? '').trim() === ''
    )
      failed.push('TicketingRule');
    if (rules.enabledRules.includes('MultiFactorAuthentication') && !caller.amr.includes('mfa'))
      failed.push('MfaRule');
    if (failed.length > 0) throw policyFailure(failed);
    const context = authenticationContext(policy);
    if (context.enabled)
      throw new GraphError(
        400,
        'RoleAssignmentRequestAcrsValidationFailed',
        `The policy requires authentication context ${context.claimValue ?? ''}; the Entra emulator does not issue acrs claims, so turn AuthenticationContext_EndUser_Assignment off in the sandbox.`,
      );
    const duration = durationMs ?? rules.maxDurationMs;
    let end = start + duration;
    if (eligibility.end !== undefined) end = Math.min(end, eligibility.end);
    const memberType = eligibility.principalId === caller.userId ? 'direct' : 'group';
    if (parsed.isValidationOnly)
      return this.#record(kind, parsed, caller, now, 'Granted', {
        start,
        durationMs: duration,
        end,
      });
    const approval = approvalSetting(policy);
    if (approval.required) {
      const approvalId = randomUUID();
      const request = this.#record(
        kind,
        parsed,
        caller,
        now,
        'PendingApproval',
        { start, durationMs: duration, end },
        {
          approvalId,
          pending: {
            start,
            durationMs: duration,
            memberType,
            activatedUsing: eligibility.id,
            eligibilityEnd: eligibility.end,
          },
        },
      );
      this.pim.approvals.set(approvalId, {
        id: approvalId,
        requestId: request.id,
        stages: [
          {
            id: randomUUID(),
            displayName: null,
            status: 'InProgress',
            reviewResult: 'NotReviewed',
            justification: null,
            reviewedBy: null,
            reviewedAt: undefined,
            approvers: approval.approvers,
            justificationRequired: approval.approverJustificationRequired,
          },
        ],
      });
      return request;
    }
    const schedule = this.pim.createSchedule(
      {
        kind: 'assignment',
        groupId: parsed.groupId,
        principalId: parsed.principalId,
        accessId: parsed.accessId,
        start,
        end,
        assignmentType: 'activated',
        memberType,
        createdUsing: undefined,
        activatedUsing: eligibility.id,
      },
      now,
    );
    return this.#record(
      kind,
      parsed,
      caller,
      now,
      'Provisioned',
      { start, durationMs: duration, end },
      { targetScheduleId: schedule.id },
    );
  }

  #selfDeactivate(
    kind: ScheduleKind,
    parsed: ParsedRequest,
    caller: GraphCaller,
    now: number,
  ): PimRequest {
    this.#selfOnly(parsed, caller);
    const active = this.pim
      .activeSchedules(kind, parsed.groupId, parsed.principalId, parsed.accessId)
      .filter((s) => kind === 'eligibility' || s.assignmentType === 'activated');
    const schedule = active[0];
    if (schedule === undefined)
      throw new GraphError(
        400,
        'RoleAssignmentDoesNotExist',
        'The Role assignment does not exist: there is no activation to deactivate.',
      );
    if (now - schedule.start < minimumActiveBeforeDeactivationMs)
      throw new GraphError(
        400,
        'ActiveDurationTooShort',
        'The role assignment cannot be deactivated within 5 minutes of its activation.',
      );
    if (!parsed.isValidationOnly) for (const s of active) this.pim.removeSchedule(s);
    return this.#record(
      kind,
      parsed,
      caller,
      now,
      parsed.isValidationOnly ? 'Granted' : 'Revoked',
      { start: now, durationMs: undefined, end: undefined },
      { targetScheduleId: schedule.id },
    );
  }

  #adminWindow(
    kind: ScheduleKind,
    parsed: ParsedRequest,
    now: number,
  ): { start: number; durationMs: number | undefined; end: number | undefined } {
    const policy = this.#policy(parsed.groupId, parsed.accessId, now);
    const rules = effectiveRules(
      policy,
      'Admin',
      kind === 'assignment' ? 'Assignment' : 'Eligibility',
    );
    const start = parsed.start ?? now;
    let durationMs: number | undefined;
    let end: number | undefined;
    switch (parsed.expiration.type) {
      case 'afterDuration':
        durationMs = parsed.expiration.durationMs;
        end = start + (durationMs ?? 0);
        break;
      case 'afterDateTime':
        end = parsed.expiration.end;
        durationMs = (end ?? start) - start;
        break;
      case 'noExpiration':
        break;
      case 'notSpecified':
        if (rules.expirationRequired) {
          durationMs = rules.maxDurationMs;
          end = start + durationMs;
        }
        break;
    }
    const failed: string[] = [];
    if (
      end === undefined
        ? rules.expirationRequired
        : end <= start || (durationMs ?? 0) > rules.maxDurationMs
    )
      failed.push('ExpirationRule');
    if (rules.enabledRules.includes('Justification') && (parsed.justification ?? '').trim() === '')
      failed.push('JustificationRule');
    if (failed.length > 0) throw policyFailure(failed);
    return { start, durationMs, end };
  }

  #adminAssign(
    kind: ScheduleKind,
    parsed: ParsedRequest,
    caller: GraphCaller,
    now: number,
  ): PimRequest {
    this.#adminOnly(parsed, caller);
    if (
      this.pim.activeSchedules(kind, parsed.groupId, parsed.principalId, parsed.accessId).length > 0
    )
      throw new GraphError(400, 'RoleAssignmentExists', 'The Role assignment already exists.');
    const window = this.#adminWindow(kind, parsed, now);
    if (parsed.isValidationOnly) return this.#record(kind, parsed, caller, now, 'Granted', window);
    const schedule = this.pim.createSchedule(
      {
        kind,
        groupId: parsed.groupId,
        principalId: parsed.principalId,
        accessId: parsed.accessId,
        start: window.start,
        end: window.end,
        assignmentType: 'assigned',
        memberType: 'direct',
        createdUsing: undefined,
        activatedUsing: undefined,
      },
      now,
    );
    return this.#record(kind, parsed, caller, now, 'Provisioned', window, {
      targetScheduleId: schedule.id,
    });
  }

  #adminRemove(
    kind: ScheduleKind,
    parsed: ParsedRequest,
    caller: GraphCaller,
    now: number,
  ): PimRequest {
    this.#adminOnly(parsed, caller);
    const schedules = [...this.pim.schedules.values()].filter(
      (s) =>
        s.kind === kind &&
        s.groupId === parsed.groupId &&
        s.principalId === parsed.principalId &&
        s.accessId === parsed.accessId,
    );
    if (schedules.length === 0)
      throw new GraphError(
        400,
        'RoleAssignmentDoesNotExist',
        'The Role assignment does not exist.',
      );
    if (!parsed.isValidationOnly) for (const s of schedules) this.pim.removeSchedule(s);
    return this.#record(
      kind,
      parsed,
      caller,
      now,
      parsed.isValidationOnly ? 'Granted' : 'Revoked',
      { start: now, durationMs: undefined, end: undefined },
      {
        targetScheduleId: schedules[0]?.id,
      },
    );
  }

  #adminExtend(
    kind: ScheduleKind,
    parsed: ParsedRequest,
    caller: GraphCaller,
    now: number,
  ): PimRequest {
    this.#adminOnly(parsed, caller);
    const schedule = this.pim
      .activeSchedules(kind, parsed.groupId, parsed.principalId, parsed.accessId)
      .find((s) => s.end !== undefined);
    if (schedule === undefined)
      throw new GraphError(
        400,
        'RoleAssignmentDoesNotExist',
        'The Role assignment does not exist: there is no expiring assignment to extend.',
      );
    const window = this.#adminWindow(
      kind,
      { ...parsed, start: parsed.start ?? schedule.start },
      now,
    );
    if (window.end !== undefined && window.end <= (schedule.end ?? 0))
      throw policyFailure(['ExpirationRule']);
    if (!parsed.isValidationOnly) {
      schedule.end = window.end;
      schedule.modifiedAt = now;
    }
    return this.#record(
      kind,
      parsed,
      caller,
      now,
      parsed.isValidationOnly ? 'Granted' : 'Provisioned',
      window,
      { targetScheduleId: schedule.id },
    );
  }

  /** Cancels a request that waits for approval (`POST …/{id}/cancel`). */
  cancel(requestId: string, caller: GraphCaller, now: number): void {
    const request = this.pim.requests.get(requestId);
    if (request === undefined) throw notFound(requestId);
    if (caller.kind === 'user' && caller.userId !== request.createdBy.id)
      throw forbidden('Only the requestor can cancel a request.');
    if (request.status !== 'PendingApproval')
      throw badRequest(
        `Only a request in PendingApproval can be canceled; this one is ${request.status}.`,
      );
    request.status = 'Canceled';
    request.completedAt = now;
    const approval =
      request.approvalId === undefined ? undefined : this.pim.approvals.get(request.approvalId);
    for (const stage of approval?.stages ?? []) stage.status = 'Completed';
  }

  /** Whether the user is one of the stage's approvers (directly or through a group). */
  isApprover(
    userId: string,
    approvers: readonly { kind: 'user' | 'group'; id: string }[],
  ): boolean {
    const groups = this.directory.transitiveMemberOf(userId);
    return approvers.some((a) => (a.kind === 'user' ? a.id === userId : groups.includes(a.id)));
  }

  /** Records an approver's decision on a stage (`PATCH …/assignmentApprovals/{id}/stages/{id}`). */
  review(
    approvalId: string,
    stageId: string,
    body: Record<string, unknown>,
    caller: GraphCaller,
    now: number,
  ): void {
    if (caller.kind !== 'user')
      throw forbidden(
        'Approvals need a delegated token: the approver signs in; application permissions are not supported for approvals.',
      );
    const approval = this.pim.approvals.get(approvalId);
    if (approval === undefined) throw notFound(approvalId);
    const stage = approval.stages.find((s) => s.id === stageId);
    if (stage === undefined) throw notFound(stageId);
    const result = body.reviewResult;
    if (result !== 'Approve' && result !== 'Deny')
      throw badRequest(
        `reviewResult must be 'Approve' or 'Deny'; got ${JSON.stringify(result ?? null)}.`,
      );
    const justification = body.justification;
    if (justification !== undefined && justification !== null && typeof justification !== 'string')
      throw badRequest('justification must be a string.');
    const request = this.pim.requests.get(approval.requestId);
    if (request === undefined) throw notFound(approval.requestId);
    if (!this.isApprover(caller.userId, stage.approvers))
      throw forbidden(`${caller.upn} is not an approver of this request.`);
    if (request.principalId === caller.userId || request.createdBy.id === caller.userId)
      throw forbidden('Requestors cannot approve their own request.');
    if (stage.status !== 'InProgress' || request.status !== 'PendingApproval')
      throw badRequest(
        `This approval stage is already ${stage.status === 'InProgress' ? request.status : stage.status}; it cannot be reviewed again.`,
      );
    if (
      stage.justificationRequired &&
      (typeof justification !== 'string' || justification.trim() === '')
    )
      throw badRequest('The policy requires the approver to give a justification.');
    stage.status = 'Completed';
    stage.reviewResult = result;
    stage.justification = typeof justification === 'string' ? justification : null;
    stage.reviewedBy = {
      id: caller.userId,
      displayName: this.directory.users.get(caller.userId)?.displayName ?? caller.upn,
    };
    stage.reviewedAt = now;
    request.completedAt = now;
    if (result === 'Deny') {
      request.status = 'Denied';
      return;
    }
    this.pim.settle(now);
    const pending = request.pending;
    if (
      pending === undefined ||
      this.pim.activeSchedules('assignment', request.groupId, request.principalId, request.accessId)
        .length > 0
    ) {
      request.status = 'Failed';
      return;
    }
    const start = Math.max(pending.start, now);
    let end = start + pending.durationMs;
    if (pending.eligibilityEnd !== undefined) end = Math.min(end, pending.eligibilityEnd);
    if (end <= now) {
      request.status = 'Failed';
      return;
    }
    const schedule: PimSchedule = this.pim.createSchedule(
      {
        kind: 'assignment',
        groupId: request.groupId,
        principalId: request.principalId,
        accessId: request.accessId,
        start,
        end,
        assignmentType: 'activated',
        memberType: pending.memberType,
        createdUsing: request.id,
        activatedUsing: pending.activatedUsing,
      },
      now,
    );
    request.targetScheduleId = schedule.id;
    request.status = 'Provisioned';
  }
}
