// Graph v1.0 role management policies for PIM groups: the policy assignments of a group
// (`$filter=scopeId eq '…' and scopeType eq 'Group'`, optionally `and roleDefinitionId eq
// 'member'`, with `$expand=policy($expand=rules)`), the policies and their rules, and rule
// PATCH, which needs the rule's `@odata.type` as Graph does.

import { context, jsonObjectBody, type GraphCall, type GraphRoute } from './graph-context.js';
import { badRequest, notFound } from './graph-error.js';
import { jsonResponse } from './http-kit.js';
import {
  equalityValues,
  matchesFilter,
  parseListQuery,
  propertyOf,
  type ListQueryOptions,
} from './odata-query.js';
import { patchRule, policyRule, type PimPolicy } from './pim-policy.js';
import type { RouteTable } from './route-table.js';

const assignmentOptions: ListQueryOptions = {
  typeName: 'microsoft.graph.unifiedRoleManagementPolicyAssignment',
  filterable: ['scopeId', 'scopeType', 'roleDefinitionId', 'policyId', 'id'],
  selectable: ['id', 'policyId', 'scopeId', 'scopeType', 'roleDefinitionId'],
  defaultTop: 100,
  maxTop: 999,
  extra: ['$expand'],
};

const policyOptions: ListQueryOptions = {
  typeName: 'microsoft.graph.unifiedRoleManagementPolicy',
  filterable: ['scopeId', 'scopeType', 'id'],
  selectable: [
    'id',
    'displayName',
    'description',
    'isOrganizationDefault',
    'scopeId',
    'scopeType',
    'lastModifiedDateTime',
    'lastModifiedBy',
  ],
  defaultTop: 100,
  maxTop: 999,
  extra: ['$expand'],
};

function policyView(policy: PimPolicy, withRules: boolean): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: policy.id,
    displayName: 'Group',
    description: 'Group',
    isOrganizationDefault: false,
    scopeId: policy.groupId,
    scopeType: 'Group',
    lastModifiedDateTime: policy.lastModifiedDateTime,
    lastModifiedBy: policy.lastModifiedBy,
  };
  if (withRules) view.rules = policy.rules.map((r) => structuredClone(r));
  return view;
}

/** Onboards the groups a scopeId filter names, as Entra treats every security group as PIM-capable. */
function onboardScopes(call: GraphCall, scopeIds: readonly string[]): void {
  for (const scopeId of scopeIds) {
    const group = call.world.directory.group(scopeId);
    if (group?.securityEnabled === true) call.world.pim.onboard(group.id, call.now);
  }
}

function scopeFilter(call: GraphCall, options: ListQueryOptions) {
  const query = parseListQuery(call.request.query, options);
  const filter = query.filter;
  const scopeIds = filter === undefined ? undefined : equalityValues(filter, 'scopeId');
  const scopeTypes = filter === undefined ? undefined : equalityValues(filter, 'scopeType');
  if (filter === undefined || scopeIds === undefined || scopeTypes === undefined)
    throw badRequest(
      "The filter must name the scope: $filter=scopeId eq '{groupId}' and scopeType eq 'Group'.",
    );
  if (!scopeTypes.every((t) => t.toLowerCase() === 'group'))
    throw badRequest(
      "The Entra emulator serves PIM for Groups policies only: use scopeType eq 'Group'.",
    );
  onboardScopes(call, scopeIds);
  return { query, filter };
}

function expandOption(call: GraphCall, allowed: readonly string[]): string | undefined {
  const text = call.request.query.get('$expand');
  if (text === null || text.trim() === '') return undefined;
  const normal = text.replace(/\s+/g, '');
  if (!allowed.includes(normal))
    throw badRequest(
      `The $expand '${text.slice(0, 100)}' is not supported here by the Entra emulator; use ${allowed.join(' or ')}.`,
      'Request_BadRequest',
    );
  return normal;
}

function requirePolicy(call: GraphCall): PimPolicy {
  const id = call.params[0] ?? '';
  const policy = call.world.pim.policies.get(id);
  if (policy === undefined) throw notFound(id);
  return policy;
}

