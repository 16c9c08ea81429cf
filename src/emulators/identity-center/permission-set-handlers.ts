// sso-admin: the instance and permission sets (CRUD, tags, managed, customer-managed and
// inline policies, permissions boundary). Limits from CLOUD-APIS.md section A.

import { Buffer } from 'node:buffer';
import { conflictError, notFoundError, quotaError, validationError } from './aws-error.js';
import { hex, type PermissionSetRecord } from './emulator-state.js';
import type { JsonInput, JsonObject } from './json-input.js';
import { compact, epochSeconds, type HandlerTable } from './operation-handler.js';
import { paginate } from './paginate.js';
import {
  checkSessionDuration,
  requireInstance,
  requirePermissionSet,
} from './sso-admin-lookups.js';

const maxPermissionSets = 3500;
const maxManagedPolicies = 10;
const maxInlineBytes = 32_768;
const maxInlineNonWhitespace = 10_240;
const namePattern = /^[\w+=,.@-]{1,32}$/;

function describe(ps: PermissionSetRecord): JsonObject {
  return compact({
    CreatedDate: epochSeconds(ps.createdAt),
    Description: ps.description,
    Name: ps.name,
    PermissionSetArn: ps.arn,
    RelayState: ps.relayState,
    SessionDuration: ps.sessionDuration,
  });
}

function readTags(input: JsonInput): [string, string][] {
  const tags = input.optObjectList('Tags') ?? [];
  if (tags.length > 50) throw validationError('At most 50 tags');
  return tags.map((tag) => [tag.string('Key'), tag.optString('Value') ?? '']);
}

function description(input: JsonInput): string | undefined {
  const value = input.optString('Description');
  if (value !== undefined && value.length > 700)
    throw validationError('Description is longer than 700 characters');
  return value;
}

function customerManagedReference(input: JsonInput): { name: string; path: string } {
  const name = input.string('Name');
  const path = input.optString('Path') ?? '/';
  if (!/^[\w+=,.@-]{1,128}$/.test(name))
    throw validationError(`Invalid customer managed policy name: ${name}`);
  if (!/^(\/|\/[\u0021-\u007E]+\/)$/.test(path) || path.length > 512) {
    throw validationError(`Invalid customer managed policy path: ${path}`);
  }
  return { name, path };
}

function managedPolicyArn(input: JsonInput): string {
  const arn = input.string('ManagedPolicyArn');
  const match =
    /^arn:(aws|aws-cn|aws-us-gov):iam::aws:policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,128})$/.exec(
      arn,
    );
  if (match?.[2] === undefined)
    throw validationError(`ManagedPolicyArn is not an AWS managed policy ARN: ${arn}`);
  return arn;
}

function touch(ps: PermissionSetRecord): Record<string, never> {
  ps.version += 1;
  return {};
}

