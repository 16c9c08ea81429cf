// Fuzz: malformed token requests and malformed Graph requests (random paths, query options,
// bodies, methods; with and without a token) always get a 4xx JSON error in the format of
// their endpoint, never a 5xx; afterwards the server still serves a valid request.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appToken,
  startTestEmulator,
  type TestEmulator,
} from '../../../test/harness/entra-emulator-harness.js';

let t: TestEmulator;
let token: string;
let groupId: string;

beforeAll(async () => {
  t = await startTestEmulator({
    rateLimit: false,
    seed: {
      users: [{ userPrincipalName: 'fuzz@contoso.test', displayName: 'Fuzz' }],
      groups: [{ displayName: 'fuzz-group', pim: true, eligible: ['fuzz@contoso.test'] }],
    },
  });
  token = await appToken(t.emu);
  groupId = t.emu.seed({ groups: [{ displayName: 'fuzz-group' }] }).groups['fuzz-group'] ?? '';
});

afterAll(async () => {
  await t.emu.close();
});

const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', "'", '%', '%zz', '..', '$ref', "id eq '", '((', 'PT', 'null'),
);

describe('token endpoint fuzz', () => {
  it('answers malformed token requests with a 4xx identity-platform error', async () => {
    const keys = [
      'grant_type',
      'client_id',
      'client_secret',
      'scope',
      'code',
      'redirect_uri',
      'code_verifier',
      'refresh_token',
      'client_assertion',
      'client_assertion_type',
    ];
    const grant = fc.constantFrom(
      'client_credentials',
      'authorization_code',
      'refresh_token',
      'password',
      '',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...keys), junk, { maxKeys: 6 }),
        fc.option(grant, { nil: undefined }),
        fc.boolean(),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain'),
        fc.boolean(),
        async (fields, grantType, realClient, contentType, basic) => {
          const form: Record<string, string> = { ...fields };
          if (grantType !== undefined) form.grant_type = grantType;
          if (realClient) form.client_id = t.emu.app.clientId;
          const headers: Record<string, string> = { 'content-type': contentType };
          if (basic)
            headers.authorization = `Basic ${Buffer.from(`${form.client_id ?? 'x'}:${fields.client_secret ?? 'y'}`).toString('base64')}`;
          const response = await fetch(t.emu.tokenEndpoint, {
            method: 'POST',
            headers,
            body: new URLSearchParams(form).toString(),
          });
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          const body = (await response.json()) as Record<string, unknown>;
          expect(typeof body.error).toBe('string');
          expect(Array.isArray(body.error_codes)).toBe(true);
          expect(String(body.error_description)).toMatch(/^AADSTS\d+: /);
        },
      ),
      { numRuns: 250 },
    );
  });
});

describe('Graph fuzz', () => {
  it('answers malformed Graph requests with a 4xx OData error and never a 5xx', async () => {
    const paths = fc.oneof(
      fc.constantFrom(
        '/users',
        '/users/{x}',
        '/groups',
        '/groups/{g}',
        '/groups/{g}/members',
        '/groups/{g}/members/$ref',
        '/groups/{g}/members/{x}/$ref',
        '/groups/{x}/transitiveMembers/microsoft.graph.user',
        '/groups/delta',
        '/me',
        '/identityGovernance/privilegedAccess/group/assignmentScheduleRequests',
        '/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/{x}',
        '/identityGovernance/privilegedAccess/group/eligibilityScheduleRequests',
        '/identityGovernance/privilegedAccess/group/assignmentScheduleInstances',
        '/identityGovernance/privilegedAccess/group/assignmentApprovals/{x}/stages/{x}',
        '/policies/roleManagementPolicyAssignments',
        '/policies/roleManagementPolicies/{x}/rules/{x}',
        '/servicePrincipals/{x}/synchronization/jobs/{x}/provisionOnDemand',
        '/{x}',
        '/{x}/{x}/{x}',
      ),
    );
    const body = fc.oneof(
      fc.constant(undefined),
      junk,
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            action: fc.oneof(
              fc.constantFrom(
                'selfActivate',
                'adminAssign',
                'adminRemove',
                'selfDeactivate',
                'adminExtend',
                'adminRenew',
              ),
              junk,
            ),
            accessId: fc.oneof(fc.constantFrom('member', 'owner'), junk),
            principalId: fc.oneof(junk, fc.constant('{g}')),
            groupId: fc.oneof(junk, fc.constant('{g}')),
            scheduleInfo: fc.oneof(
              junk,
              fc.record(
                {
                  startDateTime: junk,
                  expiration: fc.record(
                    {
                      type: fc.oneof(
                        junk,
                        fc.constantFrom('afterDuration', 'noExpiration', 'afterDateTime'),
                      ),
                      duration: junk,
                      endDateTime: junk,
                    },
                    { requiredKeys: [] },
                  ),
                },
                { requiredKeys: [] },
              ),
            ),
            '@odata.type': junk,
            '@odata.id': junk,
            reviewResult: fc.oneof(junk, fc.constantFrom('Approve', 'Deny')),
            parameters: fc.oneof(junk, fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 2 })),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v).replaceAll('{g}', groupId)),
    );
    const query = fc.dictionary(
      fc.constantFrom(
        '$filter',
        '$select',
        '$top',
        '$skiptoken',
        '$deltatoken',
        '$expand',
        '$orderby',
        'x',
      ),
      junk,
      { maxKeys: 3 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
        paths,
        fc.array(junk, { minLength: 4, maxLength: 4 }),
        query,
        body,
        fc.boolean(),
        async (method, pattern, fillers, params, payload, withToken) => {
          let i = 0;
          const path = pattern
            .replaceAll('{g}', groupId)
            // `.` and `..` segments (even percent-encoded) are resolved away by the URL parser,
            // leaving /v1.0; keep such junk a segment of its own.
            .replace(/\{x\}/g, () => {
              const segment = encodeURIComponent(fillers[i++] ?? '');
              return /^(\.|\.\.)$/.test(segment) ? `${segment}_` : segment;
            });
          const search = new URLSearchParams(params).toString();
          const response = await fetch(
            `${t.emu.graphUrl}${path}${search === '' ? '' : `?${search}`}`,
            {
              method,
              headers: {
                ...(withToken ? { authorization: `Bearer ${token}` } : {}),
                'content-type': 'application/json',
              },
              ...(payload === undefined || method === 'GET' ? {} : { body: payload }),
            },
          );
          expect(response.status).toBeLessThan(500);
          const text = await response.text();
          if (response.status >= 400) {
            const error = (
              JSON.parse(text) as {
                error: { code: unknown; message: unknown; innerError: unknown };
              }
            ).error;
            expect(typeof error.code).toBe('string');
            expect(typeof error.message).toBe('string');
            expect(error.innerError).toBeTypeOf('object');
            expect(response.headers.get('request-id')).toBeTruthy();
          } else if (text !== '') {
            expect(() => JSON.parse(text) as unknown).not.toThrow();
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('still serves after the fuzzing', async () => {
    const response = await fetch(`${t.emu.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const users = await fetch(`${t.emu.graphUrl}/users`, {
      headers: { authorization: `Bearer ${await appToken(t.emu)}` },
    });
    expect(users.status).toBe(200);
  });
});
