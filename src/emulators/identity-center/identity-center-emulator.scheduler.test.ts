// EventBridge Scheduler as the unmodified @aws-sdk/client-scheduler sees it: schedule groups,
// one-time schedules, the model's validation, and schedules that fire on the emulator's
// (fake) clock against its own identitystore and sso-admin.

import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  DeleteGroupMembershipCommand,
  DescribeGroupMembershipCommand,
} from '@aws-sdk/client-identitystore';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  SchedulerClient,
  SchedulerServiceException,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  ListAccountAssignmentsCommand,
} from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  adminRequest,
  emulatorTestClients,
  type EmulatorTestClients,
} from '../../../test/harness/identity-center-clients.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from './start-identity-center-emulator.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const management = '111111111111';
const dev = '222222222222';
const group = 'jit-access';
const roleArn = `arn:aws:iam::${management}:role/jit-access-scheduler`;
const deleteMembership = 'arn:aws:scheduler:::aws-sdk:identitystore:deleteGroupMembership';
const deleteAssignment = 'arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment';

let now = Date.parse('2025-06-01T08:00:00Z');
let running: RunningIdentityCenterEmulator;
let scheduler: SchedulerClient;
let c: EmulatorTestClients;
let IdentityStoreId: string;
let InstanceArn: string;
let userId: string;
let groupId: string;
let permissionSetArn: string;
let serial = 0;

/** `at(...)` for an instant, in UTC, to the second (the form AWS takes). */
function at(ms: number): string {
  return `at(${new Date(ms).toISOString().slice(0, 19)})`;
}

function unique(prefix: string): string {
  serial += 1;
  return `${prefix}-${serial}`;
}

async function failure(promise: Promise<unknown>): Promise<SchedulerServiceException> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SchedulerServiceException)) {
    throw new Error(`expected a Scheduler error, got ${String(error)}`);
  }
  return error;
}

/** A new user in the group: a fresh membership each time (one per user and group). */
async function membership(): Promise<string> {
  const UserName = unique('member');
  const { UserId } = await c.identityStore.send(
    new CreateUserCommand({
      IdentityStoreId,
      UserName,
      DisplayName: UserName,
      Name: { GivenName: 'Member', FamilyName: 'User' },
    }),
  );
  return (
    await c.identityStore.send(
      new CreateGroupMembershipCommand({
        IdentityStoreId,
        GroupId: groupId,
        MemberId: { UserId: UserId! },
      }),
    )
  ).MembershipId!;
}

async function membershipExists(MembershipId: string): Promise<boolean> {
  return c.identityStore
    .send(new DescribeGroupMembershipCommand({ IdentityStoreId, MembershipId }))
    .then(
      () => true,
      (e: unknown) => {
        if (e instanceof Error && e.name === 'ResourceNotFoundException') return false;
        throw e;
      },
    );
}

function removeMembershipAt(
  MembershipId: string,
  when: number,
  overrides: Partial<CreateScheduleCommandInput> = {},
): CreateScheduleCommandInput {
  return {
    Name: unique('grant'),
    GroupName: group,
    ScheduleExpression: at(when),
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: {
      Arn: deleteMembership,
      RoleArn: roleArn,
      Input: JSON.stringify({ IdentityStoreId, MembershipId }),
    },
    ...overrides,
  };
}

async function scheduleExists(Name: string, GroupName = group): Promise<boolean> {
  return scheduler.send(new GetScheduleCommand({ Name, GroupName })).then(
    () => true,
    (e: unknown) => {
      if (e instanceof Error && e.name === 'ResourceNotFoundException') return false;
      throw e;
    },
  );
}

async function invocations(): Promise<Record<string, unknown>[]> {
  const res = await adminRequest(running.url, 'GET', '/_emulator/scheduler/invocations');
  return res.json.invocations as Record<string, unknown>[];
}

