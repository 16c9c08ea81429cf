// Role sessions as AWS issues them for permission sets, and the decision on a call made
// with one. A session is issued only while the user holds the access (a USER assignment,
// or membership in a GROUP assigned the permission set in the account). Once issued, it
// is allowed until its own expiry unless an explicit Deny matches: in an SCP on the
// account, its OUs or the root (not for the management account: SCPs do not apply there),
// or in the inline policy provisioned to the role. Removing the assignment or membership
// does not end it (CLOUD-APIS.md section C).

import { randomUUID } from 'node:crypto';
import {
  roleKey,
  type EmulatorState,
  type PermissionSetRecord,
  type SessionRecord,
} from './emulator-state.js';
import { findDeny } from './policy-evaluator.js';
import { parseSessionDuration } from './sso-admin-lookups.js';

export interface IssueSessionRequest {
  readonly userId: string;
  readonly accountId: string;
  /** The permission set by name or ARN. */
  readonly permissionSet: string;
}

export type IssueSessionResult =
  | { readonly ok: true; readonly session: SessionRecord }
  | { readonly ok: false; readonly reason: string };

export interface EvaluateRequest {
  readonly action?: string;
  readonly resource?: string;
}

export type SessionDecision =
  | { readonly decision: 'ALLOWED'; readonly unsupported: readonly string[] }
  | { readonly decision: 'EXPIRED' | 'NOT_YET_VALID' }
  | {
      readonly decision: 'DENIED';
      readonly source: 'SCP' | 'INLINE_POLICY';
      readonly policyId: string | undefined;
      readonly targetId: string | undefined;
      readonly statementIndex: number;
      readonly sid: string | undefined;
    };

function findPermissionSet(state: EmulatorState, ref: string): PermissionSetRecord | undefined {
  return (
    state.permissionSets.get(ref) ??
    [...state.permissionSets.values()].find((ps) => ps.name === ref)
  );
}

/** Whether the user holds the permission set in the account right now. */
export function holdsAccess(
  state: EmulatorState,
  userId: string,
  accountId: string,
  permissionSetArn: string,
): boolean {
  const groups = new Set(
    [...state.memberships.values()].filter((m) => m.userId === userId).map((m) => m.groupId),
  );
  for (const a of state.assignments.values()) {
    if (a.accountId !== accountId || a.permissionSetArn !== permissionSetArn) continue;
    if (a.principalType === 'USER' && a.principalId === userId) return true;
    if (a.principalType === 'GROUP' && groups.has(a.principalId)) return true;
  }
  return false;
}

export function issueSession(
  state: EmulatorState,
  request: IssueSessionRequest,
  now: number,
): IssueSessionResult {
  const ps = findPermissionSet(state, request.permissionSet);
  if (ps === undefined)
    return { ok: false, reason: `Permission set ${request.permissionSet} does not exist` };
  if (!state.users.has(request.userId))
    return { ok: false, reason: `User ${request.userId} does not exist` };
  const role = state.roles.get(roleKey(ps.arn, request.accountId));
  if (role === undefined || !holdsAccess(state, request.userId, request.accountId, ps.arn)) {
    return {
      ok: false,
      reason: `User ${request.userId} holds no access to ${ps.name} in account ${request.accountId}`,
    };
  }
  const duration = parseSessionDuration(ps.sessionDuration) ?? 3_600_000;
  const session: SessionRecord = {
    sessionId: randomUUID(),
    userId: request.userId,
    accountId: request.accountId,
    permissionSetArn: ps.arn,
    permissionSetName: ps.name,
    roleArn: `arn:aws:iam::${request.accountId}:role/aws-reserved/sso.amazonaws.com/${role.roleName}`,
    issuedAt: now,
    expiresAt: now + duration,
  };
  state.sessions.set(session.sessionId, session);
  return { ok: true, session };
}

/** The SCP targets that govern an account: the account, each OU above it, and the root. */
function scpTargets(state: EmulatorState, accountId: string): string[] {
  const org = state.organization;
  const targets = [accountId];
  let parent = org.accounts.get(accountId)?.parentId;
  while (parent !== undefined) {
    targets.push(parent);
    parent = org.organizationalUnits.get(parent)?.parentId;
  }
  return targets;
}

export function evaluateSession(
  state: EmulatorState,
  session: SessionRecord,
  at: number,
  request: EvaluateRequest = {},
): SessionDecision {
  if (at >= session.expiresAt) return { decision: 'EXPIRED' };
  if (at < session.issuedAt) return { decision: 'NOT_YET_VALID' };
  const context = {
    action: request.action ?? 's3:ListAllMyBuckets',
    resource: request.resource ?? '*',
    keys: {
      'identitystore:userId': session.userId,
      'aws:TokenIssueTime': new Date(session.issuedAt).toISOString(),
      'aws:PrincipalArn': session.roleArn,
      'aws:PrincipalAccount': session.accountId,
      'aws:CurrentTime': new Date(at).toISOString(),
    },
  };
  const unsupported: string[] = [];
  const org = state.organization;
  if (session.accountId !== org.managementAccountId) {
    for (const target of scpTargets(state, session.accountId)) {
      for (const policyId of org.attachments.get(target) ?? []) {
        const policy = org.policies.get(policyId);
        if (policy === undefined) continue;
        const result = findDeny(policy.content, context);
        unsupported.push(...result.unsupported);
        if (result.match !== undefined) {
          return {
            decision: 'DENIED',
            source: 'SCP',
            policyId,
            targetId: target,
            statementIndex: result.match.index,
            sid: result.match.sid,
          };
        }
      }
    }
  }
  const inline = state.roles.get(
    roleKey(session.permissionSetArn, session.accountId),
  )?.inlinePolicy;
  if (inline !== undefined) {
    const result = findDeny(inline, context);
    unsupported.push(...result.unsupported);
    if (result.match !== undefined) {
      return {
        decision: 'DENIED',
        source: 'INLINE_POLICY',
        policyId: undefined,
        targetId: undefined,
        statementIndex: result.match.index,
        sid: result.match.sid,
      };
    }
  }
  return { decision: 'ALLOWED', unsupported };
}
