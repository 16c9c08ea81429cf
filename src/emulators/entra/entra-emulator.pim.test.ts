import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appToken,
  graph,
  startTestEmulator,
  userToken,
  type GraphResult,
  type TestEmulator,
} from '../../../test/harness/entra-emulator-harness.js';

const pim = '/identityGovernance/privilegedAccess/group';
const HOUR = 3600 * 1000;

let t: TestEmulator;
let ids: { users: Record<string, string>; groups: Record<string, string> };

beforeAll(async () => {
  t = await startTestEmulator({
    seed: {
      users: [
        { userPrincipalName: 'alice@contoso.test', displayName: 'Alice', mfa: true },
        { userPrincipalName: 'bob@contoso.test', displayName: 'Bob' },
        { userPrincipalName: 'carol@contoso.test', displayName: 'Carol', mfa: true },
        { userPrincipalName: 'dave@contoso.test', displayName: 'Dave', mfa: true },
        { userPrincipalName: 'erin@contoso.test', displayName: 'Erin' },
      ],
      groups: [
        { displayName: 'oncall', members: ['dave@contoso.test'] },
        { displayName: 'approvers', members: ['carol@contoso.test'] },
        {
          displayName: 'prod-admins',
          pim: true,
          eligible: ['alice@contoso.test', 'bob@contoso.test', 'oncall'],
        },
        { displayName: 'prod-readers', pim: true, members: ['erin@contoso.test'] },
        { displayName: 'gated', pim: true, eligible: ['alice@contoso.test', 'bob@contoso.test'] },
      ],
    },
  });
  ids = t.emu.seed({
    groups: ['oncall', 'approvers', 'prod-admins', 'prod-readers', 'gated'].map((displayName) => ({
      displayName,
    })),
  });
  ids = {
    users: Object.fromEntries(
      [...t.emu.emulator.directory.users.values()].map((u) => [
        u.userPrincipalName.split('@')[0] ?? '',
        u.id,
      ]),
    ),
    groups: ids.groups,
  };
});

afterAll(async () => {
  await t.emu.close();
});

const uid = (name: string): string => ids.users[name] ?? '';
const gid = (name: string): string => ids.groups[name] ?? '';

function activation(
  user: string,
  group: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    accessId: 'member',
    principalId: uid(user),
    groupId: gid(group),
    action: 'selfActivate',
    justification: 'fix the outage',
    scheduleInfo: {
      startDateTime: new Date(t.clock.now()).toISOString(),
      expiration: { type: 'afterDuration', duration: 'PT2H' },
    },
    ...extra,
  };
}

async function as(user: string, options: { mfa?: '0' | '1' } = {}): Promise<string> {
  return userToken(t.emu, `${user}@contoso.test`, options);
}

async function instances(group: string): Promise<Record<string, unknown>[]> {
  const result = await graph(
    t.emu,
    await appToken(t.emu),
    'GET',
    `${pim}/assignmentScheduleInstances?$filter=${encodeURIComponent(`groupId eq '${gid(group)}'`)}`,
  );
  expect(result.status).toBe(200);
  return result.json.value as Record<string, unknown>[];
}

async function memberIds(group: string): Promise<string[]> {
  const result = await graph(t.emu, await appToken(t.emu), 'GET', `/groups/${gid(group)}/members`);
  return (result.json.value as { id: string }[]).map((m) => m.id);
}

function errorOf(result: GraphResult): { code: string; message: string } {
  return result.json.error as { code: string; message: string };
}

async function policyFor(group: string): Promise<{ id: string; rules: Record<string, unknown>[] }> {
  const filter = `scopeId eq '${gid(group)}' and scopeType eq 'Group' and roleDefinitionId eq 'member'`;
  const result = await graph(
    t.emu,
    await appToken(t.emu),
    'GET',
    `/policies/roleManagementPolicyAssignments?$filter=${encodeURIComponent(filter)}&$expand=policy($expand=rules)`,
  );
  expect(result.status).toBe(200);
  const assignments = result.json.value as {
    policyId: string;
    policy: { id: string; rules: Record<string, unknown>[] };
  }[];
  expect(assignments).toHaveLength(1);
  return assignments[0]?.policy ?? { id: '', rules: [] };
}

