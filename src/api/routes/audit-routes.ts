// Audit routes: query the hash-chained log (admins see all; others their grants' entries).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps, Authenticate } from '../app-deps.js';
import { auditEntryView, auditQuery, problemView } from '../schemas.js';
import { toAuditView } from '../views.js';
import { sendProblem } from '../problem.js';

export function registerAuditRoutes(
  instance: FastifyInstance,
  deps: AppDeps,
  authenticate: Authenticate,
): void {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/v1/audit',
    {
      preHandler: authenticate,
      schema: {
        summary:
          'Query the audit log (administrators: everything; others: the entries of grants they may see)',
        querystring: auditQuery,
        response: {
          200: z.object({
            entries: z.array(auditEntryView),
            head: z.object({ seq: z.number(), hash: z.string() }),
          }),
          400: problemView,
          401: problemView,
          403: problemView,
        },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) throw new Error('route reached without authentication');
      const q = request.query;
      if (!principal.isAdmin) {
        if (q.grantId === undefined) {
          return sendProblem(reply, {
            code: 'ERR_FORBIDDEN',
            message:
              'only administrators may read the whole audit log; ask for one grant with grantId=',
          });
        }
        const visible = await deps.workflow.getGrant(principal, q.grantId);
        if (!visible.ok) return sendProblem(reply, visible.refusal);
      }
      const entries = await deps.store.queryAudit({
        ...(q.grantId ? { grantId: q.grantId } : {}),
        ...(q.actor ? { actor: q.actor } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.afterSeq !== undefined ? { afterSeq: q.afterSeq } : {}),
        ...(q.since ? { since: Date.parse(q.since) } : {}),
        ...(q.until ? { until: Date.parse(q.until) } : {}),
        limit: q.limit ?? 100,
      });
      return { entries: entries.map(toAuditView), head: await deps.store.auditHead() };
    },
  );
}
