// Graph v1.0 PIM for Groups routes under /identityGovernance/privilegedAccess/group/:
// assignment and eligibility schedule requests (POST, GET, list with a required filter,
// filterByCurrentUser, cancel), schedules and schedule instances (a $filter on groupId or
// principalId is required, as Graph requires), and assignmentApprovals with stage review.

import type {
  Approval,
  ExpirationPattern,
  PrivilegedAccessGroupAssignmentSchedule,
  PrivilegedAccessGroupAssignmentScheduleInstance,
  PrivilegedAccessGroupAssignmentScheduleRequest,
  PrivilegedAccessGroupEligibilitySchedule,
  PrivilegedAccessGroupEligibilityScheduleInstance,
  PrivilegedAccessGroupEligibilityScheduleRequest,
} from '@microsoft/microsoft-graph-types';
import {
  context,
  directoryObjectView,
  jsonObjectBody,
  type GraphCall,
  type GraphRoute,
} from './graph-context.js';
import { badRequest, forbidden, notFound } from './graph-error.js';
import type { GraphAccess } from './graph-permissions.js';
import { emptyResponse, jsonResponse, type EntraResponse } from './http-kit.js';
import {
  equalityValues,
  listPage,
  matchesFilter,
  parseListQuery,
  project,
  propertyOf,
  type ListQuery,
  type ListQueryOptions,
} from './odata-query.js';
import type { PimRequestProcessor } from './pim-requests.js';
import type { PimApproval, PimRequest, PimSchedule, ScheduleKind } from './pim-state.js';
import type { RouteTable } from './route-table.js';

const base = '/identityGovernance/privilegedAccess/group';
const iso = (ms: number): string => new Date(ms).toISOString();

/** A Graph object checked against its type, as the plain record the list helpers take. */
function record(value: object): Record<string, unknown> {
  return value as Record<string, unknown>;
}

function requestView(request: PimRequest): Record<string, unknown> {
  const view = {
    id: request.id,
    status: request.status,
    completedDateTime: request.completedAt === undefined ? null : iso(request.completedAt),
    createdDateTime: iso(request.createdAt),
    approvalId: request.approvalId ?? null,
    customData: null,
    createdBy: {
      application:
        request.createdBy.kind === 'app'
          ? { id: request.createdBy.id, displayName: request.createdBy.displayName }
          : null,
      device: null,
      user:
        request.createdBy.kind === 'user'
          ? { id: request.createdBy.id, displayName: request.createdBy.displayName }
          : null,
    },
    action: request.action,
    isValidationOnly: request.isValidationOnly,
    justification: request.justification,
    scheduleInfo: {
      startDateTime: request.scheduleInfo.startDateTime,
      recurrence: null,
      expiration: { ...request.scheduleInfo.expiration },
    },
    ticketInfo: { ...request.ticketInfo },
    accessId: request.accessId,
    principalId: request.principalId,
    groupId: request.groupId,
    targetScheduleId: request.targetScheduleId ?? null,
  } satisfies PrivilegedAccessGroupAssignmentScheduleRequest &
    PrivilegedAccessGroupEligibilityScheduleRequest;
  return record(view);
}

function instanceView(schedule: PimSchedule): Record<string, unknown> {
  // Brief and CLOUD-APIS.md: a permanent instance carries no endDateTime.
  const common = {
    id: schedule.id,
    startDateTime: iso(schedule.start),
    ...(schedule.end === undefined ? {} : { endDateTime: iso(schedule.end) }),
    accessId: schedule.accessId,
    principalId: schedule.principalId,
    memberType: schedule.memberType,
    groupId: schedule.groupId,
  };
  if (schedule.kind === 'assignment')
    return record({
      ...common,
      assignmentType: schedule.assignmentType,
      assignmentScheduleId: schedule.id,
    } satisfies PrivilegedAccessGroupAssignmentScheduleInstance);
  return record({
    ...common,
    eligibilityScheduleId: schedule.id,
  } satisfies PrivilegedAccessGroupEligibilityScheduleInstance);
}

