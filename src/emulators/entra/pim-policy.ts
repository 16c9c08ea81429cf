// PIM for Groups policies: one per onboarded group and access (member, owner), with the rule
// ids and types Graph documents (Expiration_*, Enablement_*, Approval_EndUser_Assignment,
// AuthenticationContext_EndUser_Assignment, Notification_*). The emulator's default for a
// group's member activations: at most PT8H, justification required, no MFA, no approval.
// Rules are kept as Graph JSON; PATCH validates them per type.

import { randomUUID } from 'node:crypto';
import type {
  UnifiedRoleManagementPolicyApprovalRule,
  UnifiedRoleManagementPolicyAuthenticationContextRule,
  UnifiedRoleManagementPolicyEnablementRule,
  UnifiedRoleManagementPolicyExpirationRule,
  UnifiedRoleManagementPolicyNotificationRule,
  UnifiedRoleManagementPolicyRuleTarget,
} from '@microsoft/microsoft-graph-types';
import type { EntraDirectory } from './entra-directory.js';
import { badRequest, GraphError } from './graph-error.js';
import { isRecord } from './http-kit.js';
import { parseIsoDuration } from './iso-duration.js';

export type AccessId = 'member' | 'owner';
export type PolicyRule = Record<string, unknown> & { readonly id: string; '@odata.type': string };

export interface PimPolicy {
  readonly id: string;
  readonly groupId: string;
  readonly accessId: AccessId;
  readonly assignmentId: string;
  lastModifiedDateTime: string | null;
  lastModifiedBy: { displayName: string | null; id: string | null };
  readonly rules: PolicyRule[];
}

const ns = '#microsoft.graph.';

/** A rule in Graph's JSON, its fields checked against the rule's Graph type. */
function typed(type: string, id: string, fields: object): PolicyRule {
  return { '@odata.type': type, id, ...fields };
}
const expirationType = `${ns}unifiedRoleManagementPolicyExpirationRule`;
const enablementType = `${ns}unifiedRoleManagementPolicyEnablementRule`;
const approvalType = `${ns}unifiedRoleManagementPolicyApprovalRule`;
const authContextType = `${ns}unifiedRoleManagementPolicyAuthenticationContextRule`;
const notificationType = `${ns}unifiedRoleManagementPolicyNotificationRule`;

function target(
  caller: 'Admin' | 'EndUser',
  level: 'Eligibility' | 'Assignment',
): UnifiedRoleManagementPolicyRuleTarget {
  return {
    caller,
    operations: ['all'],
    level,
    inheritableSettings: [],
    enforcedSettings: [],
  };
}

type Caller = 'Admin' | 'EndUser';
type Level = 'Eligibility' | 'Assignment';

const expiration = (
  caller: Caller,
  level: Level,
  fields: UnifiedRoleManagementPolicyExpirationRule,
): PolicyRule =>
  typed(expirationType, `Expiration_${caller}_${level}`, {
    ...fields,
    target: target(caller, level),
  });

const enablement = (
  caller: Caller,
  level: Level,
  fields: UnifiedRoleManagementPolicyEnablementRule,
): PolicyRule =>
  typed(enablementType, `Enablement_${caller}_${level}`, {
    ...fields,
    target: target(caller, level),
  });

function notificationRules(caller: Caller, level: Level): PolicyRule[] {
  return (['Admin', 'Requestor', 'Approver'] as const).map((recipient) =>
    typed(notificationType, `Notification_${recipient}_${caller}_${level}`, {
      notificationType: 'Email',
      recipientType: recipient,
      notificationLevel: 'All',
      isDefaultRecipientsEnabled: true,
      notificationRecipients: [],
      target: target(caller, level),
    } satisfies UnifiedRoleManagementPolicyNotificationRule),
  );
}

