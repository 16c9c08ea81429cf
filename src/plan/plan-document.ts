// The plan as a document: what `jit plan --json` prints and `jit plan --out` saves for
// `jit apply --plan-file`. Its shape is the zod schema below; `schemas/plan.schema.json` is
// generated from it (test/lint/plan-schema.test.ts fails when the file is stale), so a
// pull-request bot can rely on it. Version 1; a field is only ever added.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  PERMISSION_SET_FIELDS,
  type IdentityCenterPlan,
  type IdentityCenterState,
  type PlanChange,
} from './identity-center-plan.js';
import type { EntraChange, EntraState } from './entra-plan.js';

/** A change to either cloud. */
export type AnyChange = PlanChange | EntraChange;

export function isEntraChange(change: AnyChange): change is EntraChange {
  return (
    change.type === 'pim-rule' || change.type === 'eligibility' || change.type === 'entra-group'
  );
}

const fields = z.object({
  description: z.string().nullable(),
  sessionDuration: z.string(),
  relayState: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  managedPolicies: z.array(z.string()),
  customerManagedPolicies: z.array(z.string()),
  inlinePolicy: z.string().nullable(),
  permissionsBoundary: z.string().nullable(),
});

const fieldName = z.enum(PERMISSION_SET_FIELDS);

const change = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('permission-set.create'),
    cloud: z.literal('aws'),
    name: z.string(),
    fields,
  }),
  z.object({
    kind: z.literal('permission-set.update'),
    cloud: z.literal('aws'),
    name: z.string(),
    arn: z.string(),
    adopt: z.boolean().describe('jit takes over a permission set it did not create'),
    changes: z.array(z.object({ field: fieldName, before: z.unknown(), after: z.unknown() })),
  }),
  z.object({
    kind: z.literal('permission-set.delete'),
    cloud: z.literal('aws'),
    name: z.string(),
    arn: z.string(),
  }),
  z.object({ kind: z.literal('group.create'), cloud: z.literal('aws'), name: z.string() }),
  z.object({
    kind: z.enum(['assignment.create', 'assignment.delete']),
    cloud: z.literal('aws'),
    group: z.string(),
    permissionSet: z.string(),
    account: z.string().regex(/^\d{12}$/),
  }),
  z.object({
    kind: z.literal('entra-group.create'),
    cloud: z.literal('entra'),
    role: z.string(),
    name: z.string().describe('a security group with assigned membership'),
  }),
  z.object({
    kind: z.literal('pim-rule.update'),
    cloud: z.literal('entra'),
    role: z.string(),
    group: z.string(),
    policyId: z.string().describe('empty when the group is created by the same apply'),
    ruleId: z.string().describe('e.g. Expiration_EndUser_Assignment'),
    before: z.unknown().describe("the rule's fields as Entra holds them (null: absent)"),
    after: z.record(z.string(), z.unknown()).describe('the rule as jit apply writes it'),
  }),
  z.object({
    kind: z.enum(['eligibility.create', 'eligibility.delete']),
    cloud: z.literal('entra'),
    role: z.string(),
    group: z.string(),
    groupId: z.string().describe('empty when the group is created by the same apply'),
    principalId: z.string(),
    principal: z.string().describe('a UPN, a group name, or (delete) the object id'),
    duration: z.string().nullable().describe('ISO 8601 duration of the eligibility; null: none'),
  }),
]);

export const planDocumentSchema = z
  .object({
    version: z.literal(1),
    generatedAt: z.iso.datetime(),
    config: z.string().describe('the config file the plan was made from'),
    configHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    identityCenter: z.object({
      instanceArn: z.string(),
      identityStoreId: z.string(),
      stateFingerprint: z
        .string()
        .regex(/^sha256:[0-9a-f]{64}$/)
        .describe('what jit apply --plan-file checks has not moved'),
    }),
    entra: z
      .object({
        roles: z.number().int().min(0).describe('entra-pim roles planned'),
        stateFingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
      })
      .nullable()
      .describe('null when the config has no entra-pim role, or Entra was not read'),
    prune: z.boolean(),
    summary: z.object({
      create: z.number().int().min(0),
      update: z.number().int().min(0),
      delete: z.number().int().min(0),
    }),
    changes: z.array(change),
    notes: z.array(z.object({ level: z.enum(['info', 'warning']), message: z.string() })),
  })
  .meta({
    $id: 'https://jit-access.dev/schemas/plan.schema.json',
    title: 'JIT Access plan',
    description: 'What jit plan would change (jit plan --json, jit plan --out).',
  });

export type PlanDocument = z.infer<typeof planDocumentSchema>;
export type PlanDocumentChange = z.infer<typeof change>;

/** The JSON Schema of the document, as committed in schemas/plan.schema.json. */
export function planJsonSchema(): unknown {
  return z.toJSONSchema(planDocumentSchema, { target: 'draft-2020-12' });
}

