// The posture rules `jit check --live` evaluates on the config and a snapshot of the clouds
// read once (live-snapshot.ts). Pure: no I/O, no clock (the snapshot carries the time it was
// read). A rule whose part of the snapshot was not read says so instead of finding nothing.
import type { JitConfig } from '../config/index.js';
import { DAY, MINUTE, parseDuration } from '../core/duration.js';
import { entitlementKey, type Entitlement } from '../core/grant.js';
import type { Role } from '../core/role.js';
import { planEntra } from '../plan/entra-plan.js';
import { assignmentKey, desiredAssignments } from '../plan/identity-center-plan.js';
import { findingOf as finding, type Finding, type LiveOutcome, type LiveRule } from './finding.js';
import { isUnread, type ActiveGrantView } from './live-snapshot.js';

/** How close to its end a grant is still taken as ending now (the controller's pass). */
const ENDED_GRACE = 5 * MINUTE;
/** Warn this long before the SCIM token expires (as the deployment's reminder does). */
const SCIM_WARNING = 30 * DAY;

const checked = (findings: readonly Finding[], partly?: string): LiveOutcome =>
  partly === undefined ? { checked: true, findings } : { checked: true, findings, partly };
const notChecked = (reason: string): LiveOutcome => ({ checked: false, reason });

const pimRoles = (config: JitConfig): Role[] =>
  [...config.roles.values()].filter((role) => role.source === 'entra-pim');

export const PIM_POLICY_DRIFT: LiveRule = {
  id: 'JIT008',
  name: 'pim-policy-drift',
  title: "An entra-pim role's PIM policy in Entra differs from the config",
  why: 'the PIM policy is what Entra enforces at activation (duration, MFA, justification, approval); a change made in the Entra portal silently replaces the reviewed config',
  fix: 'run jit plan to see the difference and jit apply to write the config back into PIM; change the config (reviewed) if the new setting is wanted',
  severity: 'medium',
  controls: { soc2: ['CC6.3', 'CC7.1', 'CC8.1'], iso27001: ['8.2', '8.9'], cisAws: [] },
  evaluate(config, live) {
    if (pimRoles(config).length === 0) return checked([]);
    if (isUnread(live.entra)) return notChecked(live.entra.unread);
    const out: Finding[] = [];
    for (const problem of live.entra.pim.problems) {
      const match = /^role ([^:]+): (.*)$/.exec(problem);
      if (match?.[2]?.startsWith('note:') === true) continue;
      out.push(
        finding(
          this,
          match?.[1] === undefined ? 'entra' : `roles.${match[1]}`,
          `PIM cannot be compared: ${match?.[2] ?? problem}`,
        ),
      );
    }
    for (const role of live.entra.pim.roles) {
      if (role.groupId === null) {
        out.push(
          finding(
            this,
            `roles.${role.role}`,
            `Entra has no group ${role.group}: nobody can activate ${role.role} in PIM (jit apply creates it)`,
          ),
        );
        continue;
      }
      for (const change of planEntra({ roles: [role], problems: [] }, { prune: false })) {
        if (change.type !== 'pim-rule') continue;
        const before = (change.before ?? {}) as Readonly<Record<string, unknown>>;
        const weaker =
          change.before === null ? false : weakens(change.ruleId, before, change.after);
        out.push(
          finding(
            this,
            `roles.${role.role}`,
            change.before === null
              ? `PIM rule ${change.ruleId} of ${role.group} is missing in Entra`
              : `PIM rule ${change.ruleId} of ${role.group} differs${weaker ? ' (weaker than the config)' : ''}: ${differences(before, change.after).join('; ')}`,
            weaker ? 'high' : 'medium',
          ),
        );
      }
    }
    return checked(out);
  },
};