async function patchRule(group: string, body: Record<string, unknown>): Promise<GraphResult> {
  const policy = await policyFor(group);
  return graph(
    t.emu,
    await appToken(t.emu),
    'PATCH',
    `/policies/roleManagementPolicies/${policy.id}/rules/${String(body.id)}`,
    body,
  );
}

describe('assignment schedule instances', () => {
  it('require a filter on groupId or principalId', async () => {
    const token = await appToken(t.emu);
    const bare = await graph(t.emu, token, 'GET', `${pim}/assignmentScheduleInstances`);
    expect(bare.status).toBe(400);
    expect(errorOf(bare).message).toMatch(/groupId or principalId/);
    const other = await graph(
      t.emu,
      token,
      'GET',
      `${pim}/assignmentScheduleInstances?$filter=${encodeURIComponent("accessId eq 'member'")}`,
    );
    expect(other.status).toBe(400);
    const eligible = await graph(
      t.emu,
      token,
      'GET',
      `${pim}/eligibilityScheduleInstances?$filter=${encodeURIComponent(`groupId eq '${gid('prod-admins')}'`)}`,
    );
    expect(
      (eligible.json.value as { principalId: string }[]).map((i) => i.principalId).sort(),
    ).toEqual([uid('alice'), uid('bob'), gid('oncall')].sort());
  });

  it('show seeded members of a PIM group as permanent assigned instances without endDateTime', async () => {
    const list = await instances('prod-readers');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      principalId: uid('erin'),
      accessId: 'member',
      assignmentType: 'assigned',
      memberType: 'direct',
      groupId: gid('prod-readers'),
    });
    expect(list[0]).not.toHaveProperty('endDateTime');
  });
});

describe('selfActivate', () => {
  it('activates an eligible user with a delegated token: Provisioned, an instance until the end, and group membership', async () => {
    const token = await as('alice');
    const result = await graph(
      t.emu,
      token,
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('alice', 'prod-admins'),
    );
    expect(result.status).toBe(201);
    expect(result.json).toMatchObject({
      status: 'Provisioned',
      action: 'selfActivate',
      principalId: uid('alice'),
      groupId: gid('prod-admins'),
      accessId: 'member',
    });
    const list = await instances('prod-admins');
    expect(list).toHaveLength(1);
    const instance = list[0] ?? {};
    expect(instance).toMatchObject({
      principalId: uid('alice'),
      assignmentType: 'activated',
      memberType: 'direct',
      accessId: 'member',
    });
    expect(
      Date.parse(String(instance.endDateTime)) - Date.parse(String(instance.startDateTime)),
    ).toBe(2 * HOUR);
    expect(await memberIds('prod-admins')).toEqual([uid('alice')]);
    const byId = await graph(
      t.emu,
      token,
      'GET',
      `${pim}/assignmentScheduleRequests/${String(result.json.id)}`,
    );
    expect(byId.json.targetScheduleId).toBe(instance.assignmentScheduleId);
    const again = await graph(
      t.emu,
      token,
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('alice', 'prod-admins'),
    );
    expect(errorOf(again).code).toBe('RoleAssignmentExists');
  });

  it('refuses app tokens, activating for someone else, and users who are not eligible', async () => {
    const app = await graph(
      t.emu,
      await appToken(t.emu),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('bob', 'prod-admins'),
    );
    expect(app.status).toBe(403);
    const other = await graph(
      t.emu,
      await as('carol'),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('bob', 'prod-admins'),
    );
    expect(other.status).toBe(403);
    const notEligible = await graph(
      t.emu,
      await as('carol'),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('carol', 'prod-admins'),
    );
    expect(notEligible.status).toBe(400);
    expect(errorOf(notEligible).code).toBe('RoleAssignmentDoesNotExist');
  });

  it('enforces the default policy: at most PT8H and a justification', async () => {
    const token = await as('bob');
    const result = await graph(
      t.emu,
      token,
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('bob', 'prod-admins', {
        justification: '  ',
        scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT9H' } },
      }),
    );
    expect(result.status).toBe(400);
    expect(errorOf(result)).toMatchObject({
      code: 'RoleAssignmentRequestPolicyValidationFailed',
      message: 'The following policy rules failed: ["ExpirationRule","JustificationRule"]',
    });
  });

  it('lets an eligible group’s member activate; the instance says memberType group', async () => {
    const result = await graph(
      t.emu,
      await as('dave'),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('dave', 'prod-admins'),
    );
    expect(result.status).toBe(201);
    const instance = (await instances('prod-admins')).find((i) => i.principalId === uid('dave'));
    expect(instance).toMatchObject({ memberType: 'group', assignmentType: 'activated' });
    expect(await memberIds('prod-admins')).toContain(uid('dave'));
  });
});

