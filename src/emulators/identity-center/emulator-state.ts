// The emulator's in-memory world: one Identity Center instance with its identity store,
// and the AWS Organization it belongs to. Plain records and maps; handlers mutate them.

import { randomBytes, randomUUID } from 'node:crypto';
import { createSchedulerState, type SchedulerState } from './scheduler-state.js';

export type PrincipalKind = 'USER' | 'GROUP';
export type OperationStatus = 'IN_PROGRESS' | 'FAILED' | 'SUCCEEDED';

export interface PermissionSetRecord {
  readonly arn: string;
  readonly name: string;
  readonly createdAt: number;
  description: string | undefined;
  relayState: string | undefined;
  sessionDuration: string;
  tags: Map<string, string>;
  managedPolicies: Map<string, string>;
  customerManagedPolicies: Map<string, { readonly name: string; readonly path: string }>;
  inlinePolicy: string | undefined;
  permissionsBoundary:
    | { readonly managedPolicyArn: string }
    | { readonly customerManaged: { readonly name: string; readonly path: string } }
    | undefined;
  /** Bumped by every change that a provisioned role must pick up. */
  version: number;
}

export interface AssignmentRecord {
  readonly accountId: string;
  readonly permissionSetArn: string;
  readonly principalType: PrincipalKind;
  readonly principalId: string;
}

export interface AssignmentOperation {
  readonly requestId: string;
  readonly kind: 'create' | 'delete';
  readonly assignment: AssignmentRecord;
  readonly createdAt: number;
  readonly dueAt: number;
  status: OperationStatus;
  failureReason: string | undefined;
}

export interface ProvisioningOperation {
  readonly requestId: string;
  readonly permissionSetArn: string;
  readonly accountIds: readonly string[];
  readonly createdAt: number;
  readonly dueAt: number;
  status: OperationStatus;
  failureReason: string | undefined;
}

/** The IAM role IdC keeps for a permission set in an account, with what was provisioned. */
export interface ProvisionedRole {
  readonly permissionSetArn: string;
  readonly accountId: string;
  readonly roleName: string;
  provisionedVersion: number;
  inlinePolicy: string | undefined;
}

export interface UserRecord {
  readonly id: string;
  userName: string;
  displayName: string | undefined;
  name: Readonly<Record<string, string>> | undefined;
  emails: readonly { readonly value: string; readonly type?: string; readonly primary?: boolean }[];
  externalIds: readonly { readonly issuer: string; readonly id: string }[];
}

export interface GroupRecord {
  readonly id: string;
  displayName: string;
  description: string | undefined;
  externalIds: readonly { readonly issuer: string; readonly id: string }[];
}

export interface MembershipRecord {
  readonly id: string;
  readonly groupId: string;
  readonly userId: string;
}

export interface AccountRecord {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly parentId: string;
  readonly joinedAt: number;
}

export interface OrganizationalUnitRecord {
  readonly id: string;
  readonly name: string;
  readonly parentId: string;
}

export interface PolicyRecord {
  readonly id: string;
  name: string;
  description: string;
  content: string;
  readonly awsManaged: boolean;
}

