// identitystore through the real SDK client: users, groups, id lookups and memberships.

import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  DeleteGroupMembershipCommand,
  DescribeGroupCommand,
  DescribeUserCommand,
  GetGroupIdCommand,
  GetGroupMembershipIdCommand,
  GetUserIdCommand,
  IsMemberInGroupsCommand,
  ListGroupMembershipsCommand,
  ListGroupMembershipsForMemberCommand,
  ListGroupsCommand,
  ListUsersCommand,
  type ConflictException,
} from '@aws-sdk/client-identitystore';
import { ListInstancesCommand } from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emulatorTestClients,
  type EmulatorTestClients,
} from '../../../test/harness/identity-center-clients.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

let running: RunningIdentityCenterEmulator;
let clients: EmulatorTestClients;
let IdentityStoreId: string;

beforeAll(async () => {
  running = await startIdentityCenterEmulator({ throttle: false });
  clients = emulatorTestClients(running.url);
  IdentityStoreId = (await clients.ssoAdmin.send(new ListInstancesCommand({}))).Instances![0]!
    .IdentityStoreId!;
});

afterAll(async () => {
  clients.destroy();
  await running.close();
});

describe('identity store', () => {
  it('creates, describes, lists and looks up users by userName and email', async () => {
    const UserId = (
      await clients.identityStore.send(
        new CreateUserCommand({
          IdentityStoreId,
          UserName: 'ada@example.com',
          DisplayName: 'Ada',
          Name: { GivenName: 'Ada', FamilyName: 'Lovelace' },
          Emails: [{ Value: 'ada@example.com', Primary: true }],
        }),
      )
    ).UserId!;
    const user = await clients.identityStore.send(
      new DescribeUserCommand({ IdentityStoreId, UserId }),
    );
    expect(user).toMatchObject({
      UserName: 'ada@example.com',
      DisplayName: 'Ada',
      Name: { GivenName: 'Ada', FamilyName: 'Lovelace' },
    });
    const byName = await clients.identityStore.send(
      new GetUserIdCommand({
        IdentityStoreId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'ada@example.com' },
        },
      }),
    );
    expect(byName.UserId).toBe(UserId);
    const byEmail = await clients.identityStore.send(
      new GetUserIdCommand({
        IdentityStoreId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'emails.value', AttributeValue: 'ada@example.com' },
        },
      }),
    );
    expect(byEmail.UserId).toBe(UserId);
    const listed = await clients.identityStore.send(new ListUsersCommand({ IdentityStoreId }));
    expect(listed.Users!.map((u) => u.UserId)).toContain(UserId);
    const missing = await clients.identityStore
      .send(
        new GetUserIdCommand({
          IdentityStoreId,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'nobody' },
          },
        }),
      )
      .catch((e: unknown) => e as { name: string; ResourceType?: string });
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', ResourceType: 'USER' });
  });

  it('refuses a second user with the same userName and more than one email', async () => {
    await clients.identityStore.send(
      new CreateUserCommand({
        Name: { GivenName: 'Test', FamilyName: 'User' },
        IdentityStoreId,
        UserName: 'dup',
        DisplayName: 'Dup',
      }),
    );
    const dup = await clients.identityStore
      .send(
        new CreateUserCommand({
          Name: { GivenName: 'Test', FamilyName: 'User' },
          IdentityStoreId,
          UserName: 'dup',
          DisplayName: 'Dup',
        }),
      )
      .catch((e: unknown) => e);
    expect(dup).toMatchObject({
      name: 'ConflictException',
      Reason: 'UNIQUENESS_CONSTRAINT_VIOLATION',
    });
    const emails = await clients.identityStore
      .send(
        new CreateUserCommand({
          Name: { GivenName: 'Test', FamilyName: 'User' },
          IdentityStoreId,
          UserName: 'two',
          DisplayName: 'Two',
          Emails: [{ Value: 'a@x' }, { Value: 'b@x' }],
        }),
      )
      .catch((e: unknown) => e);
    expect(emails).toMatchObject({ name: 'ValidationException' });
  });

  it('creates, describes, lists and looks up groups by displayName', async () => {
    const GroupId = (
      await clients.identityStore.send(
        new CreateGroupCommand({ IdentityStoreId, DisplayName: 'admins', Description: 'd' }),
      )
    ).GroupId!;
    expect(
      (await clients.identityStore.send(new DescribeGroupCommand({ IdentityStoreId, GroupId })))
        .DisplayName,
    ).toBe('admins');
    const found = await clients.identityStore.send(
      new GetGroupIdCommand({
        IdentityStoreId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'displayName', AttributeValue: 'admins' },
        },
      }),
    );
    expect(found.GroupId).toBe(GroupId);
    expect(
      (await clients.identityStore.send(new ListGroupsCommand({ IdentityStoreId }))).Groups!.map(
        (g) => g.GroupId,
      ),
    ).toContain(GroupId);
  });

  it('manages memberships: create, conflict on repeat, get id, test, list, delete', async () => {
    const UserId = (
      await clients.identityStore.send(
        new CreateUserCommand({
          Name: { GivenName: 'Test', FamilyName: 'User' },
          IdentityStoreId,
          UserName: 'member',
          DisplayName: 'M',
        }),
      )
    ).UserId!;
    const GroupId = (
      await clients.identityStore.send(
        new CreateGroupCommand({ IdentityStoreId, DisplayName: 'ops' }),
      )
    ).GroupId!;
    const other = (
      await clients.identityStore.send(
        new CreateGroupCommand({ IdentityStoreId, DisplayName: 'other' }),
      )
    ).GroupId!;
    const MemberId = { UserId };
    const MembershipId = (
      await clients.identityStore.send(
        new CreateGroupMembershipCommand({ IdentityStoreId, GroupId, MemberId }),
      )
    ).MembershipId!;
    const again = (await clients.identityStore
      .send(new CreateGroupMembershipCommand({ IdentityStoreId, GroupId, MemberId }))
      .catch((e: unknown) => e)) as ConflictException;
    expect(again.name).toBe('ConflictException');
    expect(again.Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
    expect(again.$metadata.httpStatusCode).toBe(409);
    const id = await clients.identityStore.send(
      new GetGroupMembershipIdCommand({ IdentityStoreId, GroupId, MemberId }),
    );
    expect(id.MembershipId).toBe(MembershipId);
    const is = await clients.identityStore.send(
      new IsMemberInGroupsCommand({ IdentityStoreId, MemberId, GroupIds: [GroupId, other] }),
    );
    expect(is.Results!.map((r) => [r.GroupId, r.MembershipExists])).toEqual([
      [GroupId, true],
      [other, false],
    ]);
    expect(
      (
        await clients.identityStore.send(
          new ListGroupMembershipsCommand({ IdentityStoreId, GroupId }),
        )
      ).GroupMemberships,
    ).toEqual([{ IdentityStoreId, MembershipId, GroupId, MemberId }]);
    expect(
      (
        await clients.identityStore.send(
          new ListGroupMembershipsForMemberCommand({ IdentityStoreId, MemberId }),
        )
      ).GroupMemberships,
    ).toHaveLength(1);
    await clients.identityStore.send(
      new DeleteGroupMembershipCommand({ IdentityStoreId, MembershipId }),
    );
    const after = await clients.identityStore.send(
      new IsMemberInGroupsCommand({ IdentityStoreId, MemberId, GroupIds: [GroupId] }),
    );
    expect(after.Results![0]?.MembershipExists).toBe(false);
    const gone = await clients.identityStore
      .send(new DeleteGroupMembershipCommand({ IdentityStoreId, MembershipId }))
      .catch((e: unknown) => e);
    expect(gone).toMatchObject({
      name: 'ResourceNotFoundException',
      ResourceType: 'GROUP_MEMBERSHIP',
    });
  });

  it('refuses another identity store id and IsMemberInGroups without groups', async () => {
    const other = await clients.identityStore
      .send(new ListUsersCommand({ IdentityStoreId: 'd-0000000000' }))
      .catch((e: unknown) => e);
    expect(other).toMatchObject({
      name: 'ResourceNotFoundException',
      ResourceType: 'IDENTITY_STORE',
    });
    const none = await clients.identityStore
      .send(
        new IsMemberInGroupsCommand({
          IdentityStoreId,
          MemberId: { UserId: '0123456789-00000000-0000-0000-0000-000000000000' },
          GroupIds: [],
        }),
      )
      .catch((e: unknown) => e);
    expect(none).toMatchObject({ name: 'ValidationException' });
  });
});

// Gaps outside clients found (issue 9), each quoting the Identity Store API reference.
describe('identity store fidelity', () => {
  it('refuses a user without DisplayName or Name ("When used in IAM Identity Center, this parameter is required")', async () => {
    for (const input of [
      { UserName: 'no-display', Name: { GivenName: 'N', FamilyName: 'D' } },
      { UserName: 'no-name', DisplayName: 'No Name' },
    ]) {
      await expect(
        clients.identityStore.send(new CreateUserCommand({ IdentityStoreId, ...input })),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    }
  });

  it('refuses the reserved names ("Administrator and AWSAdministrators are reserved names and can\'t be used for users or groups")', async () => {
    for (const name of ['Administrator', 'AWSAdministrators']) {
      await expect(
        clients.identityStore.send(
          new CreateUserCommand({
            IdentityStoreId,
            UserName: name,
            DisplayName: 'Reserved',
            Name: { GivenName: 'R', FamilyName: 'N' },
          }),
        ),
      ).rejects.toMatchObject({ name: 'ValidationException' });
      await expect(
        clients.identityStore.send(new CreateGroupCommand({ IdentityStoreId, DisplayName: name })),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    }
  });
});
