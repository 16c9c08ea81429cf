// The PIM policy rules a role's activation settings mean, as Graph writes them, and the part
// of the Graph client that reads and writes PIM. Shared by the planner (entra-plan.ts) and
// the sandbox's seeding (apply-entra-pim.ts).
import { formatDuration } from '../core/duration.js';
import type { Role } from '../core/role.js';

/** The part of the Graph client this needs. */
export interface GraphWriter {
  get<T>(path: string, options?: { query?: Readonly<Record<string, string>> }): Promise<T>;
  listAll<T>(path: string, options?: { query?: Readonly<Record<string, string>> }): Promise<T[]>;
  post<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
}

export interface Rule {
  readonly id: string;
  readonly '@odata.type': string;
  readonly [key: string]: unknown;
}

/** The rules a role's activation policy sets, as Graph writes them. */
export function desiredRules(
  role: Role,
  approverIds: readonly Approver[],
  /** The authentication context (e.g. `c1`) that proves MFA, when sign-in uses one
   *  (`auth.oidc.mfaEvidence: acrs:c1`): PIM then asks for it instead of plain MFA, as
   *  Entra allows one or the other. */
  authenticationContext?: string,
): Rule[] {
  const activation = role.activation;
  const context = activation.requireMfa ? authenticationContext : undefined;
  const enabled = [
    ...(activation.requireJustification || role.breakGlass ? ['Justification'] : []),
    ...(activation.requireMfa && context === undefined ? ['MultiFactorAuthentication'] : []),
    ...(activation.requireTicket ? ['Ticketing'] : []),
  ];
  const target = { caller: 'EndUser', operations: ['All'], level: 'Assignment' };
  const contextRule: Rule[] =
    authenticationContext === undefined
      ? []
      : [
          {
            '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule',
            id: 'AuthenticationContext_EndUser_Assignment',
            isEnabled: context !== undefined,
            claimValue: context ?? null,
            target,
          },
        ];
  return [
    ...contextRule,
    {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
      id: 'Expiration_EndUser_Assignment',
      isExpirationRequired: true,
      maximumDuration: formatDuration(activation.maxDuration),
      target,
    },
    {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
      id: 'Enablement_EndUser_Assignment',
      enabledRules: enabled,
      target,
    },
    {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
      id: 'Approval_EndUser_Assignment',
      setting: {
        isApprovalRequired: activation.approval.required,
        isApprovalRequiredForExtension: false,
        isRequestorJustificationRequired: true,
        approvalMode: 'SingleStage',
        approvalStages: activation.approval.required
          ? [
              {
                approvalStageTimeOutInDays: 1,
                isApproverJustificationRequired: true,
                escalationTimeInMinutes: 0,
                isEscalationEnabled: false,
                primaryApprovers: approverIds.map((a) =>
                  a.kind === 'user'
                    ? { '@odata.type': '#microsoft.graph.singleUser', userId: a.id }
                    : { '@odata.type': '#microsoft.graph.groupMembers', groupId: a.id },
                ),
                escalationApprovers: [],
              },
            ]
          : [],
      },
      target,
    },
  ];
}

export interface Approver {
  readonly kind: 'user' | 'group';
  readonly id: string;
}
