// Incident routes: `POST /v1/incidents/revoke-user` ends everything one person holds
// (`jit revoke --user <person> --all`), or with `dryRun` says what that would do. It answers
// when the work is done: access gone in Identity Center and live sessions denied, or what is
// still pending.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UserRevocationReport } from '../../core/user-revocation.js';
import type { AppDeps, Authenticate } from '../app-deps.js';
import { sendProblem } from '../problem.js';
import { problemView } from '../schemas.js';

export const revokeUserBody = z.strictObject({
  user: z
    .string()
    .min(1)
    .max(256)
    .describe('The person: handle, e-mail or principal id, e.g. bob or bob@example.com'),
  reason: z
    .string()
    .max(2000)
    .optional()
    .describe('Why (required; the incident reference, e.g. INC-42): recorded on every change'),
  dryRun: z
    .boolean()
    .optional()
    .describe('Only say what would be done; change nothing and record nothing'),
});

const grantEndView = z.object({
  grantId: z.string(),
  role: z.string(),
  from: z.enum(['requested', 'pending_approval', 'scheduled', 'active']),
  to: z.enum(['revoked', 'cancelled']),
  source: z.enum(['native', 'entra-pim']),
  enforcement: z.enum(['group-membership', 'account-assignment']),
  result: z.enum(['planned', 'done', 'skipped']),
  detail: z.string().optional(),
});

const accessView = z.object({
  permissionSet: z.string(),
  via: z.enum(['group', 'assignment']),
  group: z.string().optional(),
  grantIds: z.array(z.string()).describe('The grants that stood for it; none for drift'),
  drift: z.boolean().describe('Held in Identity Center with no grant standing for it'),
  removal: z.enum(['planned', 'removed', 'pending', 'not_held']),
  sessions: z
    .enum(['planned', 'denied', 'not_denied', 'pending', 'not_needed'])
    .describe('Whether live AWS sessions of it are denied (the managed SCP)'),
  detail: z.string().optional(),
});

export const revokeUserReportView = z.object({
  incidentId: z.string().optional().describe('Absent on a dry run'),
  person: z.string(),
  reason: z.string(),
  dryRun: z.boolean(),
  grants: z.array(grantEndView),
  accounts: z.array(z.object({ account: z.string(), access: z.array(accessView) })),
  pim: z.array(
    z.object({
      role: z.string(),
      group: z.string(),
      groupId: z.string(),
      kind: z.enum(['eligibility', 'assignment']),
      viaGroup: z.string().optional(),
      result: z.enum(['planned', 'removed', 'failed', 'kept']),
      detail: z.string().optional(),
    }),
  ),
  signInSessions: z.object({ count: z.number(), result: z.enum(['planned', 'done']) }),
  problems: z.array(z.string()),
  nothingToDo: z.boolean(),
  complete: z
    .boolean()
    .describe('Everything planned is done: access gone, sessions denied, PIM removed'),
});

export function registerIncidentRoutes(
  instance: FastifyInstance,
  deps: AppDeps,
  authenticate: Authenticate,
): void {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/v1/incidents/revoke-user',
    {
      preHandler: authenticate,
      schema: {
        summary:
          'Incident: end everything a person holds (grants, Identity Center access, live sessions, Entra PIM eligibilities); administrators only',
        body: revokeUserBody,
        response: {
          200: revokeUserReportView,
          400: problemView,
          401: problemView,
          403: problemView,
          404: problemView,
          502: problemView,
        },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) throw new Error('route reached without authentication');
      if (!deps.incidents) {
        return sendProblem(reply, {
          code: 'ERR_NOT_FOUND',
          message: 'this server has no incident service; run it with jit serve',
        });
      }
      const body = request.body;
      const result = await deps.incidents.revokeUser(principal, {
        user: body.user,
        ...(body.reason === undefined ? {} : { reason: body.reason }),
        ...(body.dryRun === undefined ? {} : { dryRun: body.dryRun }),
      });
      if (!result.ok) return sendProblem(reply, result.refusal);
      return toReportView(result.value);
    },
  );
}

/** The report as JSON: the same fields, in mutable arrays. */
function toReportView(report: UserRevocationReport): z.infer<typeof revokeUserReportView> {
  return {
    ...report,
    grants: report.grants.map((g) => ({ ...g })),
    accounts: report.accounts.map((a) => ({
      account: a.account,
      access: a.access.map((x) => ({ ...x, grantIds: [...x.grantIds] })),
    })),
    pim: report.pim.map((p) => ({ ...p })),
    signInSessions: { ...report.signInSessions },
    problems: [...report.problems],
  };
}
