import { afterEach, describe, expect, it } from 'vitest';
import { SettableClock } from '../../ports/clock.js';
import {
  appToken,
  graph,
  selfSignedCertificate,
  startTestEmulator,
  tokenRequest,
  type TestEmulator,
} from '../../../test/harness/entra-emulator-harness.js';

let t: TestEmulator | undefined;

afterEach(async () => {
  await t?.emu.close();
  t = undefined;
});

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${t?.emu.url ?? ''}/_emulator/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('throttling', () => {
  it('answers Graph calls above the rate limit with 429 and Retry-After, until the clock moves on', async () => {
    const clock = new SettableClock({ fixed: Date.parse('2025-01-01T00:00:00Z') });
    t = await startTestEmulator({ clock, rateLimit: 5 });
    const token = await appToken(t.emu);
    const statuses: number[] = [];
    let throttled: Awaited<ReturnType<typeof graph>> | undefined;
    for (let i = 0; i < 7; i++) {
      const result = await graph(t.emu, token, 'GET', '/users');
      statuses.push(result.status);
      if (result.status === 429) throttled = result;
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(throttled?.headers.get('retry-after')).toBe('1');
    expect((throttled?.json.error as { code: string }).code).toBe('TooManyRequests');
    expect(t.emu.emulator.callDetails()['GET /users']).toMatchObject({ calls: 7, throttled: 2 });
    clock.advance(1000);
    expect((await graph(t.emu, token, 'GET', '/users')).status).toBe(200);
  });
});

describe('fault injection', () => {
  it('answers a faulted operation with 429, 503 (with Retry-After) or 500, and leaves others alone', async () => {
    t = await startTestEmulator();
    const token = await appToken(t.emu);
    t.emu.setFaults({
      'GET /users': { errorRate: 1, errorKind: 'ServiceUnavailable', retryAfterSeconds: 3 },
    });
    const unavailable = await graph(t.emu, token, 'GET', '/users');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('3');
    expect((unavailable.json.error as { code: string }).code).toBe('serviceNotAvailable');
    expect((await graph(t.emu, token, 'GET', '/groups')).status).toBe(200);
    t.emu.setFaults({ 'GET /users': { errorRate: 1, errorKind: 'TooManyRequests' } });
    const throttled = await graph(t.emu, token, 'GET', '/users');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    t.emu.setFaults({ 'GET /users': { errorRate: 1 } });
    const broken = await graph(t.emu, token, 'GET', '/users');
    expect(broken.status).toBe(500);
    expect((broken.json.error as { code: string }).code).toBe('generalException');
    t.emu.setFaults({ 'GET /users': null });
    expect((await graph(t.emu, token, 'GET', '/users')).status).toBe(200);
  });

  it('applies `*` to the token endpoint too, in the identity platform’s error format', async () => {
    t = await startTestEmulator();
    t.emu.setFaults({ '*': { errorRate: 1, errorKind: 'ServiceUnavailable' } });
    const result = await tokenRequest(t.emu, { grant_type: 'client_credentials' });
    expect(result.status).toBe(503);
    expect(result.json.error).toBe('temporarily_unavailable');
    expect(result.headers.get('retry-after')).toBe('1');
    t.emu.clearFaults();
  });

  it('adds latency per operation and globally', async () => {
    t = await startTestEmulator();
    const token = await appToken(t.emu);
    t.emu.setFaults({ 'GET /groups': { latencyMs: 150 } });
    let started = performance.now();
    await graph(t.emu, token, 'GET', '/groups');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    t.emu.setFaults({ 'GET /groups': null });
    t.emu.setLatency(100);
    started = performance.now();
    await graph(t.emu, token, 'GET', '/users');
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });
});

describe('call counts', () => {
  it('counts each operation by its route, ids abstracted', async () => {
    t = await startTestEmulator({
      seed: {
        users: [{ userPrincipalName: 'a@contoso.test', displayName: 'A' }],
        groups: [{ displayName: 'g', pim: true }],
      },
    });
    const token = await appToken(t.emu);
    t.emu.resetCalls();
    const gid = t.emu.seed({ groups: [{ displayName: 'g' }] }).groups.g ?? '';
    await graph(t.emu, token, 'GET', '/users/a@contoso.test');
    await graph(
      t.emu,
      token,
      'GET',
      `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${gid}'`,
    );
    await graph(
      t.emu,
      token,
      'GET',
      `/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${gid}'`,
    );
    expect(t.emu.calls()).toEqual({
      'GET /identityGovernance/privilegedAccess/group/assignmentScheduleInstances': 2,
      'GET /users/{id}': 1,
    });
  });
});

describe('admin endpoints', () => {
  it('seed, info, directory, calls, faults, latency, certificates and redirect URIs over HTTP', async () => {
    t = await startTestEmulator();
    const seeded = await admin('POST', 'seed', {
      users: [{ userPrincipalName: 'ann@contoso.test', displayName: 'Ann', mfa: true }],
      groups: [{ displayName: 'ops', members: ['ann@contoso.test'], pim: true }],
    });
    expect(seeded.status).toBe(200);
    const annId = (seeded.json.users as Record<string, string>)['ann@contoso.test'];
    expect(annId).toMatch(/^[0-9a-f-]{36}$/);
    const again = await admin('POST', 'seed', {
      users: [{ userPrincipalName: 'ANN@contoso.test', displayName: 'Ann A.' }],
    });
    expect((again.json.users as Record<string, string>)['ann@contoso.test']).toBe(annId);

    const bad = await admin('POST', 'seed', {
      groups: [{ displayName: 'x', members: ['ghost@contoso.test'] }],
    });
    expect(bad.status).toBe(400);
    expect((bad.json.error as { message: string }).message).toMatch(/ghost@contoso\.test/);
    const directory = await admin('GET', 'directory');
    expect((directory.json.groups as { displayName: string }[]).map((g) => g.displayName)).toEqual([
      'ops',
    ]);

    const info = await admin('GET', 'info');
    expect(info.json).toMatchObject({
      tenantId: t.emu.tenantId,
      issuer: t.emu.issuer,
      graphUrl: t.emu.graphUrl,
      clientId: t.emu.app.clientId,
    });
    expect(JSON.stringify(info.json)).not.toContain(t.emu.app.clientSecret);

    expect(
      (await admin('POST', 'faults', { operation: 'GET /users', fault: { errorRate: 2 } })).status,
    ).toBe(400);
    expect(
      (
        await admin('POST', 'faults', {
          operation: 'GET /users',
          fault: { errorRate: 1, errorKind: 'TooManyRequests' },
        })
      ).status,
    ).toBe(200);
    const token = await appToken(t.emu);
    expect((await graph(t.emu, token, 'GET', '/users')).status).toBe(429);
    expect((await admin('POST', 'faults', { operation: 'GET /users', fault: null })).json).toEqual(
      {},
    );
    const calls = await admin('GET', 'calls');
    expect((calls.json.calls as Record<string, number>)['GET /users']).toBe(1);
    expect((await admin('POST', 'reset')).status).toBe(200);
    expect((await admin('GET', 'calls')).json.calls).toEqual({});

    expect((await admin('POST', 'latency', { latencyMs: -1 })).status).toBe(400);
    expect((await admin('POST', 'latency', { latencyMs: 0 })).status).toBe(200);
    const cert = selfSignedCertificate();
    const added = await admin('POST', 'certificates', { certificatePem: cert.certificatePem });
    expect(added.status).toBe(201);
    expect(added.json.x5tS256).toBe(cert.x5tS256);
    expect((await admin('POST', 'certificates', { certificatePem: 'nope' })).status).toBe(400);
    expect(
      (await admin('POST', 'redirect-uris', { redirectUri: 'https://jit.example/cb' })).status,
    ).toBe(201);
    expect((await admin('POST', 'provisioning/run')).status).toBe(400);
    expect((await admin('GET', 'nothing-here')).status).toBe(404);
  });
});

describe('logging', () => {
  it('never logs a client secret, a token or an authorization code', async () => {
    const lines: string[] = [];
    const capture = (fields: Readonly<Record<string, unknown>>, message: string): void => {
      lines.push(`${message} ${JSON.stringify(fields)}`);
    };
    t = await startTestEmulator({
      logger: { debug: capture, info: capture, warn: capture, error: capture },
      seed: { users: [{ userPrincipalName: 'log@contoso.test', displayName: 'Log' }] },
    });
    const token = await appToken(t.emu);
    await graph(
      t.emu,
      token,
      'GET',
      '/users?$filter=userPrincipalName%20eq%20%27log@contoso.test%27',
    );
    await tokenRequest(t.emu, {
      grant_type: 'client_credentials',
      client_id: t.emu.app.clientId,
      client_secret: 'wrong-secret-value',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(lines.length).toBeGreaterThan(0);
    const all = lines.join('\n');
    expect(all).not.toContain(t.emu.app.clientSecret);
    expect(all).not.toContain('wrong-secret-value');
    expect(all).not.toContain(token);
  });
});
