// Test helper: which SDK-exported enum governs which member, per service and operation.
// The API models carry no enums (CLOUD-APIS.md section G), so the SDK packages are the
// source. A rule applies to a leaf whose path ends with `path` (list indices as `[]`).

import * as identityStore from '@aws-sdk/client-identitystore';
import * as organizations from '@aws-sdk/client-organizations';
import * as ssoAdmin from '@aws-sdk/client-sso-admin';

export interface EnumRule {
  readonly service: 'sso-admin' | 'identitystore' | 'organizations';
  /** Only for this operation; undefined for all. */
  readonly operation?: string;
  readonly path: string;
  readonly name: string;
  readonly values: Readonly<Record<string, string>>;
}

export const enumRules: readonly EnumRule[] = [
  {
    service: 'sso-admin',
    operation: 'ListInstances',
    path: 'Status',
    name: 'InstanceStatus',
    values: ssoAdmin.InstanceStatus,
  },
  {
    service: 'sso-admin',
    operation: 'DescribeInstance',
    path: 'Status',
    name: 'InstanceStatus',
    values: ssoAdmin.InstanceStatus,
  },
  { service: 'sso-admin', path: 'Status', name: 'StatusValues', values: ssoAdmin.StatusValues },
  {
    service: 'sso-admin',
    path: 'PrincipalType',
    name: 'PrincipalType',
    values: ssoAdmin.PrincipalType,
  },
  {
    service: 'sso-admin',
    operation: 'ProvisionPermissionSet',
    path: 'TargetType',
    name: 'ProvisionTargetType',
    values: ssoAdmin.ProvisionTargetType,
  },
  { service: 'sso-admin', path: 'TargetType', name: 'TargetType', values: ssoAdmin.TargetType },
  {
    service: 'sso-admin',
    path: 'ProvisioningStatus',
    name: 'ProvisioningStatus',
    values: ssoAdmin.ProvisioningStatus,
  },
  {
    service: 'identitystore',
    path: 'Reason',
    name: 'ConflictExceptionReason',
    values: identityStore.ConflictExceptionReason,
  },
  {
    service: 'organizations',
    path: 'Filter',
    name: 'PolicyType',
    values: organizations.PolicyType,
  },
  {
    service: 'organizations',
    path: 'PolicySummary.Type',
    name: 'PolicyType',
    values: organizations.PolicyType,
  },
  {
    service: 'organizations',
    path: 'Policies[].Type',
    name: 'PolicyType',
    values: organizations.PolicyType,
  },
  {
    service: 'organizations',
    path: 'PolicyTypes[].Type',
    name: 'PolicyType',
    values: organizations.PolicyType,
  },
  {
    service: 'organizations',
    path: 'AvailablePolicyTypes[].Type',
    name: 'PolicyType',
    values: organizations.PolicyType,
  },
  {
    service: 'organizations',
    path: 'PolicyTypes[].Status',
    name: 'PolicyTypeStatus',
    values: organizations.PolicyTypeStatus,
  },
  {
    service: 'organizations',
    path: 'AvailablePolicyTypes[].Status',
    name: 'PolicyTypeStatus',
    values: organizations.PolicyTypeStatus,
  },
  {
    service: 'organizations',
    operation: 'CreatePolicy',
    path: 'Type',
    name: 'PolicyType',
    values: organizations.PolicyType,
  },
  {
    service: 'organizations',
    path: 'Status',
    name: 'AccountStatus',
    values: organizations.AccountStatus,
  },
  {
    service: 'organizations',
    path: 'JoinedMethod',
    name: 'AccountJoinedMethod',
    values: organizations.AccountJoinedMethod,
  },
  {
    service: 'organizations',
    path: 'FeatureSet',
    name: 'OrganizationFeatureSet',
    values: organizations.OrganizationFeatureSet,
  },
  {
    service: 'organizations',
    path: 'Parents[].Type',
    name: 'ParentType',
    values: organizations.ParentType,
  },
  {
    service: 'organizations',
    path: 'Targets[].Type',
    name: 'TargetType',
    values: organizations.TargetType,
  },
];

/** The enum rule for a leaf, most specific first (operation rules precede general ones). */
export function enumRuleFor(
  service: EnumRule['service'],
  operation: string,
  path: string,
): EnumRule | undefined {
  return enumRules.find(
    (rule) =>
      rule.service === service &&
      (rule.operation === undefined || rule.operation === operation) &&
      (path === rule.path || path.endsWith(`.${rule.path}`)),
  );
}
