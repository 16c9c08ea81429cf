// Makes Entra PIM hold what the config declares for roles with `source: entra-pim`: the
// role's activation policy on its PIM group (maximum duration, justification, ticket, MFA,
// approval and approvers) and an eligibility for each eligible member. Written through
// Microsoft Graph with the same client that polls PIM, so it runs against the Entra emulator
// (how `npm start` seeds it) and against Entra (the core of a later `jit apply`).
// Idempotent: a rule already as declared is left alone; an existing eligibility is kept.
import { odataString } from '../adapters/entra/graph-client.js';
import type { JitConfig } from '../config/index.js';
import { formatDuration } from '../core/duration.js';
import type { PrincipalSet, Role } from '../core/role.js';

/** The part of the Graph client this needs. */
export interface GraphWriter {
  get<T>(path: string, options?: { query?: Readonly<Record<string, string>> }): Promise<T>;
  listAll<T>(path: string, options?: { query?: Readonly<Record<string, string>> }): Promise<T[]>;
  post<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
}

export interface ApplyEntraPimOptions {
  readonly config: JitConfig;
  readonly graph: GraphWriter;
  /** The Entra user principal name of a JIT principal id (default: the id itself). */
  readonly upnOf?: (principal: string) => string;
  readonly now: () => number;
}

export interface ApplyEntraPimResult {
  /** PIM group object ids by role name. */
  readonly groups: ReadonlyMap<string, string>;
  readonly changed: readonly string[];
}

interface Rule {
  readonly id: string;
  readonly '@odata.type': string;
  readonly [key: string]: unknown;
}

interface PolicyAssignment {
  readonly policyId?: string;
  readonly policy?: { readonly id?: string; readonly rules?: readonly Rule[] };
}

const PIM = '/identityGovernance/privilegedAccess/group';

export async function applyEntraPim(options: ApplyEntraPimOptions): Promise<ApplyEntraPimResult> {
  const { config, graph } = options;
  const groups = new Map<string, string>();
  const changed: string[] = [];
  for (const role of config.roles.values()) {
    if (role.source !== 'entra-pim') continue;
    const groupName = role.entraGroup ?? role.group;
    const groupId = await resolveGroupId(graph, groupName);
    groups.set(role.name, groupId);
    changed.push(...(await applyPolicy(options, role, groupId)));
    changed.push(...(await applyEligibility(options, role, groupId)));
  }
  return { groups, changed };
}

async function resolveGroupId(graph: GraphWriter, nameOrId: string): Promise<string> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(nameOrId)) {
    return nameOrId;
  }
  const found = await graph.listAll<{ id: string }>('/groups', {
    query: { $filter: `displayName eq ${odataString(nameOrId)}`, $select: 'id,displayName' },
  });
  const [group, other] = found;
  if (!group) {
    throw new Error(
      `no Entra group named ${JSON.stringify(nameOrId)}; create it as a security group with PIM enabled, or set the role's entraGroup to its object id`,
    );
  }
  if (other) {
    throw new Error(
      `${found.length} Entra groups are named ${JSON.stringify(nameOrId)}; set the role's entraGroup to the object id of the right one`,
    );
  }
  return group.id;
}

/** The rules a role's activation policy sets, as Graph writes them. */
export function desiredRules(role: Role, approverIds: readonly Approver[]): Rule[] {
  const activation = role.activation;
  const enabled = [
    ...(activation.requireJustification || role.breakGlass ? ['Justification'] : []),
    ...(activation.requireMfa ? ['MultiFactorAuthentication'] : []),
    ...(activation.requireTicket ? ['Ticketing'] : []),
  ];
  const target = { caller: 'EndUser', operations: ['All'], level: 'Assignment' };
  return [
    {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
      id: 'Expiration_EndUser_Assignment',
      isExpirationRequired: true,
      maximumDuration: formatDuration(activation.maxDuration),
      target,
    },
    {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
      id: 'Enablement_EndUser_Assignment',
      enabledRules: enabled,
      target,
    },
    {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
      id: 'Approval_EndUser_Assignment',
      setting: {
        isApprovalRequired: activation.approval.required,
        isApprovalRequiredForExtension: false,
        isRequestorJustificationRequired: true,
        approvalMode: 'SingleStage',
        approvalStages: activation.approval.required
          ? [
              {
                approvalStageTimeOutInDays: 1,
                isApproverJustificationRequired: true,
                escalationTimeInMinutes: 0,
                isEscalationEnabled: false,
                primaryApprovers: approverIds.map((a) =>
                  a.kind === 'user'
                    ? { '@odata.type': '#microsoft.graph.singleUser', userId: a.id }
                    : { '@odata.type': '#microsoft.graph.groupMembers', groupId: a.id },
                ),
                escalationApprovers: [],
              },
            ]
          : [],
      },
      target,
    },
  ];
}

