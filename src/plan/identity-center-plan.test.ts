import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import {
  canonicalJson,
  desiredFields,
  planIdentityCenter,
  withoutRevocations,
  type IdentityCenterState,
  type PermissionSetState,
} from './identity-center-plan.js';

const CONFIG = `mode: sandbox
permissionSets:
  Admin:
    sessionDuration: PT1H
    managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess]
    inlinePolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}'
roles:
  admin:
    group: JIT-Admin
    permissionSet: Admin
    accounts: ['111111111111']
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com }
`;

function config() {
  const parsed = parseConfig(CONFIG, 'test.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.config;
}

function held(overrides: Partial<PermissionSetState> = {}): PermissionSetState {
  const ps = config().permissionSets.get('Admin');
  if (ps === undefined) throw new Error('no Admin');
  return { name: 'Admin', arn: 'arn:ps-admin', ...desiredFields(ps), ...overrides };
}

function state(sets: PermissionSetState[], extra: Partial<IdentityCenterState> = {}) {
  return {
    instanceArn: 'arn:instance',
    identityStoreId: 'd-1',
    permissionSets: new Map(sets.map((ps) => [ps.name, ps])),
    groups: new Map([['JIT-Admin', 'g-1']]),
    assignments: [{ group: 'JIT-Admin', permissionSet: 'Admin', account: '111111111111' }],
    ouAccounts: new Map(),
    ...extra,
  } satisfies IdentityCenterState;
}

describe('planIdentityCenter', () => {
  it('plans nothing when Identity Center holds the config', () => {
    expect(planIdentityCenter(config(), state([held()]), { prune: false })).toEqual({
      changes: [],
      notes: [],
    });
  });

  it('adopts a permission set of the same name that jit did not tag, adding its tag', () => {
    const plan = planIdentityCenter(config(), state([held({ tags: {} })]), { prune: false });
    expect(plan.changes).toEqual([
      {
        type: 'permission-set',
        action: 'update',
        name: 'Admin',
        arn: 'arn:ps-admin',
        adopt: true,
        changes: [{ field: 'tags', before: {}, after: { 'managed-by': 'jit' } }],
      },
    ]);
  });

  it('compares policies as JSON, not as text', () => {
    const spaced = JSON.stringify(JSON.parse(held().inlinePolicy ?? '{}'), null, 2);
    expect(spaced).not.toBe(held().inlinePolicy);
    // What the reader stores: the document re-serialised.
    const plan = planIdentityCenter(
      config(),
      state([held({ inlinePolicy: canonicalJson(spaced) })]),
      {
        prune: false,
      },
    );
    expect(plan.changes).toEqual([]);
  });

  it('leaves a description the config does not set (the API cannot remove one)', () => {
    const plan = planIdentityCenter(config(), state([held({ description: 'from Terraform' })]), {
      prune: false,
    });
    expect(plan.changes).toEqual([]);
  });

  it('never plans a USER assignment or an unmanaged set, and prunes only tagged sets', () => {
    const foreign: PermissionSetState = { ...held(), name: 'Legacy', arn: 'arn:legacy', tags: {} };
    const orphan: PermissionSetState = { ...held(), name: 'Old', arn: 'arn:old' };
    const s = state([held(), foreign, orphan], {
      assignments: [
        { group: 'JIT-Admin', permissionSet: 'Admin', account: '111111111111' },
        { group: 'Legacy-Team', permissionSet: 'Legacy', account: '111111111111' },
        { group: 'JIT-Old', permissionSet: 'Old', account: '111111111111' },
      ],
    });
    const kept = planIdentityCenter(config(), s, { prune: false });
    expect(kept.changes).toEqual([]);
    expect(kept.notes.map((n) => n.message)).toEqual([
      'kept: assignment of JIT-Old to Old in 111111111111 is no longer in the config (--prune deletes it)',
      'kept: permission set Old is managed by jit but no longer in the config (--prune deletes it)',
    ]);
    const pruned = planIdentityCenter(config(), s, { prune: true });
    expect(pruned.changes).toEqual([
      {
        type: 'assignment',
        action: 'delete',
        group: 'JIT-Old',
        permissionSet: 'Old',
        account: '111111111111',
      },
      { type: 'permission-set', action: 'delete', name: 'Old', arn: 'arn:old' },
    ]);
  });

  it('creates a missing group before its assignment', () => {
    const plan = planIdentityCenter(
      config(),
      state([held()], { groups: new Map(), assignments: [] }),
      {
        prune: false,
      },
    );
    expect(plan.changes.map((c) => `${c.type}.${c.action}`)).toEqual([
      'group.create',
      'assignment.create',
    ]);
  });
});

describe('withoutRevocations', () => {
  it("drops the session revoker's Deny statements and keeps the rest as they are", () => {
    const own = { Effect: 'Deny', Action: 'iam:*', Resource: '*' };
    const revoke = { Sid: 'JitRevoke0T3600U0', Effect: 'Deny', Action: '*', Resource: '*' };
    expect(
      withoutRevocations(JSON.stringify({ Version: '2012-10-17', Statement: [own, revoke] })),
    ).toBe(JSON.stringify({ Version: '2012-10-17', Statement: [own] }));
    expect(withoutRevocations(JSON.stringify({ Version: '2012-10-17', Statement: [revoke] }))).toBe(
      null,
    );
    expect(withoutRevocations(undefined)).toBe(null);
  });
});