/** Whether Entra's rule lets through what the config's would stop. */
function weakens(
  ruleId: string,
  entra: Readonly<Record<string, unknown>>,
  config: Readonly<Record<string, unknown>>,
): boolean {
  switch (ruleId) {
    case 'Expiration_EndUser_Assignment': {
      if (entra['isExpirationRequired'] === false) return true;
      const have = millis(entra['maximumDuration']);
      const want = millis(config['maximumDuration']);
      return have === undefined || (want !== undefined && have > want);
    }
    case 'Enablement_EndUser_Assignment': {
      const have = new Set(strings(entra['enabledRules']));
      return strings(config['enabledRules']).some((rule) => !have.has(rule));
    }
    case 'Approval_EndUser_Assignment': {
      const have = record(entra['setting']);
      const want = record(config['setting']);
      if (want['isApprovalRequired'] === true && have['isApprovalRequired'] !== true) return true;
      const wanted = new Set(approverIds(want['approvalStages']));
      // Someone may approve whom the config does not name (when Entra asks for approval).
      return (
        have['isApprovalRequired'] === true &&
        approverIds(have['approvalStages']).some((id) => !wanted.has(id))
      );
    }
    case 'AuthenticationContext_EndUser_Assignment':
      return config['isEnabled'] === true && entra['isEnabled'] !== true;
    default:
      return false;
  }
}

/** `field: Entra's value (config: the config's)` for each differing field, nested ones by path. */
function differences(
  entra: Readonly<Record<string, unknown>>,
  config: Readonly<Record<string, unknown>>,
  prefix = '',
): string[] {
  const out: string[] = [];
  for (const [key, want] of Object.entries(config)) {
    if (key === 'id' || key === '@odata.type' || key === 'target') continue;
    const have = entra[key];
    if (JSON.stringify(have) === JSON.stringify(want)) continue;
    if (isRecord(want) && isRecord(have)) out.push(...differences(have, want, `${prefix}${key}.`));
    else if (key === 'approvalStages')
      out.push(`approvers: ${approverList(have)} in Entra (config: ${approverList(want)})`);
    else out.push(`${prefix}${key}: ${show(have)} in Entra (config: ${show(want)})`);
  }
  return out;
}

/** The primary approvers of PIM approval stages, by object id. */
function approverIds(stages: unknown): string[] {
  return list(stages)
    .flatMap((stage) => list(record(stage)['primaryApprovers']))
    .map((a) => {
      const approver = record(a);
      const id = approver['userId'] ?? approver['groupId'];
      return typeof id === 'string' ? id : '';
    });
}

function approverList(stages: unknown): string {
  const ids = approverIds(stages);
  return ids.length === 0 ? '(none)' : ids.join(', ');
}