function scheduleView(schedule: PimSchedule): Record<string, unknown> {
  const expiration: ExpirationPattern =
    schedule.end === undefined
      ? { type: 'noExpiration', endDateTime: null, duration: null }
      : { type: 'afterDateTime', endDateTime: iso(schedule.end), duration: null };
  const common = {
    id: schedule.id,
    createdDateTime: iso(schedule.createdAt),
    createdUsing: schedule.createdUsing ?? null,
    modifiedDateTime: iso(schedule.modifiedAt),
    status: 'Provisioned',
    scheduleInfo: { startDateTime: iso(schedule.start), recurrence: null, expiration },
    accessId: schedule.accessId,
    principalId: schedule.principalId,
    groupId: schedule.groupId,
    memberType: schedule.memberType,
  };
  if (schedule.kind === 'assignment')
    return record({
      ...common,
      assignmentType: schedule.assignmentType,
    } satisfies PrivilegedAccessGroupAssignmentSchedule);
  return record(common satisfies PrivilegedAccessGroupEligibilitySchedule);
}

function segmentName(kind: ScheduleKind, what: 'Requests' | 'Instances' | 'Schedules'): string {
  const prefix = kind === 'assignment' ? 'assignmentSchedule' : 'eligibilitySchedule';
  return what === 'Schedules' ? `${prefix}s` : `${prefix}${what}`;
}

const listOptions = (kind: ScheduleKind, filterable: readonly string[]): ListQueryOptions => ({
  typeName: `microsoft.graph.privilegedAccessGroup${kind === 'assignment' ? 'Assignment' : 'Eligibility'}Schedule`,
  filterable,
  selectable: [
    'id',
    'status',
    'startDateTime',
    'endDateTime',
    'accessId',
    'principalId',
    'groupId',
    'memberType',
    'assignmentType',
    'action',
    'targetScheduleId',
    'createdDateTime',
    'completedDateTime',
    'justification',
    'scheduleInfo',
    'ticketInfo',
    'approvalId',
    'createdBy',
    'assignmentScheduleId',
    'eligibilityScheduleId',
    'createdUsing',
    'modifiedDateTime',
    'isValidationOnly',
    'customData',
  ],
  defaultTop: 100,
  maxTop: 999,
  extra: ['$expand'],
});

/** `$expand=principal,group` embeds the directory objects. */
function expand(call: GraphCall, items: Record<string, unknown>[]): Record<string, unknown>[] {
  const text = call.request.query.get('$expand');
  if (text === null || text.trim() === '') return items;
  const names = text.split(',').map((s) => s.trim());
  for (const name of names)
    if (name !== 'principal' && name !== 'group')
      throw badRequest(
        `Could not find a navigation property named '${name}'; the emulator expands principal and group.`,
        'Request_BadRequest',
      );
  return items.map((item) => {
    const out = { ...item };
    if (names.includes('principal') && typeof item.principalId === 'string')
      out.principal = directoryObjectView(call.world.directory, item.principalId) ?? null;
    if (names.includes('group') && typeof item.groupId === 'string')
      out.group = directoryObjectView(call.world.directory, item.groupId) ?? null;
    return out;
  });
}

function requireFilter(query: ListQuery, what: string): void {
  const filter = query.filter;
  if (
    filter === undefined ||
    (equalityValues(filter, 'groupId') === undefined &&
      equalityValues(filter, 'principalId') === undefined)
  )
    throw badRequest(
      `The request for ${what} must filter on groupId or principalId, e.g. $filter=groupId eq '{groupId}' or $filter=principalId eq '{principalId}'.`,
    );
}

function respondList(
  call: GraphCall,
  items: Record<string, unknown>[],
  query: ListQuery,
  fragment: string,
): EntraResponse {
  const filtered =
    query.filter === undefined
      ? items
      : items.filter((item) =>
          matchesFilter(query.filter as NonNullable<ListQuery['filter']>, (p) =>
            propertyOf(item, p),
          ),
        );
  return jsonResponse(
    200,
    listPage(
      expand(call, filtered),
      query,
      { base: call.world.graphUrl, path: call.path, search: call.request.query },
      context(call.world.graphUrl, fragment),
    ),
  );
}

