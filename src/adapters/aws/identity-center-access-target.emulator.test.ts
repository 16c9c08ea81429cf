// The access-target contract for IdentityCenterAccessTarget against the Identity Center
// emulator over HTTP (src/emulators/identity-center/), with the real SDK clients and the
// real rate limiter. The emulator is seeded through its own AWS API (ListInstances,
// CreateUser, CreateGroup, CreatePermissionSet), as the sandbox seeds it; only its
// Organizations accounts come from its default seed.
import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  DeleteGroupMembershipCommand,
  GetGroupIdCommand,
  ListGroupMembershipsCommand,
} from '@aws-sdk/client-identitystore';
import { CreatePermissionSetCommand, ListInstancesCommand } from '@aws-sdk/client-sso-admin';
import { describe, expect, it } from 'vitest';
import { runAccessTargetContract } from '../../../test/contracts/access-target-contract.js';
import { SettableClock } from '../../ports/clock.js';
import { startIdentityCenterEmulator } from '../../emulators/identity-center/start-identity-center-emulator.js';
import {
  createIdentityCenterClients,
  type IdentityCenterClients,
} from './create-identity-center-clients.js';
import { IdentityCenterAccessTarget } from './identity-center-access-target.js';
import { IdentityCenterIds } from './identity-center-ids.js';

const fixtures = {
  groups: ['JIT-ec2-admin', 'JIT-s3-admin'],
  permissionSets: ['EC2Admin', 'S3Admin'],
  accounts: ['222222222222', '333333333333'], // the emulator's default member accounts
  users: ['alice@example.com', 'bob@example.com'],
} as const;

/** Creates the fixtures through the emulator's AWS API; returns the instance's ids. */
async function seed(
  clients: IdentityCenterClients,
): Promise<{ instanceArn: string; identityStoreId: string }> {
  const { Instances } = await clients.ssoAdmin.send(new ListInstancesCommand({}));
  const instance = Instances?.[0];
  if (instance?.InstanceArn === undefined || instance.IdentityStoreId === undefined) {
    throw new Error('the emulator reported no Identity Center instance');
  }
  const { InstanceArn: instanceArn, IdentityStoreId: identityStoreId } = instance;
  for (const userName of fixtures.users) {
    const [given = userName] = userName.split('@');
    await clients.identityStore.send(
      new CreateUserCommand({
        IdentityStoreId: identityStoreId,
        UserName: userName,
        DisplayName: given,
        Name: { GivenName: given, FamilyName: 'Example' },
        Emails: [{ Value: userName, Type: 'work', Primary: true }],
      }),
    );
  }
  for (const displayName of fixtures.groups) {
    await clients.identityStore.send(
      new CreateGroupCommand({ IdentityStoreId: identityStoreId, DisplayName: displayName }),
    );
  }
  for (const name of fixtures.permissionSets) {
    await clients.ssoAdmin.send(
      new CreatePermissionSetCommand({
        InstanceArn: instanceArn,
        Name: name,
        SessionDuration: 'PT1H',
      }),
    );
  }
  return { instanceArn, identityStoreId };
}

async function startSeeded(options: { maxAttempts?: number } = {}): Promise<{
  target: IdentityCenterAccessTarget;
  clients: IdentityCenterClients;
  identityStoreId: string;
  url: string;
  close: () => Promise<void>;
}> {
  const emulator = await startIdentityCenterEmulator({ assignmentDelayMs: 10 });
  const clients = createIdentityCenterClients({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator-secret' },
    ...options,
  });
  const ids = await seed(clients);
  const clock = new SettableClock({ base: () => Date.now() });
  const target = new IdentityCenterAccessTarget({
    ssoAdmin: clients.ssoAdmin,
    identityStore: clients.identityStore,
    ids: new IdentityCenterIds({
      ssoAdmin: clients.ssoAdmin,
      identityStore: clients.identityStore,
      ...ids,
      clock,
    }),
    clock,
  });
  return {
    target,
    clients,
    identityStoreId: ids.identityStoreId,
    url: emulator.url,
    close: async () => {
      clients.ssoAdmin.destroy();
      clients.identityStore.destroy();
      await emulator.close();
    },
  };
}