export function toDocumentChange(c: AnyChange): PlanDocumentChange {
  switch (c.type) {
    case 'entra-group':
      return { kind: 'entra-group.create', cloud: 'entra', role: c.role, name: c.name };
    case 'pim-rule':
      return {
        kind: 'pim-rule.update',
        cloud: 'entra',
        role: c.role,
        group: c.group,
        policyId: c.policyId,
        ruleId: c.ruleId,
        before: c.before,
        after: { ...c.after },
      };
    case 'eligibility':
      return {
        kind: c.action === 'create' ? 'eligibility.create' : 'eligibility.delete',
        cloud: 'entra',
        role: c.role,
        group: c.group,
        groupId: c.groupId,
        principalId: c.principalId,
        principal: c.principal,
        duration: c.duration,
      };
    case 'permission-set':
      switch (c.action) {
        case 'create':
          return {
            kind: 'permission-set.create',
            cloud: 'aws',
            name: c.name,
            fields: {
              ...c.fields,
              managedPolicies: [...c.fields.managedPolicies],
              customerManagedPolicies: [...c.fields.customerManagedPolicies],
            },
          };
        case 'update':
          return {
            kind: 'permission-set.update',
            cloud: 'aws',
            name: c.name,
            arn: c.arn,
            adopt: c.adopt,
            changes: c.changes.map((f) => ({ field: f.field, before: f.before, after: f.after })),
          };
        case 'delete':
          return { kind: 'permission-set.delete', cloud: 'aws', name: c.name, arn: c.arn };
      }
      break;
    case 'group':
      return { kind: 'group.create', cloud: 'aws', name: c.name };
    case 'assignment':
      return {
        kind: c.action === 'create' ? 'assignment.create' : 'assignment.delete',
        cloud: 'aws',
        group: c.group,
        permissionSet: c.permissionSet,
        account: c.account,
      };
  }
}

export function fromDocumentChange(c: PlanDocumentChange): AnyChange {
  switch (c.kind) {
    case 'entra-group.create':
      return { type: 'entra-group', action: 'create', role: c.role, name: c.name };
    case 'pim-rule.update':
      return {
        type: 'pim-rule',
        action: 'update',
        role: c.role,
        group: c.group,
        policyId: c.policyId,
        ruleId: c.ruleId,
        before: c.before,
        after: { id: c.ruleId, ...c.after },
      };
    case 'eligibility.create':
    case 'eligibility.delete':
      return {
        type: 'eligibility',
        action: c.kind === 'eligibility.create' ? 'create' : 'delete',
        role: c.role,
        group: c.group,
        groupId: c.groupId,
        principalId: c.principalId,
        principal: c.principal,
        duration: c.duration,
      };
    case 'permission-set.create':
      return { type: 'permission-set', action: 'create', name: c.name, fields: c.fields };
    case 'permission-set.update':
      return {
        type: 'permission-set',
        action: 'update',
        name: c.name,
        arn: c.arn,
        adopt: c.adopt,
        changes: c.changes,
      };
    case 'permission-set.delete':
      return { type: 'permission-set', action: 'delete', name: c.name, arn: c.arn };
    case 'group.create':
      return { type: 'group', action: 'create', name: c.name };
    case 'assignment.create':
    case 'assignment.delete':
      return {
        type: 'assignment',
        action: c.kind === 'assignment.create' ? 'create' : 'delete',
        group: c.group,
        permissionSet: c.permissionSet,
        account: c.account,
      };
  }
}

export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** A digest of the state the plan was computed from: any change to it changes this. */
export function stateFingerprint(state: IdentityCenterState): string {
  const sets = [...state.permissionSets.values()]
    .map((ps) => ({ ...ps }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const groups = [...state.groups.entries()].sort(([a], [b]) => a.localeCompare(b));
  const assignments = state.assignments
    .map((a) => [a.group, a.permissionSet, a.account])
    .sort((a, b) => a.join('\u0000').localeCompare(b.join('\u0000')));
  const ous = [...state.ouAccounts.entries()].sort(([a], [b]) => a.localeCompare(b));
  return sha256(JSON.stringify({ sets, groups, assignments, ous }));
}

/** A digest of the Entra state the plan was computed from. */
export function entraFingerprint(state: EntraState): string {
  return sha256(
    JSON.stringify(
      state.roles.map((r) => ({
        role: r.role,
        groupId: r.groupId,
        rules: r.rules,
        eligible: r.eligible,
      })),
    ),
  );
}

export function planDocument(input: {
  readonly configPath: string;
  readonly configText: string;
  readonly state: IdentityCenterState;
  readonly plan: IdentityCenterPlan;
  readonly entra?: { readonly state: EntraState; readonly changes: readonly EntraChange[] };
  readonly prune: boolean;
  readonly now: number;
}): PlanDocument {
  const changes = [...input.plan.changes, ...(input.entra?.changes ?? [])].map(toDocumentChange);
  const count = (suffix: string) => changes.filter((c) => c.kind.endsWith(suffix)).length;
  return {
    version: 1,
    generatedAt: new Date(input.now).toISOString(),
    config: input.configPath,
    configHash: sha256(input.configText),
    identityCenter: {
      instanceArn: input.state.instanceArn,
      identityStoreId: input.state.identityStoreId,
      stateFingerprint: stateFingerprint(input.state),
    },
    entra:
      input.entra === undefined
        ? null
        : {
            roles: input.entra.state.roles.length,
            stateFingerprint: entraFingerprint(input.entra.state),
          },
    prune: input.prune,
    summary: { create: count('.create'), update: count('.update'), delete: count('.delete') },
    changes,
    notes: [
      ...input.plan.notes,
      ...(input.entra?.state.problems ?? []).map((message) => ({
        level: 'warning' as const,
        message,
      })),
    ],
  };
}
