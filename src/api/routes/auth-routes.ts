// Sign-in routes: the browser's OIDC login, callback and logout; the CLI's code exchange;
// who am I and my CSRF token; and sessions (mine, or a person's for administrators). Each
// answers a clear problem when OIDC sign-in is not configured.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Principal } from '../../core/principal.js';
import type { SessionRecord } from '../../store/store.js';
import type { CookieToSet } from '../auth/session-cookie.js';
import type { AppDeps, Authenticate } from '../app-deps.js';
import { csrfHeader, csrfRefusal } from '../auth/csrf.js';
import { sendProblem } from '../problem.js';
import { problemView } from '../schemas.js';

const principalView = z.object({
  id: z.string(),
  groups: z.array(z.string()),
  isAdmin: z.boolean(),
  mfa: z.boolean(),
});

const sessionView = z.object({
  id: z.string(),
  principal: z.string(),
  kind: z.enum(['browser', 'cli']),
  mfa: z.boolean(),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastSeenAt: z.string(),
});

const loginQuery = z.strictObject({
  returnTo: z.string().max(2048).optional().describe('a path on this server to land on'),
  cli_redirect: z.string().max(512).optional().describe('CLI only: its loopback callback'),
  cli_challenge: z.string().max(128).optional().describe('CLI only: its PKCE S256 challenge'),
  cli_state: z.string().max(128).optional().describe('CLI only: its state'),
});

// What the identity provider sends; other parameters pass (the provider may add its own).
const callbackParameter = z.string().max(4096).optional();
const callbackQuery = z
  .object({
    code: callbackParameter.describe('the authorization code'),
    state: callbackParameter.describe('the state the login started with'),
    iss: callbackParameter.describe("the issuer (RFC 9207), checked against the provider's"),
    error: callbackParameter.describe('the provider refused: an OAuth error code'),
    error_description: callbackParameter.describe("the provider's words for the error"),
  })
  .catchall(callbackParameter);

const cliTokenBody = z.strictObject({
  code: z.string().min(1).max(256),
  verifier: z
    .string()
    .regex(/^[\w.~-]{43,128}$/, 'a PKCE code verifier: 43 to 128 unreserved characters'),
});

const sessionsQuery = z.strictObject({
  principal: z.string().min(1).max(256).optional(),
});

const errors = { 400: problemView, 401: problemView, 403: problemView, 404: problemView };

function toPrincipalView(p: Principal): z.infer<typeof principalView> {
  return { id: p.id, groups: [...p.groups], isAdmin: p.isAdmin, mfa: p.amr.includes('mfa') };
}

function toSessionView(s: SessionRecord): z.infer<typeof sessionView> {
  return {
    id: s.id,
    principal: s.principal,
    kind: s.kind,
    mfa: s.amr.includes('mfa'),
    createdAt: new Date(s.createdAt).toISOString(),
    expiresAt: new Date(s.expiresAt).toISOString(),
    lastSeenAt: new Date(s.lastSeenAt).toISOString(),
  };
}

function setCookies(reply: FastifyReply, cookies: readonly CookieToSet[]): void {
  for (const cookie of cookies) void reply.setCookie(cookie.name, cookie.value, cookie.options);
}

