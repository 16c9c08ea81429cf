// Makes Identity Center hold what the config declares: permission sets (policies, inline
// policy, permissions boundary), the groups of the roles, the group assignments of
// group-membership roles in their accounts, and (sandbox only) the directory's users.
// Idempotent: what exists is kept, what is missing is created. It is how `npm start` seeds
// the emulator through its own AWS API, and the core of a later `jit apply`.
import {
  CreateGroupCommand,
  CreateUserCommand,
  type IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import {
  AttachCustomerManagedPolicyReferenceToPermissionSetCommand,
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  PutInlinePolicyToPermissionSetCommand,
  PutPermissionsBoundaryToPermissionSetCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { IdentityCenterIds, IdentityCenterNotFound } from '../adapters/aws/identity-center-ids.js';
import type { JitConfig, PermissionSetConfig } from '../config/index.js';
import { formatDuration } from '../core/duration.js';

export interface ApplyIdentityCenterOptions {
  readonly config: JitConfig;
  readonly ssoAdmin: Pick<SSOAdminClient, 'send'>;
  readonly identityStore: Pick<IdentitystoreClient, 'send'>;
  /** Create the directory's users too (sandbox: nobody else provisions them). */
  readonly createUsers: boolean;
  /** Pause between polls of an assignment status. */
  readonly sleep: (ms: number) => Promise<void>;
}

export interface ApplyIdentityCenterResult {
  readonly instanceArn: string;
  readonly identityStoreId: string;
  readonly permissionSetArns: ReadonlyMap<string, string>;
  readonly created: readonly string[];
}

/** Applies the config to Identity Center; returns the instance and what it created. */
export async function applyIdentityCenter(
  options: ApplyIdentityCenterOptions,
): Promise<ApplyIdentityCenterResult> {
  const { config, ssoAdmin, identityStore } = options;
  const created: string[] = [];
  const instances = await ssoAdmin.send(new ListInstancesCommand({}));
  const instance = instances.Instances?.[0];
  if (!instance?.InstanceArn || !instance.IdentityStoreId) {
    throw new Error(
      'no IAM Identity Center instance is visible to these credentials; enable Identity Center first',
    );
  }
  const instanceArn = instance.InstanceArn;
  const identityStoreId = instance.IdentityStoreId;
  // Looked up afresh each time (no cache): apply creates what it does not find.
  const ids = new IdentityCenterIds({
    ssoAdmin,
    identityStore,
    instanceArn,
    identityStoreId,
    clock: { now: () => 0 },
    cacheTtlMs: 0,
  });

  if (options.createUsers) {
    for (const user of config.directory?.users ?? []) {
      if (await found(ids.userId(user.id))) continue;
      const [given, ...rest] = user.displayName.split(' ');
      await identityStore.send(
        new CreateUserCommand({
          IdentityStoreId: identityStoreId,
          UserName: user.id,
          DisplayName: user.displayName,
          Name: { GivenName: given ?? user.name, FamilyName: rest.join(' ') || user.name },
          Emails: [{ Value: user.email, Type: 'work', Primary: true }],
        }),
      );
      created.push(`user ${user.id}`);
    }
  }

  const existing = await ids.listPermissionSets();
  const permissionSetArns = new Map<string, string>();
  for (const permissionSet of config.permissionSets.values()) {
    let arn = existing.get(permissionSet.name);
    if (!arn) {
      arn = await createPermissionSet(ssoAdmin, instanceArn, permissionSet);
      created.push(`permission set ${permissionSet.name}`);
    }
    permissionSetArns.set(permissionSet.name, arn);
  }

  for (const role of config.roles.values()) {
    let groupId = await found(ids.groupId(role.group));
    if (!groupId) {
      const made = await identityStore.send(
        new CreateGroupCommand({
          IdentityStoreId: identityStoreId,
          DisplayName: role.group,
          Description: `JIT Access role ${role.name}`,
        }),
      );
      groupId = made.GroupId;
      created.push(`group ${role.group}`);
    }
    if (!groupId) throw new Error(`the identity store returned no id for group ${role.group}`);
    if (role.enforcement !== 'group-membership') continue;
    const permissionSetArn = permissionSetArns.get(role.permissionSet);
    if (!permissionSetArn) continue;
    for (const account of role.accounts) {
      if (await hasGroupAssignment(ssoAdmin, instanceArn, permissionSetArn, account, groupId))
        continue;
      const started = await ssoAdmin.send(
        new CreateAccountAssignmentCommand({
          InstanceArn: instanceArn,
          TargetId: account,
          TargetType: 'AWS_ACCOUNT',
          PermissionSetArn: permissionSetArn,
          PrincipalType: 'GROUP',
          PrincipalId: groupId,
        }),
      );
      await waitForCreation(
        ssoAdmin,
        instanceArn,
        started.AccountAssignmentCreationStatus?.RequestId,
        options.sleep,
      );
      created.push(`assignment ${role.group} → ${role.permissionSet} in ${account}`);
    }
  }
  return { instanceArn, identityStoreId, permissionSetArns, created };
}

/** The id, or undefined when Identity Center has none by that name. */
async function found(lookup: Promise<string>): Promise<string | undefined> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof IdentityCenterNotFound) return undefined;
    throw error;
  }
}

