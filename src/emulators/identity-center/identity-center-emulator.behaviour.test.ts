// Documented behaviour: throttling across sso-admin and identitystore, the outstanding
// CreateAccountAssignment quota, fault injection by option and admin endpoint, call counts.

import { ListUsersCommand, CreateUserCommand } from '@aws-sdk/client-identitystore';
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
} from '@aws-sdk/client-sso-admin';
import { afterEach, describe, expect, it } from 'vitest';
import {
  adminRequest,
  emulatorTestClients,
  type EmulatorTestClients,
} from '../../../test/harness/identity-center-clients.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
  type StartIdentityCenterEmulatorOptions,
} from './start-identity-center-emulator.js';

let running: RunningIdentityCenterEmulator | undefined;
let clients: EmulatorTestClients | undefined;

async function start(
  options: StartIdentityCenterEmulatorOptions,
  maxAttempts = 1,
): Promise<{ c: EmulatorTestClients; url: string; InstanceArn: string; IdentityStoreId: string }> {
  running = await startIdentityCenterEmulator(options);
  clients = emulatorTestClients(running.url, maxAttempts);
  const instance = running.emulator.state;
  return {
    c: clients,
    url: running.url,
    InstanceArn: instance.instanceArn,
    IdentityStoreId: instance.identityStoreId,
  };
}

afterEach(async () => {
  clients?.destroy();
  await running?.close();
  running = undefined;
});

describe('throttling', () => {
  it('throttles above the rate across sso-admin and identitystore together, and refills with the clock', async () => {
    let now = 1_700_000_000_000;
    const { c, url, InstanceArn, IdentityStoreId } = await start({
      clock: () => now,
      throttle: { ratePerSecond: 20 },
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      const call =
        i % 2 === 0
          ? c.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn }))
          : c.identityStore.send(new ListUsersCommand({ IdentityStoreId }));
      outcomes.push(
        await call.then(
          () => 'ok',
          (e: unknown) => (e as Error).name,
        ),
      );
    }
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(20);
    expect(outcomes.slice(20)).toEqual(Array(5).fill('ThrottlingException'));
    now += 1000;
    await c.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn }));
    const calls = await adminRequest(url, 'GET', '/_emulator/calls');
    const ops = calls.json.operations as Record<string, { calls: number; throttled: number }>;
    expect(ops.ListPermissionSets!.throttled + ops.ListUsers!.throttled).toBe(5);
    expect(calls.json.peakRequestsPerSecond).toBe(25);
  });

  it('gives identitystore throttling a RetryAfterSeconds and a 429', async () => {
    const now = 1_700_000_000_000;
    const { c, IdentityStoreId } = await start({
      clock: () => now,
      throttle: { ratePerSecond: 1 },
    });
    await c.identityStore.send(new ListUsersCommand({ IdentityStoreId }));
    const error = await c.identityStore
      .send(new ListUsersCommand({ IdentityStoreId }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ThrottlingException',
      RetryAfterSeconds: 1,
      $metadata: { httpStatusCode: 429 },
    });
  });

  it('throttles CreateAccountAssignment above 10 outstanding, and records the peak', async () => {
    let now = 1_700_000_000_000;
    const { c, url, InstanceArn, IdentityStoreId } = await start({
      clock: () => now,
      throttle: { ratePerSecond: 1000 },
      assignmentDelayMs: 500,
    });
    const user = await c.identityStore.send(
      new CreateUserCommand({
        Name: { GivenName: 'Test', FamilyName: 'User' },
        IdentityStoreId,
        UserName: 'u',
        DisplayName: 'u',
      }),
    );
    const results: string[] = [];
    for (let i = 0; i < 11; i += 1) {
      const ps = await c.ssoAdmin.send(
        new CreatePermissionSetCommand({ InstanceArn, Name: `PS${i}` }),
      );
      const out = c.ssoAdmin.send(
        new CreateAccountAssignmentCommand({
          InstanceArn,
          PermissionSetArn: ps.PermissionSet!.PermissionSetArn,
          PrincipalId: user.UserId,
          PrincipalType: 'USER',
          TargetId: '222222222222',
          TargetType: 'AWS_ACCOUNT',
        }),
      );
      results.push(
        await out.then(
          () => 'ok',
          (e: unknown) => (e as Error).name,
        ),
      );
    }
    expect(results.slice(0, 10)).toEqual(Array(10).fill('ok'));
    expect(results[10]).toBe('ThrottlingException');
    now += 500;
    expect((await adminRequest(url, 'GET', '/_emulator/calls')).json.peakOutstandingCreates).toBe(
      10,
    );
  });

  it("counts the SDK's own retries of throttled calls on the server side", async () => {
    let now = 1_700_000_000_000;
    // Each request reads the clock three times: 600 ms, so 0.6 token, per request.
    const { c, url, InstanceArn } = await start(
      { clock: () => (now += 200), throttle: { ratePerSecond: 1, burst: 1 } },
      3,
    );
    await c.ssoAdmin.send(new ListInstancesCommand({}));
    await c.ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn }));
    const calls = (await adminRequest(url, 'GET', '/_emulator/calls')).json.total as {
      calls: number;
      throttled: number;
    };
    expect(calls.throttled).toBeGreaterThan(0);
    expect(calls.calls - calls.throttled).toBe(2);
  });
});

