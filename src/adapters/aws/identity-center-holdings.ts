// What Identity Center holds within a scope: the members of groups and the USER assignments
// of permission sets in accounts, as principal ids. Read-only, and a module of its own: the
// controller's drift sweep (IdentityCenterAccessTarget.list) and `jit check --live` share
// it, and the checker's IAM role, derived from the commands its modules send
// (infra/lib/sent-commands.ts), must reach no write.
import {
  ListGroupMembershipsCommand,
  type IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import { ListAccountAssignmentsCommand, type SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { entitlementKey, type Entitlement } from '../../core/grant.js';
import type { TargetScope } from '../../ports/access-target.js';
import { IdentityCenterNotFound, type IdentityCenterIds } from './identity-center-ids.js';

export interface HoldingsReader {
  readonly ssoAdmin: Pick<SSOAdminClient, 'send'>;
  readonly identityStore: Pick<IdentitystoreClient, 'send'>;
  readonly ids: IdentityCenterIds;
}

/** Every membership and USER assignment in `scope`; a group or permission set Identity
 *  Center does not have holds nothing, and users it cannot name are left out. */
export async function listHoldings(
  reader: HoldingsReader,
  scope: TargetScope,
): Promise<readonly Entitlement[]> {
  const { ids } = reader;
  const found = new Map<string, Entitlement>();
  const add = (entitlement: Entitlement): void => {
    found.set(entitlementKey(entitlement), entitlement);
  };
  for (const group of scope.groups) {
    const groupId = await missingAsUndefined(ids.groupId(group));
    if (groupId === undefined) continue; // no such group: nobody is in it
    for (const userId of await groupMemberIds(reader, groupId)) {
      const user = await ids.principalOfUserId(userId);
      if (user !== undefined) add({ kind: 'group-membership', group, user });
    }
  }
  for (const { permissionSet, accounts } of scope.assignments) {
    const arn = await missingAsUndefined(ids.permissionSetArn(permissionSet));
    if (arn === undefined) continue; // no such permission set: nothing is assigned
    for (const account of accounts) {
      for (const userId of await assignedUserIds(reader, account, arn)) {
        const user = await ids.principalOfUserId(userId);
        if (user !== undefined) add({ kind: 'account-assignment', permissionSet, account, user });
      }
    }
  }
  return [...found.values()];
}

/** The identity-store user ids in a group, every page. */
export async function groupMemberIds(
  reader: Pick<HoldingsReader, 'identityStore' | 'ids'>,
  groupId: string,
): Promise<string[]> {
  const userIds: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await reader.identityStore.send(
      new ListGroupMembershipsCommand({
        IdentityStoreId: reader.ids.identityStoreId,
        GroupId: groupId,
        ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      }),
    );
    for (const membership of page.GroupMemberships ?? []) {
      const userId = membership.MemberId?.UserId;
      if (userId !== undefined) userIds.push(userId);
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined && nextToken !== '');
  return userIds;
}

/** The USER principals a permission set is assigned to in an account, every page. */
export async function assignedUserIds(
  reader: Pick<HoldingsReader, 'ssoAdmin' | 'ids'>,
  account: string,
  permissionSetArn: string,
): Promise<string[]> {
  const userIds: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await reader.ssoAdmin.send(
      new ListAccountAssignmentsCommand({
        InstanceArn: reader.ids.instanceArn,
        AccountId: account,
        PermissionSetArn: permissionSetArn,
        ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      }),
    );
    for (const assignment of page.AccountAssignments ?? []) {
      if (assignment.PrincipalType === 'USER' && assignment.PrincipalId !== undefined) {
        userIds.push(assignment.PrincipalId);
      }
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined && nextToken !== '');
  return userIds;
}

async function missingAsUndefined<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof IdentityCenterNotFound) return undefined;
    throw error;
  }
}
