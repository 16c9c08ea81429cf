// Test helper: one conformance case per emulated operation, keyed by X-Amz-Target. A case
// may set up what it needs through `call` and returns the request body to check.

export type Call = (
  target: string,
  body: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

export interface ConformanceFixture {
  readonly call: Call;
  readonly InstanceArn: string;
  readonly IdentityStoreId: string;
  readonly rootId: string;
  readonly accountId: string;
  readonly userId: string;
  readonly groupId: string;
  readonly membershipId: string;
  readonly permissionSetArn: string;
  readonly creationRequestId: string;
  readonly deletionRequestId: string;
  readonly provisioningRequestId: string;
  readonly policyId: string;
  readonly ouId: string;
}

export type ConformanceCase = (
  fx: ConformanceFixture,
  n: number,
) => Promise<Record<string, unknown>>;

const sso = (op: string): string => `SWBExternalService.${op}`;
const ids = (op: string): string => `AWSIdentityStore.${op}`;
const org = (op: string): string => `AWSOrganizationsV20161128.${op}`;
const scp = (sid: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Deny', Action: '*', Resource: '*' }],
  });

async function freshPermissionSet(fx: ConformanceFixture, n: number): Promise<string> {
  const out = await fx.call(sso('CreatePermissionSet'), {
    InstanceArn: fx.InstanceArn,
    Name: `Case${n}`,
  });
  return (out.PermissionSet as { PermissionSetArn: string }).PermissionSetArn;
}

async function freshUser(fx: ConformanceFixture, n: number): Promise<string> {
  const out = await fx.call(ids('CreateUser'), {
    IdentityStoreId: fx.IdentityStoreId,
    UserName: `case-${n}`,
    DisplayName: `Case ${n}`,
    Name: { GivenName: 'Case', FamilyName: String(n) },
  });
  return out.UserId as string;
}

async function freshGroup(fx: ConformanceFixture, n: number): Promise<string> {
  const out = await fx.call(ids('CreateGroup'), {
    IdentityStoreId: fx.IdentityStoreId,
    DisplayName: `case-group-${n}`,
  });
  return out.GroupId as string;
}

async function freshPolicy(fx: ConformanceFixture, n: number): Promise<string> {
  const out = await fx.call(org('CreatePolicy'), {
    Name: `case-${n}`,
    Description: 'case',
    Type: 'SERVICE_CONTROL_POLICY',
    Content: scp(`c${n}`),
  });
  return (out.Policy as { PolicySummary: { Id: string } }).PolicySummary.Id;
}

