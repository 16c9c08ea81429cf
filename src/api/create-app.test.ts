// The HTTP API through app.inject(): every route over a real SQLite store, the problem+json
// answers to bad input, sign-in, refusals, the OpenAPI document and the sandbox hooks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApp } from './create-app.js';
import {
  createTestApp,
  TEST_HOOK_TOKEN,
  TEST_START,
  type TestApp,
} from '../../test/support/test-app.js';

interface GrantJson {
  id: string;
  status: string;
  principal: string;
  endsAt?: string;
  extension?: { endsAt: string };
  approvals: { approver: string }[];
}
interface OutcomeJson {
  grant: GrantJson;
  action: string;
  overlaps?: string[];
}
interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  details?: { issues?: string[] };
}

/** Stack frames, source locations and internal paths: none may reach a client. */
const INTERNALS = /^\s*at \S|\bat (file|node):|node_modules|\.ts:\d|\.js:\d|\/work\/|\/tmp\//m;

let t: TestApp;
let alice: string;
let bob: string;
let carol: string;

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const hook = { 'x-jit-test-hook': TEST_HOOK_TOKEN };

async function call(options: InjectOptions): Promise<LightMyRequestResponse> {
  const response = await t.app.inject(options);
  expect(response.body).not.toMatch(INTERNALS);
  return response;
}

async function problem(options: InjectOptions, status: number, code: string): Promise<ProblemJson> {
  const response = await call(options);
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json<ProblemJson>();
  expect(body).toMatchObject({ status, code });
  expect(body.detail.length).toBeGreaterThan(0);
  return body;
}