beforeAll(async () => {
  running = await startIdentityCenterEmulator({
    clock: () => now,
    throttle: false,
    assignmentDelayMs: 0,
  });
  scheduler = new SchedulerClient({
    endpoint: running.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAJITSANDBOX000000', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  c = emulatorTestClients(running.url);
  IdentityStoreId = running.emulator.state.identityStoreId;
  InstanceArn = running.emulator.state.instanceArn;
  userId = (
    await c.identityStore.send(
      new CreateUserCommand({
        IdentityStoreId,
        UserName: 'ada',
        DisplayName: 'Ada',
        Name: { GivenName: 'Ada', FamilyName: 'Lovelace' },
      }),
    )
  ).UserId!;
  groupId = (
    await c.identityStore.send(new CreateGroupCommand({ IdentityStoreId, DisplayName: 'admins' }))
  ).GroupId!;
  permissionSetArn = (
    await c.ssoAdmin.send(new CreatePermissionSetCommand({ InstanceArn, Name: 'Admin' }))
  ).PermissionSet!.PermissionSetArn!;
  await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
});

afterAll(async () => {
  scheduler.destroy();
  c.destroy();
  await running.close();
});

beforeEach(() => {
  now += HOUR;
});

describe('EventBridge Scheduler schedule groups', () => {
  it('has a default group, and creates, reads, lists and deletes others', async () => {
    const created = await scheduler.send(new CreateScheduleGroupCommand({ Name: 'team-a' }));
    expect(created.ScheduleGroupArn).toBe(
      `arn:aws:scheduler:us-east-1:${management}:schedule-group/team-a`,
    );
    const read = await scheduler.send(new GetScheduleGroupCommand({ Name: 'team-a' }));
    expect(read).toMatchObject({ Name: 'team-a', State: 'ACTIVE' });
    expect(read.CreationDate).toEqual(new Date(now));
    const listed = await scheduler.send(new ListScheduleGroupsCommand({}));
    expect(listed.ScheduleGroups?.map((g) => g.Name)).toEqual(
      expect.arrayContaining(['default', group, 'team-a']),
    );
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: 'team-a' }));
    const gone = await failure(scheduler.send(new GetScheduleGroupCommand({ Name: 'team-a' })));
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it('refuses a duplicate group with ConflictException and the default group’s deletion', async () => {
    const duplicate = await failure(
      scheduler.send(new CreateScheduleGroupCommand({ Name: group })),
    );
    expect(duplicate.name).toBe('ConflictException');
    expect(duplicate.$metadata.httpStatusCode).toBe(409);
    const deleteDefault = await failure(
      scheduler.send(new DeleteScheduleGroupCommand({ Name: 'default' })),
    );
    expect(deleteDefault.name).toBe('ValidationException');
  });

  it('refuses group names outside the model’s pattern and length', async () => {
    for (const Name of ['has space', 'a'.repeat(65), 'slash/name']) {
      const e = await failure(scheduler.send(new CreateScheduleGroupCommand({ Name })));
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['ValidationException', 400]);
    }
  });

  it('deletes a group’s schedules with the group', async () => {
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'short-lived' }));
    const input = removeMembershipAt(await membership(), now + HOUR, { GroupName: 'short-lived' });
    await scheduler.send(new CreateScheduleCommand(input));
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: 'short-lived' }));
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'short-lived' }));
    expect(await scheduleExists(input.Name!, 'short-lived')).toBe(false);
  });
});

