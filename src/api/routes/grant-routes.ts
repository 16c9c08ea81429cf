// Workflow routes: request, approve, deny, cancel, revoke, extend; grants, roles, approvals.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseDuration, type Millis } from '../../core/duration.js';
import type { Result } from '../../core/errors.js';
import type { GrantStatus } from '../../core/grant.js';
import type { Principal } from '../../core/principal.js';
import type { GrantOutcome } from '../../workflow/workflow-service.js';
import type { AppDeps, Authenticate } from '../app-deps.js';
import { sendProblem } from '../problem.js';
import {
  commentBody,
  extendBody,
  grantIdParams,
  grantOutcomeView,
  grantsQuery,
  grantView,
  problemView,
  reasonBody,
  requestBody,
  roleView,
} from '../schemas.js';
import { toGrantView, toRoleView, toStoredGrantView } from '../views.js';

const errors = {
  400: problemView,
  401: problemView,
  403: problemView,
  404: problemView,
  409: problemView,
};

function millis(text: string | undefined): Millis | undefined {
  if (text === undefined) return undefined;
  const parsed = parseDuration(text);
  return parsed.ok ? parsed.millis : undefined;
}

function me(principal: Principal | undefined): Principal {
  if (!principal) throw new Error('route reached without authentication');
  return principal;
}

function reply(reply: FastifyReply, result: Result<GrantOutcome>, status = 200): FastifyReply {
  if (!result.ok) return sendProblem(reply, result.refusal);
  return reply.code(status).send({
    grant: toGrantView(result.value.grant, result.value.version),
    action: result.value.action,
    ...(result.value.overlaps ? { overlaps: [...result.value.overlaps] } : {}),
  });
}

export function registerGrantRoutes(
  instance: FastifyInstance,
  deps: AppDeps,
  authenticate: Authenticate,
): void {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { workflow } = deps;

  app.post(
    '/v1/requests',
    {
      preHandler: authenticate,
      schema: {
        summary: 'Request a role',
        body: requestBody,
        response: { 201: grantOutcomeView, ...errors },
      },
    },
    async (request, res) => {
      const body = request.body;
      const duration = millis(body.duration);
      const result = await workflow.request(me(request.principal), {
        role: body.role,
        ...(body.accounts === undefined ? {} : { accounts: body.accounts }),
        ...(duration === undefined ? {} : { duration }),
        ...(body.justification === undefined ? {} : { justification: body.justification }),
        ...(body.ticket === undefined ? {} : { ticket: body.ticket }),
        ...(body.start === undefined ? {} : { start: Date.parse(body.start) }),
      });
      return reply(res, result, 201);
    },
  );

  /** Approve and deny take a comment; cancel and revoke a reason; all answer the outcome. */
  const decision = (
    name: 'approve' | 'deny' | 'cancel' | 'revoke',
    field: 'comment' | 'reason',
    summary: string,
  ): void => {
    app.post(
      `/v1/grants/:id/${name}`,
      {
        preHandler: authenticate,
        schema: {
          summary,
          params: grantIdParams,
          body: field === 'comment' ? commentBody : reasonBody,
          response: { 200: grantOutcomeView, ...errors },
        },
      },
      async (request, res) => {
        const body = request.body as { comment?: string; reason?: string } | undefined;
        return reply(
          res,
          await workflow[name](me(request.principal), request.params.id, body?.[field]),
        );
      },
    );
  };
  decision('approve', 'comment', 'Approve a request or an extension (counts toward the quorum)');
  decision('deny', 'comment', 'Deny a request or an extension');
  decision('cancel', 'reason', 'Cancel a request not yet active');
  decision('revoke', 'reason', 'End an active grant early');

  app.post(
    '/v1/grants/:id/extend',
    {
      preHandler: authenticate,
      schema: {
        summary: 'Extend an active grant (goes through the policy again)',
        params: grantIdParams,
        body: extendBody,
        response: { 200: grantOutcomeView, ...errors },
      },
    },
    async (request, res) => {
      const body = request.body;
      const by = millis(body.by);
      return reply(
        res,
        await workflow.extend(me(request.principal), request.params.id, {
          ...(by === undefined ? {} : { by }),
          ...(body.until === undefined ? {} : { until: Date.parse(body.until) }),
          ...(body.justification === undefined ? {} : { justification: body.justification }),
          ...(body.ticket === undefined ? {} : { ticket: body.ticket }),
        }),
      );
    },
  );

  app.get(
    '/v1/grants',
    {
      preHandler: authenticate,
      schema: {
        summary: 'List grants (yours; with all=true, every grant you may see)',
        querystring: grantsQuery,
        response: { 200: z.object({ grants: z.array(grantView) }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await workflow.listGrants(me(request.principal), {
        ...(q.status ? { statuses: q.status.split(',') as GrantStatus[] } : {}),
        ...(q.role ? { role: q.role } : {}),
        ...(q.principal ? { principal: q.principal } : {}),
        all: q.all === 'true',
        ...(q.limit ? { limit: q.limit } : {}),
      });
      return { grants: rows.map(toStoredGrantView) };
    },
  );

  app.get(
    '/v1/grants/:id',
    {
      preHandler: authenticate,
      schema: {
        summary: 'One grant',
        params: grantIdParams,
        response: { 200: grantView, ...errors },
      },
    },
    async (request, res) => {
      const result = await workflow.getGrant(me(request.principal), request.params.id);
      if (!result.ok) return sendProblem(res, result.refusal);
      return toStoredGrantView(result.value);
    },
  );

  app.get(
    '/v1/roles',
    {
      preHandler: authenticate,
      schema: {
        summary: 'Roles you may request (all=true: every role, marked eligible or not)',
        querystring: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ roles: z.array(roleView) }), ...errors },
      },
    },
    (request) => {
      const views = workflow.roles(me(request.principal), request.query.all === 'true');
      return { roles: views.map((v) => toRoleView(v.role, v.eligible)) };
    },
  );

  app.get(
    '/v1/approvals',
    {
      preHandler: authenticate,
      schema: {
        summary: 'Requests and extensions waiting for your approval',
        response: { 200: z.object({ grants: z.array(grantView) }), ...errors },
      },
    },
    async (request) => ({
      grants: (await workflow.pendingApprovals(me(request.principal))).map(toStoredGrantView),
    }),
  );

  app.get(
    '/v1/me',
    {
      preHandler: authenticate,
      schema: {
        summary: 'Who you are signed in as',
        response: {
          200: z.object({
            id: z.string(),
            groups: z.array(z.string()),
            isAdmin: z.boolean(),
            mfa: z.boolean(),
            authTime: z.string(),
          }),
          ...errors,
        },
      },
    },
    (request) => {
      const p = me(request.principal);
      return {
        id: p.id,
        groups: [...p.groups],
        isAdmin: p.isAdmin,
        mfa: p.amr.includes('mfa'),
        authTime: new Date(p.authTime).toISOString(),
      };
    },
  );
}
