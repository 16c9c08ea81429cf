// What `jit plan` would change in Entra PIM for the config's `entra-pim` roles: the rules of
// each role's PIM policy (expiration, justification / MFA / ticket, approval and approvers,
// derived from the role as `desiredRules` says) and the eligibility of each eligible member,
// with its expiry. Read through Graph, planned here (pure), applied through Graph.
//
// A role's PIM group that Entra does not have is created: a security group with assigned
// membership, described as JIT Access's (the marker). An existing one must be a security
// group with assigned membership (PIM for Groups refuses dynamic ones); one nested in other
// groups is warned about, since Entra's provisioning to Identity Center does not flatten it.
import { odataString } from '../adapters/entra/graph-client.js';
import type { JitConfig } from '../config/index.js';
import { formatDuration } from '../core/duration.js';
import type { PrincipalSet } from '../core/role.js';
import { desiredRules, type GraphWriter } from './entra-pim-rules.js';

const PIM = '/identityGovernance/privilegedAccess/group';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Rule {
  readonly id: string;
  readonly [key: string]: unknown;
}

export interface EntraPrincipal {
  readonly kind: 'user' | 'group';
  readonly id: string;
  readonly name: string;
}

export interface EntraRoleState {
  readonly role: string;
  readonly group: string;
  /** Null: the group does not exist yet (the plan creates it). */
  readonly groupId: string | null;
  /** Null with the group: its policy is read once the group exists. */
  readonly policyId: string | null;
  /** The policy's rules as Entra holds them, by id. */
  readonly rules: Readonly<Record<string, Rule>>;
  /** The rules the role asks for. */
  readonly desiredRules: readonly Rule[];
  /** Member eligibilities Entra holds: principal id → its end (ISO) or null. */
  readonly eligible: Readonly<Record<string, string | null>>;
  /** Who the config makes eligible, resolved. */
  readonly wantEligible: readonly EntraPrincipal[];
  /** The config's maxEligibility, as an ISO 8601 duration, or null for no expiry. */
  readonly maxEligibility: string | null;
}

export interface EntraState {
  readonly roles: readonly EntraRoleState[];
  /** Problems that stop a role from being planned (no such group, no PIM policy, ...). */
  readonly problems: readonly string[];
}

export type EntraChange =
  | {
      readonly type: 'entra-group';
      readonly action: 'create';
      readonly role: string;
      readonly name: string;
    }
  | {
      readonly type: 'pim-rule';
      readonly action: 'update';
      readonly role: string;
      readonly group: string;
      /** Empty when the group is created by the same apply: found by the group then. */
      readonly policyId: string;
      readonly ruleId: string;
      readonly before: unknown;
      readonly after: Rule;
    }
  | {
      readonly type: 'eligibility';
      readonly action: 'create' | 'delete';
      readonly role: string;
      readonly group: string;
      /** Empty when the group is created by the same apply. */
      readonly groupId: string;
      readonly principalId: string;
      readonly principal: string;
      /** ISO 8601 duration of the eligibility, or null for none (create only). */
      readonly duration: string | null;
    };

/** Reads each entra-pim role's PIM group, policy and eligibilities. */
export async function readEntraState(config: JitConfig, graph: GraphWriter): Promise<EntraState> {
  const roles: EntraRoleState[] = [];
  const problems: string[] = [];
  for (const role of config.roles.values()) {
    if (role.source !== 'entra-pim') continue;
    const group = role.entraGroup ?? role.group;
    try {
      const approvers = role.activation.approval.required
        ? await principals(graph, role.activation.approval.approvers)
        : [];
      const common = {
        role: role.name,
        group,
        desiredRules: desiredRules(role, approvers, authContextOf(config)),
        wantEligible: await principals(graph, role.eligibility.members),
        maxEligibility:
          role.eligibility.maxEligibility === undefined
            ? null
            : formatDuration(role.eligibility.maxEligibility),
      };
      const groupId = await groupIdOf(graph, group, GUID.test(group) ? 'fail' : 'absent');
      if (groupId === undefined) {
        roles.push({ ...common, groupId: null, policyId: null, rules: {}, eligible: {} });
        continue;
      }
      const problem = await groupProblem(graph, groupId, group);
      if (problem !== undefined) {
        problems.push(`role ${role.name}: ${problem}`);
        if (!problem.startsWith('note:')) continue;
      }
      const assignments = await graph.listAll<{
        policyId?: string;
        policy?: { id?: string; rules?: Rule[] };
      }>('/policies/roleManagementPolicyAssignments', {
        query: {
          $filter: `scopeId eq ${odataString(groupId)} and scopeType eq 'Group' and roleDefinitionId eq 'member'`,
          $expand: 'policy($expand=rules)',
        },
      });
      const policy = assignments[0]?.policy;
      const policyId = policy?.id ?? assignments[0]?.policyId;
      if (policyId === undefined) {
        problems.push(
          `role ${role.name}: Entra has no PIM policy for the members of group ${group}; enable PIM for the group`,
        );
        continue;
      }
      const instances = await graph.listAll<{
        principalId?: string;
        accessId?: string;
        endDateTime?: string | null;
      }>(`${PIM}/eligibilityScheduleInstances`, {
        query: { $filter: `groupId eq ${odataString(groupId)}` },
      });
      const eligible: Record<string, string | null> = {};
      for (const i of instances)
        if (i.accessId === 'member' && i.principalId !== undefined)
          eligible[i.principalId] = i.endDateTime ?? null;
      roles.push({
        ...common,
        groupId,
        policyId,
        rules: Object.fromEntries((policy?.rules ?? []).map((r) => [r.id, r])),
        eligible,
      });
    } catch (error) {
      if (error instanceof EntraLookupError) problems.push(`role ${role.name}: ${error.message}`);
      else throw error;
    }
  }
  return { roles, problems };
}

