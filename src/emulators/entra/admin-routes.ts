// The emulator's own endpoints under /_emulator/ (no auth; the emulator listens on
// loopback). They mirror the Identity Center emulator's admin routes:
//   GET  /_emulator/info                 tenant, URLs, app client id, provisioning job ids
//   GET  /_emulator/directory            users and groups with ids and direct members
//   POST /_emulator/seed                 EntraSeed -> {users: {upn: id}, groups: {name: id}}
//   GET  /_emulator/calls                per-operation counts ({calls, details})
//   POST /_emulator/reset                reset the counters
//   GET  /_emulator/faults               current faults
//   POST /_emulator/faults               {"operation": "GET /users" | "*", "fault": EntraFaultSpec | null}
//   POST /_emulator/latency              {"latencyMs": n}
//   POST /_emulator/certificates         {"certificatePem": "-----BEGIN CERTIFICATE-----…"}
//   POST /_emulator/redirect-uris        {"redirectUri": "https://…"}
//   GET  /_emulator/provisioning         provisioning job status
//   POST /_emulator/provisioning/run     run a cycle now; answers the status after it

import { parseSeed } from './apply-seed.js';
import type { EntraAdminTarget } from './admin-target.js';
import { faultSpecProblem, type EntraFaultSpec } from './fault-injector.js';
import {
  isRecord,
  jsonResponse,
  parseJsonBody,
  type EntraRequest,
  type EntraResponse,
} from './http-kit.js';

function problem(status: number, code: string, message: string): EntraResponse {
  return jsonResponse(status, { error: { code, message } });
}

export async function handleAdmin(
  emulator: EntraAdminTarget,
  request: EntraRequest,
): Promise<EntraResponse> {
  const { method, path } = request;
  const parsed = method === 'POST' ? parseJsonBody(request.body) : {};
  if (parsed === undefined)
    return problem(400, 'BadRequest', 'The request body is not valid JSON.');
  const input = isRecord(parsed) ? parsed : {};
  if (method === 'GET' && path === '/_emulator/info') {
    const status = emulator.provisioning.status();
    return jsonResponse(200, {
      url: emulator.baseUrl,
      tenantId: emulator.tenantId,
      issuer: emulator.identity.issuer,
      graphUrl: emulator.graphUrl,
      openidConfiguration: `${emulator.identity.issuer}/.well-known/openid-configuration`,
      tokenEndpoint: emulator.identity.tokenEndpoint,
      clientId: emulator.app.clientId,
      provisioning: {
        servicePrincipalId: status.servicePrincipalId,
        jobId: status.jobId,
        configured: status.configured,
      },
    });
  }
  if (method === 'GET' && path === '/_emulator/directory') {
    const dir = emulator.directory;
    return jsonResponse(200, {
      users: [...dir.users.values()].map((u) => ({
        id: u.id,
        userPrincipalName: u.userPrincipalName,
        displayName: u.displayName,
        mail: u.mail ?? null,
        mfa: u.mfa,
        provisioned: u.provisioned,
      })),
      groups: [...dir.groups.values()].map((g) => ({
        id: g.id,
        displayName: g.displayName,
        pim: emulator.pim.isOnboarded(g.id),
        provisioned: g.provisioned,
        members: dir.members(g.id),
      })),
    });
  }
  if (method === 'POST' && path === '/_emulator/seed') {
    const seed = parseSeed(parsed);
    if (typeof seed === 'string') return problem(400, 'BadRequest', seed);
    try {
      return jsonResponse(200, emulator.seed(seed));
    } catch (error) {
      if (error instanceof TypeError) return problem(400, 'BadRequest', error.message);
      throw error;
    }
  }
  if (method === 'GET' && path === '/_emulator/calls')
    return jsonResponse(200, { calls: emulator.calls(), details: emulator.callDetails() });
  if (method === 'POST' && path === '/_emulator/reset') {
    emulator.resetCalls();
    return jsonResponse(200, { reset: 'calls' });
  }
  if (method === 'GET' && path === '/_emulator/faults')
    return jsonResponse(200, emulator.faults.list());
  if (method === 'POST' && path === '/_emulator/faults') {
    const operation = input.operation;
    const fault = input.fault;
    if (typeof operation !== 'string' || operation === '')
      return problem(
        400,
        'BadRequest',
        'Expected {"operation": "GET /users" or "*", "fault": {latencyMs?, errorRate?, errorKind?, retryAfterSeconds?} or null}',
      );
    if (fault !== null) {
      const why = faultSpecProblem(fault);
      if (why !== undefined) return problem(400, 'BadRequest', why);
    }
    emulator.setFaults({ [operation]: fault as EntraFaultSpec | null });
    return jsonResponse(200, emulator.faults.list());
  }
  if (method === 'POST' && path === '/_emulator/latency') {
    const ms = input.latencyMs;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
      return problem(400, 'BadRequest', 'Expected {"latencyMs": a number >= 0}');
    emulator.setLatency(ms);
    return jsonResponse(200, { latencyMs: ms });
  }
  if (method === 'POST' && path === '/_emulator/certificates') {
    const pem = input.certificatePem;
    if (typeof pem !== 'string')
      return problem(
        400,
        'BadRequest',
        'Expected {"certificatePem": "-----BEGIN CERTIFICATE-----…"}',
      );
    try {
      return jsonResponse(201, emulator.addClientCertificate(pem));
    } catch (error) {
      return problem(400, 'BadRequest', error instanceof Error ? error.message : String(error));
    }
  }
  if (method === 'POST' && path === '/_emulator/redirect-uris') {
    const uri = input.redirectUri;
    if (typeof uri !== 'string')
      return problem(400, 'BadRequest', 'Expected {"redirectUri": "https://…"}');
    try {
      emulator.addRedirectUri(uri);
    } catch (error) {
      return problem(400, 'BadRequest', error instanceof Error ? error.message : String(error));
    }
    return jsonResponse(201, { redirectUri: uri });
  }
  if (method === 'GET' && path === '/_emulator/provisioning')
    return jsonResponse(200, emulator.provisioning.status());
  if (method === 'POST' && path === '/_emulator/provisioning/run') {
    if (!emulator.provisioning.configured)
      return problem(
        400,
        'BadRequest',
        'Provisioning is not configured: start the emulator with provisioning {scimUrl, scimToken}.',
      );
    return jsonResponse(200, await emulator.provisioning.runCycle());
  }
  return problem(404, 'NotFound', `No emulator endpoint ${method} ${path.slice(0, 200)}`);
}
