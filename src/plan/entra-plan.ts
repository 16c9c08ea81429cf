// What `jit plan` would change in Entra PIM for the config's `entra-pim` roles: the rules of
// each role's PIM policy (expiration, justification / MFA / ticket, approval and approvers,
// derived from the role as `desiredRules` says) and the eligibility of each eligible member,
// with its expiry. Read through Graph, planned here (pure), applied through Graph.
//
// The PIM group itself must exist (a security group with assigned membership): the plan
// says so when it does not, and creating groups is not part of this version.
import { odataString } from '../adapters/entra/graph-client.js';
import type { JitConfig } from '../config/index.js';
import { formatDuration } from '../core/duration.js';
import type { PrincipalSet } from '../core/role.js';
import { desiredRules, type GraphWriter } from './apply-entra-pim.js';

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
  readonly groupId: string;
  readonly policyId: string;
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
      readonly type: 'pim-rule';
      readonly action: 'update';
      readonly role: string;
      readonly group: string;
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
      const groupId = await groupIdOf(graph, group);
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
      const approvers = role.activation.approval.required
        ? await principals(graph, role.activation.approval.approvers)
        : [];
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
        role: role.name,
        group,
        groupId,
        policyId,
        rules: Object.fromEntries((policy?.rules ?? []).map((r) => [r.id, r])),
        desiredRules: desiredRules(role, approvers),
        eligible,
        wantEligible: await principals(graph, role.eligibility.members),
        maxEligibility:
          role.eligibility.maxEligibility === undefined
            ? null
            : formatDuration(role.eligibility.maxEligibility),
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
    for (const rule of r.desiredRules) {
      const current = r.rules[rule.id];
      if (current !== undefined && sameRule(current, rule)) continue;
      changes.push({
        type: 'pim-rule',
        action: 'update',
        role: r.role,
        group: r.group,
        policyId: r.policyId,
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
          groupId: r.groupId,
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
            groupId: r.groupId,
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

/** Carries Entra changes out, in order, stopping at the first failure. */
export async function applyEntraChange(
  change: EntraChange,
  graph: GraphWriter,
  now: () => number,
): Promise<void> {
  if (change.type === 'pim-rule') {
    await graph.patch(
      `/policies/roleManagementPolicies/${encodeURIComponent(change.policyId)}/rules/${change.ruleId}`,
      change.after,
    );
    return;
  }
  await graph.post(`${PIM}/eligibilityScheduleRequests`, {
    accessId: 'member',
    principalId: change.principalId,
    groupId: change.groupId,
    action: change.action === 'create' ? 'adminAssign' : 'adminRemove',
    justification: `JIT Access: ${change.action === 'create' ? 'eligible' : 'no longer eligible'} for role ${change.role} per the config`,
    ...(change.action === 'create'
      ? {
          scheduleInfo: {
            startDateTime: new Date(now()).toISOString(),
            expiration:
              change.duration === null
                ? { type: 'noExpiration' }
                : { type: 'afterDuration', duration: change.duration },
          },
        }
      : {}),
  });
}

class EntraLookupError extends Error {}

async function groupIdOf(graph: GraphWriter, nameOrId: string): Promise<string> {
  if (GUID.test(nameOrId)) return nameOrId;
  const found = await graph.listAll<{ id: string }>('/groups', {
    query: { $filter: `displayName eq ${odataString(nameOrId)}`, $select: 'id,displayName' },
  });
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
  for (const group of set.groups)
    out.push({ kind: 'group', id: await groupIdOf(graph, group), name: group });
  return out;
}