describe('policies', () => {
  it('expose the documented rules with the default member policy', async () => {
    const policy = await policyFor('gated');
    const byId = new Map(policy.rules.map((r) => [r.id, r]));
    for (const id of [
      'Expiration_EndUser_Assignment',
      'Enablement_EndUser_Assignment',
      'Approval_EndUser_Assignment',
      'AuthenticationContext_EndUser_Assignment',
      'Expiration_Admin_Eligibility',
      'Expiration_Admin_Assignment',
      'Notification_Requestor_EndUser_Assignment',
    ])
      expect(byId.has(id)).toBe(true);
    expect(byId.get('Expiration_EndUser_Assignment')).toMatchObject({
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
      maximumDuration: 'PT8H',
    });
    expect(byId.get('Enablement_EndUser_Assignment')).toMatchObject({
      enabledRules: ['Justification'],
    });
    expect(byId.get('Approval_EndUser_Assignment')).toMatchObject({
      setting: { isApprovalRequired: false },
    });
  });

  it('refuse a rule PATCH without @odata.type', async () => {
    const result = await patchRule('gated', {
      id: 'Enablement_EndUser_Assignment',
      enabledRules: ['Justification', 'MultiFactorAuthentication'],
    });
    expect(result.status).toBe(400);
    expect(errorOf(result).message).toMatch(/@odata\.type/);
  });

  it('enforce MFA and a ticket once enabled: MfaRule and TicketingRule fail, then an MFA sign-in with a ticket passes', async () => {
    const patched = await patchRule('gated', {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
      id: 'Enablement_EndUser_Assignment',
      enabledRules: ['Justification', 'MultiFactorAuthentication', 'Ticketing'],
    });
    expect(patched.status).toBe(200);
    const failing = await graph(
      t.emu,
      await as('bob'),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('bob', 'gated'),
    );
    expect(errorOf(failing).message).toBe(
      'The following policy rules failed: ["TicketingRule","MfaRule"]',
    );
    const noMfa = await graph(
      t.emu,
      await as('alice', { mfa: '0' }),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('alice', 'gated', { ticketInfo: { ticketNumber: 'INC-1', ticketSystem: 'jira' } }),
    );
    expect(errorOf(noMfa).message).toBe('The following policy rules failed: ["MfaRule"]');
    const ok = await graph(
      t.emu,
      await as('bob', { mfa: '1' }),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('bob', 'gated', { ticketInfo: { ticketNumber: 'INC-1', ticketSystem: 'jira' } }),
    );
    expect(ok.status).toBe(201);
    expect(ok.json.ticketInfo).toEqual({ ticketNumber: 'INC-1', ticketSystem: 'jira' });
  });

  it('change the maximum duration through the expiration rule', async () => {
    const patched = await patchRule('gated', {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
      id: 'Expiration_EndUser_Assignment',
      isExpirationRequired: true,
      maximumDuration: 'PT1H',
    });
    expect(patched.json.maximumDuration).toBe('PT1H');
    const tooLong = await graph(
      t.emu,
      await as('alice'),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('alice', 'gated', { ticketInfo: { ticketNumber: 'INC-2' } }),
    );
    expect(errorOf(tooLong).message).toBe('The following policy rules failed: ["ExpirationRule"]');
    const invalid = await patchRule('gated', {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule',
      id: 'Expiration_EndUser_Assignment',
      maximumDuration: 'PT30H',
    });
    expect(invalid.status).toBe(400);
  });
});

