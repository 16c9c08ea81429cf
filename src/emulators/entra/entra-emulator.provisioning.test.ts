import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettableClock } from '../../ports/clock.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from '../identity-center/start-identity-center-emulator.js';
import {
  appToken,
  graph,
  startTestEmulator,
  type TestEmulator,
} from '../../../test/harness/entra-emulator-harness.js';

const MINUTE = 60 * 1000;
const CYCLE = 40 * MINUTE;
const scimToken = 'scim-test-token';
const pim = '/identityGovernance/privilegedAccess/group';

let clock: SettableClock;
let idc: RunningIdentityCenterEmulator;
let t: TestEmulator;

beforeEach(async () => {
  clock = new SettableClock({ fixed: Date.parse('2025-03-01T09:00:00Z') });
  idc = await startIdentityCenterEmulator({
    clock: () => clock.now(),
    throttle: false,
    scimToken: { token: scimToken, expiresAt: clock.now() + 365 * 24 * 60 * MINUTE },
  });
  t = await startTestEmulator({
    clock,
    provisioning: { scimUrl: `${idc.url}/scim/v2`, scimToken },
    seed: {
      users: [
        { userPrincipalName: 'alice@contoso.test', displayName: 'Alice Adams', mfa: true },
        { userPrincipalName: 'bob@contoso.test', displayName: 'Bob Brown' },
        { userPrincipalName: 'carol@contoso.test', displayName: 'Carol Clark' },
        { userPrincipalName: 'dan@contoso.test', displayName: 'Dan Davis', provisioned: true },
      ],
      groups: [
        { displayName: 'nested', members: ['carol@contoso.test'] },
        { displayName: 'aws-readers', provisioned: true, members: ['bob@contoso.test', 'nested'] },
        {
          displayName: 'aws-admins',
          provisioned: true,
          pim: true,
          eligible: ['alice@contoso.test'],
        },
        { displayName: 'elsewhere', members: ['carol@contoso.test'] },
      ],
    },
  });
});

afterEach(async () => {
  await t.emu.close();
  await idc.close();
});

/** IdC's view: userName → active, and group → member userNames, read over SCIM and state. */
async function identityCenter(): Promise<{
  users: Map<string, boolean>;
  groups: Map<string, string[]>;
}> {
  // IdC answers at most 100 users a page: read them all by cursor.
  const users = new Map<string, boolean>();
  for (let cursor: string | undefined = ''; cursor !== undefined;) {
    const response = await fetch(
      `${idc.url}/scim/v2/Users?count=100&cursor=${encodeURIComponent(cursor)}`,
      { headers: { authorization: `Bearer ${scimToken}` } },
    );
    const page = (await response.json()) as {
      Resources: { userName: string; active: boolean }[];
      nextCursor?: string;
    };
    for (const u of page.Resources) users.set(u.userName, u.active);
    cursor = page.nextCursor;
  }
  const state = idc.emulator.state;
  const groups = new Map<string, string[]>();
  for (const group of state.groups.values()) {
    const names = [...state.memberships.values()]
      .filter((m) => m.groupId === group.id)
      .map((m) => state.users.get(m.userId)?.userName ?? '?')
      .sort();
    groups.set(group.displayName, names);
  }
  return { users, groups };
}

async function passCycle(): Promise<void> {
  clock.advance(CYCLE);
  await t.emu.provisioning.settled();
}

