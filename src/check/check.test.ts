// One test per rule: a config that should pass it and one that should not; the access
// windows; the SARIF document.
import { describe, expect, it } from 'vitest';
import { parseConfig, type JitConfig } from '../config/index.js';
import { accessWindows, ENTRA_PROVISIONING_CYCLE } from './access-window.js';
import {
  ADMIN_UNGUARDED,
  APPROVERS_ARE_REQUESTERS,
  BOUNDARY_MISSING,
  BREAK_GLASS_UNALERTED,
  CONFIG_RULES,
  ELIGIBILITY_UNBOUNDED,
  REVOCATION_OFF,
  SESSION_OUTLIVES_GRANT,
} from './config-rules.js';
import type { CheckRule } from './finding.js';
import { checkConfig } from './run-check.js';
import { toSarif } from './sarif.js';

const HOUR = 3_600_000;

/** A guarded admin role that passes every rule; `edit` changes the YAML text. */
const GOOD = `mode: sandbox
permissionSets:
  Admin:
    sessionDuration: PT1H
    managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess]
    permissionsBoundary: { customerManagedPolicy: { name: JitPermissionsBoundary } }
roles:
  admin:
    group: JIT-Admin
    permissionSet: Admin
    accounts: ['111111111111']
    activation:
      maxDuration: PT2H
      requireMfa: true
      requireJustification: true
      approval: { required: true, approvers: [carol], quorum: 1 }
    eligibility: { members: [alice, bob] }
directory:
  users:
    alice: { email: alice@example.com }
    bob: { email: bob@example.com }
    carol: { email: carol@example.com }
`;

function config(edits: readonly (readonly [string, string])[] = [], text = GOOD): JitConfig {
  let yaml = text;
  for (const [from, to] of edits) {
    if (!yaml.includes(from)) throw new Error(`no ${JSON.stringify(from)} in the config`);
    yaml = yaml.replace(from, to);
  }
  const parsed = parseConfig(yaml, 'test.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.config;
}

const ids = (rule: CheckRule, c: JitConfig): string[] =>
  rule.evaluate(c).map((f) => `${f.severity} ${f.resource}`);

describe('the config rules', () => {
  it('find nothing in a guarded role', () => {
    expect(checkConfig(config()).findings).toEqual([]);
  });

  it('rule ids are stable and unique', () => {
    expect(CONFIG_RULES.map((r) => r.id)).toEqual([
      'JIT001',
      'JIT002',
      'JIT003',
      'JIT004',
      'JIT005',
      'JIT006',
      'JIT007',
    ]);
    for (const rule of CONFIG_RULES) expect(rule.why.length + rule.fix.length).toBeGreaterThan(60);
  });

  it('JIT001: a granted permission set without a boundary', () => {
    const c = config([
      [
        '    permissionsBoundary: { customerManagedPolicy: { name: JitPermissionsBoundary } }\n',
        '',
      ],
    ]);
    expect(ids(BOUNDARY_MISSING, c)).toEqual(['high permissionSets.Admin']);
  });

  it('JIT002: sessions longer than the longest activation (worse without revocation)', () => {
    const c = config([['sessionDuration: PT1H', 'sessionDuration: PT4H']]);
    expect(ids(SESSION_OUTLIVES_GRANT, c)).toEqual(['low roles.admin']);
    expect(SESSION_OUTLIVES_GRANT.evaluate(c)[0]?.message).toContain(
      'session revocation ends them',
    );
  });

  it('JIT003: administrator-like access without approval or MFA, by managed policy or inline *', () => {
    expect(ids(ADMIN_UNGUARDED, config([['requireMfa: true', 'requireMfa: false']]))).toEqual([
      'high roles.admin',
    ]);
    const inline = config([
      [
        'managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess]',
        `inlinePolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}'`,
      ],
      [
        'approval: { required: true, approvers: [carol], quorum: 1 }',
        'approval: { required: false }',
      ],
    ]);
    expect(ADMIN_UNGUARDED.evaluate(inline).map((f) => f.message)).toEqual([
      'admin grants Admin (administrator-like) without approval',
    ]);
    const conditioned = config([
      [
        'managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess]',
        `inlinePolicy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}'`,
      ],
      [
        'approval: { required: true, approvers: [carol], quorum: 1 }',
        'approval: { required: false }',
      ],
    ]);
    expect(ids(ADMIN_UNGUARDED, conditioned)).toEqual([]);
  });

  it('JIT004: break-glass roles are reported, high without a justification', () => {
    const glass = config([
      [
        '      approval: { required: true, approvers: [carol], quorum: 1 }\n',
        '      approval: { required: false }\n',
      ],
      [
        '    eligibility: { members: [alice, bob] }',
        '    breakGlass: true\n    eligibility: { members: [alice, bob] }',
      ],
    ]);
    expect(ids(BREAK_GLASS_UNALERTED, glass)).toEqual(['medium roles.admin']);
    const silent = config(
      [],
      GOOD.replace('requireJustification: true', 'requireJustification: false')
        .replace(
          '      approval: { required: true, approvers: [carol], quorum: 1 }\n',
          '      approval: { required: false }\n',
        )
        .replace(
          '    eligibility: { members: [alice, bob] }',
          '    breakGlass: true\n    eligibility: { members: [alice, bob] }',
        ),
    );
    expect(ids(BREAK_GLASS_UNALERTED, silent)).toEqual(['high roles.admin']);
  });

  it('JIT005: eligibility longer than a year', () => {
    const c = config([
      [
        'eligibility: { members: [alice, bob] }',
        'eligibility: { members: [alice, bob], maxEligibility: P400D }',
      ],
    ]);
    expect(ids(ELIGIBILITY_UNBOUNDED, c)).toEqual(['low roles.admin']);
    expect(
      ids(
        ELIGIBILITY_UNBOUNDED,
        config(
          [['P400D', 'P90D']],
          GOOD.replace('members: [alice, bob] }', 'members: [alice, bob], maxEligibility: P400D }'),
        ),
      ),
    ).toEqual([]);
  });

  it('JIT006: approvers who are the eligible members; none left to approve is high', () => {
    expect(
      ids(APPROVERS_ARE_REQUESTERS, config([['approvers: [carol]', 'approvers: [alice, bob]']])),
    ).toEqual(['medium roles.admin']);
    const alone = config([
      ['approvers: [carol]', 'approvers: [alice]'],
      ['eligibility: { members: [alice, bob] }', 'eligibility: { members: [alice] }'],
    ]);
    expect(APPROVERS_ARE_REQUESTERS.evaluate(alone)[0]).toMatchObject({ severity: 'high' });
    expect(APPROVERS_ARE_REQUESTERS.evaluate(alone)[0]?.message).toContain('can never be approved');
  });

  it('JIT007: session revocation off in live mode', () => {
    const live = GOOD.replace('mode: sandbox', 'mode: live').replace(
      'directory:\n  users:\n    alice: { email: alice@example.com }\n    bob: { email: bob@example.com }\n    carol: { email: carol@example.com }\n',
      [
        'aws:',
        '  revocation: { enabled: false }',
        'server: { publicUrl: https://jit.example.com }',
        'auth:',
        '  oidc: { issuer: https://login.example.com/v2.0, clientId: jit-access, clientSecretEnv: JIT_OIDC_CLIENT_SECRET }',
        '',
      ].join('\n'),
    );
    expect(ids(REVOCATION_OFF, config([], live))).toEqual(['high aws.revocation']);
    expect(
      ids(
        REVOCATION_OFF,
        config([['revocation: { enabled: false }', 'revocation: { enabled: true }']], live),
      ),
    ).toEqual([]);
    // Sessions that outlive the grant are high too once nothing ends them.
    expect(
      ids(
        SESSION_OUTLIVES_GRANT,
        config([['sessionDuration: PT1H', 'sessionDuration: PT4H']], live),
      ),
    ).toEqual(['high roles.admin']);
  });
});

describe('suppressions', () => {
  it('move a finding aside with its reason, by rule and resource; an unused one is reported', () => {
    const text = GOOD.replace('requireMfa: true', 'requireMfa: false').concat(
      [
        'check:',
        '  suppress:',
        '    - { rule: JIT003, resource: roles.admin, reason: the account holds only test data }',
        '    - { rule: JIT001, reason: boundaries come from the landing zone }',
        '',
      ].join('\n'),
    );
    const report = checkConfig(config([], text));
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map((s) => [s.finding.rule, s.finding.resource, s.reason])).toEqual([
      ['JIT003', 'roles.admin', 'the account holds only test data'],
    ]);
    expect(report.unusedSuppressions).toEqual([
      { rule: 'JIT001', reason: 'boundaries come from the landing zone' },
    ]);
    const sarif = toSarif(report, 'jit.config.yaml', '0.1.0');
    expect(sarif.runs[0]?.results?.[0]?.suppressions).toEqual([
      { kind: 'external', justification: 'the account holds only test data' },
    ]);
  });

  it('need a rule id and a reason', () => {
    const parsed = parseConfig(
      GOOD.concat('check:\n  suppress:\n    - { rule: boundary, reason: ok }\n'),
      'test.yaml',
    );
    expect(parsed.ok ? [] : parsed.errors).toEqual([
      'check.suppress[0].rule: "boundary" is not a jit check rule id; write it like JIT001 (docs/check.md lists them)',
      'check.suppress[0].reason: is too short; say why the finding is accepted, for the next reader',
    ]);
  });
});