export interface SessionRecord {
  readonly sessionId: string;
  readonly userId: string;
  readonly accountId: string;
  readonly permissionSetArn: string;
  readonly permissionSetName: string;
  readonly roleArn: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface OrganizationState {
  readonly id: string;
  readonly rootId: string;
  readonly managementAccountId: string;
  readonly accounts: Map<string, AccountRecord>;
  readonly organizationalUnits: Map<string, OrganizationalUnitRecord>;
  readonly policies: Map<string, PolicyRecord>;
  /** Target id (account, OU or root) to attached policy ids, in attachment order. */
  readonly attachments: Map<string, string[]>;
}

export interface EmulatorState {
  readonly instanceArn: string;
  readonly identityStoreId: string;
  readonly createdAt: number;
  readonly permissionSets: Map<string, PermissionSetRecord>;
  readonly assignments: Map<string, AssignmentRecord>;
  readonly assignmentOperations: Map<string, AssignmentOperation>;
  readonly provisioningOperations: Map<string, ProvisioningOperation>;
  readonly roles: Map<string, ProvisionedRole>;
  readonly users: Map<string, UserRecord>;
  readonly groups: Map<string, GroupRecord>;
  readonly memberships: Map<string, MembershipRecord>;
  readonly organization: OrganizationState;
  readonly sessions: Map<string, SessionRecord>;
  /** EventBridge Scheduler in the management account, whose schedules call back into IdC. */
  readonly scheduler: SchedulerState;
}

/** Accounts and OUs to start with. OU and account `parent` name an OU (root when absent). */
export interface EmulatorSeed {
  readonly managementAccount?: { readonly id: string; readonly name: string };
  readonly organizationalUnits?: readonly { readonly name: string; readonly parent?: string }[];
  readonly accounts?: readonly {
    readonly id: string;
    readonly name: string;
    readonly parent?: string;
  }[];
}

export const defaultSeed: EmulatorSeed = {
  managementAccount: { id: '111111111111', name: 'management' },
  organizationalUnits: [{ name: 'workloads' }],
  accounts: [
    { id: '222222222222', name: 'development', parent: 'workloads' },
    { id: '333333333333', name: 'production', parent: 'workloads' },
  ],
};

export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function lowerAlnum(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Identity store ids look like `9067xxxxxx-<uuid>` in AWS. */
export function identityStoreObjectId(): string {
  return `${hex(5)}-${randomUUID()}`;
}

export function assignmentKey(a: AssignmentRecord): string {
  return `${a.permissionSetArn}|${a.accountId}|${a.principalType}|${a.principalId}`;
}

export function roleKey(permissionSetArn: string, accountId: string): string {
  return `${permissionSetArn}|${accountId}`;
}

export function accountArn(org: OrganizationState, accountId: string): string {
  return `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${accountId}`;
}

const accountIdPattern = /^\d{12}$/;

/** A fresh world from `seed`: throws on a malformed seed (a bug in the caller). */
export function createEmulatorState(seed: EmulatorSeed, now: number): EmulatorState {
  const management = seed.managementAccount ?? { id: '111111111111', name: 'management' };
  const rootId = `r-${lowerAlnum(4)}`;
  const organization: OrganizationState = {
    id: `o-${lowerAlnum(10)}`,
    rootId,
    managementAccountId: management.id,
    accounts: new Map(),
    organizationalUnits: new Map(),
    policies: new Map(),
    attachments: new Map(),
  };
  const ouIds = new Map<string, string>();
  const parentOf = (name: string | undefined): string => {
    if (name === undefined) return rootId;
    const id = ouIds.get(name);
    if (id === undefined) throw new Error(`Seed names an unknown OU: ${name}`);
    return id;
  };
  for (const ou of seed.organizationalUnits ?? []) {
    const id = `ou-${rootId.slice(2)}-${lowerAlnum(8)}`;
    organization.organizationalUnits.set(id, { id, name: ou.name, parentId: parentOf(ou.parent) });
    ouIds.set(ou.name, id);
  }
  const accounts = [{ ...management, parent: undefined }, ...(seed.accounts ?? [])];
  for (const account of accounts) {
    if (!accountIdPattern.test(account.id))
      throw new Error(`Seed account id is not 12 digits: ${account.id}`);
    organization.accounts.set(account.id, {
      id: account.id,
      name: account.name,
      email: `${account.name.replace(/[^\w.-]/g, '-')}@example.com`,
      parentId: parentOf(account.parent),
      joinedAt: now,
    });
  }
  // AWS attaches FullAWSAccess to every root, OU and account once SCPs are enabled.
  const fullAccess = 'p-FullAWSAccess';
  organization.policies.set(fullAccess, {
    id: fullAccess,
    name: 'FullAWSAccess',
    description: 'Allows access to every operation',
    content: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    }),
    awsManaged: true,
  });
  for (const target of [
    rootId,
    ...organization.organizationalUnits.keys(),
    ...organization.accounts.keys(),
  ]) {
    organization.attachments.set(target, [fullAccess]);
  }
  const instanceId = `ssoins-${hex(8)}`;
  return {
    instanceArn: `arn:aws:sso:::instance/${instanceId}`,
    identityStoreId: `d-${hex(5)}`,
    createdAt: now,
    permissionSets: new Map(),
    assignments: new Map(),
    assignmentOperations: new Map(),
    provisioningOperations: new Map(),
    roles: new Map(),
    users: new Map(),
    groups: new Map(),
    memberships: new Map(),
    organization,
    sessions: new Map(),
    scheduler: createSchedulerState(management.id, now),
  };
}
