// The IAM permissions of the controller and of `jit apply`, derived from what the product
// sends (sent-commands.ts) and scoped as tightly as each API allows. This file holds only
// what the source cannot say: for each operation, which resources it acts on and which
// further IAM actions AWS requires for it (the Service Authorization Reference's
// "API operations" table and dependent actions). The least-privilege test fails when an
// operation the product sends has no rule here, and when a rule names an operation nothing
// sends.
import { REVOCATION_SCP_TAG } from '../../src/adapters/aws/revocation/scp-session-revoker.js';
import { ENTRY_POINTS, sentCommands, type Principal } from './sent-commands.js';

/** What an operation acts on. */
export type Scope =
  /** No resource-level permissions: `*`. */
  | 'any'
  /** The Identity Center instance, its permission sets, and accounts. */
  | 'identityCenter'
  /** The identity store, and its users, groups and memberships. */
  | 'identityStore'
  /** The revocation SCP only (by its tag where the action takes a policy). */
  | 'revocationScp'
  /** Creating the revocation SCP: only with its tag. */
  | 'createRevocationScp'
  /** The revocation SCP and the root or OU it is attached to. */
  | 'attachRevocationScp'
  /** The role in `aws.roleArn`. */
  | 'configuredRole'
  /** The fail-safe's schedules, in its schedule group. */
  | 'failSafeSchedules'
  /** The fail-safe's schedule group. */
  | 'failSafeGroup'
  /** Passing the fail-safe's role, to EventBridge Scheduler only. */
  | 'failSafeRole';

export interface ActionRule {
  readonly scope: Scope;
  /** Further IAM actions AWS requires for this operation (legacy actions without resources
   *  take `*`). */
  readonly also?: readonly { readonly action: string; readonly scope: Scope }[];
  /** Why the role need not hold it in some deployments. */
  readonly unlessNeeded?: (context: PermissionContext) => string | undefined;
}

const directory = (...actions: string[]) =>
  actions.map((action) => ({ action: `sso-directory:${action}`, scope: 'any' as const }));

const stackCreatesScp = (context: PermissionContext): string | undefined =>
  context.scpCreatedBy === 'stack'
    ? 'the organization stack creates the revocation SCP (a role that may tag SCPs could tag, then update, any of them)'
    : context.revocationEnabled
      ? undefined
      : 'session revocation is off (aws.revocation.enabled: false)';

const failSafeOff = (context: PermissionContext): string | undefined =>
  context.failSafe === undefined
    ? 'the fail-safe expiry is off (server.controller.failSafe.enabled: false)'
    : undefined;

const revocationOff = (context: PermissionContext): string | undefined =>
  context.revocationEnabled
    ? undefined
    : 'session revocation is off (aws.revocation.enabled: false)';