interface Approver {
  readonly kind: 'user' | 'group';
  readonly id: string;
}

async function applyPolicy(
  options: ApplyEntraPimOptions,
  role: Role,
  groupId: string,
): Promise<string[]> {
  const { graph } = options;
  const assignments = await graph.listAll<PolicyAssignment>(
    '/policies/roleManagementPolicyAssignments',
    {
      query: {
        $filter: `scopeId eq ${odataString(groupId)} and scopeType eq 'Group' and roleDefinitionId eq 'member'`,
        $expand: 'policy($expand=rules)',
      },
    },
  );
  const policy = assignments[0]?.policy;
  const policyId = policy?.id ?? assignments[0]?.policyId;
  if (!policyId) {
    throw new Error(
      `Entra has no PIM policy for the members of group ${groupId} (role ${role.name}); enable PIM for the group first`,
    );
  }
  const approvers = role.activation.approval.required
    ? await resolvePrincipals(options, role.activation.approval.approvers)
    : [];
  const changed: string[] = [];
  for (const rule of desiredRules(role, approvers)) {
    const current = policy?.rules?.find((r) => r.id === rule.id);
    if (current && sameRule(current, rule)) continue;
    await graph.patch(
      `/policies/roleManagementPolicies/${encodeURIComponent(policyId)}/rules/${rule.id}`,
      rule,
    );
    changed.push(`${role.name}: PIM rule ${rule.id}`);
  }
  return changed;
}

function sameRule(current: Rule, desired: Rule): boolean {
  return Object.entries(desired).every(
    ([key, value]) => key === 'target' || JSON.stringify(current[key]) === JSON.stringify(value),
  );
}

async function applyEligibility(
  options: ApplyEntraPimOptions,
  role: Role,
  groupId: string,
): Promise<string[]> {
  const { graph } = options;
  const existing = await graph.listAll<{ principalId?: string; accessId?: string }>(
    `${PIM}/eligibilityScheduleInstances`,
    { query: { $filter: `groupId eq ${odataString(groupId)}` } },
  );
  const have = new Set(existing.filter((e) => e.accessId === 'member').map((e) => e.principalId));
  const changed: string[] = [];
  for (const principal of await resolvePrincipals(options, role.eligibility.members)) {
    if (have.has(principal.id)) continue;
    const maxEligibility = role.eligibility.maxEligibility;
    await graph.post(`${PIM}/eligibilityScheduleRequests`, {
      accessId: 'member',
      principalId: principal.id,
      groupId,
      action: 'adminAssign',
      justification: `JIT Access: eligible for role ${role.name} per the config`,
      scheduleInfo: {
        startDateTime: new Date(options.now()).toISOString(),
        expiration:
          maxEligibility === undefined
            ? { type: 'noExpiration' }
            : { type: 'afterDuration', duration: formatDuration(maxEligibility) },
      },
    });
    changed.push(`${role.name}: eligibility of ${principal.name}`);
  }
  return changed;
}

/** Users (by UPN) and groups (by display name) of a principal set, as Entra object ids. */
async function resolvePrincipals(
  options: ApplyEntraPimOptions,
  set: PrincipalSet,
): Promise<(Approver & { name: string })[]> {
  const { graph } = options;
  const found: (Approver & { name: string })[] = [];
  for (const user of set.users) {
    const upn = options.upnOf?.(user) ?? user;
    const users = await graph.listAll<{ id: string }>('/users', {
      query: { $filter: `userPrincipalName eq ${odataString(upn)}`, $select: 'id' },
    });
    const id = users[0]?.id;
    if (!id) throw new Error(`no Entra user ${upn}; create the user or remove them from the role`);
    found.push({ kind: 'user', id, name: upn });
  }
  for (const group of set.groups) {
    found.push({ kind: 'group', id: await resolveGroupId(graph, group), name: group });
  }
  return found;
}