describe('EventBridge Scheduler schedules', () => {
  it('creates a one-time schedule and reads back what was set, shaped as the model says', async () => {
    const MembershipId = await membership();
    const input = removeMembershipAt(MembershipId, now + 2 * HOUR, { Description: 'grant 1' });
    const { ScheduleArn } = await scheduler.send(new CreateScheduleCommand(input));
    expect(ScheduleArn).toBe(
      `arn:aws:scheduler:us-east-1:${management}:schedule/${group}/${input.Name!}`,
    );
    const read = await scheduler.send(
      new GetScheduleCommand({ Name: input.Name, GroupName: group }),
    );
    expect(read).toMatchObject({
      Arn: ScheduleArn,
      Name: input.Name,
      GroupName: group,
      ScheduleExpression: input.ScheduleExpression,
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Description: 'grant 1',
      Target: { Arn: deleteMembership, RoleArn: roleArn, Input: input.Target!.Input },
    });
    expect(read.CreationDate).toEqual(new Date(now));
    expect(read.LastModificationDate).toEqual(new Date(now));
    await scheduler.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: group }));
  });

  it('puts a schedule without GroupName in the default group', async () => {
    const input = removeMembershipAt(await membership(), now + HOUR);
    delete input.GroupName;
    const { ScheduleArn } = await scheduler.send(new CreateScheduleCommand(input));
    expect(ScheduleArn).toContain(`:schedule/default/${input.Name!}`);
    expect(await scheduleExists(input.Name!, 'default')).toBe(true);
    expect(await scheduleExists(input.Name!, group)).toBe(false);
    await scheduler.send(new DeleteScheduleCommand({ Name: input.Name }));
  });

  it('refuses a second schedule of the same name in a group with ConflictException', async () => {
    const input = removeMembershipAt(await membership(), now + HOUR);
    await scheduler.send(new CreateScheduleCommand(input));
    const e = await failure(scheduler.send(new CreateScheduleCommand(input)));
    expect(e.name).toBe('ConflictException');
    await scheduler.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: group }));
  });

  it('answers a retried create (same ClientToken) with the first answer, not a conflict', async () => {
    const input = removeMembershipAt(await membership(), now + HOUR, { ClientToken: 'retry-1' });
    const first = await scheduler.send(new CreateScheduleCommand(input));
    const again = await scheduler.send(new CreateScheduleCommand(input));
    expect(again.ScheduleArn).toBe(first.ScheduleArn);
    await scheduler.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: group }));
  });

  it('refuses a schedule in an unknown group with ResourceNotFoundException', async () => {
    const input = removeMembershipAt(await membership(), now + HOUR, { GroupName: 'nope' });
    const e = await failure(scheduler.send(new CreateScheduleCommand(input)));
    expect(e.name).toBe('ResourceNotFoundException');
    expect(e.message).toMatch(/nope/);
  });

  it.each<[string, Partial<CreateScheduleCommandInput>, RegExp]>([
    ['a name outside the pattern', { Name: 'bad name' }, /pattern/],
    ['a name longer than 64', { Name: 'n'.repeat(65) }, /length/],
    ['no FlexibleTimeWindow', { FlexibleTimeWindow: undefined }, /FlexibleTimeWindow/],
    [
      'FLEXIBLE without a window',
      { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } },
      /MaximumWindowInMinutes/,
    ],
    [
      'a window over 1440 minutes',
      { FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1441 } },
      /MaximumWindowInMinutes/,
    ],
    ['a malformed at()', { ScheduleExpression: 'at(2025-06-01 10:00)' }, /Schedule Expression/],
    ['an impossible date', { ScheduleExpression: 'at(2025-02-30T10:00:00)' }, /not a valid date/],
    ['a cron() without six fields', { ScheduleExpression: 'cron(0 10 * * ?)' }, /six fields/],
    ['an unknown time zone', { ScheduleExpressionTimezone: 'Mars/Olympus' }, /Timezone/],
    ['an unknown ActionAfterCompletion', { ActionAfterCompletion: 'KEEP' as 'NONE' }, /enum/],
    ['a description over 512', { Description: 'd'.repeat(513) }, /length/],
  ])('refuses %s with ValidationException', async (_what, overrides, message) => {
    const input = removeMembershipAt('00000000-0000-0000-0000-000000000000', now + HOUR, overrides);
    const e = await failure(scheduler.send(new CreateScheduleCommand(input)));
    expect(e.name).toBe('ValidationException');
    expect(e.$metadata.httpStatusCode).toBe(400);
    expect(e.message).toMatch(message);
  });

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['no Target.Arn', { Arn: undefined }, /target\.arn/],
    ['no Target.RoleArn', { RoleArn: undefined }, /target\.roleArn/],
    ['a RoleArn outside the pattern', { RoleArn: 'arn:aws:iam::1:role/x' }, /pattern/],
    ['Input that is not JSON', { Input: 'not json' }, /well-formed JSON/],
    ['Input that is not an object', { Input: '[1]' }, /JSON object/],
  ])('refuses a target with %s', async (_what, target, message) => {
    const base = removeMembershipAt('00000000-0000-0000-0000-000000000000', now + HOUR);
    const input = { ...base, Target: { ...base.Target, ...target } } as CreateScheduleCommandInput;
    const e = await failure(scheduler.send(new CreateScheduleCommand(input)));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toMatch(message);
  });

  it('refuses a target it cannot invoke, naming the ones it can', async () => {
    const base = removeMembershipAt('00000000-0000-0000-0000-000000000000', now + HOUR);
    const input = {
      ...base,
      Target: { ...base.Target!, Arn: 'arn:aws:lambda:us-east-1:111111111111:function:f' },
    };
    const e = await failure(scheduler.send(new CreateScheduleCommand(input)));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toContain(deleteMembership);
    expect(e.message).toContain(deleteAssignment);
  });

  it('lists schedules by group, name prefix and state, a page at a time', async () => {
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'listing' }));
    const MembershipId = await membership();
    for (const [Name, State] of [
      ['list-a', 'ENABLED'],
      ['list-b', 'DISABLED'],
      ['list-c', 'ENABLED'],
      ['other', 'ENABLED'],
    ] as const) {
      await scheduler.send(
        new CreateScheduleCommand(
          removeMembershipAt(MembershipId, now + HOUR, { Name, State, GroupName: 'listing' }),
        ),
      );
    }
    const names = async (filter: Record<string, string>): Promise<string[]> =>
      (
        await scheduler.send(new ListSchedulesCommand({ GroupName: 'listing', ...filter }))
      ).Schedules!.map((s) => s.Name!);
    expect(await names({})).toEqual(['list-a', 'list-b', 'list-c', 'other']);
    expect(await names({ NamePrefix: 'list' })).toEqual(['list-a', 'list-b', 'list-c']);
    expect(await names({ State: 'DISABLED' })).toEqual(['list-b']);
    const page = await scheduler.send(
      new ListSchedulesCommand({ GroupName: 'listing', MaxResults: 3 }),
    );
    expect(page.Schedules).toHaveLength(3);
    expect(page.Schedules?.[0]).toMatchObject({
      GroupName: 'listing',
      State: 'ENABLED',
      Target: { Arn: deleteMembership },
    });
    const rest = await scheduler.send(
      new ListSchedulesCommand({ GroupName: 'listing', MaxResults: 3, NextToken: page.NextToken }),
    );
    expect(rest.Schedules?.map((s) => s.Name)).toEqual(['other']);
    expect(rest.NextToken).toBeUndefined();
    const unknown = await failure(scheduler.send(new ListSchedulesCommand({ GroupName: 'nope' })));
    expect(unknown.name).toBe('ResourceNotFoundException');
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: 'listing' }));
  });

  it('deletes a schedule, and answers a second delete with ResourceNotFoundException', async () => {
    const input = removeMembershipAt(await membership(), now + HOUR);
    await scheduler.send(new CreateScheduleCommand(input));
    await scheduler.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: group }));
    expect(await scheduleExists(input.Name!)).toBe(false);
    const e = await failure(
      scheduler.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: group })),
    );
    expect(e.name).toBe('ResourceNotFoundException');
  });

  it('replaces every setting on update: members left out go back to their defaults', async () => {
    const MembershipId = await membership();
    const input = removeMembershipAt(MembershipId, now + HOUR, { Description: 'first' });
    await scheduler.send(new CreateScheduleCommand(input));
    now += MINUTE;
    const { Description: _dropped, ActionAfterCompletion: _default, ...rest } = input;
    await scheduler.send(
      new UpdateScheduleCommand({ ...rest, ScheduleExpression: at(now + 2 * HOUR) }),
    );
    const read = await scheduler.send(
      new GetScheduleCommand({ Name: input.Name, GroupName: group }),
    );
    expect(read.Description).toBeUndefined();
    expect(read.ActionAfterCompletion).toBe('NONE');
    expect(read.ScheduleExpression).toBe(at(now + 2 * HOUR));
    expect(read.LastModificationDate).toEqual(new Date(now));
    expect(read.CreationDate).toEqual(new Date(now - MINUTE));
    const missing = await failure(
      scheduler.send(new UpdateScheduleCommand({ ...rest, Name: 'never-created' })),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
    await scheduler.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: group }));
  });
});