describe('fault injection', () => {
  it('answers injected errors from constructor options at the configured rate', async () => {
    const { c } = await start({
      throttle: false,
      faults: { ListInstances: { errorRate: 1, errorKind: 'InternalServerException' } },
    });
    const error = await c.ssoAdmin.send(new ListInstancesCommand({})).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'InternalServerException',
      $metadata: { httpStatusCode: 500 },
    });
  });

  it('sets, lists and clears faults through the admin endpoint, and counts them', async () => {
    const { c, url } = await start({ throttle: false });
    const set = await adminRequest(url, 'POST', '/_emulator/faults', {
      operation: '*',
      fault: { errorRate: 1, errorKind: 'ThrottlingException' },
    });
    expect(set.status).toBe(200);
    expect(
      (await c.ssoAdmin.send(new ListInstancesCommand({})).catch((e: unknown) => e)) as Error,
    ).toMatchObject({ name: 'ThrottlingException' });
    expect((await adminRequest(url, 'GET', '/_emulator/faults')).json).toEqual({
      '*': { errorRate: 1, errorKind: 'ThrottlingException' },
    });
    await adminRequest(url, 'POST', '/_emulator/faults', { operation: '*', fault: null });
    await c.ssoAdmin.send(new ListInstancesCommand({}));
    const ops = (await adminRequest(url, 'GET', '/_emulator/calls')).json.operations as Record<
      string,
      { calls: number; faulted: number }
    >;
    expect(ops.ListInstances).toMatchObject({ calls: 2, faulted: 1 });
    expect(
      (
        await adminRequest(url, 'POST', '/_emulator/faults', {
          operation: 'X',
          fault: { errorRate: 2 },
        })
      ).status,
    ).toBe(400);
  });

  it('adds latency per operation', async () => {
    const { c } = await start({ throttle: false, faults: { ListInstances: { latencyMs: 60 } } });
    const started = performance.now();
    await c.ssoAdmin.send(new ListInstancesCommand({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('slows the asynchronous status of one operation with statusDelayMs', async () => {
    let now = 1_700_000_000_000;
    const { c, url, InstanceArn, IdentityStoreId } = await start({
      clock: () => now,
      throttle: false,
      assignmentDelayMs: 10,
    });
    await adminRequest(url, 'POST', '/_emulator/faults', {
      operation: 'CreateAccountAssignment',
      fault: { statusDelayMs: 5000 },
    });
    const user = await c.identityStore.send(
      new CreateUserCommand({
        Name: { GivenName: 'Test', FamilyName: 'User' },
        IdentityStoreId,
        UserName: 'slow',
        DisplayName: 'slow',
      }),
    );
    const ps = await c.ssoAdmin.send(new CreatePermissionSetCommand({ InstanceArn, Name: 'Slow' }));
    await c.ssoAdmin.send(
      new CreateAccountAssignmentCommand({
        InstanceArn,
        PermissionSetArn: ps.PermissionSet!.PermissionSetArn,
        PrincipalId: user.UserId,
        PrincipalType: 'USER',
        TargetId: '222222222222',
        TargetType: 'AWS_ACCOUNT',
      }),
    );
    now += 1000;
    const op = [...running!.emulator.state.assignmentOperations.values()][0]!;
    running!.emulator.evaluateSession('none');
    expect(op.status).toBe('IN_PROGRESS');
    now += 4000;
    running!.emulator.evaluateSession('none');
    expect(op.status).toBe('SUCCEEDED');
  });

  it('resets counters, or everything back to the seed', async () => {
    const { c, url } = await start({ throttle: false });
    await c.ssoAdmin.send(new ListInstancesCommand({}));
    await adminRequest(url, 'POST', '/_emulator/reset');
    expect((await adminRequest(url, 'GET', '/_emulator/calls')).json.total).toMatchObject({
      calls: 0,
    });
    const before = (await adminRequest(url, 'GET', '/_emulator/info')).json.instanceArn;
    await adminRequest(url, 'POST', '/_emulator/reset', { state: true });
    expect((await adminRequest(url, 'GET', '/_emulator/info')).json.instanceArn).not.toBe(before);
  });
});
