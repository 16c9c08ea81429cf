// The SCIM endpoint's own throttling and its place in the emulator's call counts. IdC's SCIM
// APIs have per-API limits (40 TPS reads, 25 TPS writes, per identity store) apart from the
// ~20 TPS that sso-admin and identitystore share (IdC User Guide, "IAM Identity Center
// throttle limits"), so neither side eats the other's budget.

import { ListUsersCommand } from '@aws-sdk/client-identitystore';
import { ListInstancesCommand } from '@aws-sdk/client-sso-admin';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallStatsSnapshot } from './call-stats.js';
import {
  adminRequest,
  emulatorTestClients,
} from '../../../test/harness/identity-center-clients.js';
import type { IdentityCenterEmulatorOptions } from './identity-center-emulator.js';
import { defaultScimToken } from './scim-handlers.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

let now = Date.parse('2026-01-01T00:00:00Z');
let running: RunningIdentityCenterEmulator | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(
  options: IdentityCenterEmulatorOptions = {},
): Promise<RunningIdentityCenterEmulator> {
  running = await startIdentityCenterEmulator({ clock: () => now, ...options });
  return running;
}

async function scim(
  emulator: RunningIdentityCenterEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${emulator.url}/scim/v2${path}`, {
    method,
    headers: {
      authorization: `Bearer ${defaultScimToken}`,
      'content-type': 'application/scim+json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function statuses(calls: readonly (() => Promise<Response>)[]): Promise<number[]> {
  const out: number[] = [];
  for (const call of calls) {
    const response = await call();
    await response.arrayBuffer();
    out.push(response.status);
  }
  return out;
}

let serial = 0;
function newUser(): Record<string, unknown> {
  serial += 1;
  return {
    userName: `scim${serial}@example.com`,
    displayName: `Scim ${serial}`,
    name: { givenName: 'Scim', familyName: `${serial}` },
  };
}

describe('SCIM throttling', () => {
  it('gives each read API 40 requests a second and answers the next with a SCIM 429 and Retry-After', async () => {
    const emulator = await start();
    const list = Array.from({ length: 40 }, () => () => scim(emulator, 'GET', '/Users'));
    expect(await statuses(list)).toEqual(Array(40).fill(200));
    const throttled = await scim(emulator, 'GET', '/Users');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(await throttled.json()).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '429',
    });
    // Another API has its own bucket: listing groups, and reading one user by id.
    expect((await scim(emulator, 'GET', '/Groups')).status).toBe(200);
    expect((await scim(emulator, 'GET', '/Users/nope')).status).toBe(404);
    // The bucket refills with the emulator's clock.
    now += 1_000;
    expect((await scim(emulator, 'GET', '/Users')).status).toBe(200);
  });

  it('gives each write API 25 requests a second', async () => {
    const emulator = await start();
    const creates = Array.from(
      { length: 26 },
      () => () => scim(emulator, 'POST', '/Users', newUser()),
    );
    expect(await statuses(creates)).toEqual([...Array<number>(25).fill(201), 429]);
    // Creating a group is another API.
    const group = await scim(emulator, 'POST', '/Groups', { displayName: 'writers' });
    expect(group.status).toBe(201);
  });

  it('takes the rates from the throttle options, and none when throttling is off', async () => {
    const slow = await start({ throttle: { scimReadsPerSecond: 2, scimWritesPerSecond: 1 } });
    expect(
      await statuses([
        () => scim(slow, 'GET', '/Users'),
        () => scim(slow, 'GET', '/Users'),
        () => scim(slow, 'GET', '/Users'),
        () => scim(slow, 'POST', '/Users', newUser()),
        () => scim(slow, 'POST', '/Users', newUser()),
      ]),
    ).toEqual([200, 200, 429, 201, 429]);
    await slow.close();
    running = undefined;
    const free = await start({ throttle: false });
    const many = Array.from({ length: 60 }, () => () => scim(free, 'GET', '/Users'));
    expect(new Set(await statuses(many))).toEqual(new Set([200]));
  });

  it('neither spends nor is limited by the budget sso-admin and identitystore share', async () => {
    const emulator = await start({ throttle: { ratePerSecond: 20 } });
    const clients = emulatorTestClients(emulator.url);
    try {
      const reads = Array.from({ length: 40 }, () => () => scim(emulator, 'GET', '/Users'));
      expect(new Set(await statuses(reads))).toEqual(new Set([200]));
      const { Instances } = await clients.ssoAdmin.send(new ListInstancesCommand({}));
      const IdentityStoreId = Instances?.[0]?.IdentityStoreId ?? '';
      // 19 more AWS calls fit in the shared 20: the 40 SCIM reads took none of it.
      for (let i = 0; i < 19; i += 1) {
        await clients.identityStore.send(new ListUsersCommand({ IdentityStoreId }));
      }
      await expect(
        clients.identityStore.send(new ListUsersCommand({ IdentityStoreId })),
      ).rejects.toMatchObject({ name: 'ThrottlingException' });
      // With the AWS APIs throttled, SCIM still answers.
      expect((await scim(emulator, 'GET', '/Groups')).status).toBe(200);
      const stats = emulator.emulator.calls();
      expect(stats.peakRequestsPerSecond).toBe(21);
    } finally {
      clients.destroy();
    }
  });
});

describe('SCIM in the call counts', () => {
  it('counts SCIM calls per SCIM.<Method>.<Resource> in calls(), with throttled, faulted and errors', async () => {
    const emulator = await start({ throttle: { scimReadsPerSecond: 1 } });
    await statuses([
      () => scim(emulator, 'GET', '/Users'), // 200
      () => scim(emulator, 'GET', '/Users'), // 429 throttled
      () => scim(emulator, 'POST', '/Users', newUser()), // 201
      () => scim(emulator, 'POST', '/Users', { userName: 'x' }), // 400
      () => scim(emulator, 'GET', '/No%E0pe'), // 404, named Unknown
    ]);
    emulator.emulator.faults.set('SCIM.PATCH.Groups', {
      errorRate: 1,
      errorKind: 'InternalServerException',
    });
    const faulted = await scim(emulator, 'PATCH', '/Groups/g', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'displayName', value: 'x' }],
    });
    expect(faulted.status).toBe(500);
    const unauthenticated = await fetch(`${emulator.url}/scim/v2/Groups`);
    expect(unauthenticated.status).toBe(401);

    const { json } = await adminRequest(emulator.url, 'GET', '/_emulator/calls');
    const stats = json as unknown as CallStatsSnapshot;
    expect(stats.operations).toEqual({
      'SCIM.GET.Groups': { calls: 1, throttled: 0, faulted: 0, errors: 1 },
      'SCIM.GET.Unknown': { calls: 1, throttled: 0, faulted: 0, errors: 1 },
      'SCIM.GET.Users': { calls: 2, throttled: 1, faulted: 0, errors: 1 },
      'SCIM.PATCH.Groups': { calls: 1, throttled: 0, faulted: 1, errors: 1 },
      'SCIM.POST.Users': { calls: 2, throttled: 0, faulted: 0, errors: 1 },
    });
    expect(stats.total).toEqual({ calls: 7, throttled: 1, faulted: 1, errors: 5 });
    // SCIM is not part of the sso-admin + identitystore rate.
    expect(stats.peakRequestsPerSecond).toBe(0);
    // The endpoint's own view is the SCIM part of the same counts, and resets with them.
    expect(emulator.scim.calls()).toEqual({
      'SCIM.GET.Groups': 1,
      'SCIM.GET.Unknown': 1,
      'SCIM.GET.Users': 2,
      'SCIM.PATCH.Groups': 1,
      'SCIM.POST.Users': 2,
    });
    await adminRequest(emulator.url, 'POST', '/_emulator/reset', {});
    expect(emulator.scim.calls()).toEqual({});
  });
});
