// Properties of the pure reconcile plan over random wanted, held and owned entitlements.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entitlementKey, type Entitlement, type Grant } from '../core/grant.js';
import type { Role } from '../core/role.js';
import { testRole } from '../../test/harness/core-fixtures.js';
import { planReconcile, type Wanted } from './plan-reconcile.js';

const USERS = ['a@x', 'b@x', 'c@x', 'd@x'];
const GROUPS = ['G-report', 'G-enforce', 'G-unknown'];
const ACCOUNTS = ['111111111111', '222222222222'];

const entitlementArb: fc.Arbitrary<Entitlement> = fc.oneof(
  fc
    .record({ group: fc.constantFrom(...GROUPS), user: fc.constantFrom(...USERS) })
    .map((r) => ({ kind: 'group-membership' as const, ...r })),
  fc
    .record({
      permissionSet: fc.constantFrom('Ops', 'Stray'),
      account: fc.constantFrom(...ACCOUNTS),
      user: fc.constantFrom(...USERS),
    })
    .map((r) => ({ kind: 'account-assignment' as const, ...r })),
);

const roles: Role[] = [
  testRole({ name: 'report', group: 'G-report', drift: 'report' }),
  testRole({ name: 'enforce', group: 'G-enforce', drift: 'enforce' }),
  testRole({
    name: 'ops',
    group: 'unused',
    enforcement: 'account-assignment',
    permissionSet: 'Ops',
    accounts: ACCOUNTS,
    drift: 'enforce',
  }),
];

function roleFor(e: Entitlement): Role | undefined {
  return roles.find((r) =>
    e.kind === 'group-membership'
      ? r.enforcement === 'group-membership' && r.group === e.group
      : r.enforcement === 'account-assignment' &&
        r.permissionSet === e.permissionSet &&
        r.accounts.includes(e.account),
  );
}

const byKey = (list: readonly Entitlement[]) => new Map(list.map((e) => [entitlementKey(e), e]));

const worldArb = fc.record({
  desired: fc.array(entitlementArb, { maxLength: 12 }),
  actual: fc.array(entitlementArb, { maxLength: 12 }),
  owned: fc.array(entitlementArb, { maxLength: 12 }),
});

function plan(world: { desired: Entitlement[]; actual: Entitlement[]; owned: Entitlement[] }) {
  const desired = new Map<string, Wanted<string>>(
    [...byKey(world.desired)].map(([k, e]) => [k, { entitlement: e, grants: [`g-${k}`] }]),
  );
  const actual = byKey(world.actual);
  const owners = new Map<string, Grant>(
    [...byKey(world.owned)].map(([k]) => [
      k,
      { id: `ended-${k}`, status: 'expired', endReason: 'reached its end' } as unknown as Grant,
    ]),
  );
  return { desired, actual, owners, result: planReconcile(desired, actual, owners, roleFor) };
}

describe('planReconcile', () => {
  it('takes no action for an entitlement that is both wanted and held', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { desired, actual, result } = plan(world);
        for (const key of desired.keys()) {
          if (!actual.has(key)) continue;
          expect(result.actions.some((a) => a.key === key)).toBe(false);
          expect(result.drift.some((d) => d.key === key)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('grants exactly what is wanted and not held, once each', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { desired, actual, result } = plan(world);
        const grants = result.actions.filter((a) => a.kind === 'grant').map((a) => a.key);
        const expected = [...desired.keys()].filter((k) => !actual.has(k));
        expect(grants).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('removes every held, unwanted entitlement an ended grant held, whatever its role says', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { desired, actual, owners, result } = plan(world);
        for (const key of actual.keys()) {
          if (desired.has(key) || !owners.has(key)) continue;
          const removal = result.actions.find((a) => a.key === key);
          expect(removal).toMatchObject({
            kind: 'revoke',
            drift: false,
            grantIds: [`ended-${key}`],
          });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('removes drift only under drift: enforce, and reports the rest', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { desired, actual, owners, result } = plan(world);
        for (const [key, entitlement] of actual) {
          if (desired.has(key) || owners.has(key)) continue;
          const enforce = roleFor(entitlement)?.drift === 'enforce';
          const removal = result.actions.find((a) => a.key === key);
          const reported = result.drift.find((d) => d.key === key);
          if (enforce) {
            expect(removal).toMatchObject({ kind: 'revoke', drift: true, grantIds: [] });
            expect(reported).toBeUndefined();
          } else {
            expect(removal).toBeUndefined();
            expect(reported?.role?.name).toBe(roleFor(entitlement)?.name);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('touches each key at most once, and only keys where wanted and held differ', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { desired, actual, result } = plan(world);
        const touched = [...result.actions.map((a) => a.key), ...result.drift.map((d) => d.key)];
        expect(new Set(touched).size).toBe(touched.length);
        const differ = new Set(
          [...desired.keys(), ...actual.keys()].filter((k) => desired.has(k) !== actual.has(k)),
        );
        expect(new Set(touched)).toEqual(differ);
      }),
      { numRuns: 500 },
    );
  });
});