function defaultRules(): PolicyRule[] {
  return [
    expiration('Admin', 'Eligibility', { isExpirationRequired: false, maximumDuration: 'P365D' }),
    enablement('Admin', 'Eligibility', { enabledRules: [] }),
    ...notificationRules('Admin', 'Eligibility'),
    expiration('Admin', 'Assignment', { isExpirationRequired: false, maximumDuration: 'P180D' }),
    enablement('Admin', 'Assignment', { enabledRules: ['Justification'] }),
    ...notificationRules('Admin', 'Assignment'),
    typed(approvalType, 'Approval_EndUser_Assignment', {
      setting: {
        isApprovalRequired: false,
        isApprovalRequiredForExtension: false,
        isRequestorJustificationRequired: true,
        approvalMode: 'SingleStage',
        approvalStages: [
          {
            approvalStageTimeOutInDays: 1,
            isApproverJustificationRequired: true,
            escalationTimeInMinutes: 0,
            isEscalationEnabled: false,
            primaryApprovers: [],
            escalationApprovers: [],
          },
        ],
      },
      target: target('EndUser', 'Assignment'),
    } satisfies UnifiedRoleManagementPolicyApprovalRule),
    typed(authContextType, 'AuthenticationContext_EndUser_Assignment', {
      isEnabled: false,
      claimValue: null,
      target: target('EndUser', 'Assignment'),
    } satisfies UnifiedRoleManagementPolicyAuthenticationContextRule),
    enablement('EndUser', 'Assignment', { enabledRules: ['Justification'] }),
    expiration('EndUser', 'Assignment', { isExpirationRequired: true, maximumDuration: 'PT8H' }),
    ...notificationRules('EndUser', 'Assignment'),
  ];
}

export function createPolicy(groupId: string, accessId: AccessId): PimPolicy {
  const id = `Group_${groupId}_${randomUUID()}`;
  return {
    id,
    groupId,
    accessId,
    assignmentId: `${id}_${accessId}`,
    lastModifiedDateTime: null,
    lastModifiedBy: { displayName: null, id: null },
    rules: defaultRules(),
  };
}

export function policyRule(policy: PimPolicy, ruleId: string): PolicyRule | undefined {
  return policy.rules.find((r) => r.id.toLowerCase() === ruleId.toLowerCase());
}

/** The rules selfActivate and admin actions read, with defaults when a rule is odd. */
export interface EffectiveRules {
  readonly maxDurationMs: number;
  readonly expirationRequired: boolean;
  readonly enabledRules: readonly string[];
}

export function effectiveRules(
  policy: PimPolicy,
  caller: 'Admin' | 'EndUser',
  level: 'Eligibility' | 'Assignment',
): EffectiveRules {
  const expiration = policyRule(policy, `Expiration_${caller}_${level}`);
  const enablement = policyRule(policy, `Enablement_${caller}_${level}`);
  const max =
    typeof expiration?.maximumDuration === 'string'
      ? parseIsoDuration(expiration.maximumDuration)
      : undefined;
  const enabled = enablement?.enabledRules;
  return {
    maxDurationMs: max ?? 8 * 3600 * 1000,
    expirationRequired: expiration?.isExpirationRequired !== false,
    enabledRules: Array.isArray(enabled)
      ? enabled.filter((r): r is string => typeof r === 'string')
      : [],
  };
}

export interface ApprovalSetting {
  readonly required: boolean;
  readonly approverJustificationRequired: boolean;
  /** `{kind, id}` of each primary approver of the first stage. */
  readonly approvers: readonly { readonly kind: 'user' | 'group'; readonly id: string }[];
}

export function approvalSetting(policy: PimPolicy): ApprovalSetting {
  const rule = policyRule(policy, 'Approval_EndUser_Assignment');
  const setting = isRecord(rule?.setting) ? rule.setting : {};
  const stages = Array.isArray(setting.approvalStages) ? setting.approvalStages : [];
  const stage: Record<string, unknown> = isRecord(stages[0]) ? stages[0] : {};
  const primary = Array.isArray(stage.primaryApprovers) ? stage.primaryApprovers : [];
  const approvers = primary.flatMap((p): { kind: 'user' | 'group'; id: string }[] => {
    if (!isRecord(p)) return [];
    if (typeof p.userId === 'string') return [{ kind: 'user', id: p.userId }];
    if (typeof p.groupId === 'string') return [{ kind: 'group', id: p.groupId }];
    return [];
  });
  return {
    required: setting.isApprovalRequired === true,
    approverJustificationRequired: stage.isApproverJustificationRequired !== false,
    approvers,
  };
}

export function authenticationContext(policy: PimPolicy): {
  enabled: boolean;
  claimValue: string | undefined;
} {
  const rule = policyRule(policy, 'AuthenticationContext_EndUser_Assignment');
  return {
    enabled: rule?.isEnabled === true,
    claimValue: typeof rule?.claimValue === 'string' ? rule.claimValue : undefined,
  };
}

const invalidRule = (message: string): GraphError =>
  new GraphError(400, 'InvalidPolicyRule', message);

