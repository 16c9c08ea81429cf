// sso-admin through the real SDK client: permission sets, policies, provisioning,
// asynchronous account assignments, listings and pagination.

import {
  AttachCustomerManagedPolicyReferenceToPermissionSetCommand,
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DeletePermissionSetCommand,
  DeletePermissionsBoundaryFromPermissionSetCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListCustomerManagedPolicyReferencesInPermissionSetCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  ListPermissionSetsProvisionedToAccountCommand,
  ListTagsForResourceCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  PutPermissionsBoundaryToPermissionSetCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePermissionSetCommand,
  paginateListPermissionSets,
} from '@aws-sdk/client-sso-admin';
import { CreateUserCommand } from '@aws-sdk/client-identitystore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emulatorTestClients,
  type EmulatorTestClients,
} from '../../../test/harness/identity-center-clients.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

let now = Date.parse('2025-03-01T09:00:00Z');
let running: RunningIdentityCenterEmulator;
let clients: EmulatorTestClients;
let InstanceArn: string;
let IdentityStoreId: string;
const account = '222222222222';

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; status: number | undefined }> {
  const error = (await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  )) as { name: string; $metadata?: { httpStatusCode?: number } };
  return { name: error.name, status: error.$metadata?.httpStatusCode };
}

async function newPermissionSet(Name: string, SessionDuration = 'PT1H'): Promise<string> {
  const out = await clients.ssoAdmin.send(
    new CreatePermissionSetCommand({ InstanceArn, Name, SessionDuration }),
  );
  return out.PermissionSet!.PermissionSetArn!;
}

async function newUser(UserName: string): Promise<string> {
  const out = await clients.identityStore.send(
    new CreateUserCommand({
      Name: { GivenName: 'Test', FamilyName: 'User' },
      IdentityStoreId,
      UserName,
      DisplayName: UserName,
    }),
  );
  return out.UserId!;
}

beforeAll(async () => {
  running = await startIdentityCenterEmulator({
    clock: () => now,
    assignmentDelayMs: 200,
    throttle: false,
  });
  clients = emulatorTestClients(running.url);
  const out = await clients.ssoAdmin.send(new ListInstancesCommand({}));
  InstanceArn = out.Instances![0]!.InstanceArn!;
  IdentityStoreId = out.Instances![0]!.IdentityStoreId!;
});

afterAll(async () => {
  clients.destroy();
  await running.close();
});

