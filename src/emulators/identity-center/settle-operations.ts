// Completes the asynchronous operations whose delay has passed. Called lazily, before
// every request and every session check, so time is only what the injected clock says:
// no timers, and a fake clock drives statuses deterministically.

import {
  assignmentKey,
  roleKey,
  type EmulatorState,
  type PermissionSetRecord,
} from './emulator-state.js';

export function settleOperations(state: EmulatorState, now: number): void {
  const due = [...state.assignmentOperations.values()]
    .filter((op) => op.status === 'IN_PROGRESS' && op.dueAt <= now)
    .sort((a, b) => a.dueAt - b.dueAt);
  for (const op of due) {
    const permissionSet = state.permissionSets.get(op.assignment.permissionSetArn);
    const principalExists =
      op.assignment.principalType === 'USER'
        ? state.users.has(op.assignment.principalId)
        : state.groups.has(op.assignment.principalId);
    if (op.kind === 'create') {
      if (permissionSet === undefined) {
        fail(op, 'The permission set was deleted before the assignment completed');
      } else if (!principalExists) {
        fail(op, `Principal ${op.assignment.principalId} does not exist in the identity store`);
      } else if (!state.organization.accounts.has(op.assignment.accountId)) {
        fail(op, `Account ${op.assignment.accountId} is not in the organization`);
      } else {
        state.assignments.set(assignmentKey(op.assignment), op.assignment);
        provisionRole(state, permissionSet, op.assignment.accountId);
        op.status = 'SUCCEEDED';
      }
    } else {
      // The role stays in the account: CLOUD-APIS.md section C, removing an assignment does
      // not end sessions already issued. (Whether IdC deletes the role when the last
      // assignment goes is not documented; keeping it is the conservative reading.)
      state.assignments.delete(assignmentKey(op.assignment));
      op.status = 'SUCCEEDED';
    }
  }
  for (const op of state.provisioningOperations.values()) {
    if (op.status !== 'IN_PROGRESS' || op.dueAt > now) continue;
    const permissionSet = state.permissionSets.get(op.permissionSetArn);
    if (permissionSet === undefined) {
      op.status = 'FAILED';
      op.failureReason = 'The permission set was deleted';
      continue;
    }
    for (const accountId of op.accountIds) provisionRole(state, permissionSet, accountId);
    op.status = 'SUCCEEDED';
  }
}

function fail(op: { status: string; failureReason: string | undefined }, reason: string): void {
  op.status = 'FAILED';
  op.failureReason = reason;
}

/** Creates or updates the permission set's role in the account with its current content. */
export function provisionRole(
  state: EmulatorState,
  permissionSet: PermissionSetRecord,
  accountId: string,
): void {
  const key = roleKey(permissionSet.arn, accountId);
  const existing = state.roles.get(key);
  if (existing !== undefined) {
    existing.provisionedVersion = permissionSet.version;
    existing.inlinePolicy = permissionSet.inlinePolicy;
    return;
  }
  state.roles.set(key, {
    permissionSetArn: permissionSet.arn,
    accountId,
    roleName: roleName(permissionSet, accountId),
    provisionedVersion: permissionSet.version,
    inlinePolicy: permissionSet.inlinePolicy,
  });
}

/**
 * `AWSReservedSSO_<name>_<16 hex>`. The suffix is derived from the permission set ARN and
 * the account, so it is stable across re-provisioning (AWS does not document how it is
 * made; only its form matters to callers).
 */
export function roleName(permissionSet: PermissionSetRecord, accountId: string): string {
  return `AWSReservedSSO_${permissionSet.name}_${suffixFor(permissionSet.arn, accountId)}`;
}

function suffixFor(permissionSetArn: string, accountId: string): string {
  // FNV-1a over the two ids, twice with different offsets: 16 stable lower-case hex digits.
  const text = `${permissionSetArn}|${accountId}`;
  const half = (offset: number): string => {
    let h = offset >>> 0;
    for (let i = 0; i < text.length; i += 1) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, '0');
  };
  return half(0x811c9dc5) + half(0x050c5d1f);
}
