// `POST /servicePrincipals/{id}/synchronization/jobs/{jobId}/provisionOnDemand`: pushes one
// group with at most 5 members (or one user) through the provisioning job right away, at
// most 5 calls per 10 seconds (429 with Retry-After beyond), as Entra documents. Also
// `GET …/jobs/{jobId}` with the job's status, for clients that watch the cycle.

import { context, jsonObjectBody, type GraphCall, type GraphRoute } from './graph-context.js';
import { badRequest, GraphError, notFound } from './graph-error.js';
import { isRecord, jsonResponse } from './http-kit.js';
import type { OnDemandSubject, ProvisioningJob } from './provisioning-job.js';
import type { RouteTable } from './route-table.js';
import { SlidingWindow } from './token-bucket.js';

const maxMembers = 5;

function parseSubject(body: Record<string, unknown>): OnDemandSubject {
  const parameters = body.parameters;
  if (!Array.isArray(parameters) || parameters.length !== 1 || !isRecord(parameters[0]))
    throw badRequest(
      'parameters must be a list with one synchronizationJobApplicationParameters {ruleId, subjects}.',
    );
  const parameter = parameters[0];
  if (parameter.ruleId !== undefined && typeof parameter.ruleId !== 'string')
    throw badRequest('ruleId must be a string.');
  const subjects = parameter.subjects;
  if (!Array.isArray(subjects) || subjects.length !== 1 || !isRecord(subjects[0]))
    throw badRequest(
      'subjects must be a list with exactly one subject {objectId, objectTypeName, links?}.',
    );
  const subject = subjects[0];
  const objectId = subject.objectId;
  const type = subject.objectTypeName;
  if (typeof objectId !== 'string' || objectId === '')
    throw badRequest('subjects[0].objectId is required.');
  if (type !== 'User' && type !== 'Group')
    throw badRequest("subjects[0].objectTypeName must be 'User' or 'Group'.");
  const links = subject.links;
  const rawMembers = isRecord(links) ? links.members : undefined;
  if (rawMembers !== undefined && !Array.isArray(rawMembers))
    throw badRequest('links.members must be a list.');
  const members = (rawMembers ?? []).map((m, i) => {
    if (!isRecord(m) || typeof m.objectId !== 'string' || m.objectId === '')
      throw badRequest(`links.members[${i}] must be {objectId, objectTypeName: 'User'}.`);
    if (m.objectTypeName !== undefined && m.objectTypeName !== 'User')
      throw badRequest(
        `links.members[${i}]: only users can be provisioned on demand as members (nested groups are not provisioned).`,
      );
    return m.objectId.toLowerCase();
  });
  if (type === 'User' && members.length > 0)
    throw badRequest('A User subject takes no links.members.');
  if (type === 'Group' && members.length === 0)
    throw badRequest(
      `A Group subject needs links.members with 1 to ${maxMembers} members to provision.`,
    );
  if (members.length > maxMembers)
    throw badRequest(
      `Provisioning on demand takes at most ${maxMembers} members of a group per call; got ${members.length}.`,
    );
  return { objectId: objectId.toLowerCase(), objectTypeName: type, memberIds: members };
}

export function synchronizationRoutes(
  table: RouteTable<GraphRoute>,
  job: ProvisioningJob,
  now: () => number,
): void {
  const window = new SlidingWindow(5, 10_000, now);
  const requireJob = (call: GraphCall): void => {
    if ((call.params[0] ?? '').toLowerCase() !== job.servicePrincipalId)
      throw notFound(call.params[0] ?? '');
    if (call.params[1] !== job.jobId) throw notFound(call.params[1] ?? '');
    if (!job.configured)
      throw badRequest(
        'The Entra emulator was started without provisioning; pass provisioning {scimUrl, scimToken} to use this job.',
      );
  };
  table.add('GET', '/servicePrincipals/{id}/synchronization/jobs/{jobId}', {
    access: 'synchronization',
    handler: (call) => {
      requireJob(call);
      const status = job.status();
      return jsonResponse(200, {
        '@odata.context': context(
          call.world.graphUrl,
          `servicePrincipals('${job.servicePrincipalId}')/synchronization/jobs/$entity`,
        ),
        id: job.jobId,
        templateId: 'aWSSingleSignOn',
        schedule: {
          expiration: null,
          interval: `PT${Math.round(status.cycleMs / 1000)}S`,
          state: 'Active',
        },
        status: {
          code: status.running ? 'Active' : 'NotRun',
          lastExecution:
            status.lastCycleEndedAt === null
              ? null
              : {
                  timeBegan: status.lastCycleStartedAt,
                  timeEnded: status.lastCycleEndedAt,
                  state: status.lastCycle?.errors === 0 ? 'Succeeded' : 'Warning',
                },
          countSuccessiveCompleteFailures: 0,
        },
      });
    },
  });
  table.add('POST', '/servicePrincipals/{id}/synchronization/jobs/{jobId}/provisionOnDemand', {
    access: 'synchronization',
    handler: async (call) => {
      requireJob(call);
      const subject = parseSubject(jsonObjectBody(call));
      const wait = window.take();
      if (wait > 0)
        throw new GraphError(
          429,
          'TooManyRequests',
          `Provisioning on demand is limited to 5 calls per 10 seconds; retry after ${wait} s.`,
          {
            'retry-after': String(wait),
          },
        );
      const steps = await job.provisionOnDemand(subject);
      return jsonResponse(200, {
        '@odata.context': context(call.world.graphUrl, 'microsoft.graph.stringKeyStringValuePair'),
        key: 'ProvisioningOnDemandResult',
        value: JSON.stringify({
          subject: { objectId: subject.objectId, objectTypeName: subject.objectTypeName },
          steps,
        }),
      });
    },
  });
}
