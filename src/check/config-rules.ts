// The posture rules `jit check` evaluates on the config alone (pure: no I/O).
import type { JitConfig, PermissionSetConfig } from '../config/index.js';
import { humanDuration } from '../core/duration.js';
import type { Role } from '../core/role.js';
import { findingOf as finding, type CheckRule, type Finding } from './finding.js';

const DAY = 86_400_000;

/** AWS-managed policies that amount to administrator rights. */
const ADMIN_POLICIES = new Set([
  'arn:aws:iam::aws:policy/AdministratorAccess',
  'arn:aws:iam::aws:policy/PowerUserAccess',
  'arn:aws:iam::aws:policy/IAMFullAccess',
]);

/** Whether a permission set grants `*` actions without a condition (or an admin policy). */
export function isAdminLike(set: PermissionSetConfig): boolean {
  if (
    set.managedPolicies.some((arn) =>
      ADMIN_POLICIES.has(arn.replace(/^arn:aws[a-z-]*:/, 'arn:aws:')),
    )
  )
    return true;
  if (set.inlinePolicy === undefined) return false;
  const document = JSON.parse(set.inlinePolicy) as { Statement?: unknown };
  const statements = [document.Statement ?? []].flat() as {
    Effect?: string;
    Action?: string | string[];
    Condition?: unknown;
  }[];
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      s.Condition === undefined &&
      [s.Action ?? []].flat().some((action) => action === '*' || action.endsWith(':*')),
  );
}

function rolesUsing(config: JitConfig): [Role, PermissionSetConfig][] {
  const out: [Role, PermissionSetConfig][] = [];
  for (const role of config.roles.values()) {
    const set = config.permissionSets.get(role.permissionSet);
    if (set !== undefined) out.push([role, set]);
  }
  return out;
}

const revocationOn = (config: JitConfig): boolean =>
  config.mode === 'sandbox' || config.aws?.revocation.enabled !== false;

export const BOUNDARY_MISSING: CheckRule = {
  id: 'JIT001',
  name: 'boundary-missing',
  title: 'A permission set that a role grants has no permissions boundary',
  why: 'without a boundary, access granted just in time can make itself permanent (new users, access keys, roles) or switch off the monitoring that would notice',
  fix: 'give the permission set permissionsBoundary: { customerManagedPolicy: { name: JitPermissionsBoundary } } and deploy the boundary to every account (docs/deploy.md)',
  severity: 'high',
  controls: { soc2: ['CC6.1', 'CC6.3'], iso27001: ['5.15', '8.2'], cisAws: [] },
  evaluate(config) {
    const used = new Set([...config.roles.values()].map((r) => r.permissionSet));
    return [...config.permissionSets.values()]
      .filter((set) => used.has(set.name) && set.permissionsBoundary === undefined)
      .map((set) =>
        finding(this, `permissionSets.${set.name}`, `${set.name} has no permissionsBoundary`),
      );
  },
};

export const SESSION_OUTLIVES_GRANT: CheckRule = {
  id: 'JIT002',
  name: 'session-outlives-grant',
  title: "The permission set's session lasts longer than the role's longest activation",
  why: 'an AWS session opened near the end of a grant stays valid for the session duration; only session revocation (the SCP) ends it at the grant end',
  fix: "lower the permission set's sessionDuration to at most the role's activation.maxDuration, and keep aws.revocation on",
  severity: 'low',
  controls: { soc2: ['CC6.2', 'CC6.3'], iso27001: ['5.18', '8.2'], cisAws: [] },
  evaluate(config) {
    return rolesUsing(config)
      .filter(([role, set]) => set.sessionDuration > role.activation.maxDuration)
      .map(([role, set]) =>
        finding(
          this,
          `roles.${role.name}`,
          `${set.name} sessions last ${humanDuration(set.sessionDuration)}, the role's activations at most ${humanDuration(role.activation.maxDuration)}${revocationOn(config) ? '; session revocation ends them at the grant end' : ', and session revocation is off: sessions outlive the grant'}`,
          revocationOn(config) ? 'low' : 'high',
        ),
      );
  },
};

export const ADMIN_UNGUARDED: CheckRule = {
  id: 'JIT003',
  name: 'admin-unguarded',
  title: 'Administrator-like access without approval or MFA',
  why: 'a permission set with `*` actions (or AdministratorAccess) is the access an attacker with one stolen session wants most; a second person and a fresh MFA are what stop them',
  fix: 'set activation.approval.required: true (with approvers other than the requesters) and activation.requireMfa: true on the role',
  severity: 'high',
  controls: { soc2: ['CC6.1', 'CC6.3'], iso27001: ['5.3', '8.2', '8.5'], cisAws: ['1.16'] },
  evaluate(config) {
    const out: Finding[] = [];
    for (const [role, set] of rolesUsing(config)) {
      if (role.breakGlass || !isAdminLike(set)) continue;
      const missing = [
        ...(role.activation.approval.required ? [] : ['approval']),
        ...(role.activation.requireMfa ? [] : ['MFA']),
      ];
      if (missing.length > 0)
        out.push(
          finding(
            this,
            `roles.${role.name}`,
            `${role.name} grants ${set.name} (administrator-like) without ${missing.join(' or ')}`,
          ),
        );
    }
    return out;
  },
};