async function createPermissionSet(
  client: Pick<SSOAdminClient, 'send'>,
  instanceArn: string,
  ps: PermissionSetConfig,
): Promise<string> {
  const tags = Object.entries(ps.tags).map(([Key, Value]) => ({ Key, Value }));
  const createdSet = await client.send(
    new CreatePermissionSetCommand({
      InstanceArn: instanceArn,
      Name: ps.name,
      SessionDuration: formatDuration(ps.sessionDuration),
      ...(ps.description === undefined ? {} : { Description: ps.description }),
      ...(ps.relayState === undefined ? {} : { RelayState: ps.relayState }),
      ...(tags.length > 0 ? { Tags: tags } : {}),
    }),
  );
  const arn = createdSet.PermissionSet?.PermissionSetArn;
  if (!arn) throw new Error(`Identity Center returned no ARN for permission set ${ps.name}`);
  for (const policyArn of ps.managedPolicies) {
    await client.send(
      new AttachManagedPolicyToPermissionSetCommand({
        InstanceArn: instanceArn,
        PermissionSetArn: arn,
        ManagedPolicyArn: policyArn,
      }),
    );
  }
  for (const ref of ps.customerManagedPolicies) {
    await client.send(
      new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({
        InstanceArn: instanceArn,
        PermissionSetArn: arn,
        CustomerManagedPolicyReference: { Name: ref.name, Path: ref.path },
      }),
    );
  }
  if (ps.inlinePolicy !== undefined) {
    await client.send(
      new PutInlinePolicyToPermissionSetCommand({
        InstanceArn: instanceArn,
        PermissionSetArn: arn,
        InlinePolicy: ps.inlinePolicy,
      }),
    );
  }
  const boundary = ps.permissionsBoundary;
  if (boundary) {
    await client.send(
      new PutPermissionsBoundaryToPermissionSetCommand({
        InstanceArn: instanceArn,
        PermissionSetArn: arn,
        PermissionsBoundary:
          'managedPolicyArn' in boundary
            ? { ManagedPolicyArn: boundary.managedPolicyArn }
            : {
                CustomerManagedPolicyReference: {
                  Name: boundary.customerManagedPolicy.name,
                  Path: boundary.customerManagedPolicy.path,
                },
              },
      }),
    );
  }
  return arn;
}

async function hasGroupAssignment(
  client: Pick<SSOAdminClient, 'send'>,
  instanceArn: string,
  permissionSetArn: string,
  account: string,
  groupId: string,
): Promise<boolean> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListAccountAssignmentsCommand({
        InstanceArn: instanceArn,
        AccountId: account,
        PermissionSetArn: permissionSetArn,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    if (
      (page.AccountAssignments ?? []).some(
        (a) => a.PrincipalType === 'GROUP' && a.PrincipalId === groupId,
      )
    )
      return true;
    token = page.NextToken;
  } while (token);
  return false;
}

async function waitForCreation(
  client: Pick<SSOAdminClient, 'send'>,
  instanceArn: string,
  requestId: string | undefined,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  if (!requestId) return;
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const status = await client.send(
      new DescribeAccountAssignmentCreationStatusCommand({
        InstanceArn: instanceArn,
        AccountAssignmentCreationRequestId: requestId,
      }),
    );
    const state = status.AccountAssignmentCreationStatus?.Status;
    if (state === 'SUCCEEDED') return;
    if (state === 'FAILED') {
      throw new Error(
        `group assignment failed: ${status.AccountAssignmentCreationStatus?.FailureReason ?? 'no reason given'}`,
      );
    }
    await sleep(100);
  }
  throw new Error(`group assignment ${requestId} still in progress after 60 s`);
}