function currentUserFilter(segment: string): 'principal' | 'approver' | 'createdBy' | undefined {
  const match = /^filterByCurrentUser\(on='(principal|approver|createdBy)'\)$/i.exec(segment);
  if (match === null) return undefined;
  const on = (match[1] ?? '').toLowerCase();
  return on === 'principal' ? 'principal' : on === 'approver' ? 'approver' : 'createdBy';
}

function callerUserId(call: GraphCall, what: string): string {
  if (call.caller.kind !== 'user')
    throw badRequest(`${what} needs a delegated (signed-in user) token.`);
  return call.caller.userId;
}

function approvalView(call: GraphCall, approval: PimApproval): Record<string, unknown> {
  const userId = call.caller.kind === 'user' ? call.caller.userId : undefined;
  return {
    '@odata.context': context(
      call.world.graphUrl,
      `identityGovernance/privilegedAccess/group/assignmentApprovals/$entity`,
    ),
    id: approval.id,
    stages: approval.stages.map((stage) => ({
      id: stage.id,
      assignedToMe:
        userId !== undefined &&
        stage.status === 'InProgress' &&
        call.world.pim.requests.get(approval.requestId)?.principalId !== userId
          ? stage.approvers.some((a) =>
              a.kind === 'user'
                ? a.id === userId
                : call.world.directory.transitiveMemberOf(userId).includes(a.id),
            )
          : false,
      displayName: stage.displayName,
      justification: stage.justification,
      reviewedBy: stage.reviewedBy,
      reviewedDateTime: stage.reviewedAt === undefined ? null : iso(stage.reviewedAt),
      reviewResult: stage.reviewResult,
      status: stage.status,
    })),
  } satisfies Approval & { '@odata.context': string };
}