const fieldsByType: Readonly<Record<string, readonly string[]>> = {
  [expirationType]: ['isExpirationRequired', 'maximumDuration'],
  [enablementType]: ['enabledRules'],
  [approvalType]: ['setting'],
  [authContextType]: ['isEnabled', 'claimValue'],
  [notificationType]: [
    'notificationType',
    'recipientType',
    'notificationLevel',
    'isDefaultRecipientsEnabled',
    'notificationRecipients',
  ],
};

const enablementChoices: Readonly<Record<string, readonly string[]>> = {
  Enablement_EndUser_Assignment: ['Justification', 'MultiFactorAuthentication', 'Ticketing'],
  Enablement_Admin_Assignment: ['Justification', 'MultiFactorAuthentication'],
  Enablement_Admin_Eligibility: ['Justification', 'MultiFactorAuthentication'],
};

/** Longest allowed `maximumDuration` per expiration rule. */
const maximumDurations: Readonly<Record<string, number>> = {
  Expiration_EndUser_Assignment: 24 * 3600 * 1000,
  Expiration_Admin_Assignment: 366 * 24 * 3600 * 1000,
  Expiration_Admin_Eligibility: 366 * 24 * 3600 * 1000,
};

function normaliseType(value: string): string {
  const v = value.trim();
  return (v.startsWith('#') ? v : `#${v}`).toLowerCase();
}

function checkApprovers(
  value: unknown,
  directory: EntraDirectory,
  path: string,
): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidRule(`${path} must be a list.`);
  return value.map((approver, i) => {
    if (!isRecord(approver)) throw invalidRule(`${path}[${i}] must be an object.`);
    const type =
      typeof approver['@odata.type'] === 'string' ? normaliseType(approver['@odata.type']) : '';
    if (type === `${ns}singleuser`.toLowerCase()) {
      if (typeof approver.userId !== 'string' || directory.users.get(approver.userId) === undefined)
        throw invalidRule(`${path}[${i}].userId must be the id of an existing user.`);
      const user = directory.users.get(approver.userId);
      return {
        '@odata.type': `${ns}singleUser`,
        isBackup: approver.isBackup === true,
        id: approver.userId,
        description: user?.displayName ?? null,
        userId: approver.userId,
      };
    }
    if (type === `${ns}groupmembers`.toLowerCase()) {
      if (
        typeof approver.groupId !== 'string' ||
        directory.groups.get(approver.groupId) === undefined
      )
        throw invalidRule(`${path}[${i}].groupId must be the id of an existing group.`);
      const group = directory.groups.get(approver.groupId);
      return {
        '@odata.type': `${ns}groupMembers`,
        isBackup: approver.isBackup === true,
        id: approver.groupId,
        description: group?.displayName ?? null,
        groupId: approver.groupId,
      };
    }
    throw invalidRule(
      `${path}[${i}] needs "@odata.type": "#microsoft.graph.singleUser" with userId, or "#microsoft.graph.groupMembers" with groupId.`,
    );
  });
}

function checkApprovalSetting(value: unknown, directory: EntraDirectory): Record<string, unknown> {
  if (!isRecord(value)) throw invalidRule('setting must be an object (approvalSettings).');
  const out: Record<string, unknown> = {};
  for (const key of [
    'isApprovalRequired',
    'isApprovalRequiredForExtension',
    'isRequestorJustificationRequired',
  ]) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean')
      throw invalidRule(`setting.${key} must be true or false.`);
    out[key] = value[key] ?? false;
  }
  const mode = value.approvalMode ?? 'SingleStage';
  if (
    typeof mode !== 'string' ||
    !['SingleStage', 'Serial', 'Parallel', 'NoApproval'].includes(mode)
  )
    throw invalidRule('setting.approvalMode must be SingleStage, Serial, Parallel or NoApproval.');
  out.approvalMode = mode;
  const stages = value.approvalStages ?? [];
  if (!Array.isArray(stages)) throw invalidRule('setting.approvalStages must be a list.');
  if (stages.length > 1) throw invalidRule('The emulator supports a single approval stage.');
  out.approvalStages = stages.map((stage, i) => {
    if (!isRecord(stage)) throw invalidRule(`setting.approvalStages[${i}] must be an object.`);
    return {
      approvalStageTimeOutInDays:
        typeof stage.approvalStageTimeOutInDays === 'number' ? stage.approvalStageTimeOutInDays : 1,
      isApproverJustificationRequired: stage.isApproverJustificationRequired !== false,
      escalationTimeInMinutes:
        typeof stage.escalationTimeInMinutes === 'number' ? stage.escalationTimeInMinutes : 0,
      isEscalationEnabled: stage.isEscalationEnabled === true,
      primaryApprovers: checkApprovers(
        stage.primaryApprovers,
        directory,
        `setting.approvalStages[${i}].primaryApprovers`,
      ),
      escalationApprovers: checkApprovers(
        stage.escalationApprovers,
        directory,
        `setting.approvalStages[${i}].escalationApprovers`,
      ),
    };
  });
  const firstStage = (out.approvalStages as Record<string, unknown>[])[0];
  const approvers = firstStage?.primaryApprovers;
  if (out.isApprovalRequired === true && (!Array.isArray(approvers) || approvers.length === 0))
    throw invalidRule(
      'Approval is required but no primary approvers are set; add at least one to approvalStages[0].primaryApprovers.',
    );
  return out;
}