describe('approval', () => {
  it('keeps a request PendingApproval with no membership until an approver approves it', async () => {
    const approvers = [
      { '@odata.type': '#microsoft.graph.groupMembers', groupId: gid('approvers') },
    ];
    const patched = await patchRule('prod-readers', {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
      id: 'Approval_EndUser_Assignment',
      setting: {
        isApprovalRequired: true,
        approvalMode: 'SingleStage',
        approvalStages: [{ isApproverJustificationRequired: true, primaryApprovers: approvers }],
      },
    });
    expect(patched.status).toBe(200);
    const app = await appToken(t.emu);
    for (const user of ['alice', 'bob']) {
      const eligible = await graph(t.emu, app, 'POST', `${pim}/eligibilityScheduleRequests`, {
        accessId: 'member',
        principalId: uid(user),
        groupId: gid('prod-readers'),
        action: 'adminAssign',
        scheduleInfo: { expiration: { type: 'noExpiration' } },
      });
      expect(eligible.status).toBe(201);
    }
    const request = await graph(
      t.emu,
      await as('alice'),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('alice', 'prod-readers'),
    );
    expect(request.status).toBe(201);
    expect(request.json.status).toBe('PendingApproval');
    const approvalId = String(request.json.approvalId);
    expect(await memberIds('prod-readers')).not.toContain(uid('alice'));
    expect((await instances('prod-readers')).map((i) => i.principalId)).not.toContain(uid('alice'));

    const carol = await as('carol');
    const approval = await graph(t.emu, carol, 'GET', `${pim}/assignmentApprovals/${approvalId}`);
    expect(approval.status).toBe(200);
    const stage = (approval.json.stages as Record<string, unknown>[])[0] ?? {};
    expect(stage).toMatchObject({
      assignedToMe: true,
      reviewResult: 'NotReviewed',
      status: 'InProgress',
    });
    const pending = await graph(
      t.emu,
      carol,
      'GET',
      `${pim}/assignmentScheduleRequests/filterByCurrentUser(on='approver')?$filter=${encodeURIComponent("status eq 'PendingApproval'")}`,
    );
    expect((pending.json.value as { id: string }[]).map((r) => r.id)).toEqual([request.json.id]);

    const self = await graph(
      t.emu,
      await as('alice'),
      'PATCH',
      `${pim}/assignmentApprovals/${approvalId}/stages/${String(stage.id)}`,
      { reviewResult: 'Approve', justification: 'me' },
    );
    expect(self.status).toBe(403);
    const noReason = await graph(
      t.emu,
      carol,
      'PATCH',
      `${pim}/assignmentApprovals/${approvalId}/stages/${String(stage.id)}`,
      { reviewResult: 'Approve' },
    );
    expect(noReason.status).toBe(400);
    const approved = await graph(
      t.emu,
      carol,
      'PATCH',
      `${pim}/assignmentApprovals/${approvalId}/stages/${String(stage.id)}`,
      { reviewResult: 'Approve', justification: 'ok' },
    );
    expect(approved.status).toBe(204);
    const after = await graph(
      t.emu,
      carol,
      'GET',
      `${pim}/assignmentScheduleRequests/${String(request.json.id)}`,
    );
    expect(after.json.status).toBe('Provisioned');
    expect(await memberIds('prod-readers')).toContain(uid('alice'));
    expect(
      (await instances('prod-readers')).find((i) => i.principalId === uid('alice')),
    ).toMatchObject({ assignmentType: 'activated' });
  });

  it('denies: the request becomes Denied and nobody joins the group', async () => {
    const request = await graph(
      t.emu,
      await as('bob'),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('bob', 'prod-readers'),
    );
    expect(request.json.status).toBe('PendingApproval');
    const carol = await as('carol');
    const approval = await graph(
      t.emu,
      carol,
      'GET',
      `${pim}/assignmentApprovals/${String(request.json.approvalId)}`,
    );
    const stageId = ((approval.json.stages as { id: string }[])[0] ?? { id: '' }).id;
    await graph(
      t.emu,
      carol,
      'PATCH',
      `${pim}/assignmentApprovals/${String(request.json.approvalId)}/stages/${stageId}`,
      { reviewResult: 'Deny', justification: 'no' },
    );
    const after = await graph(
      t.emu,
      carol,
      'GET',
      `${pim}/assignmentScheduleRequests/${String(request.json.id)}`,
    );
    expect(after.json.status).toBe('Denied');
    expect(await memberIds('prod-readers')).not.toContain(uid('bob'));
  });
});