export function pimRoutes(table: RouteTable<GraphRoute>, processor: PimRequestProcessor): void {
  const add = (
    method: string,
    pattern: string,
    access: GraphAccess,
    handler: GraphRoute['handler'],
  ): void => {
    table.add(method, `${base}${pattern}`, { access, handler });
  };
  for (const kind of ['assignment', 'eligibility'] as const) {
    const read: GraphAccess = kind === 'assignment' ? 'readAssignments' : 'readEligibilities';
    const write: GraphAccess = kind === 'assignment' ? 'writeAssignments' : 'writeEligibilities';
    const requests = segmentName(kind, 'Requests');
    const instances = segmentName(kind, 'Instances');
    const schedules = segmentName(kind, 'Schedules');
    const requestOptions = listOptions(kind, [
      'id',
      'groupId',
      'principalId',
      'accessId',
      'status',
      'action',
      'targetScheduleId',
    ]);
    const instanceOptions = listOptions(kind, [
      'id',
      'groupId',
      'principalId',
      'accessId',
      'memberType',
      'assignmentType',
      'startDateTime',
      'endDateTime',
    ]);

    add('POST', `/${requests}`, write, (call) => {
      const request = processor.submit(kind, jsonObjectBody(call), call.caller, call.now);
      return jsonResponse(201, {
        '@odata.context': context(
          call.world.graphUrl,
          `identityGovernance/privilegedAccess/group/${requests}/$entity`,
        ),
        ...requestView(request),
      });
    });
    add('GET', `/${requests}`, read, (call) => {
      const query = parseListQuery(call.request.query, requestOptions);
      requireFilter(query, requests);
      const items = [...call.world.pim.requests.values()]
        .filter((r) => r.kind === kind)
        .map(requestView);
      return respondList(
        call,
        items,
        query,
        `identityGovernance/privilegedAccess/group/${requests}`,
      );
    });
    add('GET', `/${requests}/{id}`, read, (call) => {
      const id = call.params[0] ?? '';
      const on = currentUserFilter(id);
      if (on !== undefined) {
        const userId = callerUserId(call, 'filterByCurrentUser');
        const query = parseListQuery(call.request.query, requestOptions);
        const items = [...call.world.pim.requests.values()]
          .filter((r) => r.kind === kind)
          .filter((r) => {
            if (on === 'principal') return r.principalId === userId;
            if (on === 'createdBy') return r.createdBy.id === userId;
            const approval =
              r.approvalId === undefined ? undefined : call.world.pim.approvals.get(r.approvalId);
            return (
              approval !== undefined &&
              r.principalId !== userId &&
              approval.stages.some((s) => processor.isApprover(userId, s.approvers))
            );
          })
          .map(requestView);
        return respondList(
          call,
          items,
          query,
          `identityGovernance/privilegedAccess/group/${requests}`,
        );
      }
      const request = call.world.pim.requests.get(id);
      if (request?.kind !== kind) throw notFound(id);
      return jsonResponse(200, {
        '@odata.context': context(
          call.world.graphUrl,
          `identityGovernance/privilegedAccess/group/${requests}/$entity`,
        ),
        ...requestView(request),
      });
    });
    add('POST', `/${requests}/{id}/cancel`, write, (call) => {
      const request = call.world.pim.requests.get(call.params[0] ?? '');
      if (request?.kind !== kind) throw notFound(call.params[0] ?? '');
      processor.cancel(request.id, call.caller, call.now);
      return emptyResponse(204);
    });
    for (const [segment, view] of [
      [instances, instanceView],
      [schedules, scheduleView],
    ] as const) {
      add('GET', `/${segment}`, read, (call) => {
        const query = parseListQuery(call.request.query, instanceOptions);
        requireFilter(query, segment);
        const items = call.world.pim.activeSchedules(kind).map(view);
        return respondList(
          call,
          items,
          query,
          `identityGovernance/privilegedAccess/group/${segment}`,
        );
      });
      add('GET', `/${segment}/{id}`, read, (call) => {
        const id = call.params[0] ?? '';
        const on = currentUserFilter(id);
        if (on !== undefined) {
          if (on !== 'principal')
            throw badRequest(`${segment} can be filtered by the current user only on 'principal'.`);
          const userId = callerUserId(call, 'filterByCurrentUser');
          const query = parseListQuery(call.request.query, instanceOptions);
          const items = call.world.pim.activeSchedules(kind, undefined, userId).map(view);
          return respondList(
            call,
            items,
            query,
            `identityGovernance/privilegedAccess/group/${segment}`,
          );
        }
        const schedule = call.world.pim.schedules.get(id);
        if (schedule?.kind !== kind || !schedule.applied) throw notFound(id);
        const select = call.request.query.get('$select');
        return jsonResponse(200, {
          '@odata.context': context(
            call.world.graphUrl,
            `identityGovernance/privilegedAccess/group/${segment}/$entity`,
          ),
          ...project(
            view(schedule),
            select === null ? undefined : select.split(',').map((s) => s.trim()),
          ),
        });
      });
    }
  }
  const approval = (call: GraphCall): PimApproval => {
    if (call.caller.kind !== 'user')
      throw forbidden('assignmentApprovals support delegated (signed-in user) tokens only.');
    const found = call.world.pim.approvals.get(call.params[0] ?? '');
    if (found === undefined) throw notFound(call.params[0] ?? '');
    return found;
  };
  add('GET', '/assignmentApprovals/{id}', 'readAssignments', (call) =>
    jsonResponse(200, approvalView(call, approval(call))),
  );
  add('GET', '/assignmentApprovals/{id}/stages', 'readAssignments', (call) => {
    const view = approvalView(call, approval(call));
    return jsonResponse(200, {
      '@odata.context': context(call.world.graphUrl, 'approvalStages'),
      value: view.stages,
    });
  });
  add('PATCH', '/assignmentApprovals/{id}/stages/{stageId}', 'writeAssignments', (call) => {
    const found = approval(call);
    processor.review(found.id, call.params[1] ?? '', jsonObjectBody(call), call.caller, call.now);
    return emptyResponse(204);
  });
}