function show(value: unknown): string {
  if (value === undefined || value === null) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const record = (value: unknown): Readonly<Record<string, unknown>> =>
  isRecord(value) ? value : {};
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
function millis(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = parseDuration(value);
  return parsed.ok ? parsed.millis : undefined;
}

export const SCIM_TOKEN_EXPIRY: LiveRule = {
  id: 'JIT009',
  name: 'scim-token-expiry',
  title:
    "Identity Center's SCIM token expires within 30 days, has expired, or its expiry is not recorded",
  why: 'Entra provisions users and groups to Identity Center with a SCIM token that is valid one year; when it expires provisioning stops without a sound, and people disabled or removed in Entra stay active in Identity Center. No AWS or Graph API tells when it expires, so the config records it',
  fix: 'generate a new token in the Identity Center console (Settings, Automatic provisioning), put it in the Entra enterprise application, and set check.scimTokenExpiresAt to its expiry date (a year later)',
  severity: 'medium',
  controls: { soc2: ['CC6.2'], iso27001: ['5.16', '5.17', '5.18'], cisAws: [] },
  evaluate(config, live) {
    const expiresOn = config.check.scimTokenExpiresAt;
    const roles = pimRoles(config).map((r) => r.name);
    const resource = 'check.scimTokenExpiresAt';
    if (expiresOn === undefined)
      return checked(
        roles.length === 0
          ? []
          : [
              finding(
                this,
                resource,
                `Entra provisions the groups of ${roles.join(', ')} to Identity Center over SCIM, and the token's expiry is not recorded: nothing warns before provisioning stops`,
                'low',
              ),
            ],
      );
    const left = Date.parse(`${expiresOn}T00:00:00Z`) - live.readAt;
    if (left <= 0)
      return checked([
        finding(
          this,
          resource,
          `the SCIM token expired on ${expiresOn}: Entra's provisioning to Identity Center has stopped`,
          'high',
        ),
      ]);
    if (left <= SCIM_WARNING)
      return checked([
        finding(
          this,
          resource,
          `the SCIM token expires on ${expiresOn}, in ${String(Math.ceil(left / DAY))} day(s)`,
        ),
      ]);
    return checked([]);
  },
};

export const NESTED_GROUP_UNPROVISIONED: LiveRule = {
  id: 'JIT010',
  name: 'nested-group-unprovisioned',
  title: 'A group Entra provisions to Identity Center has groups as members',
  why: "Entra's provisioning does not flatten nested groups: the nested group's members get nothing in Identity Center from it, so Entra and AWS disagree on who holds the role, and a review of one misses the other; a permanent group member of a PIM group is standing access for everyone in it",
  fix: 'make people eligible (or members) directly, or put the nested group itself under PIM and in the role; remove group members from the provisioned group',
  severity: 'medium',
  controls: { soc2: ['CC6.2', 'CC6.3'], iso27001: ['5.16', '5.18'], cisAws: [] },
  evaluate(config, live) {
    if (pimRoles(config).length === 0) return checked([]);
    if (isUnread(live.entra)) return notChecked(live.entra.unread);
    const out: Finding[] = [];
    for (const [role, groups] of live.entra.nestedGroups)
      for (const nested of groups)
        out.push(
          finding(
            this,
            `roles.${role}`,
            `group ${nested.name} is a member of ${config.roles.get(role)?.entraGroup ?? config.roles.get(role)?.group ?? role}${nested.permanent ? ' with a permanent PIM assignment (standing access for all its members)' : ''}; Entra's provisioning does not flatten it`,
            nested.permanent ? 'high' : 'medium',
          ),
        );
    return checked(out);
  },
};

export const ACCESS_UNDECLARED: LiveRule = {
  id: 'JIT011',
  name: 'access-undeclared',
  title: 'Access to a managed permission set or PIM group that the config does not declare',
  why: 'an account assignment of a JIT permission set made in the console or by another tool (or a PIM eligibility added in the Entra portal) is standing or unreviewed access that jit neither granted nor will remove',
  fix: 'remove the assignment in Identity Center (jit plan --prune lists group assignments it would delete), or declare it in the config; remove the eligibility in PIM (jit apply --prune) or add the person to the role',
  severity: 'high',
  controls: { soc2: ['CC6.2', 'CC6.3', 'CC7.1'], iso27001: ['5.15', '5.18', '8.2'], cisAws: [] },
  evaluate(config, live) {
    const ic = live.identityCenter;
    if (isUnread(ic)) return notChecked(ic.unread);
    const declared = new Set(desiredAssignments(config, ic.ouAccounts).map(assignmentKey));
    const perUser = accountAssignmentScope(config, ic.ouAccounts);
    const out: Finding[] = [];
    for (const a of ic.assignments) {
      const inConfig = config.permissionSets.has(a.permissionSet);
      const why = inConfig
        ? ''
        : ` (${a.permissionSet} is jit's, tagged, but no longer in the config)`;
      if (a.principalType === 'GROUP') {
        if (
          inConfig &&
          declared.has(
            assignmentKey({
              group: a.principal,
              permissionSet: a.permissionSet,
              account: a.account,
            }),
          )
        )
          continue;
        out.push(
          finding(
            this,
            `permissionSets.${a.permissionSet}.assignments.${a.account}.group:${a.principal}`,
            `group ${a.principal} is assigned ${a.permissionSet} in ${a.account}, which no role declares${why}: its members hold it without a grant`,
          ),
        );
      } else {
        // USER assignments where an account-assignment role grants them are JIT012's.
        if (inConfig && perUser.has(`${a.permissionSet}\u0000${a.account}`)) continue;
        out.push(
          finding(
            this,
            `permissionSets.${a.permissionSet}.assignments.${a.account}.user:${a.principal}`,
            `user ${a.principal} is assigned ${a.permissionSet} in ${a.account} directly, and no account-assignment role grants it there${why}: standing access outside jit`,
          ),
        );
      }
    }
    if (pimRoles(config).length === 0) return checked(out);
    if (isUnread(live.entra))
      return checked(out, `PIM eligibilities not compared: ${live.entra.unread}`);
    for (const role of live.entra.pim.roles) {
      const wanted = new Set(role.wantEligible.map((p) => p.id));
      for (const id of Object.keys(role.eligible).sort())
        if (!wanted.has(id))
          out.push(
            finding(
              this,
              `roles.${role.role}.eligibility.${id}`,
              `principal ${id} is eligible for ${role.group} in PIM, and the config does not make them eligible for ${role.role}`,
              'medium',
            ),
          );
    }
    return checked(out);
  },
};

/** `permissionSet \0 account` of every account-assignment role. */
function accountAssignmentScope(
  config: JitConfig,
  ouAccounts: ReadonlyMap<string, readonly string[]>,
): Set<string> {
  const out = new Set<string>();
  for (const role of config.roles.values()) {
    if (role.enforcement !== 'account-assignment') continue;
    for (const account of roleAccounts(role, ouAccounts))
      out.add(`${role.permissionSet}\u0000${account}`);
  }
  return out;
}

function roleAccounts(role: Role, ouAccounts: ReadonlyMap<string, readonly string[]>): string[] {
  return [
    ...new Set([
      ...role.accounts,
      ...(role.organizationalUnits ?? []).flatMap((ou) => ouAccounts.get(ou) ?? []),
    ]),
  ];
}

export const ACCESS_UNBACKED: LiveRule = {
  id: 'JIT012',
  name: 'access-unbacked',
  title: 'Managed access in Identity Center that no active grant backs',
  why: "a member of a role's group, or a user assignment of an account-assignment role, that no active grant accounts for was made outside jit (or outlived its grant): standing access the audit log does not explain",
  fix: "remove it in Identity Center, or set the role's drift: enforce so the controller removes such access at its next sweep; when grants have ended and access stays, start the controller",
  severity: 'high',
  controls: { soc2: ['CC6.2', 'CC6.3', 'CC7.1'], iso27001: ['5.18', '8.2'], cisAws: [] },
  evaluate(config, live) {
    const ic = live.identityCenter;
    if (isUnread(ic)) return notChecked(ic.unread);
    if (isUnread(live.grants)) return notChecked(live.grants.unread);
    const backing = new Map<string, ActiveGrantView[]>();
    for (const grant of live.grants.active)
      for (const entitlement of grant.entitlements) {
        const key = entitlementKey(entitlement);
        backing.set(key, [...(backing.get(key) ?? []), grant]);
      }
    const out: Finding[] = [];
    for (const held of ic.held) {
      const role = roleOf(config, held);
      const resource = `roles.${role?.name ?? '?'}.${held.kind === 'group-membership' ? `members.${held.user}` : `assignments.${held.account}.${held.user}`}`;
      const what =
        held.kind === 'group-membership'
          ? `${held.user} is a member of ${held.group}`
          : `${held.user} is assigned ${held.permissionSet} in ${held.account}`;
      const grants = backing.get(entitlementKey(held)) ?? [];
      if (grants.length === 0) {
        const enforced = role?.drift === 'enforce';
        out.push(
          finding(
            this,
            resource,
            `${what}, and no active grant backs it${enforced ? `; role ${role.name} says drift: enforce, so a running controller removes it at its next sweep` : ''}`,
            enforced ? 'medium' : 'high',
          ),
        );
      } else if (grants.every((g) => g.endsAt + ENDED_GRACE < live.readAt)) {
        const last = Math.max(...grants.map((g) => g.endsAt));
        out.push(
          finding(
            this,
            resource,
            `${what}, backed only by grant ${grants.map((g) => g.id).join(', ')}, which ended at ${new Date(last).toISOString()}: no controller is removing access (is jit serve running?)`,
          ),
        );
      }
    }
    return checked(out);
  },
};

function roleOf(config: JitConfig, entitlement: Entitlement): Role | undefined {
  for (const role of config.roles.values()) {
    if (entitlement.kind === 'group-membership') {
      if (role.enforcement === 'group-membership' && role.group === entitlement.group) return role;
    } else if (
      role.enforcement === 'account-assignment' &&
      role.permissionSet === entitlement.permissionSet
    )
      return role;
  }
  return undefined;
}

export const REVOCATION_SCP_DETACHED: LiveRule = {
  id: 'JIT013',
  name: 'revocation-scp-detached',
  title: 'The revocation SCP is missing, detached, or does not reach every account',
  why: 'session revocation writes its Deny statements into one SCP; unattached (or attached above too few accounts) the Denies do nothing, and AWS sessions opened during a grant stay valid after it ends. The controller attaches the SCP once per start, so a later detach goes unnoticed',
  fix: 'attach the SCP to aws.revocation.targetId (the root when unset), e.g. aws organizations attach-policy --policy-id <id> --target-id <root>, or restart the controller, which attaches it; deploy the organization stack if it is missing (docs/deploy.md)',
  severity: 'high',
  controls: { soc2: ['CC6.2', 'CC7.1'], iso27001: ['5.18', '8.2', '8.9'], cisAws: [] },
  evaluate(config, live) {
    // With revocation off there is nothing to attach; JIT007 reports that.
    if (config.mode === 'live' && config.aws?.revocation.enabled === false) return checked([]);
    const org = live.organizations;
    if (isUnread(org)) return notChecked(org.unread);
    const resource = 'aws.revocation';
    const policy = org.policy;
    if (policy === undefined)
      return checked([
        config.mode === 'sandbox'
          ? finding(
              this,
              resource,
              `there is no SCP named ${org.policyName} yet; the sandbox controller creates and attaches it at the first revocation`,
              'low',
            )
          : finding(
              this,
              resource,
              `there is no SCP named ${org.policyName}: the first revocation fails (the controller may not create SCPs); deploy the organization stack`,
            ),
      ]);
    const covers = (account: string, parents: readonly string[]): boolean =>
      [account, ...parents].some((id) => policy.targets.includes(id));
    const uncovered = [...org.accountParents]
      .filter(([account]) => account !== org.managementAccountId)
      .filter(([account, parents]) => !covers(account, parents))
      .map(([account]) => account)
      .sort();
    const inForce =
      policy.revocations === 0
        ? ''
        : `; its ${String(policy.revocations)} Deny statement(s) in force are not applied`;
    if (!policy.targets.includes(org.target))
      return checked([
        finding(
          this,
          resource,
          `SCP ${policy.name} (${policy.id}) is not attached to ${org.target}${policy.targets.length === 0 ? ' nor anywhere else' : ` (attached to ${policy.targets.join(', ')})`}${uncovered.length === 0 ? '' : `: it reaches none of ${uncovered.join(', ')}`}${inForce}`,
          policy.revocations > 0 ? 'critical' : 'high',
        ),
      ]);
    return checked(
      uncovered.map((account) =>
        finding(
          this,
          resource,
          `account ${account} (a role's) is outside ${org.target}, where SCP ${policy.name} is attached: sessions there are never ended early`,
        ),
      ),
    );
  },
};

/** Every live rule, in id order. */
export const LIVE_RULES: readonly LiveRule[] = [
  PIM_POLICY_DRIFT,
  SCIM_TOKEN_EXPIRY,
  NESTED_GROUP_UNPROVISIONED,
  ACCESS_UNDECLARED,
  ACCESS_UNBACKED,
  REVOCATION_SCP_DETACHED,
];