runAccessTargetContract('identity-center adapter against the emulator', {
  fixtures,
  maxPolls: 200,
  create: async () => {
    const { target, close } = await startSeeded();
    return { target, cleanup: close };
  },
});

describe('IdentityCenterAccessTarget against the emulator', () => {
  it('removes a membership with the id its creation returned (one call), and still removes it when that id went stale', async () => {
    const { target, clients, identityStoreId, url, close } = await startSeeded();
    const calls = async (op: string): Promise<number> => {
      const body = (await (await fetch(`${url}/_emulator/calls`)).json()) as {
        operations?: Record<string, { calls?: number }>;
      };
      return body.operations?.[op]?.calls ?? 0;
    };
    const entitlement = {
      kind: 'group-membership',
      group: 'JIT-ec2-admin',
      user: 'alice@example.com',
    } as const;
    try {
      expect(await target.grant(entitlement)).toMatchObject({ state: 'done' });
      expect(await target.revoke(entitlement)).toMatchObject({ state: 'done' });
      expect(await calls('DeleteGroupMembership')).toBe(1);
      expect(await calls('GetGroupMembershipId')).toBe(0);
      expect(await target.list({ groups: ['JIT-ec2-admin'], assignments: [] })).toEqual([]);

      // Granted, then removed and made again outside JIT Access: a new membership id.
      expect(await target.grant(entitlement)).toMatchObject({ state: 'done' });
      const { GroupMemberships } = await clients.identityStore.send(
        new ListGroupMembershipsCommand({
          IdentityStoreId: identityStoreId,
          GroupId: (
            await clients.identityStore.send(
              new GetGroupIdCommand({
                IdentityStoreId: identityStoreId,
                AlternateIdentifier: {
                  UniqueAttribute: {
                    AttributePath: 'displayName',
                    AttributeValue: 'JIT-ec2-admin',
                  },
                },
              }),
            )
          ).GroupId,
        }),
      );
      const old = GroupMemberships?.[0];
      await clients.identityStore.send(
        new DeleteGroupMembershipCommand({
          IdentityStoreId: identityStoreId,
          MembershipId: old?.MembershipId,
        }),
      );
      await clients.identityStore.send(
        new CreateGroupMembershipCommand({
          IdentityStoreId: identityStoreId,
          GroupId: old?.GroupId,
          MemberId: { UserId: old?.MemberId?.UserId ?? '' },
        }),
      );
      expect(await target.revoke(entitlement)).toMatchObject({ state: 'done' });
      expect(await target.list({ groups: ['JIT-ec2-admin'], assignments: [] })).toEqual([]);
    } finally {
      await close();
    }
  });

  it('names the missing user and the fix', async () => {
    const { target, close } = await startSeeded();
    try {
      const result = await target.grant({
        kind: 'group-membership',
        group: 'JIT-ec2-admin',
        user: 'carol@example.com',
      });
      expect(result).toMatchObject({ state: 'failed', retryable: false });
      expect(result.state === 'failed' && result.message).toContain(
        'no Identity Center user with userName carol@example.com',
      );
    } finally {
      await close();
    }
  });

  it('treats granting a held assignment, and revoking a missing one twice, as done', async () => {
    const { target, close } = await startSeeded();
    try {
      const entitlement = {
        kind: 'account-assignment',
        permissionSet: 'S3Admin',
        account: fixtures.accounts[1],
        user: fixtures.users[1],
      } as const;
      const settle = async (operation: Awaited<ReturnType<typeof target.grant>>) => {
        let current = operation;
        while (current.state === 'pending') current = await target.poll(current.operationId);
        return current;
      };
      expect((await settle(await target.grant(entitlement))).state).toBe('done');
      expect((await settle(await target.grant(entitlement))).state).toBe('done');
      expect((await settle(await target.revoke(entitlement))).state).toBe('done');
      expect((await settle(await target.revoke(entitlement))).state).toBe('done');
      const scope = {
        groups: [],
        assignments: [{ permissionSet: 'S3Admin', accounts: [fixtures.accounts[1]] }],
      };
      expect(await target.list(scope)).toEqual([]);
    } finally {
      await close();
    }
  });

  it('keeps 15 concurrent assignments within the quotas the emulator counts server-side', async () => {
    const { target, clients, identityStoreId, url, close } = await startSeeded();
    try {
      const users = Array.from({ length: 15 }, (_, i) => `user${i}@example.com`);
      for (const userName of users) {
        await clients.identityStore.send(
          new CreateUserCommand({
            IdentityStoreId: identityStoreId,
            UserName: userName,
            DisplayName: userName,
            Name: { GivenName: userName, FamilyName: 'Example' },
          }),
        );
      }
      const results = await Promise.all(
        users.map(async (user) => {
          const entitlement = {
            kind: 'account-assignment',
            permissionSet: 'EC2Admin',
            account: fixtures.accounts[0],
            user,
          } as const;
          let operation = await target.grant(entitlement);
          while (operation.state === 'pending')
            operation = await target.poll(operation.operationId);
          return operation;
        }),
      );
      expect(results.map((r) => r.state)).toEqual(users.map(() => 'done'));
      const listed = await target.list({
        groups: [],
        assignments: [{ permissionSet: 'EC2Admin', accounts: [fixtures.accounts[0]] }],
      });
      expect(listed.map((e) => e.user).sort()).toEqual([...users].sort());
      const calls = (await (await fetch(`${url}/_emulator/calls`)).json()) as {
        total: { throttled: number };
        peakOutstandingCreates: number;
      };
      expect(calls.total.throttled).toBe(0);
      expect(calls.peakOutstandingCreates).toBeLessThanOrEqual(10);
      expect(clients.limiter.stats().peakOutstandingCreates).toBeLessThanOrEqual(10);
    } finally {
      await close();
    }
  });

  it.each([
    ['ThrottlingException', true],
    ['InternalServerException', true],
    ['ConflictException', true],
    ['AccessDeniedException', false],
  ] as const)(
    'maps an injected %s on CreateAccountAssignment (retryable: %s)',
    async (errorKind, retryable) => {
      const { target, url, close } = await startSeeded({ maxAttempts: 1 });
      try {
        const answer = await fetch(`${url}/_emulator/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            operation: 'CreateAccountAssignment',
            fault: { errorRate: 1, errorKind },
          }),
        });
        expect(answer.status).toBe(200);
        const result = await target.grant({
          kind: 'account-assignment',
          permissionSet: 'EC2Admin',
          account: fixtures.accounts[0],
          user: fixtures.users[0],
        });
        expect(result).toMatchObject({ state: 'failed', retryable, code: errorKind });
        expect(result.state === 'failed' && result.message).not.toContain('emulator-secret');
      } finally {
        await close();
      }
    },
  );

  it('carries the identity store RetryAfterSeconds of a throttled membership into retryAfterMs', async () => {
    const { target, url, close } = await startSeeded({ maxAttempts: 1 });
    try {
      await fetch(`${url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          operation: 'CreateGroupMembership',
          fault: { errorRate: 1, errorKind: 'ThrottlingException' },
        }),
      });
      const result = await target.grant({
        kind: 'group-membership',
        group: fixtures.groups[0],
        user: fixtures.users[0],
      });
      expect(result).toMatchObject({
        state: 'failed',
        retryable: true,
        code: 'ThrottlingException',
      });
      expect(result.state === 'failed' && result.retryAfterMs).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });
});