export function policyRoutes(table: RouteTable<GraphRoute>): void {
  table.add('GET', '/policies/roleManagementPolicyAssignments', {
    access: 'readPolicies',
    handler: (call) => {
      const expand = expandOption(call, ['policy', 'policy($expand=rules)']);
      const { query, filter } = scopeFilter(call, assignmentOptions);
      const items = [...call.world.pim.policies.values()]
        .map((policy) => {
          const item: Record<string, unknown> = {
            id: policy.assignmentId,
            policyId: policy.id,
            scopeId: policy.groupId,
            scopeType: 'Group',
            roleDefinitionId: policy.accessId,
          };
          return { item, policy };
        })
        .filter(({ item }) => matchesFilter(filter, (p) => propertyOf(item, p)))
        .slice(query.offset, query.offset + query.top)
        .map(({ item, policy }) =>
          expand === undefined
            ? item
            : { ...item, policy: policyView(policy, expand === 'policy($expand=rules)') },
        );
      return jsonResponse(200, {
        '@odata.context': context(call.world.graphUrl, 'policies/roleManagementPolicyAssignments'),
        value: items,
      });
    },
  });
  table.add('GET', '/policies/roleManagementPolicies', {
    access: 'readPolicies',
    handler: (call) => {
      const expand = expandOption(call, ['rules']);
      const { filter } = scopeFilter(call, policyOptions);
      const items = [...call.world.pim.policies.values()]
        .filter((policy) => matchesFilter(filter, (p) => propertyOf(policyView(policy, false), p)))
        .map((policy) => policyView(policy, expand === 'rules'));
      return jsonResponse(200, {
        '@odata.context': context(call.world.graphUrl, 'policies/roleManagementPolicies'),
        value: items,
      });
    },
  });
  table.add('GET', '/policies/roleManagementPolicies/{id}', {
    access: 'readPolicies',
    handler: (call) => {
      const expand = expandOption(call, ['rules']);
      return jsonResponse(200, {
        '@odata.context': context(call.world.graphUrl, 'policies/roleManagementPolicies/$entity'),
        ...policyView(requirePolicy(call), expand === 'rules'),
      });
    },
  });
  table.add('GET', '/policies/roleManagementPolicies/{id}/rules', {
    access: 'readPolicies',
    handler: (call) =>
      jsonResponse(200, {
        '@odata.context': context(call.world.graphUrl, 'policies/roleManagementPolicies/rules'),
        value: requirePolicy(call).rules.map((r) => structuredClone(r)),
      }),
  });
  table.add('GET', '/policies/roleManagementPolicies/{id}/rules/{ruleId}', {
    access: 'readPolicies',
    handler: (call) => {
      const rule = policyRule(requirePolicy(call), call.params[1] ?? '');
      if (rule === undefined) throw notFound(call.params[1] ?? '');
      return jsonResponse(200, {
        '@odata.context': context(
          call.world.graphUrl,
          'policies/roleManagementPolicies/rules/$entity',
        ),
        ...structuredClone(rule),
      });
    },
  });
  table.add('PATCH', '/policies/roleManagementPolicies/{id}/rules/{ruleId}', {
    access: 'writePolicies',
    handler: (call) => {
      const policy = requirePolicy(call);
      const rule = policyRule(policy, call.params[1] ?? '');
      if (rule === undefined) throw notFound(call.params[1] ?? '');
      patchRule(rule, jsonObjectBody(call), call.world.directory);
      policy.lastModifiedDateTime = new Date(call.now).toISOString();
      policy.lastModifiedBy =
        call.caller.kind === 'user'
          ? {
              id: call.caller.userId,
              displayName: call.world.directory.users.get(call.caller.userId)?.displayName ?? null,
            }
          : { id: call.caller.objectId, displayName: null };
      return jsonResponse(200, {
        '@odata.context': context(
          call.world.graphUrl,
          'policies/roleManagementPolicies/rules/$entity',
        ),
        ...structuredClone(rule),
      });
    },
  });
}