describe('access windows', () => {
  it('with the controller: the activation, a pass, sessions denied; the seed adds a provisioning cycle and the session', () => {
    const [window] = accessWindows(config());
    expect(window).toMatchObject({
      role: 'admin',
      maxActivation: 2 * HOUR,
      withoutController: 'until a controller runs again',
    });
    expect(window!.withController - 2 * HOUR).toBeLessThanOrEqual(10_000);
    expect(window!.seedFormula).toBe(2 * HOUR + ENTRA_PROVISIONING_CYCLE + HOUR);
  });

  it('with the fail-safe expiry on, the controller-down case is bounded: the end, the margin, one session', () => {
    const base = config();
    const withFailSafe = {
      ...base,
      server: {
        ...base.server,
        controller: {
          ...base.server.controller,
          failSafe: { enabled: true, margin: 2 * 60_000, scheduleGroup: 'jit-access' },
        },
      },
    };
    const [window] = accessWindows(withFailSafe);
    expect(window!.withoutController).toBe(2 * HOUR + 2 * 60_000 + HOUR);
  });
});

describe('SARIF', () => {
  it('is a SARIF 2.1.0 log with every rule and one result per finding, levels by severity', () => {
    const report = checkConfig(config([['requireMfa: true', 'requireMfa: false']]));
    const log = toSarif(report, 'jit.config.yaml', '0.1.0');
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0]!;
    expect(run.tool.driver.rules?.map((r) => r.id)).toEqual(CONFIG_RULES.map((r) => r.id));
    expect(run.results).toEqual([
      expect.objectContaining({
        ruleId: 'JIT003',
        ruleIndex: 2,
        level: 'error',
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: 'jit.config.yaml' } },
            logicalLocations: [{ fullyQualifiedName: 'roles.admin', kind: 'member' }],
          },
        ],
      }),
    ]);
  });
});