async function request(token: string, payload: Record<string, unknown>): Promise<OutcomeJson> {
  const response = await call({
    method: 'POST',
    url: '/v1/requests',
    headers: bearer(token),
    payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<OutcomeJson>();
}

async function act(
  token: string,
  id: string,
  verb: 'approve' | 'deny' | 'cancel' | 'revoke' | 'extend',
  payload: Record<string, unknown> = {},
): Promise<OutcomeJson> {
  const response = await call({
    method: 'POST',
    url: `/v1/grants/${id}/${verb}`,
    headers: bearer(token),
    payload,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<OutcomeJson>();
}

const prodAdmin = { role: 'prod-admin', duration: 'PT1H', justification: 'INC-1: fix it' };

beforeEach(async () => {
  t = await createTestApp();
  [alice, bob, carol] = await Promise.all([t.login('alice'), t.login('bob'), t.login('carol')]);
});

afterEach(async () => {
  await t.close();
});

describe('the routes, on their happy paths', () => {
  it('answers /healthz with the mode, the store and the audit count', async () => {
    const response = await call({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ok',
      mode: 'sandbox',
      version: '0.0.0-test',
      sandboxLogin: true,
      store: 'sqlite',
      auditEntries: 0,
    });
  });

  it('signs a directory user in by handle and says who they are at /v1/me', async () => {
    const login = await call({
      method: 'POST',
      url: '/v1/auth/sandbox-login',
      payload: { user: 'alice' },
    });
    expect(login.statusCode).toBe(200);
    const body = login.json<{ token: string; expiresAt: string; principal: unknown }>();
    expect(body.principal).toEqual({
      id: 'alice@example.com',
      groups: [],
      isAdmin: false,
      mfa: true,
    });
    expect(Date.parse(body.expiresAt)).toBe(TEST_START + 24 * 3600_000);

    const me = await call({ method: 'GET', url: '/v1/me', headers: bearer(body.token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({
      id: 'alice@example.com',
      groups: [],
      isAdmin: false,
      mfa: true,
      authTime: new Date(TEST_START).toISOString(),
    });
    const admin = await call({ method: 'GET', url: '/v1/me', headers: bearer(carol) });
    expect(admin.json()).toMatchObject({ id: 'carol@example.com', isAdmin: true });
  });

  it('lists the roles a person may request, and with all=true every role marked', async () => {
    const mallory = await t.login('mallory');
    const mine = await call({ method: 'GET', url: '/v1/roles', headers: bearer(alice) });
    expect(mine.json<{ roles: { name: string }[] }>().roles.map((r) => r.name)).toEqual([
      'db-admin',
      'prod-admin',
    ]);
    const none = await call({ method: 'GET', url: '/v1/roles', headers: bearer(mallory) });
    expect(none.json()).toEqual({ roles: [] });
    const all = await call({ method: 'GET', url: '/v1/roles?all=true', headers: bearer(mallory) });
    const roles = all.json<{ roles: { name: string; eligible: boolean; quorum: number }[] }>()
      .roles;
    expect(roles.map((r) => [r.name, r.eligible, r.quorum])).toEqual([
      ['db-admin', false, 2],
      ['prod-admin', false, 1],
    ]);
  });

  it('takes a request to approval, activation, extension and revocation', async () => {
    const requested = await request(alice, prodAdmin);
    expect(requested).toMatchObject({
      action: 'grant.pending_approval',
      grant: { status: 'pending_approval', principal: 'alice@example.com' },
    });
    const id = requested.grant.id;

    const waiting = await call({ method: 'GET', url: '/v1/approvals', headers: bearer(bob) });
    expect(waiting.json<{ grants: GrantJson[] }>().grants.map((g) => g.id)).toEqual([id]);
    const notForAlice = await call({ method: 'GET', url: '/v1/approvals', headers: bearer(alice) });
    expect(notForAlice.json()).toEqual({ grants: [] });

    const approved = await act(bob, id, 'approve', { comment: 'go ahead' });
    expect(approved).toMatchObject({ action: 'grant.activated', grant: { status: 'active' } });
    expect(approved.grant.endsAt).toBe(new Date(TEST_START + 3600_000).toISOString());

    const shown = await call({ method: 'GET', url: `/v1/grants/${id}`, headers: bearer(alice) });
    expect(shown.json()).toMatchObject({
      id,
      status: 'active',
      approvals: [{ approver: 'bob@example.com', comment: 'go ahead' }],
    });
    const listed = await call({
      method: 'GET',
      url: '/v1/grants?status=active',
      headers: bearer(alice),
    });
    expect(listed.json<{ grants: GrantJson[] }>().grants.map((g) => g.id)).toEqual([id]);

    const extension = await act(alice, id, 'extend', { by: 'PT30M', justification: 'still going' });
    expect(extension.action).toBe('grant.extension_requested');
    expect(extension.grant.extension?.endsAt).toBe(
      new Date(TEST_START + 90 * 60_000).toISOString(),
    );
    const extended = await act(bob, id, 'approve');
    expect(extended.action).toBe('grant.extended');
    expect(extended.grant.endsAt).toBe(new Date(TEST_START + 90 * 60_000).toISOString());

    const revoked = await act(alice, id, 'revoke', { reason: 'done' });
    expect(revoked.grant).toMatchObject({ status: 'revoked' });
  });

  it('cancels a pending request and denies another', async () => {
    const first = await request(alice, prodAdmin);
    expect(
      (await act(alice, first.grant.id, 'cancel', { reason: 'not needed' })).grant.status,
    ).toBe('cancelled');
    const second = await request(alice, prodAdmin);
    expect((await act(bob, second.grant.id, 'deny', { comment: 'no' })).grant.status).toBe(
      'denied',
    );
  });

  it('accepts approve, deny, cancel and revoke without a body at all', async () => {
    const first = await request(alice, prodAdmin);
    const approve = await call({
      method: 'POST',
      url: `/v1/grants/${first.grant.id}/approve`,
      headers: bearer(bob),
    });
    expect(approve.statusCode, approve.body).toBe(200);
    const revoke = await call({
      method: 'POST',
      url: `/v1/grants/${first.grant.id}/revoke`,
      headers: bearer(alice),
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    const second = await request(alice, prodAdmin);
    const cancel = await call({
      method: 'POST',
      url: `/v1/grants/${second.grant.id}/cancel`,
      headers: bearer(alice),
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    const third = await request(alice, prodAdmin);
    const deny = await call({
      method: 'POST',
      url: `/v1/grants/${third.grant.id}/deny`,
      headers: bearer(bob),
    });
    expect(deny.statusCode, deny.body).toBe(200);
  });

  it('reports an open grant of the same role as an overlap', async () => {
    const first = await request(alice, prodAdmin);
    const second = await request(alice, prodAdmin);
    expect(second.overlaps).toEqual([first.grant.id]);
  });

  it('shows the controller status and the sandbox target', async () => {
    const controller = await call({ method: 'GET', url: '/v1/controller', headers: bearer(alice) });
    expect(controller.json()).toEqual({ leader: false });
    const target = await call({ method: 'GET', url: '/v1/sandbox/target', headers: bearer(alice) });
    expect(target.json()).toEqual({ held: [] });
  });

  it('sets and moves the sandbox clock through the test hooks, and runs a pass', async () => {
    const now = await call({ method: 'GET', url: '/v1/sandbox/clock', headers: hook });
    expect(now.json()).toEqual({ now: new Date(TEST_START).toISOString() });
    const moved = await call({
      method: 'POST',
      url: '/v1/sandbox/clock',
      headers: hook,
      payload: { advance: 'PT2H' },
    });
    expect(moved.json()).toEqual({ now: new Date(TEST_START + 2 * 3600_000).toISOString() });
    expect(t.clock.now()).toBe(TEST_START + 2 * 3600_000);
    const set = await call({
      method: 'POST',
      url: '/v1/sandbox/clock',
      headers: hook,
      payload: { now: '2027-01-01T00:00:00Z' },
    });
    expect(set.json()).toEqual({ now: '2027-01-01T00:00:00.000Z' });
    const pass = await call({ method: 'POST', url: '/v1/sandbox/reconcile', headers: hook });
    expect(pass.statusCode).toBe(200);
  });
  it('refuses the test hooks without their token, moving nothing (review)', async () => {
    for (const headers of [{}, { 'x-jit-test-hook': 'guess' }, bearer(alice)]) {
      const moved = await call({
        method: 'POST',
        url: '/v1/sandbox/clock',
        headers,
        payload: { advance: 'PT2H' },
      });
      expect(moved.statusCode).toBe(401);
      expect(moved.json<ProblemJson>()).toMatchObject({ code: 'ERR_UNAUTHENTICATED' });
      const pass = await call({ method: 'POST', url: '/v1/sandbox/reconcile', headers });
      expect(pass.statusCode).toBe(401);
    }
    expect(t.clock.now()).toBe(TEST_START);
  });
});

describe('bad input', () => {
  const post = (payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
    method: 'POST',
    url: '/v1/requests',
    headers: { ...bearer(alice), ...headers },
    payload: payload as string | object,
  });

  it.each([
    ['an unknown key', { role: 'prod-admin', colour: 'blue' }, /body: .*"colour"/],
    ['a wrong type', { role: 5 }, /body\.role: .*expected string/],
    [
      'a bad ISO duration',
      { role: 'prod-admin', duration: 'nope' },
      /body\.duration: not an ISO 8601 duration/,
    ],
    [
      'a bad account id',
      { role: 'db-admin', accounts: ['12345'] },
      /body\.accounts\.0: a 12-digit AWS account id/,
    ],
    ['a bad start time', { role: 'prod-admin', start: 'tomorrow' }, /body\.start: /],
    ['a missing role', { duration: 'PT1H' }, /body\.role: /],
    ['an array for a body', [1, 2], /body: .*expected object/],
  ])('answers %s with 400 ERR_INVALID_INPUT naming the field', async (_name, payload, detail) => {
    const body = await problem(post(payload), 400, 'ERR_INVALID_INPUT');
    expect(body.detail).toMatch(detail);
    expect(body.type).toBe('urn:jit-access:problem:invalid-input');
  });

  it('answers a malformed JSON body with 400 saying the body is not JSON', async () => {
    const body = await problem(
      post('{"role": "prod-admin",', { 'content-type': 'application/json' }),
      400,
      'ERR_INVALID_INPUT',
    );
    expect(body.detail).toMatch(/body is not valid JSON/);
  });

  it('answers an empty JSON body with 400 saying so', async () => {
    const body = await problem(
      post('', { 'content-type': 'application/json' }),
      400,
      'ERR_INVALID_INPUT',
    );
    expect(body.detail).toMatch(/body is empty/);
  });

  it('answers a request with no body with 400 naming the body', async () => {
    const body = await problem(
      { method: 'POST', url: '/v1/requests', headers: bearer(alice) },
      400,
      'ERR_INVALID_INPUT',
    );
    expect(body.detail).toMatch(/^body/);
  });

  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])(
    'answers a %s body with 415 ERR_INVALID_INPUT asking for JSON',
    async (type) => {
      const body = await problem(
        post('role=prod-admin', { 'content-type': type }),
        415,
        'ERR_INVALID_INPUT',
      );
      expect(body.detail).toMatch(/application\/json/);
    },
  );

  it('answers a body over 64 KiB with 413 ERR_INVALID_INPUT', async () => {
    const body = await problem(
      post({ role: 'prod-admin', justification: 'x'.repeat(70_000) }),
      413,
      'ERR_INVALID_INPUT',
    );
    expect(body.detail).toMatch(/too large/);
  });

  it('answers a prototype-polluting body with 400 and no internals', async () => {
    await problem(
      post('{"role":"prod-admin","__proto__":{"isAdmin":true}}', {
        'content-type': 'application/json',
      }),
      400,
      'ERR_INVALID_INPUT',
    );
  });

  it.each([
    ['/v1/grants?status=bogus', /querystring\.status: one or more of/],
    ['/v1/grants?limit=0', /querystring\.limit/],
    ['/v1/grants?limit=ten', /querystring\.limit/],
    ['/v1/grants?colour=blue', /querystring: .*"colour"/],
    ['/v1/grants/not%20an%20id', /params\.id: a grant id/],
    ['/v1/audit?since=yesterday', /querystring\.since/],
    ['/v1/roles?all=yes', /querystring\.all/],
  ])('answers GET %s with 400 naming the parameter', async (url, detail) => {
    const body = await problem(
      { method: 'GET', url, headers: bearer(carol) },
      400,
      'ERR_INVALID_INPUT',
    );
    expect(body.detail).toMatch(detail);
  });

  it('answers an extension with neither or both of by and until with 400', async () => {
    const url = '/v1/grants/g_1/extend';
    for (const payload of [{}, { by: 'PT1H', until: '2026-11-28T18:00:00Z' }]) {
      const body = await problem(
        { method: 'POST', url, headers: bearer(alice), payload },
        400,
        'ERR_INVALID_INPUT',
      );
      expect(body.detail).toMatch(/exactly one of `by` or `until`/);
    }
  });

  it('answers a bad clock move with 400 naming the field', async () => {
    const body = await problem(
      {
        method: 'POST',
        url: '/v1/sandbox/clock',
        headers: hook,
        payload: { advance: 'soon' },
      },
      400,
      'ERR_INVALID_INPUT',
    );
    expect(body.detail).toMatch(/body\.advance/);
  });

  it('answers an unknown route with 404 problem+json without echoing the query', async () => {
    const body = await problem(
      { method: 'GET', url: '/v1/nothing?token=abc.def.ghi', headers: bearer(alice) },
      404,
      'ERR_NOT_FOUND',
    );
    expect(body.detail).toMatch(/GET \/v1\/nothing/);
    expect(body.detail).not.toMatch(/abc\.def\.ghi/);
  });
});

describe('sign-in', () => {
  it.each([
    ['no Authorization header', undefined],
    ['a Basic header', 'Basic YWxpY2U6cGFzcw=='],
    ['a bearer that is not a token', 'Bearer not-a-token'],
  ])('answers %s with 401 saying how to sign in', async (_name, authorization) => {
    const body = await problem(
      { method: 'GET', url: '/v1/me', headers: authorization ? { authorization } : {} },
      401,
      'ERR_UNAUTHENTICATED',
    );
    expect(body.detail).toMatch(/jit login --as/);
  });

  it('answers a tampered token with 401', async () => {
    const [header, payload, signature] = alice.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'carol@example.com' })).toString(
      'base64url',
    );
    await problem(
      { method: 'GET', url: '/v1/me', headers: bearer(`${header}.${forged}.${signature}`) },
      401,
      'ERR_UNAUTHENTICATED',
    );
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    await problem(
      { method: 'GET', url: '/v1/me', headers: bearer(`${header}.${payload}.${flipped}`) },
      401,
      'ERR_UNAUTHENTICATED',
    );
  });

  it('answers a token past its 24 hours with 401 saying it expired', async () => {
    t.clock.advance(24 * 3600_000 + 1000);
    const body = await problem(
      { method: 'GET', url: '/v1/me', headers: bearer(alice) },
      401,
      'ERR_UNAUTHENTICATED',
    );
    expect(body.detail).toMatch(/expired/);
  });

  it('answers sign-in as an unknown user with 404 listing the users', async () => {
    const body = await problem(
      { method: 'POST', url: '/v1/auth/sandbox-login', payload: { user: 'zed' } },
      404,
      'ERR_NOT_FOUND',
    );
    expect(body.detail).toMatch(/alice, bob, carol, dave, mallory/);
  });
});

describe('refusals', () => {
  it('refuses a role the person is not eligible for with 403', async () => {
    const mallory = await t.login('mallory');
    await problem(
      { method: 'POST', url: '/v1/requests', headers: bearer(mallory), payload: prodAdmin },
      403,
      'ERR_NOT_ELIGIBLE',
    );
  });

  it('refuses an MFA role without MFA, or with MFA older than mfaMaxAge, with 403', async () => {
    const dave = await t.login('dave');
    await problem(
      { method: 'POST', url: '/v1/requests', headers: bearer(dave), payload: prodAdmin },
      403,
      'ERR_MFA_REQUIRED',
    );
    t.clock.advance(2 * 3600_000);
    await problem(
      { method: 'POST', url: '/v1/requests', headers: bearer(alice), payload: prodAdmin },
      403,
      'ERR_MFA_REQUIRED',
    );
  });

  it('answers an outsider approving with 404 (the grant is not theirs to see), and self-approval with 403', async () => {
    const mallory = await t.login('mallory');
    const { grant } = await request(alice, prodAdmin);
    const url = `/v1/grants/${grant.id}/approve`;
    await problem(
      { method: 'POST', url, headers: bearer(mallory), payload: {} },
      404,
      'ERR_NOT_FOUND',
    );
    await problem(
      { method: 'POST', url, headers: bearer(alice), payload: {} },
      403,
      'ERR_SELF_APPROVAL',
    );
  });

  it('answers an unknown grant or role with 404', async () => {
    for (const url of ['/v1/grants/g_404', '/v1/grants/g_404/approve']) {
      await problem(
        {
          method: url.endsWith('approve') ? 'POST' : 'GET',
          url,
          headers: bearer(bob),
          ...(url.endsWith('approve') ? { payload: {} } : {}),
        },
        404,
        'ERR_NOT_FOUND',
      );
    }
    await problem(
      { method: 'POST', url: '/v1/requests', headers: bearer(alice), payload: { role: 'root' } },
      404,
      'ERR_UNKNOWN_ROLE',
    );
  });

  it('hides a grant from someone who may not see it with 404', async () => {
    const mallory = await t.login('mallory');
    const { grant } = await request(alice, prodAdmin);
    await problem(
      { method: 'GET', url: `/v1/grants/${grant.id}`, headers: bearer(mallory) },
      404,
      'ERR_NOT_FOUND',
    );
  });

  it('answers an illegal transition with 409', async () => {
    const { grant } = await request(alice, prodAdmin);
    await act(bob, grant.id, 'approve');
    const body = await problem(
      { method: 'POST', url: `/v1/grants/${grant.id}/cancel`, headers: bearer(alice), payload: {} },
      409,
      'ERR_ILLEGAL_TRANSITION',
    );
    expect(body.detail).toMatch(/revoke/);
    await act(alice, grant.id, 'revoke');
    await problem(
      {
        method: 'POST',
        url: `/v1/grants/${grant.id}/extend`,
        headers: bearer(alice),
        payload: { by: 'PT1H' },
      },
      409,
      'ERR_ILLEGAL_TRANSITION',
    );
  });
});

describe('the audit route', () => {
  it('refuses the whole log to a non-administrator with 403', async () => {
    const body = await problem(
      { method: 'GET', url: '/v1/audit', headers: bearer(alice) },
      403,
      'ERR_FORBIDDEN',
    );
    expect(body.detail).toMatch(/grantId=/);
  });

  it('shows an administrator everything, and a requester their own grant', async () => {
    const mine = await request(alice, prodAdmin);
    const mallory = await t.login('mallory');
    await problem(
      { method: 'POST', url: '/v1/requests', headers: bearer(mallory), payload: prodAdmin },
      403,
      'ERR_NOT_ELIGIBLE',
    );
    const bobs = await call({ method: 'GET', url: '/v1/audit', headers: bearer(carol) });
    const all = bobs.json<{
      entries: { seq: number; grantId?: string }[];
      head: { seq: number };
    }>();
    expect(all.entries.length).toBe(all.head.seq);
    expect(all.entries.length).toBeGreaterThan(0);

    const own = await call({
      method: 'GET',
      url: `/v1/audit?grantId=${mine.grant.id}`,
      headers: bearer(alice),
    });
    expect(own.statusCode).toBe(200);
    const entries = own.json<{ entries: { grantId?: string; action: string }[] }>().entries;
    expect(entries.map((e) => e.action)).toEqual(['grant.requested', 'grant.pending_approval']);
    expect(entries.every((e) => e.grantId === mine.grant.id)).toBe(true);

    await problem(
      { method: 'GET', url: `/v1/audit?grantId=${mine.grant.id}`, headers: bearer(mallory) },
      404,
      'ERR_NOT_FOUND',
    );
  });
});

describe('the OpenAPI document', () => {
  interface OpenApi {
    openapi: string;
    info: { title: string; version: string };
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { name: string; in: string }[];
          requestBody?: {
            content: Record<
              string,
              { schema: { properties?: Record<string, unknown>; required?: string[] } }
            >;
          };
          responses: Record<string, unknown>;
        }
      >
    >;
  }

  it('is OpenAPI 3 listing the /v1 routes with their request schemas', async () => {
    const response = await call({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json<OpenApi>();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toEqual({
      title: 'JIT Access API',
      version: '0.0.0-test',
      description: expect.any(String) as string,
    });
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'POST /v1/requests',
        'POST /v1/grants/{id}/approve',
        'POST /v1/grants/{id}/deny',
        'POST /v1/grants/{id}/cancel',
        'POST /v1/grants/{id}/revoke',
        'POST /v1/incidents/revoke-user',
        'POST /v1/grants/{id}/extend',
        'GET /v1/grants',
        'GET /v1/grants/{id}',
        'GET /v1/roles',
        'GET /v1/approvals',
        'GET /v1/audit',
        'GET /v1/me',
        'GET /v1/pim/config',
        'GET /v1/controller',
        'GET /v1/sandbox/target',
        'POST /v1/auth/sandbox-login',
        'GET /auth/login',
        'GET /auth/callback',
        'POST /auth/logout',
        'GET /v1/auth/config',
        'POST /v1/auth/cli/token',
        'GET /v1/auth/session',
        'DELETE /v1/auth/sessions/current',
        'GET /v1/auth/sessions',
        'DELETE /v1/auth/sessions',
      ].sort(),
    );
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) {
        expect(Object.keys(op.responses).length, path).toBeGreaterThan(0);
        // Every {param} in the path is declared as a path parameter.
        for (const [, name] of path.matchAll(/\{(\w+)\}/g))
          expect(
            op.parameters?.some((p) => p.in === 'path' && p.name === name),
            path,
          ).toBe(true);
      }
    }
    const requestSchema =
      doc.paths['/v1/requests']?.['post']?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(requestSchema?.properties ?? {}).sort()).toEqual([
      'accounts',
      'duration',
      'justification',
      'role',
      'start',
      'ticket',
    ]);
    expect(requestSchema?.required).toEqual(['role']);
    const extendSchema =
      doc.paths['/v1/grants/{id}/extend']?.['post']?.requestBody?.content['application/json']
        ?.schema;
    expect(Object.keys(extendSchema?.properties ?? {}).sort()).toEqual([
      'by',
      'justification',
      'ticket',
      'until',
    ]);
    const listParams = doc.paths['/v1/grants']?.['get']?.parameters?.map(
      (p) => `${p.in}:${p.name}`,
    );
    expect(listParams?.sort()).toEqual([
      'query:all',
      'query:limit',
      'query:principal',
      'query:role',
      'query:status',
    ]);
    // Every $ref points at something in the document.
    for (const [, ref] of response.body.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      let node: unknown = doc;
      for (const part of (ref ?? '').split('/')) node = (node as Record<string, unknown>)[part];
      expect(node, ref).toBeDefined();
    }
  });
});

describe('sandbox wiring', () => {
  it('marks every response with x-jit-sandbox-login when sandbox sign-in is wired', async () => {
    for (const options of [
      { method: 'GET', url: '/healthz' },
      { method: 'GET', url: '/v1/me' },
      { method: 'GET', url: '/v1/nothing' },
      { method: 'GET', url: '/v1/me', headers: bearer(alice) },
    ] as const) {
      const response = await call(options);
      expect(response.headers['x-jit-sandbox-login'], options.url).toBe(
        'enabled; not for production',
      );
    }
  });

  it('leaves the header off, and refuses sandbox sign-in, when it is not wired', async () => {
    const other = await createTestApp({
      deps: ({ sandboxLogin: _login, ...base }) => base,
    });
    try {
      const health = await other.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.headers['x-jit-sandbox-login']).toBeUndefined();
      expect(health.json()).toMatchObject({ sandboxLogin: false });
      const login = await other.app.inject({
        method: 'POST',
        url: '/v1/auth/sandbox-login',
        payload: { user: 'alice' },
      });
      expect(login.statusCode).toBe(403);
      expect(login.json()).toMatchObject({ code: 'ERR_SANDBOX_ONLY' });
    } finally {
      await other.close();
    }
  });

  it('refuses to build a live app with sandbox sign-in or test hooks', async () => {
    const { sandboxLogin, testHooks, ...base } = t.deps;
    await expect(
      createApp({ ...base, mode: 'live', ...(sandboxLogin ? { sandboxLogin } : {}) }),
    ).rejects.toThrow(/sandbox login is only available in sandbox mode/);
    await expect(
      createApp({ ...base, mode: 'live', ...(testHooks ? { testHooks } : {}) }),
    ).rejects.toThrow(/test hooks are only available in sandbox mode/);
  });

  it('answers the clock and reconcile hooks with 403 ERR_SANDBOX_ONLY when hooks are off', async () => {
    const other = await createTestApp({ testHooks: false });
    try {
      for (const options of [
        { method: 'GET', url: '/v1/sandbox/clock' },
        { method: 'POST', url: '/v1/sandbox/clock', payload: { advance: 'PT1H' } },
        { method: 'POST', url: '/v1/sandbox/reconcile' },
      ] as const) {
        const response = await other.app.inject(options);
        expect(response.statusCode, options.url).toBe(403);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.json<ProblemJson>()).toMatchObject({ code: 'ERR_SANDBOX_ONLY' });
        expect(response.json<ProblemJson>().detail).toMatch(/--test-hooks/);
      }
      expect(other.clock.now()).toBe(TEST_START);
    } finally {
      await other.close();
    }
  });
});
