// Turns domain objects into the API's JSON views (ISO times, ISO durations).
import type { z } from 'zod';
import type { AuditEntry } from '../audit/audit-entry.js';
import { formatDuration } from '../core/duration.js';
import { grantWindow, type Approval, type Grant } from '../core/grant.js';
import type { Role } from '../core/role.js';
import type { StoredGrant } from '../store/store.js';
import type { auditEntryView, grantView, roleView } from './schemas.js';

const iso = (at: number): string => new Date(at).toISOString();

function approval(a: Approval): z.infer<typeof grantView>['approvals'][number] {
  return {
    approver: a.approver,
    at: iso(a.at),
    ...(a.comment === undefined ? {} : { comment: a.comment }),
    ...(a.selfApproval ? { selfApproval: true } : {}),
  };
}

export function toGrantView(grant: Grant, version: number): z.infer<typeof grantView> {
  const window = grantWindow(grant);
  return {
    id: grant.id,
    role: grant.role,
    principal: grant.principal,
    status: grant.status,
    accounts: [...grant.accounts],
    duration: formatDuration(grant.duration),
    ...(grant.justification === undefined ? {} : { justification: grant.justification }),
    ...(grant.ticket === undefined ? {} : { ticket: grant.ticket }),
    requestedAt: iso(grant.requestedAt),
    ...(grant.requestedStart === undefined ? {} : { requestedStart: iso(grant.requestedStart) }),
    ...(window ? { startsAt: iso(window.startsAt), endsAt: iso(window.endsAt) } : {}),
    approvals: grant.approvals.map(approval),
    approvalsNeeded: grant.policy.approvalRequired ? grant.policy.quorum : 0,
    breakGlass: grant.policy.breakGlass,
    ...(grant.status === 'active' && grant.extension
      ? {
          extension: {
            endsAt: iso(grant.extension.endsAt),
            requestedAt: iso(grant.extension.requestedAt),
            approvals: grant.extension.approvals.map(approval),
            ...(grant.extension.justification === undefined
              ? {}
              : { justification: grant.extension.justification }),
          },
        }
      : {}),
    ...('endedAt' in grant
      ? { endedAt: iso(grant.endedAt), endedBy: grant.endedBy, endReason: grant.endReason }
      : {}),
    ...(grant.source
      ? {
          source: {
            kind: grant.source.kind,
            instanceId: grant.source.instanceId,
            groupId: grant.source.groupId,
            assignmentType: grant.source.assignmentType,
            standing: grant.source.standing,
            ...(grant.source.viaGroup ? { viaGroup: { ...grant.source.viaGroup } } : {}),
          },
        }
      : {}),
    version,
  };
}

export function toStoredGrantView(stored: StoredGrant): z.infer<typeof grantView> {
  return toGrantView(stored.grant, stored.version);
}

export function toRoleView(role: Role, eligible: boolean): z.infer<typeof roleView> {
  return {
    name: role.name,
    ...(role.description === undefined ? {} : { description: role.description }),
    eligible,
    permissionSet: role.permissionSet,
    accounts: [...role.accounts],
    ...(role.organizationalUnits === undefined
      ? {}
      : { organizationalUnits: [...role.organizationalUnits] }),
    enforcement: role.enforcement,
    source: role.source,
    maxDuration: formatDuration(role.activation.maxDuration),
    defaultDuration: formatDuration(role.activation.defaultDuration),
    requireJustification: role.activation.requireJustification || role.breakGlass,
    requireTicket: role.activation.requireTicket,
    requireMfa: role.activation.requireMfa,
    approvalRequired: role.activation.approval.required,
    quorum: role.activation.approval.quorum,
    breakGlass: role.breakGlass,
  };
}

export function toAuditView(entry: AuditEntry): z.infer<typeof auditEntryView> {
  return {
    seq: entry.seq,
    at: iso(entry.at),
    actor: entry.actor,
    action: entry.action,
    ...(entry.grantId === undefined ? {} : { grantId: entry.grantId }),
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    ...(entry.severity === undefined ? {} : { severity: entry.severity }),
    ...(entry.data === undefined ? {} : { data: { ...entry.data } }),
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}
