// The live rules on a fake snapshot: one that passes every rule, and for each rule the drift
// it finds (and what it says when the part of the snapshot it needs was not read).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, type JitConfig } from '../config/index.js';
import type { Entitlement } from '../core/grant.js';
import type { EntraRoleState } from '../plan/entra-plan.js';
import { desiredRules } from '../plan/entra-pim-rules.js';
import { CONFIG_RULES } from './config-rules.js';
import {
  controlTags,
  CIS_AWS_RECOMMENDATIONS,
  ISO27001_CONTROLS,
  SOC2_CRITERIA,
} from './controls.js';
import type { LiveOutcome, LiveRule } from './finding.js';
import {
  ACCESS_UNBACKED,
  ACCESS_UNDECLARED,
  LIVE_RULES,
  NESTED_GROUP_UNPROVISIONED,
  PIM_POLICY_DRIFT,
  REVOCATION_SCP_DETACHED,
  SCIM_TOKEN_EXPIRY,
} from './live-rules.js';
import type {
  EntraView,
  GrantsView,
  IdentityCenterView,
  LiveSnapshot,
  OrganizationsView,
} from './live-snapshot.js';
import { checkConfig } from './run-check.js';
import { toSarif } from './sarif.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const DAY = 86_400_000;

/** Passes every rule: a group-membership role, an account-assignment role, a PIM role. */
const GOOD = `mode: sandbox
permissionSets:
  Admin:
    sessionDuration: PT1H
    managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess]
    permissionsBoundary: { customerManagedPolicy: { name: JitPermissionsBoundary } }
  Db:
    sessionDuration: PT1H
    managedPolicies: [arn:aws:iam::aws:policy/AmazonRDSFullAccess]
    permissionsBoundary: { customerManagedPolicy: { name: JitPermissionsBoundary } }
roles:
  admin:
    group: JIT-Admin
    permissionSet: Admin
    accounts: ['111111111111']
    activation:
      maxDuration: PT2H
      requireMfa: true
      approval: { required: true, approvers: [carol], quorum: 1 }
    eligibility: { members: [alice, bob] }
  db:
    permissionSet: Db
    enforcement: account-assignment
    accounts: ['111111111111', '222222222222']
    activation:
      maxDuration: PT2H
      requireMfa: true
      approval: { required: true, approvers: [carol], quorum: 1 }
    eligibility: { members: [alice] }
  ops:
    source: entra-pim
    group: JIT-Ops
    permissionSet: Admin
    accounts: ['111111111111']
    activation:
      maxDuration: PT2H
      requireJustification: true
      requireMfa: true
      approval: { required: true, approvers: [carol], quorum: 1 }
    eligibility: { members: [alice], maxEligibility: P90D }
directory:
  users:
    alice: { email: alice@example.com }
    bob: { email: bob@example.com }
    carol: { email: carol@example.com }
check:
  scimTokenExpiresAt: 2026-12-31
`;