export const conformanceCases: Readonly<Record<string, ConformanceCase>> = {
  [sso('ListInstances')]: () => Promise.resolve({ MaxResults: 10 }),
  [sso('DescribeInstance')]: (fx) => Promise.resolve({ InstanceArn: fx.InstanceArn }),
  [sso('CreatePermissionSet')]: (fx, n) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      Name: `Created${n}`,
      Description: 'd',
      SessionDuration: 'PT8H',
      RelayState: 'https://console.aws.amazon.com/',
      Tags: [{ Key: 'k', Value: 'v' }],
    }),
  [sso('DescribePermissionSet')]: (fx) =>
    Promise.resolve({ InstanceArn: fx.InstanceArn, PermissionSetArn: fx.permissionSetArn }),
  [sso('ListPermissionSets')]: (fx) =>
    Promise.resolve({ InstanceArn: fx.InstanceArn, MaxResults: 2 }),
  [sso('UpdatePermissionSet')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      PermissionSetArn: fx.permissionSetArn,
      Description: 'updated',
      SessionDuration: 'PT2H',
    }),
  [sso('DeletePermissionSet')]: async (fx, n) => ({
    InstanceArn: fx.InstanceArn,
    PermissionSetArn: await freshPermissionSet(fx, n),
  }),
  [sso('TagResource')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      ResourceArn: fx.permissionSetArn,
      Tags: [{ Key: 'team', Value: 'x' }],
    }),
  [sso('UntagResource')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      ResourceArn: fx.permissionSetArn,
      TagKeys: ['team'],
    }),
  [sso('ListTagsForResource')]: (fx) =>
    Promise.resolve({ InstanceArn: fx.InstanceArn, ResourceArn: fx.permissionSetArn }),
  [sso('AttachManagedPolicyToPermissionSet')]: async (fx, n) => ({
    InstanceArn: fx.InstanceArn,
    PermissionSetArn: await freshPermissionSet(fx, n),
    ManagedPolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
  }),
  [sso('DetachManagedPolicyFromPermissionSet')]: async (fx, n) => {
    const body = {
      InstanceArn: fx.InstanceArn,
      PermissionSetArn: await freshPermissionSet(fx, n),
      ManagedPolicyArn: 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess',
    };
    await fx.call(sso('AttachManagedPolicyToPermissionSet'), body);
    return body;
  },
  [sso('ListManagedPoliciesInPermissionSet')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      PermissionSetArn: fx.permissionSetArn,
      MaxResults: 5,
    }),
  [sso('AttachCustomerManagedPolicyReferenceToPermissionSet')]: async (fx, n) => ({
    InstanceArn: fx.InstanceArn,
    PermissionSetArn: await freshPermissionSet(fx, n),
    CustomerManagedPolicyReference: { Name: 'Mine', Path: '/' },
  }),
  [sso('DetachCustomerManagedPolicyReferenceFromPermissionSet')]: async (fx, n) => {
    const body = {
      InstanceArn: fx.InstanceArn,
      PermissionSetArn: await freshPermissionSet(fx, n),
      CustomerManagedPolicyReference: { Name: 'Mine' },
    };
    await fx.call(sso('AttachCustomerManagedPolicyReferenceToPermissionSet'), body);
    return body;
  },
  [sso('ListCustomerManagedPolicyReferencesInPermissionSet')]: (fx) =>
    Promise.resolve({ InstanceArn: fx.InstanceArn, PermissionSetArn: fx.permissionSetArn }),
  [sso('PutInlinePolicyToPermissionSet')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      PermissionSetArn: fx.permissionSetArn,
      InlinePolicy: scp('inline'),
    }),
  [sso('GetInlinePolicyForPermissionSet')]: (fx) =>
    Promise.resolve({ InstanceArn: fx.InstanceArn, PermissionSetArn: fx.permissionSetArn }),
  [sso('DeleteInlinePolicyFromPermissionSet')]: async (fx, n) => ({
    InstanceArn: fx.InstanceArn,
    PermissionSetArn: await freshPermissionSet(fx, n),
  }),
  [sso('PutPermissionsBoundaryToPermissionSet')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      PermissionSetArn: fx.permissionSetArn,
      PermissionsBoundary: { ManagedPolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' },
    }),
  [sso('GetPermissionsBoundaryForPermissionSet')]: (fx) =>
    Promise.resolve({ InstanceArn: fx.InstanceArn, PermissionSetArn: fx.permissionSetArn }),
  [sso('DeletePermissionsBoundaryFromPermissionSet')]: async (fx, n) => {
    const body = { InstanceArn: fx.InstanceArn, PermissionSetArn: await freshPermissionSet(fx, n) };
    await fx.call(sso('PutPermissionsBoundaryToPermissionSet'), {
      ...body,
      PermissionsBoundary: { CustomerManagedPolicyReference: { Name: 'B', Path: '/' } },
    });
    return body;
  },
  [sso('ProvisionPermissionSet')]: async (fx, n) => ({
    InstanceArn: fx.InstanceArn,
    PermissionSetArn: await freshPermissionSet(fx, n),
    TargetType: 'AWS_ACCOUNT',
    TargetId: fx.accountId,
  }),
  [sso('DescribePermissionSetProvisioningStatus')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      ProvisionPermissionSetRequestId: fx.provisioningRequestId,
    }),
  [sso('ListAccountsForProvisionedPermissionSet')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      PermissionSetArn: fx.permissionSetArn,
      ProvisioningStatus: 'LATEST_PERMISSION_SET_PROVISIONED',
    }),
  [sso('ListPermissionSetsProvisionedToAccount')]: (fx) =>
    Promise.resolve({ InstanceArn: fx.InstanceArn, AccountId: fx.accountId }),
  [sso('CreateAccountAssignment')]: async (fx, n) => ({
    InstanceArn: fx.InstanceArn,
    PermissionSetArn: await freshPermissionSet(fx, n),
    PrincipalType: 'USER',
    PrincipalId: fx.userId,
    TargetId: fx.accountId,
    TargetType: 'AWS_ACCOUNT',
  }),
  [sso('DeleteAccountAssignment')]: async (fx, n) => ({
    InstanceArn: fx.InstanceArn,
    PermissionSetArn: await freshPermissionSet(fx, n),
    PrincipalType: 'GROUP',
    PrincipalId: fx.groupId,
    TargetId: fx.accountId,
    TargetType: 'AWS_ACCOUNT',
  }),
  [sso('DescribeAccountAssignmentCreationStatus')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      AccountAssignmentCreationRequestId: fx.creationRequestId,
    }),
  [sso('DescribeAccountAssignmentDeletionStatus')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      AccountAssignmentDeletionRequestId: fx.deletionRequestId,
    }),
  [sso('ListAccountAssignments')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      PermissionSetArn: fx.permissionSetArn,
      AccountId: fx.accountId,
    }),
  [sso('ListAccountAssignmentsForPrincipal')]: (fx) =>
    Promise.resolve({
      InstanceArn: fx.InstanceArn,
      PrincipalId: fx.userId,
      PrincipalType: 'USER',
      Filter: { AccountId: fx.accountId },
    }),

  [ids('CreateUser')]: (fx, n) =>
    Promise.resolve({
      IdentityStoreId: fx.IdentityStoreId,
      UserName: `created-${n}`,
      DisplayName: 'Created',
      Name: { GivenName: 'C', FamilyName: 'D' },
      Emails: [{ Value: `c${n}@example.com`, Primary: true, Type: 'work' }],
    }),
  [ids('DescribeUser')]: (fx) =>
    Promise.resolve({ IdentityStoreId: fx.IdentityStoreId, UserId: fx.userId }),
  [ids('DeleteUser')]: async (fx, n) => ({
    IdentityStoreId: fx.IdentityStoreId,
    UserId: await freshUser(fx, n),
  }),
  [ids('ListUsers')]: (fx) =>
    Promise.resolve({ IdentityStoreId: fx.IdentityStoreId, MaxResults: 50 }),
  [ids('GetUserId')]: (fx) =>
    Promise.resolve({
      IdentityStoreId: fx.IdentityStoreId,
      AlternateIdentifier: {
        UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'fixture-user' },
      },
    }),
  [ids('CreateGroup')]: (fx, n) =>
    Promise.resolve({
      IdentityStoreId: fx.IdentityStoreId,
      DisplayName: `created-group-${n}`,
      Description: 'd',
    }),
  [ids('DescribeGroup')]: (fx) =>
    Promise.resolve({ IdentityStoreId: fx.IdentityStoreId, GroupId: fx.groupId }),
  [ids('DeleteGroup')]: async (fx, n) => ({
    IdentityStoreId: fx.IdentityStoreId,
    GroupId: await freshGroup(fx, n),
  }),
  [ids('ListGroups')]: (fx) => Promise.resolve({ IdentityStoreId: fx.IdentityStoreId }),
  [ids('GetGroupId')]: (fx) =>
    Promise.resolve({
      IdentityStoreId: fx.IdentityStoreId,
      AlternateIdentifier: {
        UniqueAttribute: { AttributePath: 'displayName', AttributeValue: 'fixture-group' },
      },
    }),
  [ids('CreateGroupMembership')]: async (fx, n) => ({
    IdentityStoreId: fx.IdentityStoreId,
    GroupId: fx.groupId,
    MemberId: { UserId: await freshUser(fx, n) },
  }),
  [ids('DeleteGroupMembership')]: async (fx, n) => {
    const out = await fx.call(ids('CreateGroupMembership'), {
      IdentityStoreId: fx.IdentityStoreId,
      GroupId: fx.groupId,
      MemberId: { UserId: await freshUser(fx, n) },
    });
    return { IdentityStoreId: fx.IdentityStoreId, MembershipId: out.MembershipId };
  },
  [ids('DescribeGroupMembership')]: (fx) =>
    Promise.resolve({ IdentityStoreId: fx.IdentityStoreId, MembershipId: fx.membershipId }),
  [ids('GetGroupMembershipId')]: (fx) =>
    Promise.resolve({
      IdentityStoreId: fx.IdentityStoreId,
      GroupId: fx.groupId,
      MemberId: { UserId: fx.userId },
    }),
  [ids('IsMemberInGroups')]: (fx) =>
    Promise.resolve({
      IdentityStoreId: fx.IdentityStoreId,
      MemberId: { UserId: fx.userId },
      GroupIds: [fx.groupId],
    }),
  [ids('ListGroupMemberships')]: (fx) =>
    Promise.resolve({ IdentityStoreId: fx.IdentityStoreId, GroupId: fx.groupId, MaxResults: 10 }),
  [ids('ListGroupMembershipsForMember')]: (fx) =>
    Promise.resolve({ IdentityStoreId: fx.IdentityStoreId, MemberId: { UserId: fx.userId } }),

  [org('DescribeOrganization')]: () => Promise.resolve({}),
  [org('DescribeAccount')]: (fx) => Promise.resolve({ AccountId: fx.accountId }),
  [org('ListAccounts')]: () => Promise.resolve({ MaxResults: 20 }),
  [org('ListAccountsForParent')]: (fx) => Promise.resolve({ ParentId: fx.ouId }),
  [org('ListRoots')]: () => Promise.resolve({}),
  [org('ListOrganizationalUnitsForParent')]: (fx) => Promise.resolve({ ParentId: fx.rootId }),
  [org('ListParents')]: (fx) => Promise.resolve({ ChildId: fx.accountId }),
  [org('CreatePolicy')]: (_fx, n) =>
    Promise.resolve({
      Name: `created-${n}`,
      Description: 'd',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: scp('created'),
      Tags: [{ Key: 'k', Value: 'v' }],
    }),
  [org('UpdatePolicy')]: (fx) =>
    Promise.resolve({ PolicyId: fx.policyId, Description: 'updated', Content: scp('updated') }),
  [org('DescribePolicy')]: (fx) => Promise.resolve({ PolicyId: fx.policyId }),
  [org('DeletePolicy')]: async (fx, n) => ({ PolicyId: await freshPolicy(fx, n) }),
  [org('ListPolicies')]: () => Promise.resolve({ Filter: 'SERVICE_CONTROL_POLICY' }),
  [org('ListPoliciesForTarget')]: (fx) =>
    Promise.resolve({ TargetId: fx.accountId, Filter: 'SERVICE_CONTROL_POLICY' }),
  [org('ListTargetsForPolicy')]: (fx) => Promise.resolve({ PolicyId: fx.policyId }),
  [org('AttachPolicy')]: async (fx, n) => ({
    PolicyId: await freshPolicy(fx, n),
    TargetId: fx.ouId,
  }),
  [org('DetachPolicy')]: async (fx, n) => {
    const PolicyId = await freshPolicy(fx, n);
    await fx.call(org('AttachPolicy'), { PolicyId, TargetId: fx.rootId });
    return { PolicyId, TargetId: fx.rootId };
  },
};
