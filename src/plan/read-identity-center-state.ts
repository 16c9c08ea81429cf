// Reads what `jit plan` compares with the config: every permission set of the instance (its
// tags, to know which are jit's; all fields of those the config names or jit manages), the
// groups the config names, and the GROUP assignments of those permission sets in every
// account they are provisioned to or the config names. Read-only.
import { DescribeGroupCommand, type IdentitystoreClient } from '@aws-sdk/client-identitystore';
import {
  DescribePermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListCustomerManagedPolicyReferencesInPermissionSetCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListTagsForResourceCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { isAwsError } from '../adapters/aws/aws-failure.js';
import { IdentityCenterIds, IdentityCenterNotFound } from '../adapters/aws/identity-center-ids.js';
import type { JitConfig } from '../config/index.js';
import {
  boundaryKey,
  canonicalJson,
  customerPolicyKey,
  desiredAssignments,
  isManaged,
  withoutRevocations,
  type GroupAssignment,
  type IdentityCenterState,
  type PermissionSetState,
} from './identity-center-plan.js';

export interface ReadIdentityCenterStateOptions {
  readonly config: JitConfig;
  /** Needed when a role names organisational units. */
  readonly organizations?: Pick<OrganizationsClient, 'send'>;
  readonly ssoAdmin: Pick<SSOAdminClient, 'send'>;
  readonly identityStore: Pick<IdentitystoreClient, 'send'>;
  readonly instanceArn: string;
  readonly identityStoreId: string;
}

type Send = Pick<SSOAdminClient, 'send'>;

export async function readIdentityCenterState(
  options: ReadIdentityCenterStateOptions,
): Promise<IdentityCenterState> {
  const { config, ssoAdmin, identityStore, instanceArn, identityStoreId } = options;
  const ids = new IdentityCenterIds({
    ssoAdmin,
    identityStore,
    instanceArn,
    identityStoreId,
    clock: { now: () => 0 },
    cacheTtlMs: 0,
  });
  const permissionSets = new Map<string, PermissionSetState>();
  for (const [name, arn] of await ids.listPermissionSets()) {
    const tags = await listTags(ssoAdmin, instanceArn, arn);
    const managed = isManaged({ tags } as PermissionSetState);
    if (!managed && !config.permissionSets.has(name)) continue;
    permissionSets.set(name, await readPermissionSet(ssoAdmin, instanceArn, name, arn, tags));
  }

  const groups = new Map<string, string>();
  const groupNames = new Map<string, string>();
  for (const role of config.roles.values()) {
    if (groups.has(role.group)) continue;
    try {
      const id = await ids.groupId(role.group);
      groups.set(role.group, id);
      groupNames.set(id, role.group);
    } catch (error) {
      if (!(error instanceof IdentityCenterNotFound)) throw error;
    }
  }

  const ouAccounts = await resolveOrganizationalUnits(config, options.organizations);
  // Accounts to look in, per permission set: where it is provisioned, and where the config
  // wants it (an assignment not made yet has nothing provisioned).
  const wanted = desiredAssignments(config, ouAccounts);
  const assignments: GroupAssignment[] = [];
  for (const ps of permissionSets.values()) {
    const accounts = new Set(await provisionedAccounts(ssoAdmin, instanceArn, ps.arn));
    for (const a of wanted) if (a.permissionSet === ps.name) accounts.add(a.account);
    for (const account of [...accounts].sort()) {
      for (const groupId of await groupAssignees(ssoAdmin, instanceArn, ps.arn, account)) {
        let group = groupNames.get(groupId);
        if (group === undefined) {
          group = await groupDisplayName(identityStore, identityStoreId, groupId);
          groupNames.set(groupId, group);
        }
        assignments.push({ group, permissionSet: ps.name, account });
      }
    }
  }
  return { instanceArn, identityStoreId, permissionSets, groups, assignments, ouAccounts };
}

/** Each OU the config names, with every account in it or in an OU below it (sorted). */
async function resolveOrganizationalUnits(
  config: JitConfig,
  organizations: Pick<OrganizationsClient, 'send'> | undefined,
): Promise<Map<string, string[]>> {
  const ous = [...new Set([...config.roles.values()].flatMap((r) => r.organizationalUnits ?? []))];
  const out = new Map<string, string[]>();
  if (ous.length === 0) return out;
  if (organizations === undefined)
    throw new Error('roles name organisational units, which need Organizations access');
  for (const ou of ous.sort()) {
    const accounts = new Set<string>();
    const pending = [ou];
    for (let parent = pending.pop(); parent !== undefined; parent = pending.pop()) {
      let token: string | undefined;
      do {
        const page = await organizations.send(
          new ListAccountsForParentCommand({
            ParentId: parent,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
        for (const account of page.Accounts ?? [])
          if (account.Id !== undefined && account.Status !== 'SUSPENDED') accounts.add(account.Id);
        token = page.NextToken;
      } while (token);
      do {
        const page = await organizations.send(
          new ListOrganizationalUnitsForParentCommand({
            ParentId: parent,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
        for (const child of page.OrganizationalUnits ?? [])
          if (child.Id !== undefined) pending.push(child.Id);
        token = page.NextToken;
      } while (token);
    }
    out.set(ou, [...accounts].sort());
  }
  return out;
}

async function listTags(
  sso: Send,
  instanceArn: string,
  arn: string,
): Promise<Record<string, string>> {
  const tags: [string, string][] = [];
  let token: string | undefined;
  do {
    const page = await sso.send(
      new ListTagsForResourceCommand({
        InstanceArn: instanceArn,
        ResourceArn: arn,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    for (const tag of page.Tags ?? []) tags.push([tag.Key ?? '', tag.Value ?? '']);
    token = page.NextToken;
  } while (token);
  return Object.fromEntries(tags.sort(([a], [b]) => a.localeCompare(b)));
}

async function readPermissionSet(
  sso: Send,
  instanceArn: string,
  name: string,
  arn: string,
  tags: Record<string, string>,
): Promise<PermissionSetState> {
  const key = { InstanceArn: instanceArn, PermissionSetArn: arn };
  const described = (await sso.send(new DescribePermissionSetCommand(key))).PermissionSet;
  const managedPolicies: string[] = [];
  let token: string | undefined;
  do {
    const page = await sso.send(
      new ListManagedPoliciesInPermissionSetCommand({
        ...key,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    for (const policy of page.AttachedManagedPolicies ?? [])
      if (policy.Arn !== undefined) managedPolicies.push(policy.Arn);
    token = page.NextToken;
  } while (token);
  const customerManagedPolicies: string[] = [];
  do {
    const page = await sso.send(
      new ListCustomerManagedPolicyReferencesInPermissionSetCommand({
        ...key,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    for (const ref of page.CustomerManagedPolicyReferences ?? [])
      if (ref.Name !== undefined)
        customerManagedPolicies.push(customerPolicyKey(ref.Name, ref.Path));
    token = page.NextToken;
  } while (token);
  const inline = (await sso.send(new GetInlinePolicyForPermissionSetCommand(key))).InlinePolicy;
  let boundary: PermissionSetState['permissionsBoundary'] = null;
  try {
    const got = (await sso.send(new GetPermissionsBoundaryForPermissionSetCommand(key)))
      .PermissionsBoundary;
    if (got?.ManagedPolicyArn !== undefined)
      boundary = boundaryKey({ managedPolicyArn: got.ManagedPolicyArn });
    else if (got?.CustomerManagedPolicyReference?.Name !== undefined)
      boundary = boundaryKey({
        customerManagedPolicy: {
          name: got.CustomerManagedPolicyReference.Name,
          path: got.CustomerManagedPolicyReference.Path ?? '/',
        },
      });
  } catch (error) {
    // No boundary is ResourceNotFoundException.
    if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
  }
  return {
    name,
    arn,
    description: described?.Description ?? null,
    sessionDuration: described?.SessionDuration ?? 'PT1H',
    relayState: described?.RelayState ?? null,
    tags,
    managedPolicies: managedPolicies.sort(),
    customerManagedPolicies: customerManagedPolicies.sort(),
    // The session revoker's Deny statements are its own, not drift.
    inlinePolicy: canonical(withoutRevocations(inline)),
    permissionsBoundary: boundary,
  };
}

function canonical(policy: string | null): string | null {
  return policy === null ? null : canonicalJson(policy);
}

async function provisionedAccounts(sso: Send, instanceArn: string, arn: string): Promise<string[]> {
  const accounts: string[] = [];
  let token: string | undefined;
  do {
    const page = await sso.send(
      new ListAccountsForProvisionedPermissionSetCommand({
        InstanceArn: instanceArn,
        PermissionSetArn: arn,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    accounts.push(...(page.AccountIds ?? []));
    token = page.NextToken;
  } while (token);
  return accounts;
}

async function groupAssignees(
  sso: Send,
  instanceArn: string,
  arn: string,
  account: string,
): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await sso.send(
      new ListAccountAssignmentsCommand({
        InstanceArn: instanceArn,
        AccountId: account,
        PermissionSetArn: arn,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    for (const a of page.AccountAssignments ?? [])
      if (a.PrincipalType === 'GROUP' && a.PrincipalId !== undefined) out.push(a.PrincipalId);
    token = page.NextToken;
  } while (token);
  return out;
}

async function groupDisplayName(
  identityStore: Pick<IdentitystoreClient, 'send'>,
  identityStoreId: string,
  groupId: string,
): Promise<string> {
  try {
    const group = await identityStore.send(
      new DescribeGroupCommand({ IdentityStoreId: identityStoreId, GroupId: groupId }),
    );
    return group.DisplayName ?? groupId;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return groupId;
    throw error;
  }
}
