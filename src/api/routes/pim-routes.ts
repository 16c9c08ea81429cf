// PIM routes: what `jit pim activate` needs to activate a role in Entra PIM with the
// person's own delegated token (the identity provider, the public client, Graph, and the
// PIM group of each entra-pim role). JIT Access never activates on someone's behalf.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDeps, Authenticate } from '../app-deps.js';
import { problemView } from '../schemas.js';
import { sendProblem } from '../problem.js';

/** Where and how a person activates PIM roles; supplied by the composition root. */
const pimConfigView = z.object({
  issuer: z.string(),
  clientId: z.string(),
  graphUrl: z.string(),
  allowInsecureRequests: z.boolean(),
  scopes: z.array(z.string()),
  roles: z.array(z.object({ role: z.string(), groupId: z.string(), group: z.string() })),
  now: z
    .string()
    .describe('The server clock (moved in sandbox tests): the CLI checks token times against it'),
});

/** The delegated permission `selfActivate` needs, and sign-in scopes around it. */
export const PIM_SCOPES = [
  'openid',
  'profile',
  'offline_access',
  'https://graph.microsoft.com/PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
];

export function registerPimRoutes(
  instance: FastifyInstance,
  deps: AppDeps,
  authenticate: Authenticate,
): void {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/v1/pim/config',
    {
      preHandler: authenticate,
      schema: {
        summary:
          'How to activate the entra-pim roles in Entra PIM: identity provider, public client, Graph, and each role’s PIM group',
        response: { 200: pimConfigView, 401: problemView, 404: problemView },
      },
    },
    async (_request, reply) => {
      const pim = deps.pim;
      if (!pim) {
        return sendProblem(reply, {
          code: 'ERR_NOT_FOUND',
          message:
            'no role here is activated in Entra PIM; roles with source: entra-pim appear here once the config has them',
        });
      }
      const roles = await pim.roles();
      return {
        issuer: pim.issuer,
        clientId: pim.clientId,
        graphUrl: pim.graphUrl,
        allowInsecureRequests: pim.allowInsecureRequests,
        scopes: PIM_SCOPES,
        roles: [...roles],
        now: new Date(deps.clock.now()).toISOString(),
      };
    },
  );
}