describe('permission sets', () => {
  it('creates, describes, updates and deletes a permission set', async () => {
    const created = await clients.ssoAdmin.send(
      new CreatePermissionSetCommand({
        InstanceArn,
        Name: 'Crud',
        Description: 'd',
        SessionDuration: 'PT2H',
        Tags: [{ Key: 'a', Value: '1' }],
      }),
    );
    const arn = created.PermissionSet!.PermissionSetArn!;
    expect(arn).toMatch(/^arn:aws:sso:::permissionSet\/ssoins-[0-9a-f]{16}\/ps-[0-9a-f]{16}$/);
    expect(created.PermissionSet?.CreatedDate).toEqual(new Date(now));
    await clients.ssoAdmin.send(
      new UpdatePermissionSetCommand({
        InstanceArn,
        PermissionSetArn: arn,
        SessionDuration: 'PT4H',
      }),
    );
    const described = await clients.ssoAdmin.send(
      new DescribePermissionSetCommand({ InstanceArn, PermissionSetArn: arn }),
    );
    expect(described.PermissionSet).toMatchObject({
      Name: 'Crud',
      Description: 'd',
      SessionDuration: 'PT4H',
    });
    await clients.ssoAdmin.send(
      new DeletePermissionSetCommand({ InstanceArn, PermissionSetArn: arn }),
    );
    expect(
      await errorOf(
        clients.ssoAdmin.send(
          new DescribePermissionSetCommand({ InstanceArn, PermissionSetArn: arn }),
        ),
      ),
    ).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
    });
  });

  it('refuses a bad name, a duplicate name and a session duration outside PT1H..PT12H', async () => {
    for (const Name of ['', 'has space', 'x'.repeat(33)]) {
      expect(
        (
          await errorOf(
            clients.ssoAdmin.send(new CreatePermissionSetCommand({ InstanceArn, Name })),
          )
        ).name,
      ).toBe('ValidationException');
    }
    for (const SessionDuration of ['PT30M', 'PT12H1S', 'P1D', 'one hour']) {
      const e = await errorOf(
        clients.ssoAdmin.send(
          new CreatePermissionSetCommand({ InstanceArn, Name: 'Dur', SessionDuration }),
        ),
      );
      expect(e).toEqual({ name: 'ValidationException', status: 400 });
    }
    await newPermissionSet('Twice');
    expect((await errorOf(newPermissionSet('Twice'))).name).toBe('ConflictException');
    await newPermissionSet('Twelve', 'PT12H');
  });

  it('tags, untags and lists tags', async () => {
    const ResourceArn = await newPermissionSet('Tagged');
    await clients.ssoAdmin.send(
      new TagResourceCommand({
        InstanceArn,
        ResourceArn,
        Tags: [
          { Key: 'k', Value: 'v' },
          { Key: 'x', Value: 'y' },
        ],
      }),
    );
    await clients.ssoAdmin.send(
      new UntagResourceCommand({ InstanceArn, ResourceArn, TagKeys: ['x'] }),
    );
    const tags = await clients.ssoAdmin.send(
      new ListTagsForResourceCommand({ InstanceArn, ResourceArn }),
    );
    expect(tags.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
  });

  it('attaches, lists and detaches managed and customer-managed policies, at most 10', async () => {
    const PermissionSetArn = await newPermissionSet('Policies');
    const ManagedPolicyArn = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    await clients.ssoAdmin.send(
      new AttachManagedPolicyToPermissionSetCommand({
        InstanceArn,
        PermissionSetArn,
        ManagedPolicyArn,
      }),
    );
    await clients.ssoAdmin.send(
      new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({
        InstanceArn,
        PermissionSetArn,
        CustomerManagedPolicyReference: { Name: 'Mine', Path: '/team/' },
      }),
    );
    const managed = await clients.ssoAdmin.send(
      new ListManagedPoliciesInPermissionSetCommand({ InstanceArn, PermissionSetArn }),
    );
    expect(managed.AttachedManagedPolicies).toEqual([
      { Arn: ManagedPolicyArn, Name: 'ReadOnlyAccess' },
    ]);
    const customer = await clients.ssoAdmin.send(
      new ListCustomerManagedPolicyReferencesInPermissionSetCommand({
        InstanceArn,
        PermissionSetArn,
      }),
    );
    expect(customer.CustomerManagedPolicyReferences).toEqual([{ Name: 'Mine', Path: '/team/' }]);
    await clients.ssoAdmin.send(
      new DetachManagedPolicyFromPermissionSetCommand({
        InstanceArn,
        PermissionSetArn,
        ManagedPolicyArn,
      }),
    );
    for (let i = 0; i < 9; i += 1) {
      await clients.ssoAdmin.send(
        new AttachManagedPolicyToPermissionSetCommand({
          InstanceArn,
          PermissionSetArn,
          ManagedPolicyArn: `arn:aws:iam::aws:policy/P${i}`,
        }),
      );
    }
    const e = await errorOf(
      clients.ssoAdmin.send(
        new AttachManagedPolicyToPermissionSetCommand({
          InstanceArn,
          PermissionSetArn,
          ManagedPolicyArn: 'arn:aws:iam::aws:policy/P10',
        }),
      ),
    );
    expect(e).toEqual({ name: 'ServiceQuotaExceededException', status: 402 });
  });

  it('puts, gets and deletes the inline policy and the permissions boundary', async () => {
    const PermissionSetArn = await newPermissionSet('Inline');
    const InlinePolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
    });
    await clients.ssoAdmin.send(
      new PutInlinePolicyToPermissionSetCommand({ InstanceArn, PermissionSetArn, InlinePolicy }),
    );
    expect(
      (
        await clients.ssoAdmin.send(
          new GetInlinePolicyForPermissionSetCommand({ InstanceArn, PermissionSetArn }),
        )
      ).InlinePolicy,
    ).toBe(InlinePolicy);
    await clients.ssoAdmin.send(
      new DeleteInlinePolicyFromPermissionSetCommand({ InstanceArn, PermissionSetArn }),
    );
    expect(
      (
        await clients.ssoAdmin.send(
          new GetInlinePolicyForPermissionSetCommand({ InstanceArn, PermissionSetArn }),
        )
      ).InlinePolicy ?? '',
    ).toBe('');
    const tooBig = JSON.stringify({
      Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Sid: 'x'.repeat(33_000) }],
    });
    expect(
      (
        await errorOf(
          clients.ssoAdmin.send(
            new PutInlinePolicyToPermissionSetCommand({
              InstanceArn,
              PermissionSetArn,
              InlinePolicy: tooBig,
            }),
          ),
        )
      ).name,
    ).toBe('ValidationException');
    const PermissionsBoundary = { CustomerManagedPolicyReference: { Name: 'Boundary', Path: '/' } };
    await clients.ssoAdmin.send(
      new PutPermissionsBoundaryToPermissionSetCommand({
        InstanceArn,
        PermissionSetArn,
        PermissionsBoundary,
      }),
    );
    const boundary = await clients.ssoAdmin.send(
      new GetPermissionsBoundaryForPermissionSetCommand({ InstanceArn, PermissionSetArn }),
    );
    expect(boundary.PermissionsBoundary).toEqual(PermissionsBoundary);
    await clients.ssoAdmin.send(
      new DeletePermissionsBoundaryFromPermissionSetCommand({ InstanceArn, PermissionSetArn }),
    );
    expect(
      (
        await errorOf(
          clients.ssoAdmin.send(
            new GetPermissionsBoundaryForPermissionSetCommand({ InstanceArn, PermissionSetArn }),
          ),
        )
      ).name,
    ).toBe('ResourceNotFoundException');
  });

  it('paginates ListPermissionSets with MaxResults and NextToken', async () => {
    const all: string[] = [];
    for await (const page of paginateListPermissionSets(
      { client: clients.ssoAdmin, pageSize: 2 },
      { InstanceArn },
    )) {
      expect(page.PermissionSets!.length).toBeLessThanOrEqual(2);
      all.push(...page.PermissionSets!);
    }
    const direct = await clients.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn }));
    expect(all).toEqual(direct.PermissionSets);
    expect(all.length).toBeGreaterThan(4);
  });
});