export function registerAuthRoutes(
  instance: FastifyInstance,
  deps: AppDeps,
  authenticate: Authenticate,
): void {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const oidcOff = {
    code: 'ERR_NOT_FOUND' as const,
    message: deps.sandboxLogin
      ? 'OIDC sign-in is not configured on this server; sign in with `jit login --as <user>` (sandbox), or add auth.oidc to the config'
      : 'OIDC sign-in is not configured on this server; add auth.oidc to the config (see docs/configuration.md#auth)',
  };

  app.get(
    '/auth/login',
    {
      schema: {
        summary: 'Browser sign-in: redirects to the identity provider (code flow with PKCE)',
        querystring: loginQuery,
        response: {
          302: z.null().describe('to the identity provider'),
          ...errors,
          502: problemView,
        },
      },
    },
    async (request, reply) => {
      if (!deps.oidc) return sendProblem(reply, oidcOff);
      const started = await deps.oidc.start(request.query);
      if (!started.ok) return sendProblem(reply, started.refusal);
      setCookies(reply, started.value.cookies);
      return reply.redirect(started.value.location, 302);
    },
  );

  app.get(
    '/auth/callback',
    {
      schema: {
        summary:
          'Where the identity provider returns: checks state, nonce, PKCE and the id_token, then starts a session (a cookie) or hands the CLI a one-time code',
        querystring: callbackQuery,
        response: { 302: z.null().describe('to / or returnTo, or to the CLI'), ...errors },
      },
    },
    async (request, reply) => {
      if (!deps.oidc) return sendProblem(reply, oidcOff);
      const finished = await deps.oidc.finish(request.query, request.cookies);
      if (!finished.ok) return sendProblem(reply, finished.refusal);
      setCookies(reply, finished.value.cookies);
      return reply.redirect(finished.value.location, 302);
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        summary:
          'Browser sign-out: ends the session and clears its cookie (with the x-csrf-token header); answers the identity provider\u2019s sign-out URL',
        response: {
          200: z.object({ signedOut: z.literal(true), endSessionUrl: z.string().optional() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      if (!deps.oidc) return sendProblem(reply, oidcOff);
      const oidc = deps.oidc;
      const result = await deps.authenticator.authenticate({
        cookies: request.cookies,
      });
      // A cookie that no longer works is cleared all the same: signing out always succeeds.
      const auth = result?.ok ? result.value : undefined;
      if (auth?.via === 'cookie' && auth.session) {
        if (!oidc.secrets.checkCsrfToken(auth.session.id, csrfHeader(request.headers))) {
          return sendProblem(reply, csrfRefusal);
        }
      }
      const out = await oidc.logout(auth?.session, auth?.principal.id);
      setCookies(reply, [oidc.cookie.clear()]);
      return {
        signedOut: true as const,
        ...(out.endSessionUrl === undefined ? {} : { endSessionUrl: out.endSessionUrl }),
      };
    },
  );

  app.get(
    '/v1/auth/config',
    {
      schema: {
        summary: 'How to sign in here: OIDC on or off, the issuer, a public client id for the CLI',
        security: [],
        response: {
          200: z.object({
            oidc: z.boolean(),
            issuer: z.string().optional(),
            loginUrl: z.string().optional(),
            cliClientId: z.string().optional(),
            sandboxLogin: z.boolean(),
          }),
        },
      },
    },
    () => ({
      oidc: deps.oidc !== undefined,
      ...(deps.oidc ? { issuer: deps.oidc.provider.issuer, loginUrl: deps.oidc.loginUrl } : {}),
      ...(deps.cliClientId === undefined ? {} : { cliClientId: deps.cliClientId }),
      sandboxLogin: deps.sandboxLogin !== undefined,
    }),
  );

  app.post(
    '/v1/auth/cli/token',
    {
      schema: {
        summary:
          'CLI sign-in: exchanges the one-time code (2 minutes, once) and the PKCE verifier for a session token',
        security: [],
        body: cliTokenBody,
        response: {
          200: z.object({ token: z.string(), expiresAt: z.string(), principal: principalView }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      if (!deps.oidc) return sendProblem(reply, oidcOff);
      const issued = await deps.oidc.sessions.redeemLoginCode(
        request.body.code,
        request.body.verifier,
      );
      if (!issued.ok) return sendProblem(reply, issued.refusal);
      return {
        token: issued.value.token,
        expiresAt: new Date(issued.value.session.expiresAt).toISOString(),
        principal: toPrincipalView(issued.value.principal),
      };
    },
  );

  app.get(
    '/v1/auth/session',
    {
      preHandler: authenticate,
      schema: {
        summary:
          'Who you are, your session, and (signed in by cookie) the CSRF token that state-changing calls send as x-csrf-token',
        response: {
          200: z.object({
            principal: principalView,
            session: sessionView.optional(),
            csrfToken: z.string().optional(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const auth = request.authentication;
      if (!auth) throw new Error('route reached without authentication');
      const session =
        auth.session && deps.oidc
          ? (await deps.oidc.sessions.list(auth.principal.id)).find(
              (s) => s.id === auth.session?.id,
            )
          : undefined;
      return {
        principal: toPrincipalView(auth.principal),
        ...(session ? { session: toSessionView(session) } : {}),
        ...(auth.via === 'cookie' && auth.session && deps.oidc
          ? { csrfToken: deps.oidc.secrets.csrfToken(auth.session.id) }
          : {}),
      };
    },
  );

  app.delete(
    '/v1/auth/sessions/current',
    {
      preHandler: authenticate,
      schema: {
        summary: 'Sign out: ends the session this request is signed in with',
        response: { 200: z.object({ revoked: z.boolean() }), ...errors },
      },
    },
    async (request, reply) => {
      const auth = request.authentication;
      if (!auth) throw new Error('route reached without authentication');
      if (!deps.oidc || !auth.session) {
        // Sandbox tokens are not sessions: nothing to end on the server.
        return { revoked: false };
      }
      const revoked = await deps.oidc.sessions.revoke(
        auth.session.id,
        auth.principal.id,
        'signed out',
      );
      if (auth.via === 'cookie') setCookies(reply, [deps.oidc.cookie.clear()]);
      return { revoked };
    },
  );

  app.get(
    '/v1/auth/sessions',
    {
      preHandler: authenticate,
      schema: {
        summary:
          'Live sessions: yours, or (administrators) those of principal=, or everyone\u2019s with principal=*',
        querystring: sessionsQuery,
        response: { 200: z.object({ sessions: z.array(sessionView) }), ...errors },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) throw new Error('route reached without authentication');
      if (!deps.oidc) return sendProblem(reply, oidcOff);
      const target = whose(principal, request.query.principal);
      if (!target.ok) return sendProblem(reply, target.refusal);
      const sessions = await deps.oidc.sessions.list(target.value);
      return { sessions: sessions.map(toSessionView) };
    },
  );

  app.delete(
    '/v1/auth/sessions',
    {
      preHandler: authenticate,
      schema: {
        summary:
          'End every session of principal= (administrators; anyone may end all of their own)',
        querystring: sessionsQuery,
        response: { 200: z.object({ revoked: z.number() }), ...errors },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) throw new Error('route reached without authentication');
      if (!deps.oidc) return sendProblem(reply, oidcOff);
      const target = whose(principal, request.query.principal);
      if (!target.ok || target.value === undefined) {
        return sendProblem(
          reply,
          target.ok
            ? { code: 'ERR_INVALID_INPUT', message: 'name the person: principal=<id>' }
            : target.refusal,
        );
      }
      const revoked = await deps.oidc.sessions.revokeAllOf(
        target.value,
        principal.id,
        target.value === principal.id ? 'signed out everywhere' : 'revoked by an administrator',
      );
      return { revoked };
    },
  );
}

type Whose =
  | { ok: true; value: string | undefined }
  | { ok: false; refusal: { code: 'ERR_FORBIDDEN'; message: string } };

/** Whose sessions a caller asks about: their own by default; another's (or `*`, everyone's)
 *  only for administrators. */
function whose(caller: Principal, asked: string | undefined): Whose {
  const target = asked === undefined ? caller.id : asked.trim().toLowerCase();
  if (target === caller.id) return { ok: true, value: target };
  if (!caller.isAdmin) {
    return {
      ok: false,
      refusal: {
        code: 'ERR_FORBIDDEN',
        message: 'only administrators may see or end other people\u2019s sessions',
      },
    };
  }
  return { ok: true, value: target === '*' ? undefined : target };
}