/** The changes that make PIM hold the config. With `prune`, member eligibilities of a
 *  role's group that the config does not name are removed. */
export function planEntra(state: EntraState, options: { readonly prune: boolean }): EntraChange[] {
  const changes: EntraChange[] = [];
  for (const r of state.roles) {
    if (r.groupId === null)
      changes.push({ type: 'entra-group', action: 'create', role: r.role, name: r.group });
    for (const rule of r.desiredRules) {
      const current = r.rules[rule.id];
      if (current !== undefined && sameRule(current, rule)) continue;
      changes.push({
        type: 'pim-rule',
        action: 'update',
        role: r.role,
        group: r.group,
        policyId: r.policyId ?? '',
        ruleId: rule.id,
        before: current === undefined ? null : comparable(current, rule),
        after: rule,
      });
    }
    const wanted = new Set(r.wantEligible.map((p) => p.id));
    for (const p of r.wantEligible)
      if (!(p.id in r.eligible))
        changes.push({
          type: 'eligibility',
          action: 'create',
          role: r.role,
          group: r.group,
          groupId: r.groupId ?? '',
          principalId: p.id,
          principal: p.name,
          duration: r.maxEligibility,
        });
    if (options.prune)
      for (const id of Object.keys(r.eligible).sort())
        if (!wanted.has(id))
          changes.push({
            type: 'eligibility',
            action: 'delete',
            role: r.role,
            group: r.group,
            groupId: r.groupId ?? '',
            principalId: id,
            principal: id,
            duration: null,
          });
  }
  return changes;
}

/** The fields of `current` that `desired` sets (the target is Entra's to describe). */
function comparable(current: Rule, desired: Rule): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(desired)
      .filter((key) => key !== 'target')
      .map((key) => [key, current[key]]),
  );
}

function sameRule(current: Rule, desired: Rule): boolean {
  return Object.entries(desired).every(
    ([key, value]) => key === 'target' || JSON.stringify(current[key]) === JSON.stringify(value),
  );
}

/** Carries Entra changes out one at a time; ids of groups made by the same run are found
 *  by name (and their policy read) when a later change needs them. */
export class EntraApplier {
  readonly #graph: GraphWriter;
  readonly #now: () => number;
  readonly #groupIds = new Map<string, string>();

  constructor(graph: GraphWriter, now: () => number) {
    this.#graph = graph;
    this.#now = now;
  }