/** One rule per operation the product sends, keyed by IAM action. */
export const ACTION_RULES: Readonly<Record<string, ActionRule>> = {
  // IAM Identity Center (sso-admin).
  'sso:AttachCustomerManagedPolicyReferenceToPermissionSet': { scope: 'identityCenter' },
  'sso:AttachManagedPolicyToPermissionSet': {
    scope: 'identityCenter',
    also: [{ action: 'sso:PutPermissionsPolicy', scope: 'any' }],
  },
  'sso:CreateAccountAssignment': {
    scope: 'identityCenter',
    also: [
      { action: 'sso:AssociateProfile', scope: 'any' },
      { action: 'sso:CreateApplicationInstance', scope: 'any' },
    ],
  },
  'sso:CreatePermissionSet': { scope: 'identityCenter' },
  'sso:DeleteAccountAssignment': { scope: 'identityCenter' },
  'sso:DeleteInlinePolicyFromPermissionSet': { scope: 'identityCenter' },
  'sso:DeletePermissionSet': { scope: 'identityCenter' },
  'sso:DeletePermissionsBoundaryFromPermissionSet': { scope: 'identityCenter' },
  'sso:DescribeAccountAssignmentCreationStatus': { scope: 'identityCenter' },
  'sso:DescribeAccountAssignmentDeletionStatus': { scope: 'identityCenter' },
  'sso:DescribePermissionSet': { scope: 'identityCenter' },
  'sso:DescribePermissionSetProvisioningStatus': { scope: 'identityCenter' },
  'sso:DetachCustomerManagedPolicyReferenceFromPermissionSet': { scope: 'identityCenter' },
  'sso:DetachManagedPolicyFromPermissionSet': {
    scope: 'identityCenter',
    also: [{ action: 'sso:PutPermissionsPolicy', scope: 'any' }],
  },
  'sso:GetInlinePolicyForPermissionSet': { scope: 'identityCenter' },
  'sso:GetPermissionsBoundaryForPermissionSet': { scope: 'identityCenter' },
  'sso:ListAccountAssignments': { scope: 'identityCenter' },
  'sso:ListAccountAssignmentsForPrincipal': { scope: 'identityCenter' },
  'sso:ListAccountsForProvisionedPermissionSet': { scope: 'identityCenter' },
  'sso:ListCustomerManagedPolicyReferencesInPermissionSet': { scope: 'identityCenter' },
  'sso:ListInstances': { scope: 'any' },
  'sso:ListManagedPoliciesInPermissionSet': { scope: 'identityCenter' },
  'sso:ListPermissionSets': { scope: 'identityCenter' },
  'sso:ListTagsForResource': { scope: 'identityCenter' },
  'sso:ProvisionPermissionSet': { scope: 'identityCenter' },
  'sso:PutInlinePolicyToPermissionSet': { scope: 'identityCenter' },
  'sso:PutPermissionsBoundaryToPermissionSet': { scope: 'identityCenter' },
  'sso:TagResource': { scope: 'identityCenter' },
  'sso:UntagResource': { scope: 'identityCenter' },
  'sso:UpdatePermissionSet': { scope: 'identityCenter' },
  // The identity store; each operation also needs its sso-directory actions (no resources).
  'identitystore:CreateGroup': { scope: 'identityStore', also: directory('CreateGroup') },
  'identitystore:CreateGroupMembership': {
    scope: 'identityStore',
    also: directory('AddMemberToGroup'),
  },
  'identitystore:DeleteGroupMembership': {
    scope: 'identityStore',
    also: directory('RemoveMemberFromGroup'),
  },
  'identitystore:DescribeGroup': {
    scope: 'identityStore',
    also: directory('DescribeGroup', 'DescribeGroups'),
  },
  'identitystore:DescribeUser': {
    scope: 'identityStore',
    also: directory('DescribeUser', 'DescribeUsers'),
  },
  'identitystore:GetGroupId': { scope: 'identityStore', also: directory('GetGroupId') },
  'identitystore:GetGroupMembershipId': {
    scope: 'identityStore',
    also: directory('ListGroupsForMember', 'ListGroupsForUser'),
  },
  'identitystore:GetUserId': { scope: 'identityStore', also: directory('GetUserId') },
  'identitystore:ListGroupMemberships': {
    scope: 'identityStore',
    also: directory('ListMembersInGroup'),
  },
  'identitystore:ListGroupMembershipsForMember': {
    scope: 'identityStore',
    also: directory('ListGroupsForMember', 'ListGroupsForUser'),
  },
  // AWS Organizations: reads of the organisation's shape take no resources.
  'organizations:DescribeOrganization': { scope: 'any' },
  'organizations:ListAccounts': { scope: 'any' },
  'organizations:ListAccountsForParent': { scope: 'any' },
  'organizations:ListOrganizationalUnitsForParent': { scope: 'any' },
  // Read by `jit check --live` (JIT013: is the revocation SCP attached above each account).
  'organizations:ListParents': { scope: 'any' },
  'organizations:ListPolicies': { scope: 'any' },
  'organizations:ListPoliciesForTarget': { scope: 'any' },
  'organizations:ListRoots': { scope: 'any' },
  // The revocation SCP.
  'organizations:CreatePolicy': {
    scope: 'createRevocationScp',
    also: [{ action: 'organizations:TagResource', scope: 'createRevocationScp' }],
    unlessNeeded: stackCreatesScp,
  },
  'organizations:AttachPolicy': { scope: 'attachRevocationScp', unlessNeeded: revocationOff },
  'organizations:DescribePolicy': { scope: 'revocationScp', unlessNeeded: revocationOff },
  'organizations:ListTargetsForPolicy': { scope: 'revocationScp', unlessNeeded: revocationOff },
  'organizations:UpdatePolicy': { scope: 'revocationScp', unlessNeeded: revocationOff },
  // STS.
  'sts:AssumeRole': {
    scope: 'configuredRole',
    unlessNeeded: (context) =>
      context.roleArn === undefined ? 'the config names no aws.roleArn to assume' : undefined,
  },
  /** Needs no permission (AWS answers it for everyone); held so `jit doctor` reads as intended. */
  'sts:GetCallerIdentity': { scope: 'any' },
  // EventBridge Scheduler: the fail-safe expiry's one-time schedules. Creating or updating a
  // schedule passes its target role (iam:PassRole, dependent action).
  'scheduler:CreateSchedule': {
    scope: 'failSafeSchedules',
    also: [{ action: 'iam:PassRole', scope: 'failSafeRole' }],
    unlessNeeded: failSafeOff,
  },
  'scheduler:UpdateSchedule': {
    scope: 'failSafeSchedules',
    also: [{ action: 'iam:PassRole', scope: 'failSafeRole' }],
    unlessNeeded: failSafeOff,
  },
  'scheduler:DeleteSchedule': { scope: 'failSafeSchedules', unlessNeeded: failSafeOff },
  'scheduler:GetScheduleGroup': { scope: 'failSafeGroup', unlessNeeded: failSafeOff },
  'scheduler:CreateScheduleGroup': { scope: 'failSafeGroup', unlessNeeded: failSafeOff },
};

