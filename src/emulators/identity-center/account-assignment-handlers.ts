// sso-admin: account assignments. Create and delete are asynchronous: they answer
// IN_PROGRESS and complete after the configured delay (settle-operations.ts). While an
// operation for the same permission set in the same account is in flight, another one is
// refused with ConflictException; above the outstanding-create quota, ThrottlingException.

import { AwsError, conflictError, notFoundError, validationError } from './aws-error.js';
import {
  assignmentKey,
  type AssignmentOperation,
  type AssignmentRecord,
  type EmulatorState,
} from './emulator-state.js';
import { randomUUID } from 'node:crypto';
import type { JsonInput, JsonObject } from './json-input.js';
import {
  compact,
  epochSeconds,
  type HandlerTable,
  type OperationContext,
} from './operation-handler.js';
import { paginate } from './paginate.js';
import { requireAccountId, requireInstance, requirePermissionSet } from './sso-admin-lookups.js';

const principalTypes = ['USER', 'GROUP'] as const;

function statusOf(op: AssignmentOperation): JsonObject {
  return compact({
    CreatedDate: epochSeconds(op.createdAt),
    FailureReason: op.failureReason,
    PermissionSetArn: op.assignment.permissionSetArn,
    PrincipalId: op.assignment.principalId,
    PrincipalType: op.assignment.principalType,
    RequestId: op.requestId,
    Status: op.status,
    TargetId: op.assignment.accountId,
    TargetType: 'AWS_ACCOUNT',
  });
}

function principalId(input: JsonInput): string {
  const id = input.string('PrincipalId');
  if (
    !/^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/.test(
      id,
    )
  ) {
    throw validationError(`PrincipalId is not an identity store id: ${id}`);
  }
  return id;
}

function readAssignment(input: JsonInput, state: EmulatorState): AssignmentRecord {
  const ps = requirePermissionSet(input, state);
  input.oneOf('TargetType', ['AWS_ACCOUNT']);
  return {
    accountId: requireAccountId(input, 'TargetId'),
    permissionSetArn: ps.arn,
    principalType: input.oneOf('PrincipalType', principalTypes),
    principalId: principalId(input),
  };
}

function inFlight(state: EmulatorState, permissionSetArn: string, accountId: string): boolean {
  const busy = (op: { status: string }): boolean => op.status === 'IN_PROGRESS';
  for (const op of state.assignmentOperations.values()) {
    if (
      busy(op) &&
      op.assignment.permissionSetArn === permissionSetArn &&
      op.assignment.accountId === accountId
    )
      return true;
  }
  for (const op of state.provisioningOperations.values()) {
    if (busy(op) && op.permissionSetArn === permissionSetArn && op.accountIds.includes(accountId))
      return true;
  }
  return false;
}

/** Refuses a change to a role while another change to it is in flight. */
export function checkNotInFlight(
  state: EmulatorState,
  permissionSetArn: string,
  accountId: string,
): void {
  if (inFlight(state, permissionSetArn, accountId)) {
    throw conflictError(
      `An operation on permission set ${permissionSetArn} in account ${accountId} is in progress; retry later`,
    );
  }
}

function start(
  kind: 'create' | 'delete',
  assignment: AssignmentRecord,
  context: OperationContext,
): AssignmentOperation {
  const { state, now, statusDelayMs } = context;
  checkNotInFlight(state, assignment.permissionSetArn, assignment.accountId);
  const op: AssignmentOperation = {
    requestId: randomUUID(),
    kind,
    assignment,
    createdAt: now,
    dueAt: now + statusDelayMs,
    status: 'IN_PROGRESS',
    failureReason: undefined,
  };
  state.assignmentOperations.set(op.requestId, op);
  return op;
}

function describeOperation(
  input: JsonInput,
  state: EmulatorState,
  member: string,
  kind: 'create' | 'delete',
): AssignmentOperation {
  requireInstance(input, state);
  const id = input.string(member);
  const op = state.assignmentOperations.get(id);
  if (op?.kind !== kind) throw notFoundError(`Request ${id} does not exist`);
  return op;
}

function listShape(a: AssignmentRecord): JsonObject {
  return {
    AccountId: a.accountId,
    PermissionSetArn: a.permissionSetArn,
    PrincipalId: a.principalId,
    PrincipalType: a.principalType,
  };
}

export const accountAssignmentHandlers: HandlerTable = {
  CreateAccountAssignment: (input, context) => {
    const assignment = readAssignment(input, context.state);
    const outstanding = [...context.state.assignmentOperations.values()].filter(
      (op) => op.kind === 'create' && op.status === 'IN_PROGRESS',
    ).length;
    if (outstanding >= context.maxOutstandingCreates) {
      throw new AwsError(
        'ThrottlingException',
        `Too many outstanding CreateAccountAssignment requests (${outstanding}); retry later`,
      );
    }
    // Creating an assignment that exists already succeeds (idempotent, as the service is).
    return { AccountAssignmentCreationStatus: statusOf(start('create', assignment, context)) };
  },

  DeleteAccountAssignment: (input, context) => {
    const assignment = readAssignment(input, context.state);
    // Unverified: deleting an assignment that does not exist is treated as already done.
    return { AccountAssignmentDeletionStatus: statusOf(start('delete', assignment, context)) };
  },

  DescribeAccountAssignmentCreationStatus: (input, { state }) => ({
    AccountAssignmentCreationStatus: statusOf(
      describeOperation(input, state, 'AccountAssignmentCreationRequestId', 'create'),
    ),
  }),

  DescribeAccountAssignmentDeletionStatus: (input, { state }) => ({
    AccountAssignmentDeletionStatus: statusOf(
      describeOperation(input, state, 'AccountAssignmentDeletionRequestId', 'delete'),
    ),
  }),

  ListAccountAssignments: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const accountId = requireAccountId(input, 'AccountId');
    const items = [...state.assignments.values()]
      .filter((a) => a.permissionSetArn === ps.arn && a.accountId === accountId)
      .sort((a, b) => assignmentKey(a).localeCompare(assignmentKey(b)));
    const page = paginate(items, input, `assignments:${ps.arn}:${accountId}`);
    return compact({ AccountAssignments: page.items.map(listShape), NextToken: page.nextToken });
  },

  ListAccountAssignmentsForPrincipal: (input, { state }) => {
    requireInstance(input, state);
    const id = principalId(input);
    const type = input.oneOf('PrincipalType', principalTypes);
    const filter = input.optObject('Filter');
    const accountId =
      filter?.has('AccountId') === true ? requireAccountId(filter, 'AccountId') : undefined;
    const items = [...state.assignments.values()]
      .filter((a) => a.principalId === id && a.principalType === type)
      .filter((a) => accountId === undefined || a.accountId === accountId)
      .sort((a, b) => assignmentKey(a).localeCompare(assignmentKey(b)));
    const page = paginate(items, input, `principal:${type}:${id}:${accountId ?? ''}`);
    return compact({ AccountAssignments: page.items.map(listShape), NextToken: page.nextToken });
  },
};