/** Validates a rule PATCH body against the rule and applies it; throws GraphError. */
export function patchRule(
  rule: PolicyRule,
  body: Record<string, unknown>,
  directory: EntraDirectory,
): void {
  const type = body['@odata.type'];
  if (typeof type !== 'string' || type.trim() === '')
    throw badRequest(
      `Cannot create an abstract class. The body must carry "@odata.type" for rule ${rule.id}, here "${rule['@odata.type']}".`,
    );
  if (normaliseType(type) !== rule['@odata.type'].toLowerCase())
    throw badRequest(
      `The @odata.type '${type}' does not match rule ${rule.id}, which is a '${rule['@odata.type']}'.`,
    );
  if (
    body.id !== undefined &&
    (typeof body.id !== 'string' || body.id.toLowerCase() !== rule.id.toLowerCase())
  )
    throw badRequest(`The id in the body does not match the rule ${rule.id} in the URL.`);
  const fields = fieldsByType[rule['@odata.type']] ?? [];
  const updates: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === '@odata.type' || key === 'id') continue;
    if (key === 'target') {
      if (!isRecord(value)) throw invalidRule('target must be an object.');
      continue;
    }
    if (!fields.includes(key))
      throw badRequest(
        `Could not find a property named '${key}' on type '${rule['@odata.type'].slice(1)}'.`,
      );
    updates[key] = value;
  }
  if ('maximumDuration' in updates) {
    const text = updates.maximumDuration;
    const ms = typeof text === 'string' ? parseIsoDuration(text) : undefined;
    const limit = maximumDurations[rule.id] ?? Number.POSITIVE_INFINITY;
    if (ms === undefined || ms <= 0)
      throw invalidRule(
        `maximumDuration must be an ISO 8601 duration such as PT8H, not ${JSON.stringify(text)}.`,
      );
    if (ms > limit)
      throw invalidRule(
        `maximumDuration ${String(text)} is longer than ${rule.id} allows (${rule.id === 'Expiration_EndUser_Assignment' ? 'PT24H' : 'P366D'}).`,
      );
    if (rule.id === 'Expiration_EndUser_Assignment' && ms < 30 * 60 * 1000)
      throw invalidRule('maximumDuration of an activation must be at least PT30M.');
  }
  if ('isExpirationRequired' in updates && typeof updates.isExpirationRequired !== 'boolean')
    throw invalidRule('isExpirationRequired must be true or false.');
  if ('enabledRules' in updates) {
    const choices = enablementChoices[rule.id] ?? [];
    const value = updates.enabledRules;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && choices.includes(v)))
      throw invalidRule(`enabledRules of ${rule.id} must be a list of ${choices.join(', ')}.`);
    updates.enabledRules = [...new Set(value as string[])];
  }
  if ('setting' in updates) updates.setting = checkApprovalSetting(updates.setting, directory);
  if ('isEnabled' in updates && typeof updates.isEnabled !== 'boolean')
    throw invalidRule('isEnabled must be true or false.');
  if (
    'claimValue' in updates &&
    updates.claimValue !== null &&
    typeof updates.claimValue !== 'string'
  )
    throw invalidRule('claimValue must be a string (an authentication context id such as c1).');
  if ('notificationRecipients' in updates) {
    const value = updates.notificationRecipients;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
      throw invalidRule('notificationRecipients must be a list of e-mail addresses.');
  }
  Object.assign(rule, updates);
}