/** What the fail-safe's schedules call (their universal targets), as the role EventBridge
 *  Scheduler assumes must hold them. */
export const FAIL_SAFE_TARGET_ACTIONS = [
  'identitystore:DeleteGroupMembership',
  'sso:DeleteAccountAssignment',
] as const;

/** What the scopes resolve against: the product config and the deployment settings. */
export interface PermissionContext {
  readonly partition: string;
  readonly instanceArn: string;
  readonly identityStoreId: string;
  /** The management account, whose ARNs name the organisation's policies. */
  readonly organizationAccount: string;
  /** `o-…`, in the ARNs of the organisation's policies, roots and OUs. */
  readonly organizationId: string;
  readonly revocationEnabled: boolean;
  /** Who creates the revocation SCP: the CDK app's organization stack always; `controller`
   *  only for the hand-written policy of a deployment without it (docs/live.md). */
  readonly scpCreatedBy: 'stack' | 'controller';
  /** The root or OU the SCP is attached to; unknown (`*`) when the controller finds the root. */
  readonly revocationTargetId?: string;
  readonly roleArn?: string;
  /** The fail-safe expiry, when on: its schedule group and the role its schedules run as
   *  (whose account is where the controller's identity creates them). */
  readonly failSafe?: {
    readonly scheduleGroup: string;
    readonly roleArn: string;
    /** Identity Center's region (`aws.region`), where the schedules are made; `*` unset. */
    readonly region?: string;
  };
}

/** A policy statement as IAM reads it. */
export interface StatementJson {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string>>;
}

export interface DerivedPermissions {
  readonly statements: StatementJson[];
  /** Operations the product sends that this deployment needs no permission for, and why. */
  readonly omitted: readonly { readonly action: string; readonly reason: string }[];
  /** Every IAM action in the statements. */
  readonly actions: readonly string[];
}

/** The permissions of one principal: every operation its entry points reach, scoped. */
export function derivePermissions(
  repoRoot: string,
  principal: Principal,
  context: PermissionContext,
): DerivedPermissions {
  const sent = sentCommands(repoRoot, ENTRY_POINTS[principal]).map((c) => c.action);
  return permissionsFor(sent, context);
}

/** The statements of the role the fail-safe's schedules run as: exactly their targets. */
export function failSafeTargetPermissions(context: PermissionContext): DerivedPermissions {
  return permissionsFor(FAIL_SAFE_TARGET_ACTIONS, context);
}

/** The statements for a list of sent operations. */
function permissionsFor(sent: readonly string[], context: PermissionContext): DerivedPermissions {
  const unknown = sent.filter((action) => ACTION_RULES[action] === undefined);
  if (unknown.length > 0) {
    throw new Error(
      `the product sends ${unknown.join(', ')}, which infra/lib/controller-permissions.ts has no rule for; add each to ACTION_RULES with the resources it acts on (see the Service Authorization Reference)`,
    );
  }
  const byScope = new Map<Scope, Set<string>>();
  const omitted: { action: string; reason: string }[] = [];
  const add = (action: string, scope: Scope): void => {
    const set = byScope.get(scope) ?? new Set<string>();
    set.add(action);
    byScope.set(scope, set);
  };
  for (const action of sent) {
    const rule = ACTION_RULES[action];
    if (rule === undefined) continue;
    const reason = rule.unlessNeeded?.(context);
    if (reason !== undefined) {
      omitted.push({ action, reason });
      continue;
    }
    add(action, rule.scope);
    for (const extra of rule.also ?? []) add(extra.action, extra.scope);
  }
  const statements: StatementJson[] = [];
  for (const scope of SCOPE_ORDER) {
    const actions = byScope.get(scope);
    if (actions === undefined) continue;
    resourcesOf(scope, context).forEach((resources, index) => {
      statements.push({
        Sid: index === 0 ? SIDS[scope] : `${SIDS[scope]}Target`,
        Effect: 'Allow',
        Action: [...actions].sort(),
        ...resources,
      });
    });
  }
  return {
    statements,
    omitted,
    actions: [...new Set(statements.flatMap((s) => s.Action))].sort(),
  };
}

