// Acceptance: access ends even when every controller is down. The Identity Center emulator
// runs as a process of its own (as AWS would), with its EventBridge Scheduler; `jit serve`
// (failSafe on) arms one schedule per active entitlement through the real SDK clients. An
// extension moves its schedule. Then every controller stops, the emulator's clock passes the
// ends, and the emulator's scheduler removes the membership and the assignments itself.
import { ListGroupMembershipsCommand, ListGroupsCommand } from '@aws-sdk/client-identitystore';
import {
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  DescribePermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityCenterClients } from '../../src/adapters/aws/create-identity-center-clients.js';
import { scheduleName } from '../../src/adapters/aws/fail-safe/eventbridge-fail-safe.js';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/identity-center-sandbox.js';
import { EmulatorProcess, JitServer, Workspace } from '../support/jit-process.js';
import { acceptanceConfig } from '../support/test-config.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const ALICE = 'alice@example.com';

let ws: Workspace;
let emulator: EmulatorProcess;
let server: JitServer | undefined;
let scheduler: SchedulerClient;
let clients: ReturnType<typeof createIdentityCenterClients>;
let adminGrant = '';
let dbGrant = '';

function config(dir: string): string {
  return acceptanceConfig(dir).replace(
    'server:\n  controller: { sweepInterval: PT1M }',
    'server:\n  controller: { sweepInterval: PT1M, failSafe: { enabled: true, margin: PT1M } }',
  );
}

async function advanceEmulator(ms: number): Promise<void> {
  const response = await fetch(new URL('/_emulator/clock', emulator.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceMs: ms }),
  });
  expect(response.status).toBe(200);
}

async function invocations(): Promise<{ name: string; outcome: { status: string } }[]> {
  const response = await fetch(new URL('/_emulator/scheduler/invocations', emulator.url));
  return (
    (await response.json()) as { invocations: { name: string; outcome: { status: string } }[] }
  ).invocations;
}

/** What Identity Center holds for alice: her groups and her assignments of DbAdmin. */
async function aliceHolds(): Promise<string[]> {
  const { ssoAdmin, identityStore } = clients;
  const instance = (await ssoAdmin.send(new ListInstancesCommand({}))).Instances?.[0];
  const storeId = instance?.IdentityStoreId ?? '';
  const instanceArn = instance?.InstanceArn ?? '';
  const held: string[] = [];
  const groups = (await identityStore.send(new ListGroupsCommand({ IdentityStoreId: storeId })))
    .Groups;
  for (const group of groups ?? []) {
    const members = await identityStore.send(
      new ListGroupMembershipsCommand({ IdentityStoreId: storeId, GroupId: group.GroupId }),
    );
    if ((members.GroupMemberships ?? []).length > 0) held.push(`member of ${group.DisplayName}`);
  }
  const sets = await ssoAdmin.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn }));
  for (const arn of sets.PermissionSets ?? []) {
    const { PermissionSet } = await ssoAdmin.send(
      new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }),
    );
    if (PermissionSet?.Name !== 'DbAdmin') continue;
    for (const account of ['111111111111', '222222222222']) {
      const assigned = await ssoAdmin.send(
        new ListAccountAssignmentsCommand({
          InstanceArn: instanceArn,
          AccountId: account,
          PermissionSetArn: arn,
        }),
      );
      if ((assigned.AccountAssignments ?? []).some((a) => a.PrincipalType === 'USER'))
        held.push(`DbAdmin in ${account}`);
    }
  }
  return held.sort();
}

beforeAll(async () => {
  ws = await Workspace.create(config);
  emulator = await EmulatorProcess.start(ws.configPath);
  server = await JitServer.start(ws, { identityCenterEndpoint: emulator.url });
  scheduler = new SchedulerClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: SANDBOX_CREDENTIALS,
  });
  clients = createIdentityCenterClients({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: SANDBOX_CREDENTIALS,
  });
  const alice = await server.token('alice');
  const bob = await server.token('bob');
  const carol = await server.token('carol');
  const admin = await server.post<{ grant: { id: string } }>(
    '/v1/requests',
    { role: 'prod-admin', duration: 'PT1H', justification: 'INC-7' },
    alice,
  );
  adminGrant = admin.body.grant.id;
  await server.post(`/v1/grants/${adminGrant}/approve`, {}, bob);
  const db = await server.post<{ grant: { id: string } }>(
    '/v1/requests',
    { role: 'db-admin', duration: 'PT1H', justification: 'INC-7' },
    alice,
  );
  dbGrant = db.body.grant.id;
  await server.post(`/v1/grants/${dbGrant}/approve`, {}, bob);
  await server.post(`/v1/grants/${dbGrant}/approve`, {}, carol);
  await server.reconcile();
}, 120_000);

