// Reads the live state `jit check --live` judges, once, through the same code that plans and
// enforces it: Identity Center as `jit plan` reads it (read-identity-center-state.ts) and as
// the controller's drift sweep lists it (listHoldings, as IdentityCenterAccessTarget.list), Entra PIM as
// `jit plan` reads it (entra-plan.ts), the revocation SCP as the session revoker finds it
// (by name), and the store's active grants. Read-only: nothing here writes to a cloud.
//
// A part that is not reachable by configuration (no Graph in a sandbox without
// --entra-endpoint, no store) is `Unread` with the reason; a call that fails throws, and
// the command reports it as one line.
import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  ListAccountAssignmentsCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { isAwsError } from '../adapters/aws/aws-failure.js';
import { listHoldings } from '../adapters/aws/identity-center-holdings.js';
import { IdentityCenterIds } from '../adapters/aws/identity-center-ids.js';
import { isExpired, parsePolicy } from '../adapters/aws/revocation/session-deny-policy.js';
import { odataString } from '../adapters/entra/graph-client.js';
import type { JitConfig } from '../config/index.js';
import { grantEntitlements, type Instant } from '../core/grant.js';
import type { Role } from '../core/role.js';
import { readEntraState } from '../plan/entra-plan.js';
import type { GraphWriter } from '../plan/entra-pim-rules.js';
import { readIdentityCenterState } from '../plan/read-identity-center-state.js';
import type { Store } from '../store/store.js';
import type {
  EntraView,
  GrantsView,
  IdentityCenterView,
  LiveAssignment,
  LiveSnapshot,
  NestedGroup,
  OrganizationsView,
  RevocationScp,
  Unread,
} from './live-snapshot.js';

type Send<T extends { send: unknown }> = Pick<T, 'send'>;

export interface ReadLiveSnapshotOptions {
  readonly config: JitConfig;
  readonly ssoAdmin: Send<SSOAdminClient>;
  readonly identityStore: Send<IdentitystoreClient>;
  readonly organizations: Send<OrganizationsClient>;
  readonly instanceArn: string;
  readonly identityStoreId: string;
  /** Microsoft Graph, or why Entra is not read. */
  readonly graph: GraphWriter | Unread;
  /** The active grants (readActiveGrants), or why they are not read. */
  readonly grants: GrantsView | Unread;
  readonly now: () => Instant;
  /** Told before each part is read, so a failure can say which. */
  readonly onPart?: (part: 'Identity Center' | 'Entra' | 'Organizations') => void;
}

const SCP_TYPE = 'SERVICE_CONTROL_POLICY';
const DEFAULT_POLICY_NAME = 'JitSessionRevocation';

/** Reads the snapshot; throws when a call fails. */
export async function readLiveSnapshot(options: ReadLiveSnapshotOptions): Promise<LiveSnapshot> {
  const { config } = options;
  const readAt = options.now();
  options.onPart?.('Identity Center');
  const identityCenter = await readIdentityCenter(options);
  options.onPart?.('Entra');
  const entra = 'unread' in options.graph ? options.graph : await readEntra(config, options.graph);
  options.onPart?.('Organizations');
  const organizations =
    config.mode === 'live' && config.aws?.revocation.enabled === false
      ? { unread: 'session revocation is off (aws.revocation.enabled: false)' }
      : await readOrganizations(options, identityCenter.ouAccounts, readAt);
  return { readAt, identityCenter, entra, organizations, grants: options.grants };
}

/** The store's active grants, with the entitlements each stands for. */
export async function readActiveGrants(store: Store, source: string): Promise<GrantsView> {
  const active = [];
  for (const { grant } of await store.activeGrants()) {
    if (grant.status !== 'active') continue;
    active.push({
      id: grant.id,
      role: grant.role,
      endsAt: grant.endsAt,
      entitlements: grantEntitlements(grant),
    });
  }
  return { source, active };
}