describe('EventBridge Scheduler firing on the emulator’s clock', () => {
  it('removes a group membership once the clock passes the time, then deletes the schedule', async () => {
    const MembershipId = await membership();
    const due = now + HOUR;
    const input = removeMembershipAt(MembershipId, due);
    await scheduler.send(new CreateScheduleCommand(input));
    now = due - 1000;
    expect(await membershipExists(MembershipId)).toBe(true);
    expect(await scheduleExists(input.Name!)).toBe(true);
    now = due;
    expect(await membershipExists(MembershipId)).toBe(false);
    expect(await scheduleExists(input.Name!)).toBe(false);
    expect((await invocations()).at(-1)).toMatchObject({
      name: input.Name,
      groupName: group,
      targetArn: deleteMembership,
      input: { IdentityStoreId, MembershipId },
      scheduledAt: new Date(due).toISOString(),
      invokedAt: new Date(due).toISOString(),
      outcome: { status: 'SUCCEEDED' },
      deleted: true,
    });
  });

  it('removes an account assignment when its schedule fires', async () => {
    const assignment = {
      InstanceArn,
      TargetId: dev,
      TargetType: 'AWS_ACCOUNT' as const,
      PermissionSetArn: permissionSetArn,
      PrincipalType: 'USER' as const,
      PrincipalId: userId,
    };
    await c.ssoAdmin.send(new CreateAccountAssignmentCommand(assignment));
    const held = async (): Promise<number> =>
      (
        await c.ssoAdmin.send(
          new ListAccountAssignmentsCommand({
            InstanceArn,
            AccountId: dev,
            PermissionSetArn: permissionSetArn,
          }),
        )
      ).AccountAssignments!.filter((a) => a.PrincipalId === userId).length;
    expect(await held()).toBe(1);
    const due = now + 30 * MINUTE;
    const Name = unique('assignment');
    await scheduler.send(
      new CreateScheduleCommand({
        Name,
        GroupName: group,
        ScheduleExpression: at(due),
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: { Arn: deleteAssignment, RoleArn: roleArn, Input: JSON.stringify(assignment) },
      }),
    );
    now = due - 1;
    expect(await held()).toBe(1);
    now = due + 5 * MINUTE;
    expect(await held()).toBe(0);
    expect(await scheduleExists(Name)).toBe(false);
    expect((await invocations()).at(-1)).toMatchObject({
      name: Name,
      targetArn: deleteAssignment,
      outcome: { status: 'SUCCEEDED', output: { AccountAssignmentDeletionStatus: {} } },
    });
  });

  it('fires at the updated time after an update moves it, not before', async () => {
    const MembershipId = await membership();
    const first = now + HOUR;
    const input = removeMembershipAt(MembershipId, first);
    await scheduler.send(new CreateScheduleCommand(input));
    const moved = first + HOUR;
    await scheduler.send(new UpdateScheduleCommand({ ...input, ScheduleExpression: at(moved) }));
    now = first + 30 * MINUTE;
    expect(await membershipExists(MembershipId)).toBe(true);
    now = moved;
    expect(await membershipExists(MembershipId)).toBe(false);
  });

  it('does not fire a schedule that was deleted first (the controller removed access itself)', async () => {
    const MembershipId = await membership();
    const input = removeMembershipAt(MembershipId, now + HOUR);
    await scheduler.send(new CreateScheduleCommand(input));
    await scheduler.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: group }));
    const before = (await invocations()).length;
    now += 2 * HOUR;
    expect(await membershipExists(MembershipId)).toBe(true);
    expect(await invocations()).toHaveLength(before);
    await c.identityStore.send(new DeleteGroupMembershipCommand({ IdentityStoreId, MembershipId }));
  });

  it('records a failed invocation with its error, and still completes the schedule', async () => {
    const MembershipId = await membership();
    const input = removeMembershipAt(MembershipId, now + HOUR);
    await scheduler.send(new CreateScheduleCommand(input));
    await c.identityStore.send(new DeleteGroupMembershipCommand({ IdentityStoreId, MembershipId }));
    now += HOUR;
    expect((await invocations()).at(-1)).toMatchObject({
      name: input.Name,
      outcome: { status: 'FAILED', error: { type: 'ResourceNotFoundException' } },
      deleted: true,
    });
    expect(await scheduleExists(input.Name!)).toBe(false);
  });

  it('keeps a completed schedule with ActionAfterCompletion NONE, and fires it only once', async () => {
    const MembershipId = await membership();
    const input = removeMembershipAt(MembershipId, now + HOUR, { ActionAfterCompletion: 'NONE' });
    await scheduler.send(new CreateScheduleCommand(input));
    now += HOUR;
    expect(await membershipExists(MembershipId)).toBe(false);
    const read = await scheduler.send(
      new GetScheduleCommand({ Name: input.Name, GroupName: group }),
    );
    expect(read.State).toBe('ENABLED');
    const fired = (await invocations()).filter((i) => i.name === input.Name);
    now += HOUR;
    expect((await invocations()).filter((i) => i.name === input.Name)).toEqual(fired);
    expect(fired).toHaveLength(1);
    await scheduler.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: group }));
  });

  it('does not fire a disabled schedule', async () => {
    const MembershipId = await membership();
    const input = removeMembershipAt(MembershipId, now + HOUR, { State: 'DISABLED' });
    await scheduler.send(new CreateScheduleCommand(input));
    now += 2 * HOUR;
    expect(await membershipExists(MembershipId)).toBe(true);
    expect(await scheduleExists(input.Name!)).toBe(true);
    await scheduler.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: group }));
    await c.identityStore.send(new DeleteGroupMembershipCommand({ IdentityStoreId, MembershipId }));
  });

  it('reads at() in ScheduleExpressionTimezone', async () => {
    const MembershipId = await membership();
    // 12:00 in Berlin in summer (UTC+2) is 10:00 UTC.
    const day = new Date(now).toISOString().slice(0, 10);
    const due = Date.parse(`${day}T10:00:00Z`) + 24 * HOUR;
    const wall = new Date(due + 2 * HOUR).toISOString().slice(0, 19);
    const input = removeMembershipAt(MembershipId, due, {
      ScheduleExpression: `at(${wall})`,
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
    await scheduler.send(new CreateScheduleCommand(input));
    now = due - 1000;
    expect(await membershipExists(MembershipId)).toBe(true);
    now = due;
    expect(await membershipExists(MembershipId)).toBe(false);
  });

  it('fires on any observation: an admin read of the log, not only an AWS call', async () => {
    const MembershipId = await membership();
    const input = removeMembershipAt(MembershipId, now + MINUTE);
    await scheduler.send(new CreateScheduleCommand(input));
    now += MINUTE;
    expect((await invocations()).at(-1)).toMatchObject({ name: input.Name });
    expect(running.emulator.state.memberships.has(MembershipId)).toBe(false);
  });
});