describe('provisioning cycle', () => {
  it('runs only at cycle boundaries of the clock and pushes provisioned groups with their direct users', async () => {
    expect(t.emu.provisioning.status()).toMatchObject({
      configured: true,
      cycles: 0,
      nextCycleAt: new Date(clock.now() + CYCLE).toISOString(),
    });
    clock.advance(CYCLE - 1);
    await t.emu.provisioning.settled();
    expect((await identityCenter()).users.size).toBe(0);
    clock.advance(1);
    await t.emu.provisioning.settled();
    const after = await identityCenter();
    expect([...after.users.keys()].sort()).toEqual(['bob@contoso.test', 'dan@contoso.test']);
    expect(after.groups.get('aws-readers')).toEqual(['bob@contoso.test']);
    expect(after.groups.get('aws-admins')).toEqual([]);
    // Nested groups are neither read nor provisioned: carol (in `nested`) is not there.
    expect(after.groups.has('nested')).toBe(false);
    expect(after.groups.has('elsewhere')).toBe(false);
    const status = t.emu.provisioning.status();
    expect(status).toMatchObject({
      cycles: 1,
      lastCycleStartedAt: new Date(clock.now()).toISOString(),
      nextCycleAt: new Date(clock.now() + CYCLE).toISOString(),
    });
    expect(status.lastCycle).toMatchObject({
      usersCreated: 2,
      groupsCreated: 2,
      membersAdded: 1,
      errors: 0,
    });
  });

  it('shows the seed’s slow path: a PIM activation reaches IdC at the next cycle, its end at the one after, and the user is then disabled', async () => {
    await passCycle();
    const token = await appToken(t.emu);
    const ids = t.emu.seed({
      groups: [{ displayName: 'aws-admins' }],
      users: [{ userPrincipalName: 'alice@contoso.test', displayName: 'Alice Adams' }],
    });
    const assign = await graph(t.emu, token, 'POST', `${pim}/assignmentScheduleRequests`, {
      accessId: 'member',
      action: 'adminAssign',
      principalId: ids.users['alice@contoso.test'],
      groupId: ids.groups['aws-admins'],
      justification: 'incident',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } },
    });
    expect(assign.status).toBe(201);
    expect((await identityCenter()).groups.get('aws-admins')).toEqual([]);
    clock.advance(30 * MINUTE);
    await t.emu.provisioning.settled();
    expect((await identityCenter()).groups.get('aws-admins')).toEqual([]);
    clock.advance(10 * MINUTE);
    await t.emu.provisioning.settled();
    expect((await identityCenter()).groups.get('aws-admins')).toEqual(['alice@contoso.test']);
    // The PIM end (T0+40m+1h) passes at T0+1h40m; IdC keeps the member until the cycle at T0+2h.
    clock.advance(CYCLE - 1);
    await t.emu.provisioning.settled();
    expect(
      t.emu.emulator.directory.isMember(
        ids.groups['aws-admins'] ?? '',
        ids.users['alice@contoso.test'] ?? '',
      ),
    ).toBe(false);
    expect((await identityCenter()).groups.get('aws-admins')).toEqual(['alice@contoso.test']);
    clock.advance(1);
    await t.emu.provisioning.settled();
    const after = await identityCenter();
    expect(after.groups.get('aws-admins')).toEqual([]);
    expect(after.users.get('alice@contoso.test')).toBe(false);
  });

  it('sends more than 100 member changes in several group PATCHes', async () => {
    const users = Array.from({ length: 150 }, (_, i) => ({
      userPrincipalName: `u${i}@contoso.test`,
      displayName: `User ${i}`,
    }));
    t.emu.seed({
      users,
      groups: [
        { displayName: 'big', provisioned: true, members: users.map((u) => u.userPrincipalName) },
      ],
    });
    const status = await t.emu.provisioning.runCycle();
    expect(status.lastCycle).toMatchObject({ membersAdded: 151, errors: 0 });
    expect((await identityCenter()).groups.get('big')).toHaveLength(150);
    expect(idc.scim.calls()['SCIM.PATCH.Groups']).toBeGreaterThanOrEqual(3);
  });

  it('counts SCIM failures without stopping the cycle, and retries them at the next one', async () => {
    idc.emulator.faults.set('SCIM.POST.Users', {
      errorRate: 1,
      errorKind: 'InternalServerException',
    });
    const failed = await t.emu.provisioning.runCycle();
    expect(failed.lastCycle?.errors).toBeGreaterThan(0);
    expect(failed.lastError).toMatch(/POST \/Users answered 500/);
    expect(failed.lastError).not.toContain(scimToken);
    idc.emulator.faults.set('SCIM.POST.Users', null);
    const healed = await t.emu.provisioning.runCycle();
    expect(healed.lastCycle).toMatchObject({ usersCreated: 2, errors: 0 });
  });

  it('deletes a group that leaves the scope and disables its users at the next cycle', async () => {
    await t.emu.provisioning.runCycle();
    expect((await identityCenter()).groups.has('aws-readers')).toBe(true);
    const group = t.emu.emulator.directory.groupByName('aws-readers');
    if (group !== undefined) group.provisioned = false;
    const status = await t.emu.provisioning.runCycle();
    expect(status.lastCycle).toMatchObject({ groupsDeleted: 1, usersDisabled: 1 });
    const after = await identityCenter();
    expect(after.groups.has('aws-readers')).toBe(false);
    expect(after.users.get('bob@contoso.test')).toBe(false);
    expect(after.users.get('dan@contoso.test')).toBe(true);
  });

  it('runs a cycle through the admin endpoint', async () => {
    const response = await fetch(`${t.emu.url}/_emulator/provisioning/run`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { cycles: number }).cycles).toBe(1);
  });
});

describe('provisionOnDemand', () => {
  it('provisions a group’s listed members right away, at most 5 members and 5 calls per 10 seconds', async () => {
    await passCycle();
    const token = await appToken(t.emu);
    const ids = t.emu.seed({
      groups: [{ displayName: 'aws-readers', members: ['alice@contoso.test'] }],
      users: [{ userPrincipalName: 'alice@contoso.test', displayName: 'Alice Adams' }],
    });
    const { servicePrincipalId, jobId } = t.emu.provisioning;
    const path = `/servicePrincipals/${servicePrincipalId}/synchronization/jobs/${jobId}/provisionOnDemand`;
    const body = (members: string[]) => ({
      parameters: [
        {
          ruleId: 'rule',
          subjects: [
            {
              objectId: ids.groups['aws-readers'],
              objectTypeName: 'Group',
              links: { members: members.map((objectId) => ({ objectId, objectTypeName: 'User' })) },
            },
          ],
        },
      ],
    });
    const tooMany = await graph(t.emu, token, 'POST', path, body(['1', '2', '3', '4', '5', '6']));
    expect(tooMany.status).toBe(400);
    const ok = await graph(
      t.emu,
      token,
      'POST',
      path,
      body([ids.users['alice@contoso.test'] ?? '']),
    );
    expect(ok.status).toBe(200);
    expect(ok.json.key).toBeTypeOf('string');
    const result = JSON.parse(String(ok.json.value)) as { steps: { status: string }[] };
    expect(result.steps.length).toBeGreaterThan(0);
    expect(result.steps.every((s) => s.status === 'Success')).toBe(true);
    expect((await identityCenter()).groups.get('aws-readers')).toEqual([
      'alice@contoso.test',
      'bob@contoso.test',
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await graph(t.emu, token, 'POST', path, body([ids.users['alice@contoso.test'] ?? ''])))
          .status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    clock.advance(10_001);
    const later = await graph(
      t.emu,
      await appToken(t.emu),
      'POST',
      path,
      body([ids.users['alice@contoso.test'] ?? '']),
    );
    expect(later.status).toBe(200);
    const unknownJob = await graph(
      t.emu,
      token,
      'POST',
      `/servicePrincipals/${servicePrincipalId}/synchronization/jobs/nope/provisionOnDemand`,
      body([]),
    );
    expect(unknownJob.status).toBe(404);
  });
});