  async apply(change: EntraChange): Promise<void> {
    const graph = this.#graph;
    if (change.type === 'entra-group') {
      const made = await graph.post<{ id: string }>('/groups', {
        displayName: change.name,
        description: `${MARKER} (role ${change.role})`,
        mailEnabled: false,
        mailNickname: change.name.replace(/[^A-Za-z0-9]/g, '').slice(0, 64) || 'jitgroup',
        securityEnabled: true,
        groupTypes: [],
      });
      this.#groupIds.set(change.name, made.id);
      return;
    }
    const groupId =
      change.type === 'eligibility' && change.groupId !== ''
        ? change.groupId
        : await this.groupId(change.group);
    if (change.type === 'pim-rule') {
      const policyId = change.policyId !== '' ? change.policyId : await policyIdOf(graph, groupId);
      await graph.patch(
        `/policies/roleManagementPolicies/${encodeURIComponent(policyId)}/rules/${change.ruleId}`,
        change.after,
      );
      return;
    }
    await graph.post(`${PIM}/eligibilityScheduleRequests`, {
      accessId: 'member',
      principalId: change.principalId,
      groupId,
      action: change.action === 'create' ? 'adminAssign' : 'adminRemove',
      justification: `JIT Access: ${change.action === 'create' ? 'eligible' : 'no longer eligible'} for role ${change.role} per the config`,
      ...(change.action === 'create'
        ? {
            scheduleInfo: {
              startDateTime: new Date(this.#now()).toISOString(),
              expiration:
                change.duration === null
                  ? { type: 'noExpiration' }
                  : { type: 'afterDuration', duration: change.duration },
            },
          }
        : {}),
    });
  }

  /** A group's object id: made by this run, or found by name. */
  async groupId(name: string): Promise<string> {
    const known = this.#groupIds.get(name);
    if (known !== undefined) return known;
    const id = await groupIdOf(this.#graph, name, 'fail');
    if (id === undefined) throw new Error(`no Entra group named ${name}`);
    this.#groupIds.set(name, id);
    return id;
  }
}

/** What JIT Access writes in the description of a group it creates. */
export const MARKER = 'Managed by JIT Access';

async function policyIdOf(graph: GraphWriter, groupId: string): Promise<string> {
  const assignments = await graph.listAll<{ policyId?: string; policy?: { id?: string } }>(
    '/policies/roleManagementPolicyAssignments',
    {
      query: {
        $filter: `scopeId eq ${odataString(groupId)} and scopeType eq 'Group' and roleDefinitionId eq 'member'`,
      },
    },
  );
  const id = assignments[0]?.policyId ?? assignments[0]?.policy?.id;
  if (id === undefined)
    throw new Error(`Entra has no PIM policy for the members of group ${groupId}`);
  return id;
}

/** Why an existing group cannot be a PIM group (or, prefixed `note:`, a caution). */
async function groupProblem(
  graph: GraphWriter,
  groupId: string,
  name: string,
): Promise<string | undefined> {
  const group = await graph.get<{
    groupTypes?: string[];
    securityEnabled?: boolean;
  }>(`/groups/${encodeURIComponent(groupId)}`, {
    query: { $select: 'id,displayName,groupTypes,securityEnabled' },
  });
  if ((group.groupTypes ?? []).includes('DynamicMembership'))
    return `group ${name} has dynamic membership; PIM for Groups needs assigned membership: use another group`;
  if (group.securityEnabled === false)
    return `group ${name} is not a security group; PIM for Groups needs one`;
  const parents = await graph.listAll<{ id: string }>(
    `/groups/${encodeURIComponent(groupId)}/memberOf`,
    { query: { $select: 'id' } },
  );
  if (parents.length > 0)
    return `note: group ${name} is nested in ${String(parents.length)} other group(s); Entra's provisioning to Identity Center does not flatten nested groups, so provision this group itself`;
  return undefined;
}

class EntraLookupError extends Error {}

/** `c1` when people prove MFA with authentication context c1 (auth.oidc.mfaEvidence). */
function authContextOf(config: JitConfig): string | undefined {
  const evidence = config.auth.oidc?.mfaEvidence;
  return evidence?.kind === 'acrs' ? evidence.value : undefined;
}

async function groupIdOf(
  graph: GraphWriter,
  nameOrId: string,
  missing: 'fail' | 'absent' = 'fail',
): Promise<string | undefined> {
  if (GUID.test(nameOrId)) return nameOrId;
  const found = await graph.listAll<{ id: string }>('/groups', {
    query: { $filter: `displayName eq ${odataString(nameOrId)}`, $select: 'id,displayName' },
  });
  if (found.length === 0 && missing === 'absent') return undefined;
  if (found.length === 0)
    throw new EntraLookupError(
      `no Entra group named ${JSON.stringify(nameOrId)}; create it (security group, assigned membership) and enable PIM for it, or set the role's entraGroup to its object id`,
    );
  if (found.length > 1)
    throw new EntraLookupError(
      `${String(found.length)} Entra groups are named ${JSON.stringify(nameOrId)}; set the role's entraGroup to the object id of the right one`,
    );
  return (found[0] as { id: string }).id;
}

async function principals(graph: GraphWriter, set: PrincipalSet): Promise<EntraPrincipal[]> {
  const out: EntraPrincipal[] = [];
  for (const user of set.users) {
    let found = await graph.listAll<{ id: string }>('/users', {
      query: { $filter: `userPrincipalName eq ${odataString(user)}`, $select: 'id' },
    });
    if (found.length === 0)
      found = await graph.listAll<{ id: string }>('/users', {
        query: { $filter: `mail eq ${odataString(user)}`, $select: 'id' },
      });
    const id = found[0]?.id;
    if (id === undefined) throw new EntraLookupError(`no Entra user ${user}`);
    out.push({ kind: 'user', id, name: user });
  }
  for (const group of set.groups) {
    const id = await groupIdOf(graph, group);
    if (id !== undefined) out.push({ kind: 'group', id, name: group });
  }
  return out;
}
