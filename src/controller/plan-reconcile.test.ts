// The plan's handling of removal orders (an incident's `jit revoke --user --all`).
import { describe, expect, it } from 'vitest';
import { entitlementKey, type Entitlement } from '../core/grant.js';
import { testRole } from '../../test/harness/core-fixtures.js';
import { planReconcile, type Wanted } from './plan-reconcile.js';

const report = testRole({ name: 'report', group: 'G-report', drift: 'report' });
const held: Entitlement = { kind: 'group-membership', group: 'G-report', user: 'bob@x' };
const key = entitlementKey(held);

describe('planReconcile with removal orders', () => {
  it('removes ordered access that nothing backs, even where the role only reports drift', () => {
    const plan = planReconcile(
      new Map<string, Wanted<string>>(),
      new Map([[key, held]]),
      new Map(),
      () => report,
      new Map([[key, 'removal ordered by incident inc_1: INC-42']]),
    );
    expect(plan.drift).toEqual([]);
    expect(plan.actions).toEqual([
      {
        kind: 'revoke',
        key,
        entitlement: held,
        reason: 'removal ordered by incident inc_1: INC-42',
        grantIds: [],
        drift: true,
      },
    ]);
  });

  it('keeps ordered access that a grant wants again', () => {
    const plan = planReconcile(
      new Map<string, Wanted<string>>([[key, { entitlement: held, grants: ['g_2'] }]]),
      new Map([[key, held]]),
      new Map(),
      () => report,
      new Map([[key, 'removal ordered']]),
    );
    expect(plan.actions).toEqual([]);
  });

  it('without an order, only reports the same drift', () => {
    const plan = planReconcile(
      new Map<string, Wanted<string>>(),
      new Map([[key, held]]),
      new Map(),
      () => report,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.drift.map((d) => d.key)).toEqual([key]);
  });
});
