import { describe, expect, it } from 'vitest';
import { planEntra, type EntraRoleState } from './entra-plan.js';

const rule = {
  id: 'Expiration_EndUser_Assignment',
  maximumDuration: 'PT2H',
  target: { caller: 'EndUser' },
};

function roleState(overrides: Partial<EntraRoleState> = {}): EntraRoleState {
  return {
    role: 'prod-pim',
    group: 'JIT-Prod-PIM',
    groupId: 'g-1',
    policyId: 'p-1',
    rules: { [rule.id]: { ...rule, target: { caller: 'EndUser', level: 'Assignment' } } },
    desiredRules: [rule],
    eligible: { 'u-alice': null },
    wantEligible: [{ kind: 'user', id: 'u-alice', name: 'alice@example.com' }],
    maxEligibility: null,
    ...overrides,
  };
}

describe('planEntra', () => {
  it('plans nothing when the rules (target aside) and the eligibilities match', () => {
    expect(planEntra({ roles: [roleState()], problems: [] }, { prune: true })).toEqual([]);
  });

  it('plans a differing rule with what Entra holds before it', () => {
    const changes = planEntra(
      {
        roles: [roleState({ desiredRules: [{ ...rule, maximumDuration: 'PT3H' }] })],
        problems: [],
      },
      { prune: false },
    );
    expect(changes).toEqual([
      expect.objectContaining({
        type: 'pim-rule',
        ruleId: 'Expiration_EndUser_Assignment',
        before: { id: rule.id, maximumDuration: 'PT2H' },
        after: { ...rule, maximumDuration: 'PT3H' },
      }),
    ]);
  });

  it('adds a missing eligibility with its duration, and removes an extra one only with prune', () => {
    const state = {
      roles: [
        roleState({
          eligible: { 'u-bob': '2027-01-01T00:00:00Z' },
          maxEligibility: 'P30D',
        }),
      ],
      problems: [],
    };
    expect(planEntra(state, { prune: false }).map((c) => `${c.type}.${c.action}`)).toEqual([
      'eligibility.create',
    ]);
    expect(planEntra(state, { prune: false })[0]).toMatchObject({
      principalId: 'u-alice',
      duration: 'P30D',
    });
    expect(
      planEntra(state, { prune: true }).map(
        (c) => `${c.action} ${c.type === 'eligibility' ? c.principalId : ''}`,
      ),
    ).toEqual(['create u-alice', 'delete u-bob']);
  });
});
