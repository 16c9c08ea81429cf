// Role sessions as in AWS: issued only while the access is held, valid until their own
// expiry unless a Deny in an SCP (not for the management account) or in the provisioned
// inline policy matches; removing the membership or assignment does not end them.

import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  DeleteGroupMembershipCommand,
} from '@aws-sdk/client-identitystore';
import { AttachPolicyCommand, CreatePolicyCommand } from '@aws-sdk/client-organizations';
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminRequest,
  emulatorTestClients,
  type EmulatorTestClients,
} from '../../../test/harness/identity-center-clients.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

let now = Date.parse('2025-06-01T08:00:00Z');
let running: RunningIdentityCenterEmulator;
let c: EmulatorTestClients;
let InstanceArn: string;
let IdentityStoreId: string;
const dev = '222222222222';
const prod = '333333333333';
const management = '111111111111';

async function user(name: string): Promise<string> {
  return (
    await c.identityStore.send(
      new CreateUserCommand({
        Name: { GivenName: 'Test', FamilyName: 'User' },
        IdentityStoreId,
        UserName: name,
        DisplayName: name,
      }),
    )
  ).UserId!;
}

async function permissionSet(Name: string, SessionDuration = 'PT1H'): Promise<string> {
  return (
    await c.ssoAdmin.send(new CreatePermissionSetCommand({ InstanceArn, Name, SessionDuration }))
  ).PermissionSet!.PermissionSetArn!;
}

async function assign(
  PermissionSetArn: string,
  PrincipalType: 'USER' | 'GROUP',
  PrincipalId: string,
  TargetId: string,
): Promise<void> {
  await c.ssoAdmin.send(
    new CreateAccountAssignmentCommand({
      InstanceArn,
      PermissionSetArn,
      PrincipalType,
      PrincipalId,
      TargetId,
      TargetType: 'AWS_ACCOUNT',
    }),
  );
  now += 200;
}

async function issue(
  userId: string,
  accountId: string,
  permissionSet: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return adminRequest(running.url, 'POST', '/_emulator/sessions', {
    userId,
    accountId,
    permissionSet,
  });
}

async function evaluate(sessionId: unknown, at?: number): Promise<Record<string, unknown>> {
  const body = at === undefined ? {} : { at: new Date(at).toISOString() };
  return (
    await adminRequest(
      running.url,
      'POST',
      `/_emulator/sessions/${String(sessionId)}/evaluate`,
      body,
    )
  ).json;
}

async function attachScp(statement: Record<string, unknown>, TargetId: string): Promise<void> {
  const Content = JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  const policy = await c.organizations.send(
    new CreatePolicyCommand({
      Name: `scp-${now}-${Math.random()}`,
      Description: '',
      Type: 'SERVICE_CONTROL_POLICY',
      Content,
    }),
  );
  await c.organizations.send(
    new AttachPolicyCommand({ PolicyId: policy.Policy!.PolicySummary!.Id, TargetId }),
  );
}

beforeAll(async () => {
  running = await startIdentityCenterEmulator({
    clock: () => now,
    throttle: false,
    assignmentDelayMs: 200,
  });
  c = emulatorTestClients(running.url);
  InstanceArn = running.emulator.state.instanceArn;
  IdentityStoreId = running.emulator.state.identityStoreId;
});

afterAll(async () => {
  c.destroy();
  await running.close();
});

