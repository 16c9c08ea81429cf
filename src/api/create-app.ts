// The HTTP API: `createApp(deps)` returns a ready-to-listen Fastify instance. Routes
// validate with zod, OpenAPI comes from the same schemas, and every error leaves through
// the one handler in problem.ts.
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { handleError, sendProblem } from './problem.js';
import { registerAuditRoutes } from './routes/audit-routes.js';
import { registerPimRoutes } from './routes/pim-routes.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { csrfHeader, csrfRefusal } from './auth/csrf.js';
import type { AppDeps } from './app-deps.js';
import { registerGrantRoutes } from './routes/grant-routes.js';
import { registerIncidentRoutes } from './routes/incident-routes.js';
import { registerMetricsRoutes } from './routes/metrics-routes.js';
import { registerSandboxRoutes } from './routes/sandbox-routes.js';

export type App = FastifyInstance;
export type { AppDeps, ControllerStatus } from './app-deps.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function createApp(deps: AppDeps): Promise<App> {
  if (deps.sandboxLogin && deps.mode !== 'sandbox') {
    throw new Error('sandbox login is only available in sandbox mode');
  }
  if (deps.testHooks && deps.mode !== 'sandbox') {
    throw new Error('test hooks are only available in sandbox mode');
  }
  // A hop count trusts the n proxies nearest the server (what Fastify does with a number).
  const hops = deps.trustProxy;
  const trustProxy: boolean | string[] | ((address: string, hop: number) => boolean) =
    typeof hops === 'number'
      ? (_address, hop) => hop < hops
      : typeof hops === 'object'
        ? [...hops]
        : (hops ?? false);
  const app = Fastify({
    // Fastify 5 takes a ready logger as `loggerInstance`; `logger` would refuse it. Its
    // request serializer logs method and URL, never headers or bodies (tokens, reasons).
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: 64 * 1024,
    trustProxy,
    requestIdHeader: 'x-request-id',
    // A URL Fastify cannot decode (`/%`) answers problem+json like every other error.
    frameworkErrors: (error, _request, reply) => {
      void sendProblem(reply, {
        code: 'ERR_INVALID_INPUT',
        message: `${error.code === 'FST_ERR_BAD_URL' ? 'the URL is not valid percent-encoded UTF-8' : error.message}; fix the request path`,
      });
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      code: 'ERR_NOT_FOUND',
      // The path only: a query string may carry anything, a token included.
      message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}; see /openapi.json`,
    }),
  );
  // JSON only: without this, a text/plain body reaches validation as a string and the
  // answer ("expected object, received string") hides that the content type is wrong.
  app.removeContentTypeParser('text/plain');
  // A lone UTF-16 surrogate (JSON allows `"\ud800"`) is not text: it cannot be stored,
  // hashed into the audit chain or shown, so it is refused here, before any route.
  app.addHook('preValidation', async (request, reply) => {
    const where = illFormedString(request.body, 'body');
    if (where === undefined) return;
    await sendProblem(reply, {
      code: 'ERR_INVALID_INPUT',
      message: `${where} holds a lone UTF-16 surrogate, which is not valid Unicode text; send well-formed UTF-8`,
    });
  });

  await app.register(helmet, { global: true });
  await app.register(cookie);
  if (deps.rateLimit !== false) {
    await app.register(rateLimit, {
      max: deps.rateLimit?.max ?? 1200,
      timeWindow: '1 minute',
      // Per client address: the limit runs before authentication, so keying it on the
      // Authorization header would give a fresh allowance to every made-up token.
      keyGenerator: (request) => `a:${request.ip}`,
    });
  }
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'JIT Access API',
        version: deps.version,
        description:
          'Just-in-time privileged access to AWS: requests, approvals, grants and the audit log.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: deps.oidc?.cookie.name ?? 'jit_session',
            description:
              'browser session from GET /auth/login; state-changing calls also send x-csrf-token',
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });

  if (deps.sandboxLogin) {
    app.addHook('onSend', (_request, reply, payload, done) => {
      void reply.header('x-jit-sandbox-login', 'enabled; not for production');
      done(null, payload);
    });
  }

  const authenticate = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const authorization = request.headers.authorization;
    const result = await deps.authenticator.authenticate({
      ...(authorization === undefined ? {} : { authorization }),
      cookies: request.cookies,
    });
    if (result === undefined) {
      await sendProblem(reply, {
        code: 'ERR_UNAUTHENTICATED',
        message: `sign in first: ${deps.authenticator.signInHint}, then retry`,
      });
      return;
    }
    if (!result.ok) {
      await sendProblem(reply, result.refusal);
      return;
    }
    const auth = result.value;
    // A cookie rides along on cross-site requests; a bearer token never does. So only
    // cookie-signed-in changes must prove they come from our own pages.
    if (auth.via === 'cookie' && !SAFE_METHODS.has(request.method)) {
      const session = auth.session;
      if (!session || !deps.oidc?.secrets.checkCsrfToken(session.id, csrfHeader(request.headers))) {
        await sendProblem(reply, csrfRefusal);
        return;
      }
    }
    request.principal = auth.principal;
    request.authentication = auth;
  };

  app.get('/healthz', { schema: { hide: true } }, async () => {
    const head = await deps.store.auditHead();
    const controller = deps.controllerStatus?.();
    return {
      status: 'ok',
      mode: deps.mode,
      version: deps.version,
      sandboxLogin: deps.sandboxLogin !== undefined,
      store: deps.store.dialect,
      auditEntries: head.seq,
      ...(controller ? { controllerLeader: controller.leader } : {}),
    };
  });

  app.get('/openapi.json', { schema: { hide: true } }, () => openApiDocument(app));

  registerMetricsRoutes(app, deps);
  registerGrantRoutes(app, deps, authenticate);
  registerIncidentRoutes(app, deps, authenticate);
  registerAuditRoutes(app, deps, authenticate);
  registerPimRoutes(app, deps, authenticate);
  registerSandboxRoutes(app, deps, authenticate);
  registerAuthRoutes(app, deps, authenticate);

  await app.ready();
  return app;
}

/** The path of the first string (or key) in `value` that is not well-formed Unicode. */
function illFormedString(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : path;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = illFormedString(item, `${path}[${String(index)}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (!key.isWellFormed()) return `${path} (a key)`;
      const found = illFormedString(item, `${path}.${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The generated document, with bodies that may be left out (approve, deny, cancel,
 *  revoke: nullable schemas) marked optional; @fastify/swagger marks every body required. */
function openApiDocument(app: FastifyInstance): unknown {
  const doc = app.swagger() as {
    paths?: Record<string, Record<string, { requestBody?: OpenApiBody }>>;
  };
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const body = operation.requestBody;
      const nullable = Object.values(body?.content ?? {}).every((c) => c.schema?.nullable);
      if (body && nullable) body.required = false;
    }
  }
  return doc;
}

interface OpenApiBody {
  required?: boolean;
  content?: Record<string, { schema?: { nullable?: boolean } }>;
}