function config(edits: readonly (readonly [string, string])[] = []): JitConfig {
  let yaml = GOOD;
  for (const [from, to] of edits) {
    if (!yaml.includes(from)) throw new Error(`no ${JSON.stringify(from)} in the config`);
    yaml = yaml.replace(from, to);
  }
  const parsed = parseConfig(yaml, 'test.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.config;
}

const ALICE = '00000000-0000-0000-0000-00000000a11c';
const OPS_GROUP = '00000000-0000-0000-0000-0000000000a5';

/** The ops role's PIM state as Entra holds it when it matches the config. */
function opsState(
  c: JitConfig,
  edit: (rules: Record<string, Record<string, unknown>>) => void = () => undefined,
): EntraRoleState {
  const role = c.roles.get('ops');
  if (role === undefined) throw new Error('no ops role');
  const desired = desiredRules(role, []);
  const rules = Object.fromEntries(
    desired.map((r) => [r.id, structuredClone(r) as Record<string, unknown>]),
  );
  edit(rules);
  return {
    role: 'ops',
    group: 'JIT-Ops',
    groupId: OPS_GROUP,
    policyId: 'policy-ops',
    rules: rules as EntraRoleState['rules'],
    desiredRules: desired,
    eligible: { [ALICE]: '2026-05-30T00:00:00Z' },
    wantEligible: [{ kind: 'user', id: ALICE, name: 'alice@example.com' }],
    maxEligibility: 'P90D',
  };
}

const member = (user: string, group = 'JIT-Admin'): Entitlement => ({
  kind: 'group-membership',
  group,
  user,
});
const userAssignment = (user: string, account = '111111111111'): Entitlement => ({
  kind: 'account-assignment',
  permissionSet: 'Db',
  account,
  user,
});

function identityCenter(extra: Partial<IdentityCenterView> = {}): IdentityCenterView {
  return {
    instanceArn: 'arn:aws:sso:::instance/ssoins-1234567890abcdef',
    assignments: [
      {
        permissionSet: 'Admin',
        account: '111111111111',
        principalType: 'GROUP',
        principal: 'JIT-Admin',
      },
      {
        permissionSet: 'Admin',
        account: '111111111111',
        principalType: 'GROUP',
        principal: 'JIT-Ops',
      },
      {
        permissionSet: 'Db',
        account: '111111111111',
        principalType: 'USER',
        principal: 'alice@example.com',
      },
    ],
    held: [member('alice@example.com'), userAssignment('alice@example.com')],
    ouAccounts: new Map(),
    ...extra,
  };
}

function grants(extra: Partial<GrantsView> = {}): GrantsView {
  return {
    source: 'test',
    active: [
      {
        id: 'g-1',
        role: 'admin',
        endsAt: NOW + 3_600_000,
        entitlements: [member('alice@example.com')],
      },
      {
        id: 'g-2',
        role: 'db',
        endsAt: NOW + 3_600_000,
        entitlements: [userAssignment('alice@example.com')],
      },
    ],
    ...extra,
  };
}

function organizations(extra: Partial<OrganizationsView> = {}): OrganizationsView {
  return {
    policyName: 'JitSessionRevocation',
    policy: { id: 'p-revoke', name: 'JitSessionRevocation', revocations: 0, targets: ['r-root'] },
    target: 'r-root',
    managementAccountId: '999999999999',
    accountParents: new Map([
      ['111111111111', ['ou-root-prod0001', 'r-root']],
      ['222222222222', ['r-root']],
    ]),
    ...extra,
  };
}

function snapshot(c: JitConfig, parts: Partial<LiveSnapshot> = {}): LiveSnapshot {
  const entra: EntraView = { pim: { roles: [opsState(c)], problems: [] }, nestedGroups: new Map() };
  return {
    readAt: NOW,
    identityCenter: identityCenter(),
    entra,
    organizations: organizations(),
    grants: grants(),
    ...parts,
  };
}

/** `severity resource: message` of each finding; or `not checked: reason`. */
function run(rule: LiveRule, c: JitConfig, live: LiveSnapshot): string[] {
  const outcome: LiveOutcome = rule.evaluate(c, live);
  if (!outcome.checked) return [`not checked: ${outcome.reason}`];
  return [
    ...outcome.findings.map((f) => `${f.severity} ${f.resource}: ${f.message}`),
    ...(outcome.partly === undefined ? [] : [`partly: ${outcome.partly}`]),
  ];
}

const entraWith = (c: JitConfig, edit: Parameters<typeof opsState>[1]): EntraView => ({
  pim: { roles: [opsState(c, edit)], problems: [] },
  nestedGroups: new Map(),
});

describe('the live rules', () => {
  it('find nothing when the clouds hold what the config says', () => {
    const c = config();
    const report = checkConfig(c, { live: snapshot(c) });
    expect(report.findings).toEqual([]);
    expect(report.notChecked).toEqual([]);
    expect(report.rules.map((r) => r.id)).toEqual([
      ...CONFIG_RULES.map((r) => r.id),
      'JIT008',
      'JIT009',
      'JIT010',
      'JIT011',
      'JIT012',
      'JIT013',
    ]);
  });

  it('JIT008: a PIM rule changed in Entra; weaker than the config is high', () => {
    const c = config();
    const longer = entraWith(c, (rules) => {
      rules['Expiration_EndUser_Assignment']!['maximumDuration'] = 'PT8H';
    });
    expect(run(PIM_POLICY_DRIFT, c, snapshot(c, { entra: longer }))).toEqual([
      'high roles.ops: PIM rule Expiration_EndUser_Assignment of JIT-Ops differs (weaker than the config): maximumDuration: PT8H in Entra (config: PT2H)',
    ]);
    const noMfa = entraWith(c, (rules) => {
      rules['Enablement_EndUser_Assignment']!['enabledRules'] = ['Justification'];
    });
    expect(run(PIM_POLICY_DRIFT, c, snapshot(c, { entra: noMfa }))[0]).toMatch(
      /^high roles\.ops: .*Enablement_EndUser_Assignment.*enabledRules: \["Justification"\] in Entra \(config: \["Justification","MultiFactorAuthentication"\]\)/,
    );
    const stricter = entraWith(c, (rules) => {
      rules['Expiration_EndUser_Assignment']!['maximumDuration'] = 'PT1H';
    });
    expect(run(PIM_POLICY_DRIFT, c, snapshot(c, { entra: stricter }))[0]).toMatch(
      /^medium roles\.ops: /,
    );
    const approver = entraWith(c, (rules) => {
      rules['Approval_EndUser_Assignment']!['setting'] = {
        ...(rules['Approval_EndUser_Assignment']!['setting'] as object),
        isApprovalRequired: true,
        approvalStages: [{ primaryApprovers: [{ userId: 'someone-else' }] }],
      };
    });
    // Someone the config does not name may approve.
    expect(run(PIM_POLICY_DRIFT, c, snapshot(c, { entra: approver }))[0]).toMatch(
      /^high roles\.ops: .*Approval_EndUser_Assignment/,
    );
  });

  it('JIT008: a missing PIM group or policy, and Entra not read', () => {
    const c = config();
    const missing: EntraView = {
      pim: {
        roles: [{ ...opsState(c), groupId: null, policyId: null, rules: {} }],
        problems: [
          'role ops: Entra has no PIM policy for the members of group JIT-Ops; enable PIM for the group',
        ],
      },
      nestedGroups: new Map(),
    };
    expect(run(PIM_POLICY_DRIFT, c, snapshot(c, { entra: missing }))).toEqual([
      'medium roles.ops: PIM cannot be compared: Entra has no PIM policy for the members of group JIT-Ops; enable PIM for the group',
      'medium roles.ops: Entra has no group JIT-Ops: nobody can activate ops in PIM (jit apply creates it)',
    ]);
    expect(run(PIM_POLICY_DRIFT, c, snapshot(c, { entra: { unread: 'no Graph' } }))).toEqual([
      'not checked: no Graph',
    ]);
    const native = config([['    source: entra-pim\n', '']]);
    expect(
      run(PIM_POLICY_DRIFT, native, snapshot(native, { entra: { unread: 'no Graph' } })),
    ).toEqual([]);
  });

  it('JIT009: the SCIM token expires within 30 days (medium), has expired (high), or is not recorded (low)', () => {
    const soon = config([['scimTokenExpiresAt: 2026-12-31', 'scimTokenExpiresAt: 2026-03-21']]);
    expect(run(SCIM_TOKEN_EXPIRY, soon, snapshot(soon))).toEqual([
      'medium check.scimTokenExpiresAt: the SCIM token expires on 2026-03-21, in 20 day(s)',
    ]);
    const past = config([['scimTokenExpiresAt: 2026-12-31', 'scimTokenExpiresAt: 2026-02-01']]);
    expect(run(SCIM_TOKEN_EXPIRY, past, snapshot(past))[0]).toMatch(
      /^high .*expired on 2026-02-01/,
    );
    const unknown = config([['check:\n  scimTokenExpiresAt: 2026-12-31\n', '']]);
    expect(run(SCIM_TOKEN_EXPIRY, unknown, snapshot(unknown))).toEqual([
      "low check.scimTokenExpiresAt: Entra provisions the groups of ops to Identity Center over SCIM, and the token's expiry is not recorded: nothing warns before provisioning stops",
    ]);
    const native = config([
      ['    source: entra-pim\n', ''],
      ['check:\n  scimTokenExpiresAt: 2026-12-31\n', ''],
    ]);
    expect(run(SCIM_TOKEN_EXPIRY, native, snapshot(native))).toEqual([]);
    expect(
      run(SCIM_TOKEN_EXPIRY, config(), { ...snapshot(config()), readAt: NOW + 320 * DAY }),
    ).toEqual([expect.stringMatching(/^high /)]);
  });

  it('JIT010: a group nested in a provisioned group; a permanent one is high', () => {
    const c = config();
    const nested = (permanent: boolean): EntraView => ({
      pim: { roles: [opsState(c)], problems: [] },
      nestedGroups: new Map([['ops', [{ id: 'g-dev', name: 'developers', permanent }]]]),
    });
    expect(run(NESTED_GROUP_UNPROVISIONED, c, snapshot(c, { entra: nested(false) }))).toEqual([
      "medium roles.ops: group developers is a member of JIT-Ops; Entra's provisioning does not flatten it",
    ]);
    expect(run(NESTED_GROUP_UNPROVISIONED, c, snapshot(c, { entra: nested(true) }))[0]).toMatch(
      /^high roles\.ops: .*permanent PIM assignment \(standing access for all its members\)/,
    );
    expect(run(NESTED_GROUP_UNPROVISIONED, c, snapshot(c, { entra: { unread: 'x' } }))).toEqual([
      'not checked: x',
    ]);
  });

  it('JIT011: assignments of managed permission sets and PIM eligibilities the config does not declare', () => {
    const c = config();
    const ic = identityCenter({
      assignments: [
        ...identityCenter().assignments,
        {
          permissionSet: 'Admin',
          account: '222222222222',
          principalType: 'GROUP',
          principal: 'Contractors',
        },
        {
          permissionSet: 'Admin',
          account: '111111111111',
          principalType: 'USER',
          principal: 'mallory@example.com',
        },
        // An account-assignment role's: JIT012 judges it.
        {
          permissionSet: 'Db',
          account: '222222222222',
          principalType: 'USER',
          principal: 'bob@example.com',
        },
        // jit's tag, gone from the config.
        {
          permissionSet: 'Old',
          account: '111111111111',
          principalType: 'GROUP',
          principal: 'JIT-Old',
        },
      ],
    });
    const entra: EntraView = {
      pim: {
        roles: [{ ...opsState(c), eligible: { [ALICE]: null, 'eve-id': null } }],
        problems: [],
      },
      nestedGroups: new Map(),
    };
    expect(run(ACCESS_UNDECLARED, c, snapshot(c, { identityCenter: ic, entra }))).toEqual([
      'high permissionSets.Admin.assignments.222222222222.group:Contractors: group Contractors is assigned Admin in 222222222222, which no role declares: its members hold it without a grant',
      'high permissionSets.Admin.assignments.111111111111.user:mallory@example.com: user mallory@example.com is assigned Admin in 111111111111 directly, and no account-assignment role grants it there: standing access outside jit',
      "high permissionSets.Old.assignments.111111111111.group:JIT-Old: group JIT-Old is assigned Old in 111111111111, which no role declares (Old is jit's, tagged, but no longer in the config): its members hold it without a grant",
      'medium roles.ops.eligibility.eve-id: principal eve-id is eligible for JIT-Ops in PIM, and the config does not make them eligible for ops',
    ]);
    expect(run(ACCESS_UNDECLARED, c, snapshot(c, { entra: { unread: 'no Graph' } }))).toEqual([
      'partly: PIM eligibilities not compared: no Graph',
    ]);
    expect(
      run(ACCESS_UNDECLARED, c, snapshot(c, { identityCenter: { unread: 'no AWS' } })),
    ).toEqual(['not checked: no AWS']);
  });

  it('JIT012: managed access no active grant backs; enforced drift is medium; a grant past its end means no controller', () => {
    const c = config();
    const ic = identityCenter({
      held: [
        ...identityCenter().held,
        member('bob@example.com'),
        userAssignment('bob@example.com', '222222222222'),
      ],
    });
    expect(run(ACCESS_UNBACKED, c, snapshot(c, { identityCenter: ic }))).toEqual([
      'high roles.admin.members.bob@example.com: bob@example.com is a member of JIT-Admin, and no active grant backs it',
      'high roles.db.assignments.222222222222.bob@example.com: bob@example.com is assigned Db in 222222222222, and no active grant backs it',
    ]);
    const enforced = config([
      [
        '    enforcement: account-assignment\n',
        '    enforcement: account-assignment\n    drift: enforce\n',
      ],
    ]);
    expect(run(ACCESS_UNBACKED, enforced, snapshot(enforced, { identityCenter: ic }))[1]).toMatch(
      /^medium roles\.db\..*drift: enforce, so a running controller removes it at its next sweep$/,
    );
    const stale = grants({
      active: [
        {
          id: 'g-old',
          role: 'admin',
          endsAt: NOW - 3_600_000,
          entitlements: [member('alice@example.com')],
        },
        grants().active[1]!,
      ],
    });
    expect(run(ACCESS_UNBACKED, c, snapshot(c, { grants: stale }))).toEqual([
      'high roles.admin.members.alice@example.com: alice@example.com is a member of JIT-Admin, backed only by grant g-old, which ended at 2026-03-01T11:00:00.000Z: no controller is removing access (is jit serve running?)',
    ]);
    expect(run(ACCESS_UNBACKED, c, snapshot(c, { grants: { unread: 'no store' } }))).toEqual([
      'not checked: no store',
    ]);
  });

  it('JIT013: the revocation SCP missing, detached (critical with Denies in force), or not reaching an account', () => {
    const c = config();
    expect(run(REVOCATION_SCP_DETACHED, c, snapshot(c))).toEqual([]);
    const detached = organizations({
      policy: { id: 'p-revoke', name: 'JitSessionRevocation', revocations: 0, targets: [] },
    });
    expect(run(REVOCATION_SCP_DETACHED, c, snapshot(c, { organizations: detached }))).toEqual([
      'high aws.revocation: SCP JitSessionRevocation (p-revoke) is not attached to r-root nor anywhere else: it reaches none of 111111111111, 222222222222',
    ]);
    const inForce = organizations({
      policy: { id: 'p-revoke', name: 'JitSessionRevocation', revocations: 2, targets: [] },
    });
    expect(run(REVOCATION_SCP_DETACHED, c, snapshot(c, { organizations: inForce }))[0]).toMatch(
      /^critical .*its 2 Deny statement\(s\) in force are not applied$/,
    );
    const ou = organizations({
      target: 'ou-root-prod0001',
      policy: {
        id: 'p-revoke',
        name: 'JitSessionRevocation',
        revocations: 0,
        targets: ['ou-root-prod0001'],
      },
    });
    expect(run(REVOCATION_SCP_DETACHED, c, snapshot(c, { organizations: ou }))).toEqual([
      "high aws.revocation: account 222222222222 (a role's) is outside ou-root-prod0001, where SCP JitSessionRevocation is attached: sessions there are never ended early",
    ]);
    // The management account is out of any SCP's reach: the inline fallback covers it.
    const management = organizations({ ...ou, managementAccountId: '222222222222' });
    expect(run(REVOCATION_SCP_DETACHED, c, snapshot(c, { organizations: management }))).toEqual([]);
    const { policy: _absent, ...none } = organizations();
    expect(run(REVOCATION_SCP_DETACHED, c, snapshot(c, { organizations: none }))[0]).toMatch(
      /^low aws\.revocation: there is no SCP named JitSessionRevocation yet/,
    );
    expect(
      run(REVOCATION_SCP_DETACHED, c, snapshot(c, { organizations: { unread: 'x' } })),
    ).toEqual(['not checked: x']);
  });
});

describe('controls', () => {
  it('every rule names at least one control, from the catalogues only', () => {
    for (const rule of [...CONFIG_RULES, ...LIVE_RULES]) {
      const { soc2, iso27001, cisAws } = rule.controls;
      expect(soc2.length + iso27001.length, rule.id).toBeGreaterThan(0);
      for (const id of soc2) expect(SOC2_CRITERIA).toHaveProperty([id]);
      for (const id of iso27001) expect(ISO27001_CONTROLS).toHaveProperty([id]);
      for (const id of cisAws) expect(CIS_AWS_RECOMMENDATIONS).toHaveProperty([id]);
    }
    expect(controlTags({ soc2: ['CC6.1'], iso27001: ['5.15'], cisAws: ['1.16'] })).toEqual([
      'SOC2:CC6.1',
      'ISO27001:2022:A.5.15',
      'CIS-AWS:3.0.0:1.16',
    ]);
  });

  it('docs/check.md lists every rule with its controls', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'check.md'), 'utf8');
    for (const rule of [...CONFIG_RULES, ...LIVE_RULES]) {
      const row = doc
        .split('\n')
        .find((line) => line.startsWith(`| ${rule.id} `) && line.includes('CC'));
      expect(row, `${rule.id} in the controls table`).toBeDefined();
      const cells = (row ?? '').split('|').map((cell) => cell.trim());
      expect(cells.slice(1, 5), rule.id).toEqual([
        rule.id,
        rule.controls.soc2.join(', '),
        rule.controls.iso27001.map((c) => `A.${c}`).join(', '),
        rule.controls.cisAws.join(', ') || '—',
      ]);
    }
  });

  it('go into SARIF as rule tags and properties; rules that could not look are tool notifications', () => {
    const c = config();
    const report = checkConfig(c, { live: snapshot(c, { grants: { unread: 'no store here' } }) });
    const run0 = toSarif(report, 'jit.config.yaml', '0.1.0').runs[0]!;
    const rule = run0.tool.driver.rules?.find((r) => r.id === 'JIT003');
    expect(rule?.properties?.tags).toEqual([
      'security',
      'SOC2:CC6.1',
      'SOC2:CC6.3',
      'ISO27001:2022:A.5.3',
      'ISO27001:2022:A.8.2',
      'ISO27001:2022:A.8.5',
      'CIS-AWS:3.0.0:1.16',
    ]);
    expect(run0.invocations?.[0]?.toolExecutionNotifications).toEqual([
      {
        level: 'warning',
        message: { text: 'JIT012 not checked: no store here' },
        associatedRule: { id: 'JIT012', index: CONFIG_RULES.length + 4 },
      },
    ]);
  });

  it('a suppression of a live rule is not "unused" when the rule did not run', () => {
    const c = config([
      [
        'check:\n',
        'check:\n  suppress:\n    - { rule: JIT012, reason: the break-glass member is kept on purpose }\n',
      ],
    ]);
    expect(checkConfig(c).unusedSuppressions).toEqual([]);
    expect(checkConfig(c, { live: snapshot(c) }).unusedSuppressions).toHaveLength(1);
  });
});
