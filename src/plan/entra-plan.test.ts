import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { planEntra, type EntraRoleState } from './entra-plan.js';
import { desiredRules } from './entra-pim-rules.js';

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

describe('desiredRules', () => {
  const role = (requireMfa: boolean) => {
    const parsed = parseConfig(
      `mode: sandbox
permissionSets:
  Admin: { sessionDuration: PT1H }
roles:
  prod-pim:
    source: entra-pim
    group: JIT-Prod-PIM
    permissionSet: Admin
    accounts: ['111111111111']
    activation: { maxDuration: PT2H, requireMfa: ${String(requireMfa)}, requireJustification: true, approval: { required: false } }
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com, mfa: true }
`,
      't.yaml',
    );
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const found = parsed.config.roles.get('prod-pim');
    if (found === undefined) throw new Error('no role');
    return found;
  };
  const byId = (rules: readonly { id: string }[]) => new Map(rules.map((r) => [r.id, r]));

  it('asks for plain MFA when sign-in proves MFA with amr', () => {
    const rules = byId(desiredRules(role(true), []));
    expect(rules.get('Enablement_EndUser_Assignment')).toMatchObject({
      enabledRules: ['Justification', 'MultiFactorAuthentication'],
    });
    expect(rules.has('AuthenticationContext_EndUser_Assignment')).toBe(false);
  });

  it('asks for the authentication context instead, when sign-in proves MFA with one', () => {
    const rules = byId(desiredRules(role(true), [], 'c1'));
    expect(rules.get('Enablement_EndUser_Assignment')).toMatchObject({
      enabledRules: ['Justification'],
    });
    expect(rules.get('AuthenticationContext_EndUser_Assignment')).toMatchObject({
      isEnabled: true,
      claimValue: 'c1',
    });
    expect(
      byId(desiredRules(role(false), [], 'c1')).get('AuthenticationContext_EndUser_Assignment'),
    ).toMatchObject({
      isEnabled: false,
      claimValue: null,
    });
  });
});