describe('EventBridge Scheduler over HTTP', () => {
  it('refuses an unsigned request as the AWS JSON APIs do', async () => {
    const response = await fetch(`${running.url}/schedule-groups/default`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('answers operations it does not emulate (tags) with 404 UnknownOperationException', async () => {
    const response = await fetch(
      `${running.url}/tags/${encodeURIComponent(`arn:aws:scheduler:us-east-1:${management}:schedule-group/default`)}`,
      {
        headers: {
          authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/x/us-east-1/scheduler/aws4_request',
        },
      },
    );
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });

  it('counts Scheduler calls as Scheduler.<Operation>, apart from the IdC request peak', async () => {
    await scheduler.send(new GetScheduleGroupCommand({ Name: group }));
    const calls = running.emulator.calls();
    expect(calls.operations['Scheduler.GetScheduleGroup']?.calls).toBeGreaterThan(0);
  });

  it('applies a fault set under Scheduler.<Operation>, and not one set under *', async () => {
    running.emulator.faults.set('*', { errorRate: 1, errorKind: 'InternalServerException' });
    await scheduler.send(new GetScheduleGroupCommand({ Name: group }));
    running.emulator.faults.set('*', null);
    running.emulator.faults.set('Scheduler.GetScheduleGroup', {
      errorRate: 1,
      errorKind: 'ThrottlingException',
    });
    const e = await failure(scheduler.send(new GetScheduleGroupCommand({ Name: group })));
    running.emulator.faults.set('Scheduler.GetScheduleGroup', null);
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['ThrottlingException', 429]);
  });
});
