// `GET /metrics`: Prometheus's text format, from the server's own registry. Scrapers send
// `JIT_METRICS_TOKEN` as a bearer token when one is set; without one, only loopback clients
// may scrape (a server behind a public load balancer does not show its counts to anyone).
// Every API request is timed by route template (never the raw URL, which holds ids).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app-deps.js';
import { sendProblem } from '../problem.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function registerMetricsRoutes(instance: FastifyInstance, deps: AppDeps): void {
  const metrics = deps.metrics;
  if (metrics === undefined) return;
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { registry, token } = metrics;

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined || route === '/metrics') return;
    registry.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        description:
          'The text exposition format: grants by state, access landed/removed latency, reconcile passes and errors, drift, AWS and Graph calls by operation and outcome (throttled told apart), the lease holder, the revocation outbox, API request times. With JIT_METRICS_TOKEN set, send it as a bearer token; without it, only loopback clients may scrape.',
        tags: ['operations'],
        security: token === undefined ? [] : [{ bearer: [] }],
      },
    },
    async (request, reply) => {
      if (token !== undefined) {
        const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
        if (!sameSecret(given, token)) {
          return sendProblem(reply, {
            code: 'ERR_UNAUTHENTICATED',
            message:
              'GET /metrics needs the metrics token: send Authorization: Bearer <JIT_METRICS_TOKEN> (the scrape config’s bearer_token)',
          });
        }
      } else if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
        return sendProblem(reply, {
          code: 'ERR_FORBIDDEN',
          message:
            'GET /metrics answers only loopback clients unless JIT_METRICS_TOKEN is set; set it on the server and give it to the scraper as a bearer token',
        });
      }
      const { contentType, body } = await registry.scrape();
      return reply.header('content-type', contentType).send(body);
    },
  );
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