export const BREAK_GLASS_UNALERTED: CheckRule = {
  id: 'JIT004',
  name: 'break-glass-unalerted',
  title: 'A break-glass role whose use only the audit log would show',
  why: 'break-glass skips approval; its use must reach people at once, and must carry a reason',
  fix: 'require a justification on the role, and watch alert entries of the audit log (notifications to Slack, Teams or e-mail are not built yet)',
  severity: 'medium',
  controls: { soc2: ['CC7.2'], iso27001: ['8.2', '8.15', '8.16'], cisAws: [] },
  evaluate(config) {
    return [...config.roles.values()]
      .filter((role) => role.breakGlass)
      .map((role) =>
        finding(
          this,
          `roles.${role.name}`,
          role.activation.requireJustification
            ? `role ${role.name} is break-glass: its use is an alert in the audit log and the server log only (no notification channel exists yet)`
            : `role ${role.name} is break-glass and does not require a justification`,
          role.activation.requireJustification ? 'medium' : 'high',
        ),
      );
  },
};

export const ELIGIBILITY_UNBOUNDED: CheckRule = {
  id: 'JIT005',
  name: 'eligibility-unbounded',
  title: 'Eligibility without an end, or longer than a year',
  why: 'eligibility that never ends accumulates: people keep the right to ask long after they need it',
  fix: 'set eligibility.maxEligibility (e.g. P180D) and review the members when it ends',
  severity: 'low',
  controls: { soc2: ['CC6.2', 'CC6.3'], iso27001: ['5.18', '8.2'], cisAws: [] },
  evaluate(config) {
    const out: Finding[] = [];
    for (const role of config.roles.values()) {
      const max = role.eligibility.maxEligibility;
      if (role.source === 'entra-pim' && max === undefined)
        out.push(
          finding(
            this,
            `roles.${role.name}`,
            `${role.name}: PIM eligibilities are permanent (no maxEligibility)`,
            'medium',
          ),
        );
      else if (max !== undefined && max > 365 * DAY)
        out.push(
          finding(
            this,
            `roles.${role.name}`,
            `${role.name}: eligibility lasts ${humanDuration(max)}`,
          ),
        );
    }
    return out;
  },
};

export const APPROVERS_ARE_REQUESTERS: CheckRule = {
  id: 'JIT006',
  name: 'approvers-are-requesters',
  title: 'The approvers are the eligible members themselves',
  why: 'when only eligible members can approve, approval is peers approving each other; with one member, nobody can approve at all',
  fix: 'name approvers who are not eligible for the role (a security or platform lead group)',
  severity: 'medium',
  controls: { soc2: ['CC6.3'], iso27001: ['5.3', '8.2'], cisAws: [] },
  evaluate(config) {
    const out: Finding[] = [];
    for (const role of config.roles.values()) {
      const approval = role.activation.approval;
      if (!approval.required || role.source === 'entra-pim') continue;
      const members = role.eligibility.members;
      const approvers = approval.approvers;
      const sameUsers = approvers.users.every((u) => members.users.includes(u));
      const sameGroups = approvers.groups.every((g) => members.groups.includes(g));
      if (!sameUsers || !sameGroups) continue;
      const single = members.groups.length === 0 && members.users.length <= approval.quorum;
      out.push(
        finding(
          this,
          `roles.${role.name}`,
          single
            ? `${role.name}: every approver is eligible and there are not enough others to reach the quorum of ${String(approval.quorum)}: requests can never be approved`
            : `${role.name}: every approver is also an eligible member`,
          single ? 'high' : 'medium',
        ),
      );
    }
    return out;
  },
};

export const REVOCATION_OFF: CheckRule = {
  id: 'JIT007',
  name: 'revocation-off',
  title: 'Session revocation is off',
  why: 'without the revocation SCP, AWS sessions opened during a grant stay valid after it ends, for up to the permission set session duration',
  fix: 'remove aws.revocation.enabled: false; the controller needs Organizations access from the management account (docs/live.md)',
  severity: 'high',
  controls: { soc2: ['CC6.2', 'CC6.3'], iso27001: ['5.18', '8.2'], cisAws: [] },
  evaluate(config) {
    return config.mode === 'live' && config.aws?.revocation.enabled === false
      ? [finding(this, 'aws.revocation', 'aws.revocation.enabled is false')]
      : [];
  },
};

/** Every config rule, in id order. */
export const CONFIG_RULES: readonly CheckRule[] = [
  BOUNDARY_MISSING,
  SESSION_OUTLIVES_GRANT,
  ADMIN_UNGUARDED,
  BREAK_GLASS_UNALERTED,
  ELIGIBILITY_UNBOUNDED,
  APPROVERS_ARE_REQUESTERS,
  REVOCATION_OFF,
];
