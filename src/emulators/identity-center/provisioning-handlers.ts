// sso-admin: provisioning a permission set to the accounts where it has a role, and the
// listings of provisioned roles. A changed permission set reaches its roles (and so the
// sessions the emulator evaluates) only through ProvisionPermissionSet, as in AWS.

import { randomUUID } from 'node:crypto';
import { notFoundError, validationError } from './aws-error.js';
import type { ProvisioningOperation } from './emulator-state.js';
import { compact, epochSeconds, type HandlerTable } from './operation-handler.js';
import { paginate } from './paginate.js';
import { checkNotInFlight } from './account-assignment-handlers.js';
import { requireAccountId, requireInstance, requirePermissionSet } from './sso-admin-lookups.js';
import type { JsonInput, JsonObject } from './json-input.js';

const provisioningFilters = [
  'LATEST_PERMISSION_SET_PROVISIONED',
  'LATEST_PERMISSION_SET_NOT_PROVISIONED',
] as const;

function statusOf(op: ProvisioningOperation): JsonObject {
  return compact({
    AccountId: op.accountIds.length === 1 ? op.accountIds[0] : undefined,
    CreatedDate: epochSeconds(op.createdAt),
    FailureReason: op.failureReason,
    PermissionSetArn: op.permissionSetArn,
    RequestId: op.requestId,
    Status: op.status,
  });
}

function provisioningFilter(input: JsonInput): (latest: boolean) => boolean {
  if (!input.has('ProvisioningStatus')) return () => true;
  const wanted = input.oneOf('ProvisioningStatus', provisioningFilters);
  return (latest) => latest === (wanted === 'LATEST_PERMISSION_SET_PROVISIONED');
}

export const provisioningHandlers: HandlerTable = {
  ProvisionPermissionSet: (input, { state, now, statusDelayMs }) => {
    const ps = requirePermissionSet(input, state);
    const targetType = input.oneOf('TargetType', ['AWS_ACCOUNT', 'ALL_PROVISIONED_ACCOUNTS']);
    const provisioned = [...state.roles.values()]
      .filter((r) => r.permissionSetArn === ps.arn)
      .map((r) => r.accountId);
    let accountIds: string[];
    if (targetType === 'AWS_ACCOUNT') {
      const accountId = requireAccountId(input, 'TargetId');
      if (!state.organization.accounts.has(accountId))
        throw notFoundError(`Account ${accountId} is not in the organization`);
      accountIds = [accountId];
    } else {
      if (input.has('TargetId'))
        throw validationError('TargetId must be absent with ALL_PROVISIONED_ACCOUNTS');
      accountIds = provisioned;
    }
    for (const accountId of accountIds) checkNotInFlight(state, ps.arn, accountId);
    const op: ProvisioningOperation = {
      requestId: randomUUID(),
      permissionSetArn: ps.arn,
      accountIds,
      createdAt: now,
      dueAt: now + statusDelayMs,
      status: 'IN_PROGRESS',
      failureReason: undefined,
    };
    state.provisioningOperations.set(op.requestId, op);
    return { PermissionSetProvisioningStatus: statusOf(op) };
  },

  DescribePermissionSetProvisioningStatus: (input, { state }) => {
    requireInstance(input, state);
    const id = input.string('ProvisionPermissionSetRequestId');
    const op = state.provisioningOperations.get(id);
    if (op === undefined) throw notFoundError(`Request ${id} does not exist`);
    return { PermissionSetProvisioningStatus: statusOf(op) };
  },

  ListAccountsForProvisionedPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const keep = provisioningFilter(input);
    const accounts = [...state.roles.values()]
      .filter((r) => r.permissionSetArn === ps.arn && keep(r.provisionedVersion === ps.version))
      .map((r) => r.accountId)
      .sort();
    const page = paginate(accounts, input, `provisioned:${ps.arn}`);
    return compact({ AccountIds: page.items, NextToken: page.nextToken });
  },

  ListPermissionSetsProvisionedToAccount: (input, { state }) => {
    requireInstance(input, state);
    const accountId = requireAccountId(input, 'AccountId');
    const keep = provisioningFilter(input);
    const arns = [...state.roles.values()]
      .filter((r) => r.accountId === accountId)
      .filter((r) =>
        keep(r.provisionedVersion === state.permissionSets.get(r.permissionSetArn)?.version),
      )
      .map((r) => r.permissionSetArn)
      .sort();
    const page = paginate(arns, input, `account:${accountId}`);
    return compact({ PermissionSets: page.items, NextToken: page.nextToken });
  },
};