const SCOPE_ORDER: readonly Scope[] = [
  'identityCenter',
  'identityStore',
  'revocationScp',
  'createRevocationScp',
  'attachRevocationScp',
  'configuredRole',
  'failSafeSchedules',
  'failSafeGroup',
  'failSafeRole',
  'any',
];

const SIDS: Readonly<Record<Scope, string>> = {
  identityCenter: 'IdentityCenterInstance',
  identityStore: 'IdentityStore',
  revocationScp: 'RevocationScp',
  createRevocationScp: 'CreateRevocationScp',
  attachRevocationScp: 'AttachRevocationScp',
  configuredRole: 'AssumeConfiguredRole',
  failSafeSchedules: 'FailSafeSchedules',
  failSafeGroup: 'FailSafeScheduleGroup',
  failSafeRole: 'PassFailSafeRole',
  any: 'NoResourceLevelPermissions',
};

const TAG_CONDITION_KEY = `aws:ResourceTag/${REVOCATION_SCP_TAG.Key}`;

type Resources = Pick<StatementJson, 'Resource' | 'Condition'>;

/** One statement's resources, or two where an action acts on two kinds of resource of which
 *  only one carries the tag (IAM authorises each resource of a request on its own). */
function resourcesOf(scope: Scope, context: PermissionContext): Resources[] {
  const one = resourcesOfOne(scope, context);
  if (scope !== 'attachRevocationScp') return [one];
  const target = context.revocationTargetId;
  const org = `arn:${context.partition}:organizations::${context.organizationAccount}`;
  const targetArn =
    target === undefined
      ? `${org}:root/${context.organizationId}/r-*`
      : target.startsWith('r-')
        ? `${org}:root/${context.organizationId}/${target}`
        : `${org}:ou/${context.organizationId}/${target}`;
  return [one, { Resource: [targetArn] }];
}

function resourcesOfOne(scope: Scope, context: PermissionContext): Resources {
  const p = context.partition;
  const instanceId = context.instanceArn.slice(context.instanceArn.indexOf('/') + 1);
  const scp = `arn:${p}:organizations::${context.organizationAccount}:policy/${context.organizationId}/service_control_policy/p-*`;
  switch (scope) {
    case 'any':
      return { Resource: ['*'] };
    case 'identityCenter':
      return {
        Resource: [
          context.instanceArn,
          `arn:${p}:sso:::permissionSet/${instanceId}/*`,
          `arn:${p}:sso:::account/*`,
        ],
      };
    case 'identityStore':
      return {
        Resource: [
          // Store ids are unique; the account in the store's ARN is its owner's.
          `arn:${p}:identitystore::*:identitystore/${context.identityStoreId}`,
          `arn:${p}:identitystore:::user/*`,
          `arn:${p}:identitystore:::group/*`,
          `arn:${p}:identitystore:::membership/*`,
        ],
      };
    case 'createRevocationScp':
      return {
        Resource: [scp],
        Condition: {
          StringEquals: { [`aws:RequestTag/${REVOCATION_SCP_TAG.Key}`]: REVOCATION_SCP_TAG.Value },
        },
      };
    case 'revocationScp':
    case 'attachRevocationScp':
      return {
        Resource: [scp],
        Condition: { StringEquals: { [TAG_CONDITION_KEY]: REVOCATION_SCP_TAG.Value } },
      };
    case 'configuredRole':
      return { Resource: [context.roleArn ?? '*'] };
    case 'failSafeSchedules':
    case 'failSafeGroup': {
      const failSafe = context.failSafe;
      const account = failSafe === undefined ? '*' : accountOfArn(failSafe.roleArn);
      const group = failSafe?.scheduleGroup ?? '*';
      const region = failSafe?.region ?? '*';
      return {
        Resource: [
          scope === 'failSafeSchedules'
            ? `arn:${p}:scheduler:${region}:${account}:schedule/${group}/*`
            : `arn:${p}:scheduler:${region}:${account}:schedule-group/${group}`,
        ],
      };
    }
    case 'failSafeRole':
      return {
        Resource: [context.failSafe?.roleArn ?? '*'],
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      };
  }
}

/** The account of an IAM ARN (`arn:aws:iam::123456789012:role/x` → `123456789012`). */
function accountOfArn(arn: string): string {
  return arn.split(':')[4] ?? '*';
}
