// Sandbox-only routes: sign in as a directory user, look at the emulated target, and (with
// test hooks on) set the server's clock and run a controller pass on demand.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseDuration } from '../../core/duration.js';
import type { AppDeps, Authenticate } from '../app-deps.js';
import { sendProblem } from '../problem.js';
import { clockBody, loginBody } from '../schemas.js';

export function registerSandboxRoutes(
  instance: FastifyInstance,
  deps: AppDeps,
  authenticate: Authenticate,
): void {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  registerControllerStatus(instance, deps, authenticate);
  if (deps.mode === 'live') {
    // Each sandbox route answers the same refusal, before any sign-in: it does not exist here.
    for (const [method, url] of SANDBOX_ROUTES)
      app.route({
        method,
        url,
        schema: { hide: true },
        handler: (_request, reply) => sendProblem(reply, LIVE_REFUSAL),
      });
    return;
  }
  const sandboxOnly = {
    code: 'ERR_SANDBOX_ONLY' as const,
    message: 'sandbox sign-in is off: this server runs in live mode; sign in with OIDC',
  };

  app.post(
    '/v1/auth/sandbox-login',
    { schema: { summary: 'Sandbox only: sign in as a directory user', body: loginBody } },
    async (request, reply) => {
      if (!deps.sandboxLogin) return sendProblem(reply, sandboxOnly);
      const result = await deps.sandboxLogin.login(request.body.user);
      if (!result.ok) return sendProblem(reply, result.refusal);
      const p = result.value.principal;
      return {
        token: result.value.token,
        expiresAt: new Date(result.value.expiresAt).toISOString(),
        principal: { id: p.id, groups: p.groups, isAdmin: p.isAdmin, mfa: p.amr.includes('mfa') },
        warning: 'sandbox sign-in: anyone can sign in as anyone; never use it against real AWS',
      };
    },
  );

  app.get(
    '/v1/sandbox/target',
    {
      preHandler: authenticate,
      schema: { summary: 'Sandbox only: what the emulated target holds' },
    },
    async (_request, reply) => {
      if (!deps.sandboxTarget)
        return sendProblem(reply, {
          code: 'ERR_SANDBOX_ONLY',
          message: 'there is no emulated target in live mode',
        });
      return { held: await deps.sandboxTarget.held() };
    },
  );

  const hooksOff = {
    code: 'ERR_SANDBOX_ONLY' as const,
    message: 'test hooks are off; start `jit serve` in sandbox mode with --test-hooks',
  };
  /** The hooks, for a caller who sent their token; otherwise the refusal was sent. */
  const hooksFor = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<NonNullable<AppDeps['testHooks']> | undefined> => {
    const hooks = deps.testHooks;
    if (!hooks) {
      await sendProblem(reply, hooksOff);
      return undefined;
    }
    const sent = request.headers['x-jit-test-hook'];
    const given = Buffer.from(typeof sent === 'string' ? sent : '');
    const wanted = Buffer.from(hooks.token);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      await sendProblem(reply, {
        code: 'ERR_UNAUTHENTICATED',
        message:
          'test hooks need the x-jit-test-hook header with the token jit serve wrote to test-hooks.token beside its store',
      });
      return undefined;
    }
    return hooks;
  };

  app.get('/v1/sandbox/clock', { schema: { hide: true } }, async (request, reply) => {
    const hooks = await hooksFor(request, reply);
    if (!hooks) return reply;
    return { now: new Date(hooks.clock.now()).toISOString() };
  });

  app.post(
    '/v1/sandbox/clock',
    { schema: { hide: true, body: clockBody } },
    async (request, reply) => {
      const hooks = await hooksFor(request, reply);
      if (!hooks) return reply;
      const body = request.body;
      if (body.now !== undefined) hooks.clock.set(Date.parse(body.now));
      else if (body.advance !== undefined) {
        const by = parseDuration(body.advance);
        if (by.ok) hooks.clock.advance(by.millis);
      }
      return { now: new Date(hooks.clock.now()).toISOString() };
    },
  );

  app.post('/v1/sandbox/poll', { schema: { hide: true } }, async (request, reply) => {
    const hooks = await hooksFor(request, reply);
    if (!hooks) return reply;
    if (!hooks.pollActivations) return sendProblem(reply, hooksOff);
    return { outcomes: await hooks.pollActivations() };
  });

  app.post('/v1/sandbox/reconcile', { schema: { hide: true } }, async (request, reply) => {
    const hooks = await hooksFor(request, reply);
    if (!hooks) return reply;
    const result = await hooks.reconcile();
    return result ?? { leader: false };
  });
}

/** The sandbox's routes, refused as a whole in live mode. */
export const SANDBOX_ROUTES: readonly (readonly ['GET' | 'POST', string])[] = [
  ['POST', '/v1/auth/sandbox-login'],
  ['GET', '/v1/sandbox/target'],
  ['GET', '/v1/sandbox/clock'],
  ['POST', '/v1/sandbox/clock'],
  ['POST', '/v1/sandbox/poll'],
  ['POST', '/v1/sandbox/reconcile'],
];

const LIVE_REFUSAL = {
  code: 'ERR_SANDBOX_ONLY' as const,
  message:
    'this is a sandbox route, and this server runs in live mode against real AWS and Entra: there is no sandbox sign-in, emulated target or test clock; sign in with OIDC (jit login)',
};

/** Who leads the controller and how its last pass went: in both modes. */
function registerControllerStatus(
  instance: FastifyInstance,
  deps: AppDeps,
  authenticate: Authenticate,
): void {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/v1/controller',
    { preHandler: authenticate, schema: { summary: 'Controller status: leader and last pass' } },
    () => {
      const status = deps.controllerStatus?.();
      return status
        ? { leader: status.leader, ...(status.lastPass ? { lastPass: status.lastPass } : {}) }
        : { leader: false };
    },
  );
}