export const permissionSetHandlers: HandlerTable = {
  ListInstances: (input, { state }) => {
    const page = paginate([state], input, 'ListInstances');
    return compact({
      Instances: page.items.map((s) => ({
        CreatedDate: epochSeconds(s.createdAt),
        IdentityStoreId: s.identityStoreId,
        InstanceArn: s.instanceArn,
        Name: 'jit-emulator',
        OwnerAccountId: s.organization.managementAccountId,
        Status: 'ACTIVE',
      })),
      NextToken: page.nextToken,
    });
  },

  DescribeInstance: (input, { state }) => {
    requireInstance(input, state);
    return {
      CreatedDate: epochSeconds(state.createdAt),
      IdentityStoreId: state.identityStoreId,
      InstanceArn: state.instanceArn,
      Name: 'jit-emulator',
      OwnerAccountId: state.organization.managementAccountId,
      Status: 'ACTIVE',
    };
  },

  CreatePermissionSet: (input, { state, now }) => {
    requireInstance(input, state);
    const name = input.string('Name');
    if (!namePattern.test(name))
      throw validationError(`Name must match [\\w+=,.@-]{1,32}: ${name}`);
    const sessionDuration = checkSessionDuration(input.optString('SessionDuration') ?? 'PT1H');
    const desc = description(input);
    const tags = readTags(input);
    const relayState = input.optString('RelayState');
    const existing = [...state.permissionSets.values()];
    if (existing.some((ps) => ps.name === name)) {
      throw conflictError(`A permission set named ${name} already exists`);
    }
    if (existing.length >= maxPermissionSets)
      throw quotaError(`At most ${maxPermissionSets} permission sets per instance`);
    const instanceId = state.instanceArn.slice(state.instanceArn.lastIndexOf('/') + 1);
    const ps: PermissionSetRecord = {
      arn: `arn:aws:sso:::permissionSet/${instanceId}/ps-${hex(8)}`,
      name,
      createdAt: now,
      description: desc,
      relayState,
      sessionDuration,
      tags: new Map(tags),
      managedPolicies: new Map(),
      customerManagedPolicies: new Map(),
      inlinePolicy: undefined,
      permissionsBoundary: undefined,
      version: 1,
    };
    state.permissionSets.set(ps.arn, ps);
    return { PermissionSet: describe(ps) };
  },

  DescribePermissionSet: (input, { state }) => ({
    PermissionSet: describe(requirePermissionSet(input, state)),
  }),

  ListPermissionSets: (input, { state }) => {
    requireInstance(input, state);
    const page = paginate([...state.permissionSets.keys()], input, 'ListPermissionSets');
    return compact({ PermissionSets: page.items, NextToken: page.nextToken });
  },

  UpdatePermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const duration = input.optString('SessionDuration');
    if (duration !== undefined) ps.sessionDuration = checkSessionDuration(duration);
    const desc = description(input);
    if (desc !== undefined) ps.description = desc;
    const relayState = input.optString('RelayState');
    if (relayState !== undefined) ps.relayState = relayState;
    return touch(ps);
  },

  DeletePermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    // Unverified detail: AWS refuses to delete a permission set still assigned; we answer
    // ConflictException, like other in-use refusals of the service.
    if ([...state.assignments.values()].some((a) => a.permissionSetArn === ps.arn)) {
      throw conflictError(`Permission set ${ps.name} still has account assignments`);
    }
    state.permissionSets.delete(ps.arn);
    for (const [key, role] of state.roles)
      if (role.permissionSetArn === ps.arn) state.roles.delete(key);
    return {};
  },

  TagResource: (input, { state }) => {
    const ps = requirePermissionSet(input, state, 'ResourceArn');
    const tags = readTags(input);
    if (tags.length === 0) throw validationError('Tags is required');
    for (const [key, value] of tags) ps.tags.set(key, value);
    if (ps.tags.size > 50) throw quotaError('At most 50 tags per resource');
    return {};
  },

  UntagResource: (input, { state }) => {
    const ps = requirePermissionSet(input, state, 'ResourceArn');
    const keys = input.optStringList('TagKeys');
    if (keys === undefined || keys.length === 0) throw validationError('TagKeys is required');
    for (const key of keys) ps.tags.delete(key);
    return {};
  },

  ListTagsForResource: (input, { state }) => {
    const ps = requirePermissionSet(input, state, 'ResourceArn');
    const page = paginate(
      [...ps.tags].map(([Key, Value]) => ({ Key, Value })),
      input,
      `tags:${ps.arn}`,
      50,
    );
    return compact({ Tags: page.items, NextToken: page.nextToken });
  },

  AttachManagedPolicyToPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const arn = managedPolicyArn(input);
    if (ps.managedPolicies.has(arn)) throw conflictError(`${arn} is already attached`);
    if (ps.managedPolicies.size + ps.customerManagedPolicies.size >= maxManagedPolicies) {
      throw quotaError(`At most ${maxManagedPolicies} managed policies per permission set`);
    }
    ps.managedPolicies.set(arn, arn.slice(arn.lastIndexOf('/') + 1));
    return touch(ps);
  },

  DetachManagedPolicyFromPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const arn = managedPolicyArn(input);
    if (!ps.managedPolicies.delete(arn)) throw notFoundError(`${arn} is not attached`);
    return touch(ps);
  },

  ListManagedPoliciesInPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const items = [...ps.managedPolicies].map(([Arn, Name]) => ({ Arn, Name }));
    const page = paginate(items, input, `managed:${ps.arn}`);
    return compact({ AttachedManagedPolicies: page.items, NextToken: page.nextToken });
  },

  AttachCustomerManagedPolicyReferenceToPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const ref = customerManagedReference(input.object('CustomerManagedPolicyReference'));
    const key = `${ref.path}${ref.name}`;
    if (ps.customerManagedPolicies.has(key)) throw conflictError(`${key} is already attached`);
    if (ps.managedPolicies.size + ps.customerManagedPolicies.size >= maxManagedPolicies) {
      throw quotaError(`At most ${maxManagedPolicies} managed policies per permission set`);
    }
    ps.customerManagedPolicies.set(key, ref);
    return touch(ps);
  },

  DetachCustomerManagedPolicyReferenceFromPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const ref = customerManagedReference(input.object('CustomerManagedPolicyReference'));
    if (!ps.customerManagedPolicies.delete(`${ref.path}${ref.name}`)) {
      throw notFoundError(`${ref.path}${ref.name} is not attached`);
    }
    return touch(ps);
  },

  ListCustomerManagedPolicyReferencesInPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const items = [...ps.customerManagedPolicies.values()].map((r) => ({
      Name: r.name,
      Path: r.path,
    }));
    const page = paginate(items, input, `customer:${ps.arn}`);
    return compact({ CustomerManagedPolicyReferences: page.items, NextToken: page.nextToken });
  },

  PutInlinePolicyToPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const policy = input.string('InlinePolicy');
    if (Buffer.byteLength(policy, 'utf8') > maxInlineBytes) {
      throw validationError(`InlinePolicy is larger than ${maxInlineBytes} bytes`);
    }
    if (policy.replace(/\s/g, '').length > maxInlineNonWhitespace) {
      throw quotaError(
        `InlinePolicy has more than ${maxInlineNonWhitespace} non-whitespace characters`,
      );
    }
    checkPolicyDocument(policy);
    ps.inlinePolicy = policy;
    return touch(ps);
  },

  GetInlinePolicyForPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    // Believed from CLI output: a permission set without one answers an empty string.
    return { InlinePolicy: ps.inlinePolicy ?? '' };
  },

  DeleteInlinePolicyFromPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    ps.inlinePolicy = undefined;
    return touch(ps);
  },

  PutPermissionsBoundaryToPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const boundary = input.object('PermissionsBoundary');
    const customer = boundary.optObject('CustomerManagedPolicyReference');
    const hasArn = boundary.has('ManagedPolicyArn');
    if ((customer === undefined) === !hasArn) {
      throw validationError(
        'PermissionsBoundary needs exactly one of ManagedPolicyArn or CustomerManagedPolicyReference',
      );
    }
    ps.permissionsBoundary =
      customer === undefined
        ? { managedPolicyArn: managedPolicyArn(boundary) }
        : { customerManaged: customerManagedReference(customer) };
    return touch(ps);
  },

  GetPermissionsBoundaryForPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    const boundary = ps.permissionsBoundary;
    if (boundary === undefined)
      throw notFoundError(`Permission set ${ps.name} has no permissions boundary`);
    return {
      PermissionsBoundary:
        'managedPolicyArn' in boundary
          ? { ManagedPolicyArn: boundary.managedPolicyArn }
          : {
              CustomerManagedPolicyReference: {
                Name: boundary.customerManaged.name,
                Path: boundary.customerManaged.path,
              },
            },
    };
  },

  DeletePermissionsBoundaryFromPermissionSet: (input, { state }) => {
    const ps = requirePermissionSet(input, state);
    if (ps.permissionsBoundary === undefined)
      throw notFoundError(`Permission set ${ps.name} has no permissions boundary`);
    ps.permissionsBoundary = undefined;
    return touch(ps);
  },
};

/** A policy document is a JSON object with a Statement (object or list of objects). */
export function checkPolicyDocument(policy: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    throw validationError('The policy document is not valid JSON');
  }
  const statement =
    typeof parsed === 'object' && parsed !== null
      ? (parsed as { Statement?: unknown }).Statement
      : undefined;
  const statements = Array.isArray(statement) ? statement : [statement];
  if (statement === undefined || statements.some((s) => typeof s !== 'object' || s === null)) {
    throw validationError('The policy document needs a Statement');
  }
}
