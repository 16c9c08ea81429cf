import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetGroupIdCommand, GetUserIdCommand } from '@aws-sdk/client-identitystore';
import {
  DescribePermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListManagedPoliciesInPermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityCenterClients } from '../adapters/aws/create-identity-center-clients.js';
import { parseConfig, type JitConfig } from '../config/index.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from '../emulators/identity-center/start-identity-center-emulator.js';
import { applyIdentityCenter } from './apply-identity-center.js';

const example = readFileSync(
  join(import.meta.dirname, '..', '..', 'examples', 'jit.config.yaml'),
  'utf8',
);
let config: JitConfig;
let emulator: RunningIdentityCenterEmulator;

beforeAll(async () => {
  const parsed = parseConfig(example, 'jit.config.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  config = parsed.config;
  const accounts = [...new Set([...config.roles.values()].flatMap((r) => r.accounts))];
  emulator = await startIdentityCenterEmulator({
    assignmentDelayMs: 5,
    throttle: false,
    seed: {
      managementAccount: { id: '999999999999', name: 'management' },
      accounts: accounts.map((id) => ({ id, name: `account ${id}` })),
    },
  });
});

afterAll(async () => {
  await emulator.close();
});

function clients() {
  return createIdentityCenterClients({
    region: 'eu-west-1',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('applyIdentityCenter against the emulator, through the AWS SDK over HTTP', () => {
  it('creates users, permission sets with their policies, role groups and group assignments, and is idempotent', async () => {
    const { ssoAdmin, identityStore } = clients();
    const first = await applyIdentityCenter({
      config,
      ssoAdmin,
      identityStore,
      createUsers: true,
      sleep,
    });
    expect(first.created.length).toBeGreaterThan(0);
    const second = await applyIdentityCenter({
      config,
      ssoAdmin,
      identityStore,
      createUsers: true,
      sleep,
    });
    expect(second.created).toEqual([]);

    const store = first.identityStoreId;
    const alice = await identityStore.send(
      new GetUserIdCommand({
        IdentityStoreId: store,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'alice@example.com' },
        },
      }),
    );
    expect(alice.UserId).toBeTruthy();

    for (const ps of config.permissionSets.values()) {
      const arn = first.permissionSetArns.get(ps.name);
      expect(arn, ps.name).toBeTruthy();
      const described = await ssoAdmin.send(
        new DescribePermissionSetCommand({ InstanceArn: first.instanceArn, PermissionSetArn: arn }),
      );
      expect(described.PermissionSet?.Name).toBe(ps.name);
      const managed = await ssoAdmin.send(
        new ListManagedPoliciesInPermissionSetCommand({
          InstanceArn: first.instanceArn,
          PermissionSetArn: arn,
        }),
      );
      expect((managed.AttachedManagedPolicies ?? []).map((p) => p.Arn).sort()).toEqual(
        [...ps.managedPolicies].sort(),
      );
      if (ps.inlinePolicy) {
        const inline = await ssoAdmin.send(
          new GetInlinePolicyForPermissionSetCommand({
            InstanceArn: first.instanceArn,
            PermissionSetArn: arn,
          }),
        );
        expect(JSON.parse(inline.InlinePolicy ?? '{}')).toEqual(JSON.parse(ps.inlinePolicy));
      }
      if (ps.permissionsBoundary) {
        const boundary = await ssoAdmin.send(
          new GetPermissionsBoundaryForPermissionSetCommand({
            InstanceArn: first.instanceArn,
            PermissionSetArn: arn,
          }),
        );
        expect(boundary.PermissionsBoundary).toBeTruthy();
      }
    }

    for (const role of config.roles.values()) {
      const group = await identityStore.send(
        new GetGroupIdCommand({
          IdentityStoreId: store,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: 'displayName', AttributeValue: role.group },
          },
        }),
      );
      expect(group.GroupId, role.group).toBeTruthy();
      if (role.enforcement !== 'group-membership') continue;
      for (const account of role.accounts) {
        const assignments = await ssoAdmin.send(
          new ListAccountAssignmentsCommand({
            InstanceArn: first.instanceArn,
            AccountId: account,
            PermissionSetArn: first.permissionSetArns.get(role.permissionSet),
          }),
        );
        expect(
          assignments.AccountAssignments?.some(
            (a) => a.PrincipalType === 'GROUP' && a.PrincipalId === group.GroupId,
          ),
          `${role.name} in ${account}`,
        ).toBe(true);
      }
    }
  });
});
