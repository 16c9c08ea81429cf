// Conformance: one case per operation in the emulator's dispatch table (an operation
// without a case fails), each request and response checked against the AWS API models,
// and enum values against the enums the SDK packages export.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAgainstShape,
  loadApiModel,
  type ApiModel,
} from '../../../test/harness/api-model-checker.js';
import {
  conformanceCases,
  type ConformanceFixture,
} from '../../../test/harness/identity-center-conformance-cases.js';
import { dispatchTable, type ServiceName } from './dispatch-table.js';
import { rawRequest } from '../../../test/harness/identity-center-clients.js';
import { enumRuleFor } from '../../../test/harness/sdk-enum-rules.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

const models: Readonly<Record<ServiceName, ApiModel>> = {
  'sso-admin': loadApiModel('sso-admin-2020-07-20.min.json'),
  identitystore: loadApiModel('identitystore-2020-06-15.min.json'),
  organizations: loadApiModel('organizations-2016-11-28.min.json'),
};

let running: RunningIdentityCenterEmulator;
let fx: ConformanceFixture;

async function call(
  target: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await rawRequest(running.url, target, JSON.stringify(body));
  if (res.status !== 200)
    throw new Error(`${target} answered ${res.status}: ${JSON.stringify(res.json)}`);
  return res.json;
}

beforeAll(async () => {
  let now = Date.parse('2025-01-01T00:00:00Z');
  running = await startIdentityCenterEmulator({
    clock: () => (now += 1),
    assignmentDelayMs: 0,
    throttle: false,
  });
  const state = running.emulator.state;
  const { InstanceArn, identityStoreId: IdentityStoreId } = {
    InstanceArn: state.instanceArn,
    identityStoreId: state.identityStoreId,
  };
  const accountId = '222222222222';
  const userId = (
    await call('AWSIdentityStore.CreateUser', {
      Name: { GivenName: 'Test', FamilyName: 'User' },
      IdentityStoreId,
      UserName: 'fixture-user',
      DisplayName: 'F',
    })
  ).UserId as string;
  const groupId = (
    await call('AWSIdentityStore.CreateGroup', { IdentityStoreId, DisplayName: 'fixture-group' })
  ).GroupId as string;
  const membershipId = (
    await call('AWSIdentityStore.CreateGroupMembership', {
      IdentityStoreId,
      GroupId: groupId,
      MemberId: { UserId: userId },
    })
  ).MembershipId as string;
  const ps = await call('SWBExternalService.CreatePermissionSet', { InstanceArn, Name: 'Fixture' });
  const permissionSetArn = (ps.PermissionSet as { PermissionSetArn: string }).PermissionSetArn;
  const assignment = {
    InstanceArn,
    PermissionSetArn: permissionSetArn,
    PrincipalType: 'USER',
    PrincipalId: userId,
    TargetId: accountId,
    TargetType: 'AWS_ACCOUNT',
  };
  const created = await call('SWBExternalService.CreateAccountAssignment', assignment);
  const creationRequestId = (created.AccountAssignmentCreationStatus as { RequestId: string })
    .RequestId;
  const group = { ...assignment, PrincipalType: 'GROUP', PrincipalId: groupId };
  await call('SWBExternalService.CreateAccountAssignment', group);
  const deleted = await call('SWBExternalService.DeleteAccountAssignment', group);
  const deletionRequestId = (deleted.AccountAssignmentDeletionStatus as { RequestId: string })
    .RequestId;
  const provisioned = await call('SWBExternalService.ProvisionPermissionSet', {
    InstanceArn,
    PermissionSetArn: permissionSetArn,
    TargetType: 'ALL_PROVISIONED_ACCOUNTS',
  });
  const provisioningRequestId = (
    provisioned.PermissionSetProvisioningStatus as { RequestId: string }
  ).RequestId;
  await call('SWBExternalService.PutPermissionsBoundaryToPermissionSet', {
    InstanceArn,
    PermissionSetArn: permissionSetArn,
    PermissionsBoundary: { CustomerManagedPolicyReference: { Name: 'B', Path: '/' } },
  });
  await call('SWBExternalService.AttachManagedPolicyToPermissionSet', {
    InstanceArn,
    PermissionSetArn: permissionSetArn,
    ManagedPolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
  });
  await call('SWBExternalService.AttachCustomerManagedPolicyReferenceToPermissionSet', {
    InstanceArn,
    PermissionSetArn: permissionSetArn,
    CustomerManagedPolicyReference: { Name: 'Fixture', Path: '/' },
  });
  const policy = await call('AWSOrganizationsV20161128.CreatePolicy', {
    Name: 'fixture',
    Description: 'f',
    Type: 'SERVICE_CONTROL_POLICY',
    Content: '{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}',
  });
  const policyId = (policy.Policy as { PolicySummary: { Id: string } }).PolicySummary.Id;
  await call('AWSOrganizationsV20161128.AttachPolicy', { PolicyId: policyId, TargetId: accountId });
  const org = state.organization;
  fx = {
    call,
    InstanceArn,
    IdentityStoreId,
    rootId: org.rootId,
    accountId,
    userId,
    groupId,
    membershipId,
    permissionSetArn,
    creationRequestId,
    deletionRequestId,
    provisioningRequestId,
    policyId,
    ouId: org.accounts.get(accountId)!.parentId,
  };
});

afterAll(async () => {
  await running.close();
});

describe('conformance with the AWS API models', () => {
  const targets = [...dispatchTable.keys()];

  it('has a case for every operation in the dispatch table and none for others', () => {
    expect(Object.keys(conformanceCases).filter((t) => !dispatchTable.has(t))).toEqual([]);
  });

  it.each(targets.map((target, n) => [target, n] as const))(
    '%s: request and response match the model',
    async (target, n) => {
      const entry = dispatchTable.get(target)!;
      const model = models[entry.service];
      expect(target.startsWith(`${model.metadata.targetPrefix}.`)).toBe(true);
      const operation = model.operations[entry.operation];
      expect(operation, `${entry.operation} is not in the ${entry.service} model`).toBeDefined();
      const makeCase = conformanceCases[target];
      expect(makeCase, `no conformance case for ${target}`).toBeDefined();
      const request = await makeCase!(fx, n);
      const res = await rawRequest(running.url, target, JSON.stringify(request));
      expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      const requestCheck = checkAgainstShape(model, operation!.input, request);
      const responseCheck = checkAgainstShape(model, operation!.output, res.json);
      expect(requestCheck.problems, 'request').toEqual([]);
      expect(responseCheck.problems, 'response').toEqual([]);
      for (const leaf of [...requestCheck.leaves, ...responseCheck.leaves]) {
        const rule = enumRuleFor(entry.service, entry.operation, leaf.path);
        if (rule === undefined) continue;
        expect(
          Object.values(rule.values),
          `${leaf.path} = ${leaf.value} is not a ${rule.name}`,
        ).toContain(leaf.value);
      }
    },
  );
});