async function readIdentityCenter(options: ReadLiveSnapshotOptions): Promise<IdentityCenterView> {
  const { config, ssoAdmin, identityStore, instanceArn, identityStoreId } = options;
  // Plan's reader: the permission sets the config names or jit manages (by tag), their
  // GROUP assignments, and the accounts of the config's OUs.
  const state = await readIdentityCenterState(options);
  const ids = new IdentityCenterIds({
    ssoAdmin,
    identityStore,
    instanceArn,
    identityStoreId,
    clock: { now: options.now },
    permissionSetArns: Object.fromEntries(
      [...state.permissionSets.values()].map((ps) => [ps.name, ps.arn]),
    ),
  });
  const assignments: LiveAssignment[] = state.assignments.map((a) => ({
    permissionSet: a.permissionSet,
    account: a.account,
    principalType: 'GROUP',
    principal: a.group,
  }));
  // USER assignments, which plan leaves out (the controller owns those of account-assignment
  // roles; anyone may have made others). This lists each permission set's accounts again.
  for (const ps of [...state.permissionSets.values()].sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const accounts = new Set(await provisionedAccounts(ssoAdmin, instanceArn, ps.arn));
    for (const role of config.roles.values())
      if (role.permissionSet === ps.name)
        for (const account of roleAccounts(role, state.ouAccounts)) accounts.add(account);
    for (const account of [...accounts].sort()) {
      let token: string | undefined;
      do {
        const page = await ssoAdmin.send(
          new ListAccountAssignmentsCommand({
            InstanceArn: instanceArn,
            AccountId: account,
            PermissionSetArn: ps.arn,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
        for (const a of page.AccountAssignments ?? []) {
          if (a.PrincipalType !== 'USER' || a.PrincipalId === undefined) continue;
          assignments.push({
            permissionSet: ps.name,
            account,
            principalType: 'USER',
            principal: (await ids.principalOfUserId(a.PrincipalId)) ?? a.PrincipalId,
          });
        }
        token = page.NextToken;
      } while (token);
    }
  }
  // The controller's own listing of what it manages (read-only: no write is reachable).
  const roles = [...config.roles.values()];
  const held = await listHoldings(
    { ssoAdmin, identityStore, ids },
    {
      groups: [
        ...new Set(roles.filter((r) => r.enforcement === 'group-membership').map((r) => r.group)),
      ],
      assignments: roles
        .filter((r) => r.enforcement === 'account-assignment')
        .map((r) => ({
          permissionSet: r.permissionSet,
          accounts: roleAccounts(r, state.ouAccounts),
        })),
    },
  );
  return { instanceArn, assignments, held, ouAccounts: state.ouAccounts };
}

async function provisionedAccounts(
  ssoAdmin: Send<SSOAdminClient>,
  instanceArn: string,
  arn: string,
): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await ssoAdmin.send(
      new ListAccountsForProvisionedPermissionSetCommand({
        InstanceArn: instanceArn,
        PermissionSetArn: arn,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    out.push(...(page.AccountIds ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

function roleAccounts(role: Role, ouAccounts: ReadonlyMap<string, readonly string[]>): string[] {
  return [
    ...new Set([
      ...role.accounts,
      ...(role.organizationalUnits ?? []).flatMap((ou) => ouAccounts.get(ou) ?? []),
    ]),
  ].sort();
}

async function readEntra(config: JitConfig, graph: GraphWriter): Promise<EntraView> {
  const pim = await readEntraState(config, graph);
  const nestedGroups = new Map<string, NestedGroup[]>();
  for (const role of pim.roles) {
    if (role.groupId === null) continue;
    const group = encodeURIComponent(role.groupId);
    const members = await graph.listAll<{ id: string; displayName?: string }>(
      `/groups/${group}/members/microsoft.graph.group`,
      { query: { $select: 'id,displayName' } },
    );
    if (members.length === 0) continue;
    const instances = await graph.listAll<{
      principalId?: string;
      accessId?: string;
      endDateTime?: string | null;
    }>('/identityGovernance/privilegedAccess/group/assignmentScheduleInstances', {
      query: { $filter: `groupId eq ${odataString(role.groupId)}` },
    });
    const permanent = new Set(
      instances
        .filter((i) => i.accessId === 'member' && (i.endDateTime ?? null) === null)
        .map((i) => i.principalId?.toLowerCase()),
    );
    nestedGroups.set(
      role.role,
      members.map((m) => ({
        id: m.id,
        name: m.displayName ?? m.id,
        permanent: permanent.has(m.id.toLowerCase()),
      })),
    );
  }
  return { pim, nestedGroups };
}

async function readOrganizations(
  options: ReadLiveSnapshotOptions,
  ouAccounts: ReadonlyMap<string, readonly string[]>,
  readAt: Instant,
): Promise<OrganizationsView> {
  const { config, organizations } = options;
  const revocation = config.aws?.revocation;
  const policyName = revocation?.policyName ?? DEFAULT_POLICY_NAME;
  let policy: RevocationScp | undefined;
  let token: string | undefined;
  let id: string | undefined;
  do {
    const page = await organizations.send(
      new ListPoliciesCommand({
        Filter: SCP_TYPE,
        ...(token === undefined ? {} : { NextToken: token }),
      }),
    );
    id = (page.Policies ?? []).find((p) => p.Name === policyName)?.Id;
    token = page.NextToken;
  } while (id === undefined && token);
  if (id !== undefined) {
    const policyId = id;
    const described = await organizations.send(new DescribePolicyCommand({ PolicyId: policyId }));
    const records = parsePolicy(described.Policy?.Content).records;
    const targets: string[] = [];
    let next: string | undefined;
    do {
      const page = await organizations.send(
        new ListTargetsForPolicyCommand({
          PolicyId: policyId,
          ...(next === undefined ? {} : { NextToken: next }),
        }),
      );
      for (const t of page.Targets ?? []) if (t.TargetId !== undefined) targets.push(t.TargetId);
      next = page.NextToken;
    } while (next);
    policy = {
      id: policyId,
      name: policyName,
      revocations: records.filter((r) => !isExpired(r, readAt)).length,
      targets: targets.sort(),
    };
  }
  let target = revocation?.targetId;
  if (target === undefined) {
    const roots = await organizations.send(new ListRootsCommand({}));
    target = roots.Roots?.[0]?.Id ?? '(no root)';
  }
  let managementAccountId = revocation?.managementAccountId;
  if (managementAccountId === undefined) {
    const described = await organizations.send(new DescribeOrganizationCommand({}));
    managementAccountId = described.Organization?.MasterAccountId;
  }
  const accounts = new Set<string>();
  for (const role of config.roles.values())
    for (const account of roleAccounts(role, ouAccounts)) accounts.add(account);
  const parentOf = new Map<string, string | undefined>();
  const parent = async (child: string): Promise<string | undefined> => {
    if (!parentOf.has(child)) {
      const page = await organizations.send(new ListParentsCommand({ ChildId: child }));
      const found = page.Parents?.[0];
      // The root has no parent; stop there.
      parentOf.set(
        child,
        found?.Type === 'ROOT' || found?.Type === 'ORGANIZATIONAL_UNIT' ? found.Id : undefined,
      );
      if (found?.Type === 'ROOT' && found.Id !== undefined) parentOf.set(found.Id, undefined);
    }
    return parentOf.get(child);
  };
  const accountParents = new Map<string, string[]>();
  for (const account of [...accounts].sort()) {
    const chain: string[] = [];
    try {
      for (
        let at = await parent(account);
        at !== undefined && chain.length < 10;
        at = await parent(at)
      )
        chain.push(at);
    } catch (error) {
      // An account the organisation does not have: jit apply reports it; no SCP reaches it.
      if (isAwsError(error, 'ChildNotFoundException')) continue;
      throw error;
    }
    accountParents.set(account, chain);
  }
  return {
    policyName,
    ...(policy === undefined ? {} : { policy }),
    target,
    ...(managementAccountId === undefined ? {} : { managementAccountId }),
    accountParents,
  };
}
