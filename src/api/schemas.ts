// The API's request and response shapes (zod), from which /openapi.json is generated.
import { z } from 'zod';
import { parseDuration } from '../core/duration.js';

const isoDuration = z
  .string()
  .max(32)
  .refine((text) => parseDuration(text).ok, {
    error: 'not an ISO 8601 duration; write it like PT30M, PT2H',
  })
  .describe('ISO 8601 duration, e.g. PT2H');

const isoTime = z.iso
  .datetime({ offset: true })
  .describe('ISO 8601 time, e.g. 2026-11-28T10:00:00Z');

export const grantIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w-]+$/, 'a grant id, like g_01J...'),
});

export const requestBody = z.strictObject({
  role: z.string().min(1).max(64),
  accounts: z
    .array(z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'))
    .max(100)
    .optional(),
  duration: isoDuration.optional(),
  justification: z.string().max(2000).optional(),
  ticket: z.string().max(200).optional(),
  start: isoTime.optional(),
});

// The body of approve, deny, cancel and revoke may be left out altogether (Fastify then
// passes null), so these accept null as well as undefined.
export const commentBody = z.strictObject({ comment: z.string().max(2000).optional() }).nullish();
export const reasonBody = z.strictObject({ reason: z.string().max(2000).optional() }).nullish();

export const extendBody = z
  .strictObject({
    by: isoDuration.optional(),
    until: isoTime.optional(),
    justification: z.string().max(2000).optional(),
    ticket: z.string().max(200).optional(),
  })
  .refine((b) => (b.by === undefined) !== (b.until === undefined), {
    error: 'give exactly one of `by` or `until`',
  });

const statuses = [
  'requested',
  'pending_approval',
  'scheduled',
  'active',
  'expired',
  'revoked',
  'cancelled',
  'denied',
  'failed',
] as const;

export const grantsQuery = z.strictObject({
  status: z
    .string()
    .regex(/^[a-z_]+(,[a-z_]+)*$/)
    .refine((s) => s.split(',').every((v) => (statuses as readonly string[]).includes(v)), {
      error: `one or more of ${statuses.join(', ')}, comma-separated`,
    })
    .optional(),
  role: z.string().max(64).optional(),
  principal: z.string().max(256).optional(),
  all: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const auditQuery = z.strictObject({
  grantId: z.string().max(64).optional(),
  actor: z.string().max(256).optional(),
  action: z.string().max(64).optional(),
  afterSeq: z.coerce.number().int().min(0).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

export const loginBody = z.strictObject({ user: z.string().min(1).max(256) });

export const clockBody = z
  .strictObject({ now: isoTime.optional(), advance: isoDuration.optional() })
  .refine((b) => (b.now === undefined) !== (b.advance === undefined), {
    error: 'give exactly one of `now` or `advance`',
  });

const approvalView = z.object({
  approver: z.string(),
  at: z.string(),
  comment: z.string().optional(),
  selfApproval: z.boolean().optional(),
});

export const grantView = z.object({
  id: z.string(),
  role: z.string(),
  principal: z.string(),
  status: z.enum(statuses),
  accounts: z.array(z.string()),
  duration: z.string(),
  justification: z.string().optional(),
  ticket: z.string().optional(),
  requestedAt: z.string(),
  requestedStart: z.string().optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  approvals: z.array(approvalView),
  approvalsNeeded: z.number(),
  breakGlass: z.boolean(),
  extension: z
    .object({
      endsAt: z.string(),
      requestedAt: z.string(),
      approvals: z.array(approvalView),
      justification: z.string().optional(),
    })
    .optional(),
  endedAt: z.string().optional(),
  endedBy: z.string().optional(),
  endReason: z.string().optional(),
  source: z
    .object({
      kind: z.literal('entra-pim'),
      instanceId: z.string(),
      groupId: z.string(),
      assignmentType: z.enum(['activated', 'assigned', 'unknown']),
      standing: z.boolean(),
      viaGroup: z.object({ id: z.string(), displayName: z.string() }).optional(),
    })
    .optional()
    .describe('Set when the grant mirrors an Entra PIM activation rather than a request here'),
  version: z.number(),
});

export const grantOutcomeView = z.object({
  grant: grantView,
  action: z.string(),
  overlaps: z.array(z.string()).optional(),
});

export const roleView = z.object({
  name: z.string(),
  description: z.string().optional(),
  eligible: z.boolean(),
  permissionSet: z.string(),
  accounts: z.array(z.string()),
  /** Group-membership roles: organisational units whose accounts the group is assigned in. */
  organizationalUnits: z.array(z.string()).optional(),
  enforcement: z.enum(['group-membership', 'account-assignment']),
  source: z.enum(['native', 'entra-pim']),
  maxDuration: z.string(),
  defaultDuration: z.string(),
  requireJustification: z.boolean(),
  requireTicket: z.boolean(),
  requireMfa: z.boolean(),
  approvalRequired: z.boolean(),
  quorum: z.number(),
  breakGlass: z.boolean(),
});

export const auditEntryView = z.object({
  seq: z.number(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  grantId: z.string().optional(),
  reason: z.string().optional(),
  severity: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  prevHash: z.string(),
  hash: z.string(),
});

export const problemView = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
  code: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
