// EventBridgeFailSafe against the Identity Center emulator's Scheduler over HTTP, with the
// real SDK clients: arming creates the schedule in the product's group (made when missing),
// arming again moves it, disarming deletes it (twice is fine), and an armed schedule removes
// the membership when the emulator's clock passes its time.
import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  ListGroupMembershipsCommand,
} from '@aws-sdk/client-identitystore';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ListInstancesCommand } from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entitlement } from '../../../core/grant.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from '../../../emulators/identity-center/start-identity-center-emulator.js';
import { SANDBOX_CREDENTIALS } from '../../../sandbox/identity-center-sandbox.js';
import { createIdentityCenterClients } from '../create-identity-center-clients.js';
import { IdentityCenterIds } from '../identity-center-ids.js';
import { atExpression, EventBridgeFailSafe, scheduleName } from './eventbridge-fail-safe.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
let now = T0;
let running: RunningIdentityCenterEmulator;
let clients: ReturnType<typeof createIdentityCenterClients>;
let scheduler: SchedulerClient;
let failSafe: EventBridgeFailSafe;
let storeId = '';
let groupId = '';
const ALICE: Entitlement = {
  kind: 'group-membership',
  group: 'JIT-ops',
  user: 'alice@example.com',
};

beforeAll(async () => {
  running = await startIdentityCenterEmulator({ clock: () => now });
  const endpoint = running.url;
  const options = { region: 'us-east-1', endpoint, credentials: SANDBOX_CREDENTIALS };
  clients = createIdentityCenterClients(options);
  scheduler = new SchedulerClient(options);
  const instance = (await clients.ssoAdmin.send(new ListInstancesCommand({}))).Instances?.[0];
  storeId = instance?.IdentityStoreId ?? '';
  const user = await clients.identityStore.send(
    new CreateUserCommand({
      IdentityStoreId: storeId,
      UserName: 'alice@example.com',
      DisplayName: 'Alice',
      Name: { GivenName: 'Alice', FamilyName: 'Example' },
    }),
  );
  groupId =
    (
      await clients.identityStore.send(
        new CreateGroupCommand({ IdentityStoreId: storeId, DisplayName: 'JIT-ops' }),
      )
    ).GroupId ?? '';
  await clients.identityStore.send(
    new CreateGroupMembershipCommand({
      IdentityStoreId: storeId,
      GroupId: groupId,
      MemberId: { UserId: user.UserId ?? '' },
    }),
  );
  const ids = new IdentityCenterIds({
    ssoAdmin: clients.ssoAdmin,
    identityStore: clients.identityStore,
    instanceArn: instance?.InstanceArn ?? '',
    identityStoreId: storeId,
    clock: { now: () => now },
  });
  failSafe = new EventBridgeFailSafe({
    scheduler,
    identityStore: clients.identityStore,
    ids,
    scheduleGroup: 'jit-access',
    roleArn: 'arn:aws:iam::999999999999:role/jit-access-fail-safe',
    marginMs: 60_000,
  });
});

afterAll(async () => {
  scheduler.destroy();
  clients.ssoAdmin.destroy();
  clients.identityStore.destroy();
  await running.close();
});

const get = () =>
  scheduler.send(new GetScheduleCommand({ GroupName: 'jit-access', Name: scheduleName(ALICE) }));

async function members(): Promise<number> {
  const page = await clients.identityStore.send(
    new ListGroupMembershipsCommand({ IdentityStoreId: storeId, GroupId: groupId }),
  );
  return (page.GroupMemberships ?? []).length;
}

describe('EventBridgeFailSafe (emulator)', () => {
  it('arms a schedule (its group made on first use), moves it, disarms it, and disarms again harmlessly', async () => {
    await failSafe.arm(ALICE, T0 + 3_600_000);
    expect((await get()).ScheduleExpression).toBe(atExpression(T0 + 3_660_000));
    await failSafe.arm(ALICE, T0 + 7_200_000);
    expect((await get()).ScheduleExpression).toBe('at(2030-01-01T02:01:00)');
    await failSafe.disarm(ALICE);
    await expect(get()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await failSafe.disarm(ALICE);
  });

  it('removes the membership when the clock passes the armed time, and not before', async () => {
    await failSafe.arm(ALICE, T0 + 3_600_000);
    now = T0 + 3_600_000 + 59_000;
    expect(await members()).toBe(1);
    now = T0 + 3_600_000 + 61_000;
    expect(await members()).toBe(0);
    await expect(get()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('names schedules within the 64 characters Scheduler allows, stably per entitlement', () => {
    expect(scheduleName(ALICE)).toMatch(/^jit-[0-9a-f]{40}$/);
    expect(scheduleName(ALICE)).toBe(scheduleName({ ...ALICE }));
    expect(atExpression(Date.parse('2030-01-01T00:00:00.001Z'))).toBe('at(2030-01-01T00:00:01)');
  });
});