afterAll(async () => {
  scheduler.destroy();
  clients.ssoAdmin.destroy();
  clients.identityStore.destroy();
  await server?.stop();
  await emulator.stop();
  await ws.dispose();
});

describe('the fail-safe expiry (EventBridge Scheduler)', () => {
  it('arms one schedule per active entitlement, at its end plus the margin', async () => {
    expect(await aliceHolds()).toEqual([
      'DbAdmin in 111111111111',
      'DbAdmin in 222222222222',
      'member of JIT-prod-admin',
    ]);
    const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: 'jit-access' }));
    expect(listed.Schedules).toHaveLength(3);
    const membership = await scheduler.send(
      new GetScheduleCommand({
        GroupName: 'jit-access',
        Name: scheduleName({ kind: 'group-membership', group: 'JIT-prod-admin', user: ALICE }),
      }),
    );
    expect(membership.ActionAfterCompletion).toBe('DELETE');
    expect(membership.Target?.Arn).toBe(
      'arn:aws:scheduler:::aws-sdk:identitystore:deleteGroupMembership',
    );
    const grant = await server!.get<{ endsAt: string }>(
      `/v1/grants/${adminGrant}`,
      await server!.token('alice'),
    );
    const armedAt = Date.parse(
      `${/^at\((.+)\)$/.exec(membership.ScheduleExpression ?? '')?.[1] ?? ''}Z`,
    );
    expect(armedAt - Date.parse(grant.body.endsAt)).toBeGreaterThanOrEqual(MINUTE);
    expect(armedAt - Date.parse(grant.body.endsAt)).toBeLessThan(MINUTE + 1000);
  });

  it('moves the schedule when an extension moves the end', async () => {
    const alice = await server!.token('alice');
    const bob = await server!.token('bob');
    const before = await scheduler.send(
      new GetScheduleCommand({
        GroupName: 'jit-access',
        Name: scheduleName({ kind: 'group-membership', group: 'JIT-prod-admin', user: ALICE }),
      }),
    );
    const extended = await server!.post(
      `/v1/grants/${adminGrant}/extend`,
      { by: 'PT30M', justification: 'INC-7: still on it' },
      alice,
    );
    expect(extended.status).toBeLessThan(300);
    await server!.post(`/v1/grants/${adminGrant}/approve`, {}, bob);
    await server!.reconcile();
    const after = await scheduler.send(
      new GetScheduleCommand({
        GroupName: 'jit-access',
        Name: scheduleName({ kind: 'group-membership', group: 'JIT-prod-admin', user: ALICE }),
      }),
    );
    const at = (s: typeof before): number =>
      Date.parse(`${/^at\((.+)\)$/.exec(s.ScheduleExpression ?? '')?.[1] ?? ''}Z`);
    expect(at(after) - at(before)).toBe(30 * MINUTE);
  });

  it('with every controller stopped, AWS removes the access at the ends: the assignments first, the extended membership later', async () => {
    await server!.stop();
    server = undefined;
    // Past the db-admin end (+1 h, +1 min margin), not yet past the extended one (+1 h 30).
    await advanceEmulator(HOUR + 5 * MINUTE);
    await advanceEmulator(1000); // DeleteAccountAssignment is asynchronous: let it finish
    expect(await aliceHolds()).toEqual(['member of JIT-prod-admin']);
    await advanceEmulator(30 * MINUTE);
    expect(await aliceHolds()).toEqual([]);
    const fired = await invocations();
    expect(fired).toHaveLength(3);
    expect(fired.map((i) => i.outcome.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    // ActionAfterCompletion DELETE: nothing is left behind.
    const listed = await scheduler.send(new ListSchedulesCommand({ GroupName: 'jit-access' }));
    expect(listed.Schedules ?? []).toHaveLength(0);
  });
});