describe('account assignments', () => {
  it('creates an assignment IN_PROGRESS that succeeds after the delay and provisions the role', async () => {
    const PermissionSetArn = await newPermissionSet('Assigned');
    const PrincipalId = await newUser('assigned@example.com');
    const request = {
      InstanceArn,
      PermissionSetArn,
      PrincipalId,
      PrincipalType: 'USER' as const,
      TargetId: account,
      TargetType: 'AWS_ACCOUNT' as const,
    };
    const created = await clients.ssoAdmin.send(new CreateAccountAssignmentCommand(request));
    const status = created.AccountAssignmentCreationStatus!;
    expect(status.Status).toBe('IN_PROGRESS');
    const describe = () =>
      clients.ssoAdmin.send(
        new DescribeAccountAssignmentCreationStatusCommand({
          InstanceArn,
          AccountAssignmentCreationRequestId: status.RequestId,
        }),
      );
    expect((await describe()).AccountAssignmentCreationStatus?.Status).toBe('IN_PROGRESS');
    expect(
      (
        await clients.ssoAdmin.send(
          new ListAccountAssignmentsCommand({ InstanceArn, PermissionSetArn, AccountId: account }),
        )
      ).AccountAssignments,
    ).toEqual([]);
    now += 200;
    expect((await describe()).AccountAssignmentCreationStatus?.Status).toBe('SUCCEEDED');
    const listed = await clients.ssoAdmin.send(
      new ListAccountAssignmentsCommand({ InstanceArn, PermissionSetArn, AccountId: account }),
    );
    expect(listed.AccountAssignments).toEqual([
      { AccountId: account, PermissionSetArn, PrincipalId, PrincipalType: 'USER' },
    ]);
    const forPrincipal = await clients.ssoAdmin.send(
      new ListAccountAssignmentsForPrincipalCommand({
        InstanceArn,
        PrincipalId,
        PrincipalType: 'USER',
        Filter: { AccountId: account },
      }),
    );
    expect(forPrincipal.AccountAssignments).toHaveLength(1);
    const accounts = await clients.ssoAdmin.send(
      new ListAccountsForProvisionedPermissionSetCommand({ InstanceArn, PermissionSetArn }),
    );
    expect(accounts.AccountIds).toEqual([account]);
    const sets = await clients.ssoAdmin.send(
      new ListPermissionSetsProvisionedToAccountCommand({ InstanceArn, AccountId: account }),
    );
    expect(sets.PermissionSets).toContain(PermissionSetArn);

    const deleted = await clients.ssoAdmin.send(new DeleteAccountAssignmentCommand(request));
    expect(deleted.AccountAssignmentDeletionStatus?.Status).toBe('IN_PROGRESS');
    now += 200;
    const deletion = await clients.ssoAdmin.send(
      new DescribeAccountAssignmentDeletionStatusCommand({
        InstanceArn,
        AccountAssignmentDeletionRequestId: deleted.AccountAssignmentDeletionStatus!.RequestId,
      }),
    );
    expect(deletion.AccountAssignmentDeletionStatus?.Status).toBe('SUCCEEDED');
    expect(
      (
        await clients.ssoAdmin.send(
          new ListAccountAssignmentsCommand({ InstanceArn, PermissionSetArn, AccountId: account }),
        )
      ).AccountAssignments,
    ).toEqual([]);
  });

  it('answers ConflictException while an operation on the same permission set and account is in flight', async () => {
    const PermissionSetArn = await newPermissionSet('Busy');
    const a = await newUser('busy-a@example.com');
    const b = await newUser('busy-b@example.com');
    const base = {
      InstanceArn,
      PermissionSetArn,
      PrincipalType: 'USER' as const,
      TargetId: account,
      TargetType: 'AWS_ACCOUNT' as const,
    };
    await clients.ssoAdmin.send(new CreateAccountAssignmentCommand({ ...base, PrincipalId: a }));
    expect(
      await errorOf(
        clients.ssoAdmin.send(new CreateAccountAssignmentCommand({ ...base, PrincipalId: b })),
      ),
    ).toEqual({
      name: 'ConflictException',
      status: 409,
    });
    // Another account is another role: no conflict.
    await clients.ssoAdmin.send(
      new CreateAccountAssignmentCommand({ ...base, PrincipalId: b, TargetId: '333333333333' }),
    );
    now += 200;
    await clients.ssoAdmin.send(new CreateAccountAssignmentCommand({ ...base, PrincipalId: b }));
    now += 200;
  });

  it('fails the status of an assignment for a principal that does not exist', async () => {
    const PermissionSetArn = await newPermissionSet('Ghost');
    const created = await clients.ssoAdmin.send(
      new CreateAccountAssignmentCommand({
        InstanceArn,
        PermissionSetArn,
        PrincipalType: 'USER',
        PrincipalId: '0123456789-00000000-0000-0000-0000-000000000000',
        TargetId: account,
        TargetType: 'AWS_ACCOUNT',
      }),
    );
    now += 200;
    const status = await clients.ssoAdmin.send(
      new DescribeAccountAssignmentCreationStatusCommand({
        InstanceArn,
        AccountAssignmentCreationRequestId: created.AccountAssignmentCreationStatus!.RequestId,
      }),
    );
    expect(status.AccountAssignmentCreationStatus?.Status).toBe('FAILED');
    expect(status.AccountAssignmentCreationStatus?.FailureReason).toMatch(/does not exist/);
  });

  it('provisions a changed permission set and reports which accounts run the latest version', async () => {
    const PermissionSetArn = await newPermissionSet('Provisioned');
    const PrincipalId = await newUser('prov@example.com');
    await clients.ssoAdmin.send(
      new CreateAccountAssignmentCommand({
        InstanceArn,
        PermissionSetArn,
        PrincipalId,
        PrincipalType: 'USER',
        TargetId: account,
        TargetType: 'AWS_ACCOUNT',
      }),
    );
    now += 200;
    await clients.ssoAdmin.send(
      new PutInlinePolicyToPermissionSetCommand({
        InstanceArn,
        PermissionSetArn,
        InlinePolicy: '{"Statement":[]}',
      }),
    );
    const stale = await clients.ssoAdmin.send(
      new ListAccountsForProvisionedPermissionSetCommand({
        InstanceArn,
        PermissionSetArn,
        ProvisioningStatus: 'LATEST_PERMISSION_SET_NOT_PROVISIONED',
      }),
    );
    expect(stale.AccountIds).toEqual([account]);
    const started = await clients.ssoAdmin.send(
      new ProvisionPermissionSetCommand({
        InstanceArn,
        PermissionSetArn,
        TargetType: 'ALL_PROVISIONED_ACCOUNTS',
      }),
    );
    expect(started.PermissionSetProvisioningStatus?.Status).toBe('IN_PROGRESS');
    now += 200;
    const done = await clients.ssoAdmin.send(
      new DescribePermissionSetProvisioningStatusCommand({
        InstanceArn,
        ProvisionPermissionSetRequestId: started.PermissionSetProvisioningStatus!.RequestId,
      }),
    );
    expect(done.PermissionSetProvisioningStatus?.Status).toBe('SUCCEEDED');
    const latest = await clients.ssoAdmin.send(
      new ListAccountsForProvisionedPermissionSetCommand({
        InstanceArn,
        PermissionSetArn,
        ProvisioningStatus: 'LATEST_PERMISSION_SET_PROVISIONED',
      }),
    );
    expect(latest.AccountIds).toEqual([account]);
  });

  it('refuses to delete a permission set that is still assigned', async () => {
    const PermissionSetArn = await newPermissionSet('Sticky');
    const PrincipalId = await newUser('sticky@example.com');
    await clients.ssoAdmin.send(
      new CreateAccountAssignmentCommand({
        InstanceArn,
        PermissionSetArn,
        PrincipalId,
        PrincipalType: 'USER',
        TargetId: account,
        TargetType: 'AWS_ACCOUNT',
      }),
    );
    now += 200;
    expect(
      (
        await errorOf(
          clients.ssoAdmin.send(new DeletePermissionSetCommand({ InstanceArn, PermissionSetArn })),
        )
      ).name,
    ).toBe('ConflictException');
  });
});