describe('admin actions and group principals', () => {
  it('adminAssign with noExpiration is permanent; adminRemove ends it and the membership', async () => {
    const app = await appToken(t.emu);
    const body = {
      accessId: 'member',
      principalId: gid('oncall'),
      groupId: gid('prod-readers'),
      action: 'adminAssign',
      justification: 'standing on-call access',
      scheduleInfo: { expiration: { type: 'noExpiration' } },
    };
    const assigned = await graph(t.emu, app, 'POST', `${pim}/assignmentScheduleRequests`, body);
    expect(assigned.status).toBe(201);
    const instance = (await instances('prod-readers')).find((i) => i.principalId === gid('oncall'));
    expect(instance).toMatchObject({ assignmentType: 'assigned', memberType: 'direct' });
    expect(instance).not.toHaveProperty('endDateTime');
    const transitive = await graph(
      t.emu,
      app,
      'GET',
      `/groups/${gid('prod-readers')}/transitiveMembers/microsoft.graph.user`,
    );
    expect((transitive.json.value as { id: string }[]).map((u) => u.id)).toContain(uid('dave'));
    const noReason = await graph(t.emu, app, 'POST', `${pim}/assignmentScheduleRequests`, {
      ...body,
      principalId: uid('bob'),
      justification: undefined,
    });
    expect(errorOf(noReason).message).toBe(
      'The following policy rules failed: ["JustificationRule"]',
    );
    const removed = await graph(t.emu, app, 'POST', `${pim}/assignmentScheduleRequests`, {
      ...body,
      action: 'adminRemove',
    });
    expect(removed.json.status).toBe('Revoked');
    expect(await memberIds('prod-readers')).not.toContain(gid('oncall'));
    const delegated = await graph(
      t.emu,
      await as('carol'),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      body,
    );
    expect(delegated.status).toBe(403);
  });
});

describe('time', () => {
  it('ends an activation at endDateTime by the clock: the instance disappears and the member leaves, seen in delta', async () => {
    const app = await appToken(t.emu);
    const start = await graph(
      t.emu,
      app,
      'GET',
      `/groups/delta?$select=members&$filter=${encodeURIComponent(`id eq '${gid('prod-admins')}'`)}`,
    );
    const deltaLink = String(start.json['@odata.deltaLink']);
    const aliceInstance =
      (await instances('prod-admins')).find((i) => i.principalId === uid('alice')) ?? {};
    const end = Date.parse(String(aliceInstance.endDateTime));
    t.clock.set(end - 1000);
    expect(t.emu.emulator.directory.isMember(gid('prod-admins'), uid('alice'))).toBe(true);
    t.clock.set(end + 1);
    // The timer follows SettableClock.onChange: no request was needed for the member to leave.
    expect(t.emu.emulator.directory.isMember(gid('prod-admins'), uid('alice'))).toBe(false);
    const fresh = await appToken(t.emu);
    expect((await instances('prod-admins')).map((i) => i.principalId)).not.toContain(uid('alice'));
    const delta = await graph(t.emu, fresh, 'GET', deltaLink);
    const group = (delta.json.value as Record<string, unknown>[])[0] ?? {};
    expect(group['members@delta']).toContainEqual({
      '@odata.type': '#microsoft.graph.user',
      id: uid('alice'),
      '@removed': { reason: 'deleted' },
    });
  });

  it('refuses a self-deactivation in the first five minutes, then revokes it', async () => {
    const bob = await as('bob');
    const activated = await graph(
      t.emu,
      bob,
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('bob', 'prod-admins'),
    );
    expect(activated.json.status).toBe('Provisioned');
    const deactivate = {
      accessId: 'member',
      principalId: uid('bob'),
      groupId: gid('prod-admins'),
      action: 'selfDeactivate',
    };
    const early = await graph(t.emu, bob, 'POST', `${pim}/assignmentScheduleRequests`, deactivate);
    expect(errorOf(early).code).toBe('ActiveDurationTooShort');
    t.clock.advance(6 * 60 * 1000);
    const done = await graph(
      t.emu,
      await as('bob'),
      'POST',
      `${pim}/assignmentScheduleRequests`,
      deactivate,
    );
    expect(done.status).toBe(201);
    expect(done.json.status).toBe('Revoked');
    expect(await memberIds('prod-admins')).not.toContain(uid('bob'));
  });

  it('starts a future-dated activation at its start time', async () => {
    const alice = await as('alice');
    const startAt = t.clock.now() + 30 * 60 * 1000;
    const result = await graph(
      t.emu,
      alice,
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('alice', 'prod-admins', {
        scheduleInfo: {
          startDateTime: new Date(startAt).toISOString(),
          expiration: { type: 'afterDuration', duration: 'PT1H' },
        },
      }),
    );
    expect(result.status).toBe(201);
    expect(await memberIds('prod-admins')).not.toContain(uid('alice'));
    t.clock.set(startAt + 1);
    expect(t.emu.emulator.directory.isMember(gid('prod-admins'), uid('alice'))).toBe(true);
  });
});