describe('sessions', () => {
  it('issues a session only while the user holds the access, with the reserved role ARN and expiry', async () => {
    const u = await user('grace');
    const ps = await permissionSet('Admin', 'PT2H');
    expect((await issue(u, dev, 'Admin')).status).toBe(403);
    const { GroupId } = await c.identityStore.send(
      new CreateGroupCommand({ IdentityStoreId, DisplayName: 'admins' }),
    );
    await assign(ps, 'GROUP', GroupId!, dev);
    expect((await issue(u, dev, 'Admin')).status).toBe(403);
    await c.identityStore.send(
      new CreateGroupMembershipCommand({ IdentityStoreId, GroupId, MemberId: { UserId: u } }),
    );
    const issued = await issue(u, dev, ps);
    expect(issued.status).toBe(201);
    expect(issued.json.roleArn).toMatch(
      /^arn:aws:iam::222222222222:role\/aws-reserved\/sso\.amazonaws\.com\/AWSReservedSSO_Admin_[0-9a-f]{16}$/,
    );
    expect(
      Date.parse(String(issued.json.expiresAt)) - Date.parse(String(issued.json.issuedAt)),
    ).toBe(2 * 3_600_000);
    const again = await issue(u, dev, 'Admin');
    expect(again.json.roleArn).toBe(issued.json.roleArn);
    expect((await issue(u, prod, 'Admin')).status).toBe(403);
  });

  it('keeps a session allowed after the membership is removed, until its own expiry', async () => {
    const u = await user('hopper');
    const ps = await permissionSet('Ops');
    const { GroupId } = await c.identityStore.send(
      new CreateGroupCommand({ IdentityStoreId, DisplayName: 'ops' }),
    );
    await assign(ps, 'GROUP', GroupId!, dev);
    const { MembershipId } = await c.identityStore.send(
      new CreateGroupMembershipCommand({ IdentityStoreId, GroupId, MemberId: { UserId: u } }),
    );
    const session = (await issue(u, dev, 'Ops')).json;
    await c.identityStore.send(new DeleteGroupMembershipCommand({ IdentityStoreId, MembershipId }));
    expect((await issue(u, dev, 'Ops')).status).toBe(403);
    expect(await evaluate(session.sessionId)).toMatchObject({ allowed: true, decision: 'ALLOWED' });
    expect(await evaluate(session.sessionId, now + 3_600_000)).toMatchObject({
      allowed: false,
      decision: 'EXPIRED',
    });
  });

  it('keeps a session allowed after the user assignment is deleted', async () => {
    const u = await user('lamport');
    const ps = await permissionSet('Direct');
    await assign(ps, 'USER', u, dev);
    const session = (await issue(u, dev, 'Direct')).json;
    await c.ssoAdmin.send(
      new DeleteAccountAssignmentCommand({
        InstanceArn,
        PermissionSetArn: ps,
        PrincipalType: 'USER',
        PrincipalId: u,
        TargetId: dev,
        TargetType: 'AWS_ACCOUNT',
      }),
    );
    now += 200;
    expect((await issue(u, dev, 'Direct')).status).toBe(403);
    expect((await evaluate(session.sessionId)).allowed).toBe(true);
  });

  it('denies sessions issued before a cut-off through an SCP scoped by user, role pattern and account', async () => {
    const u = await user('liskov');
    const admin = await permissionSet('Scoped');
    const readOnly = await permissionSet('Scoped_ReadOnly');
    for (const ps of [admin, readOnly]) {
      await assign(ps, 'USER', u, dev);
      await assign(ps, 'USER', u, prod);
    }
    const oldDev = (await issue(u, dev, 'Scoped')).json;
    const oldProd = (await issue(u, prod, 'Scoped')).json;
    const oldReadOnly = (await issue(u, dev, 'Scoped_ReadOnly')).json;
    now += 60_000;
    const cutOff = new Date(now).toISOString();
    await attachScp(
      {
        Sid: 'JitRevoke',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          StringEquals: { 'identitystore:userId': u, 'aws:PrincipalAccount': [dev] },
          ArnLike: {
            'aws:PrincipalArn':
              'arn:*:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Scoped_????????????????',
          },
          DateLessThan: { 'aws:TokenIssueTime': cutOff },
        },
      },
      dev,
    );
    expect(await evaluate(oldDev.sessionId)).toMatchObject({
      allowed: false,
      decision: 'DENIED',
      source: 'SCP',
      sid: 'JitRevoke',
    });
    expect((await evaluate(oldProd.sessionId)).allowed).toBe(true);
    expect((await evaluate(oldReadOnly.sessionId)).allowed).toBe(true);
    now += 1000;
    const fresh = (await issue(u, dev, 'Scoped')).json;
    expect((await evaluate(fresh.sessionId)).allowed).toBe(true);
  });

  it('applies SCPs attached to the OU or root, and never to the management account', async () => {
    const u = await user('dijkstra');
    const ps = await permissionSet('Everywhere');
    await assign(ps, 'USER', u, prod);
    await assign(ps, 'USER', u, management);
    const inProd = (await issue(u, prod, 'Everywhere')).json;
    const inManagement = (await issue(u, management, 'Everywhere')).json;
    const rootId = running.emulator.state.organization.rootId;
    await attachScp(
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'identitystore:userId': u } },
      },
      rootId,
    );
    expect((await evaluate(inProd.sessionId)).allowed).toBe(false);
    expect((await evaluate(inManagement.sessionId)).allowed).toBe(true);
  });

  it('applies the inline policy only once provisioned, which serves the management account', async () => {
    const u = await user('knuth');
    const ps = await permissionSet('Inline');
    await assign(ps, 'USER', u, management);
    const session = (await issue(u, management, 'Inline')).json;
    const InlinePolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { StringLike: { 'identitystore:userId': `${u.slice(0, 5)}*` } },
        },
      ],
    });
    await c.ssoAdmin.send(
      new PutInlinePolicyToPermissionSetCommand({
        InstanceArn,
        PermissionSetArn: ps,
        InlinePolicy,
      }),
    );
    expect((await evaluate(session.sessionId)).allowed).toBe(true);
    await c.ssoAdmin.send(
      new ProvisionPermissionSetCommand({
        InstanceArn,
        PermissionSetArn: ps,
        TargetType: 'AWS_ACCOUNT',
        TargetId: management,
      }),
    );
    now += 200;
    expect(await evaluate(session.sessionId)).toMatchObject({
      allowed: false,
      source: 'INLINE_POLICY',
    });
  });

  it('reports an unknown session and refuses a malformed issue request', async () => {
    expect(
      (await adminRequest(running.url, 'POST', '/_emulator/sessions/nope/evaluate', {})).status,
    ).toBe(404);
    expect(
      (await adminRequest(running.url, 'POST', '/_emulator/sessions', { userId: 1 })).status,
    ).toBe(400);
  });
});