describe('more request features', () => {
  it('validates without effect, extends an assignment, filters instances by principal, and cancels a pending request', async () => {
    const seeded = t.emu.seed({
      groups: [{ displayName: 'extra', eligible: ['erin@contoso.test'] }],
    });
    ids.groups.extra = seeded.groups.extra ?? '';
    const erin = await as('erin');
    const validation = await graph(
      t.emu,
      erin,
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('erin', 'extra', { isValidationOnly: true }),
    );
    expect(validation.json.status).toBe('Granted');
    expect(await memberIds('extra')).toEqual([]);

    const app = await appToken(t.emu);
    const assign = {
      accessId: 'member',
      principalId: uid('carol'),
      groupId: gid('extra'),
      action: 'adminAssign',
      justification: 'on call this week',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P1D' } },
    };
    expect(
      (await graph(t.emu, app, 'POST', `${pim}/assignmentScheduleRequests`, assign)).status,
    ).toBe(201);
    const before = (await instances('extra')).find((i) => i.principalId === uid('carol')) ?? {};
    const extended = await graph(t.emu, app, 'POST', `${pim}/assignmentScheduleRequests`, {
      ...assign,
      action: 'adminExtend',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P2D' } },
    });
    expect(extended.json.status).toBe('Provisioned');
    const after = (await instances('extra')).find((i) => i.principalId === uid('carol')) ?? {};
    expect(Date.parse(String(after.endDateTime)) - Date.parse(String(before.endDateTime))).toBe(
      24 * HOUR,
    );

    const byPrincipal = await graph(
      t.emu,
      app,
      'GET',
      `${pim}/assignmentScheduleInstances?$filter=${encodeURIComponent(`principalId eq '${uid('carol')}'`)}`,
    );
    expect((byPrincipal.json.value as { groupId: string }[]).map((i) => i.groupId)).toEqual([
      gid('extra'),
    ]);

    const patched = await patchRule('extra', {
      '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyApprovalRule',
      id: 'Approval_EndUser_Assignment',
      setting: {
        isApprovalRequired: true,
        approvalStages: [
          {
            primaryApprovers: [
              { '@odata.type': '#microsoft.graph.singleUser', userId: uid('carol') },
            ],
          },
        ],
      },
    });
    expect(patched.status).toBe(200);
    const pending = await graph(
      t.emu,
      erin,
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('erin', 'extra'),
    );
    expect(pending.json.status).toBe('PendingApproval');
    const twice = await graph(
      t.emu,
      erin,
      'POST',
      `${pim}/assignmentScheduleRequests`,
      activation('erin', 'extra'),
    );
    expect(errorOf(twice).code).toBe('PendingRoleAssignmentRequest');
    const cancel = await graph(
      t.emu,
      erin,
      'POST',
      `${pim}/assignmentScheduleRequests/${String(pending.json.id)}/cancel`,
    );
    expect(cancel.status).toBe(204);
    const canceled = await graph(
      t.emu,
      erin,
      'GET',
      `${pim}/assignmentScheduleRequests/${String(pending.json.id)}`,
    );
    expect(canceled.json.status).toBe('Canceled');
    const mine = await graph(
      t.emu,
      erin,
      'GET',
      `${pim}/assignmentScheduleRequests/filterByCurrentUser(on='principal')`,
    );
    expect((mine.json.value as { id: string }[]).map((r) => r.id)).toContain(pending.json.id);
  });
});
