// Acceptance: the incident runbook as one command, `jit revoke --user bob --all`, between
// real processes. The Identity Center emulator runs on its own (as AWS would) and the built
// `jit serve` reaches it through the real AWS SDK adapter and the SCP revoker; the sandbox's
// Entra emulator holds bob's PIM eligibility and activation, which `jit pim activate` made
// through the emulator's sign-in page. Bob holds a group-membership grant, an account
// assignment grant, a PIM-mirrored grant, a request waiting for approval and a membership
// nobody granted (drift, in a role that only reports drift), with live AWS sessions in
// every account. The test reads Identity Center and the SCP with the AWS SDK, sessions
// through the emulator's session authority, and the store straight from its SQLite file.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  CreateGroupMembershipCommand,
  GetUserIdCommand,
  ListGroupMembershipsCommand,
  ListGroupsCommand,
} from '@aws-sdk/client-identitystore';
import {
  DescribePolicyCommand,
  ListPoliciesCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListPermissionSetsCommand,
} from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityCenterClients } from '../../src/adapters/aws/create-identity-center-clients.js';
import type { RevokeUserReport } from '../../src/cli/revoke-user-command.js';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/identity-center-sandbox.js';
import { runJitThroughBrowser } from '../support/browser-cli.js';
import { CliUser, EmulatorProcess, JitServer, runJit, Workspace } from '../support/jit-process.js';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const BOB = 'bob@example.com';

function configYaml(dir: string): string {
  const open =
    'activation: { maxDuration: PT4H, requireMfa: false, approval: { required: false } }';
  return `mode: sandbox
admins: [carol]
permissionSets:
  OpsAccess: { sessionDuration: PT1H, managedPolicies: [arn:aws:iam::aws:policy/PowerUserAccess] }
  DbAdmin: { sessionDuration: PT1H, managedPolicies: [arn:aws:iam::aws:policy/AmazonRDSFullAccess] }
  PimAccess: { sessionDuration: PT1H, managedPolicies: [arn:aws:iam::aws:policy/AmazonEC2FullAccess] }
  ReadOnly: { sessionDuration: PT4H, managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }
  ReviewAccess: { sessionDuration: PT1H, managedPolicies: [arn:aws:iam::aws:policy/SecurityAudit] }
roles:
  ops:
    group: JIT-ops
    permissionSet: OpsAccess
    accounts: ['${A}', '${B}']
    ${open}
    eligibility: { members: [bob] }
  db:
    permissionSet: DbAdmin
    accounts: ['${A}', '${C}']
    enforcement: account-assignment
    ${open}
    eligibility: { members: [bob] }
  pim-ops:
    source: entra-pim
    group: JIT-pim-ops
    permissionSet: PimAccess
    accounts: ['${B}']
    activation: { maxDuration: PT2H, requireJustification: true, requireMfa: false, approval: { required: false } }
    eligibility: { members: [bob] }
  readonly:
    group: JIT-readonly
    permissionSet: ReadOnly
    accounts: ['${A}', '${C}']
    ${open}
    eligibility: { members: [alice] }
  review:
    group: JIT-review
    permissionSet: ReviewAccess
    accounts: ['${A}']
    activation: { maxDuration: PT4H, requireMfa: false, approval: { required: true, approvers: [carol] } }
    eligibility: { members: [bob] }
directory:
  users:
    alice: { email: alice@example.com, displayName: Alice, mfa: true }
    bob: { email: bob@example.com, displayName: Bob, mfa: true }
    carol: { email: carol@example.com, displayName: Carol, mfa: true }
store:
  sqlite: ${JSON.stringify(join(dir, 'jit.db'))}
server:
  controller: { sweepInterval: PT1M }
entra:
  pollInterval: PT5M
`;
}

/** Where bob had sessions: permission set and account. */
const SESSIONS: readonly [string, string][] = [
  ['OpsAccess', A],
  ['OpsAccess', B],
  ['DbAdmin', A],
  ['PimAccess', B],
  ['ReadOnly', A], // drift: a membership nobody granted
  ['ReadOnly', C],
];

let ws: Workspace;
let emulator: EmulatorProcess;
let server: JitServer;
let bob: CliUser;
let carol: CliUser;
let alice: CliUser;
let info: { identityStoreId: string; instanceArn: string };
let bobId: string;
const sessions = new Map<string, string>();

function aws() {
  return {
    ...createIdentityCenterClients({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: SANDBOX_CREDENTIALS,
    }),
    organizations: new OrganizationsClient({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: SANDBOX_CREDENTIALS,
    }),
  };
}

async function emulatorJson<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${emulator.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function allowed(sessionId: string): Promise<boolean> {
  const { body } = await emulatorJson<{ allowed: boolean }>(
    `/_emulator/sessions/${sessionId}/evaluate`,
    {},
  );
  return body.allowed;
}

/** What Identity Center and Organizations hold: every group's members, every user
 *  assignment of every permission set in every account, and every SCP's document. */
async function cloudState(): Promise<string> {
  const { identityStore, ssoAdmin, organizations } = aws();
  try {
    const groups = (
      await identityStore.send(new ListGroupsCommand({ IdentityStoreId: info.identityStoreId }))
    ).Groups;
    const members: string[] = [];
    for (const group of groups ?? []) {
      const found = await identityStore.send(
        new ListGroupMembershipsCommand({
          IdentityStoreId: info.identityStoreId,
          GroupId: group.GroupId ?? '',
        }),
      );
      for (const m of found.GroupMemberships ?? [])
        members.push(`${group.DisplayName ?? ''}:${m.MemberId?.UserId ?? ''}`);
    }
    const assignments: string[] = [];
    const sets = await ssoAdmin.send(
      new ListPermissionSetsCommand({ InstanceArn: info.instanceArn }),
    );
    for (const arn of sets.PermissionSets ?? []) {
      const name = (
        await ssoAdmin.send(
          new DescribePermissionSetCommand({
            InstanceArn: info.instanceArn,
            PermissionSetArn: arn,
          }),
        )
      ).PermissionSet?.Name;
      for (const account of [A, B, C]) {
        const listed = await ssoAdmin.send(
          new ListAccountAssignmentsCommand({
            InstanceArn: info.instanceArn,
            AccountId: account,
            PermissionSetArn: arn,
          }),
        );
        for (const a of listed.AccountAssignments ?? [])
          assignments.push(
            `${name ?? ''}:${account}:${a.PrincipalType ?? ''}:${a.PrincipalId ?? ''}`,
          );
      }
    }
    const scps: string[] = [];
    const policies = await organizations.send(
      new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    for (const p of policies.Policies ?? []) {
      const described = await organizations.send(
        new DescribePolicyCommand({ PolicyId: p.Id ?? '' }),
      );
      scps.push(`${p.Name ?? ''}:${described.Policy?.Content ?? ''}`);
    }
    return JSON.stringify({ members: members.sort(), assignments: assignments.sort(), scps });
  } finally {
    identityStore.destroy();
    ssoAdmin.destroy();
    organizations.destroy();
  }
}

/** Every row of every table but `leases`, which the controller renews every few seconds. */
function storeState(): string {
  const db = new Database(ws.dbPath, { readonly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'leases' ORDER BY name",
      )
      .all() as { name: string }[];
    return JSON.stringify(
      tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()]),
    );
  } finally {
    db.close();
  }
}

/** Calls that change something, per operation, on both emulators. */
async function writeCalls(): Promise<string> {
  const idc = (
    await emulatorJson<{ operations: Record<string, { calls: number }> }>('/_emulator/calls')
  ).body.operations;
  const { body: pim } = await server.get<{ issuer: string }>(
    '/v1/pim/config',
    await server.token('carol'),
  );
  const entraCalls = (await (
    await fetch(`${new URL(pim.issuer).origin}/_emulator/calls`)
  ).json()) as {
    calls: Record<string, number>;
  };
  const writes = (counts: Record<string, unknown>, test: RegExp) =>
    Object.entries(counts).filter(([op]) => test.test(op));
  return JSON.stringify({
    idc: writes(idc, /Create|Delete|Update|Put|Provision|Attach|Detach/),
    // Token requests are reads of a kind (a cached token may be renewed meanwhile).
    entra: writes(entraCalls.calls, /^(POST|PATCH|DELETE) (?!.*token)/),
  });
}

function jitAs(user: CliUser, args: readonly string[]) {
  return user.run(args);
}

beforeAll(async () => {
  ws = await Workspace.create(configYaml);
  emulator = await EmulatorProcess.start(ws.configPath);
  server = await JitServer.start(ws, { identityCenterEndpoint: emulator.url });
  info = (await emulatorJson<{ identityStoreId: string; instanceArn: string }>('/_emulator/info'))
    .body;
  [bob, carol, alice] = await Promise.all([
    CliUser.login('bob', server, ws),
    CliUser.login('carol', server, ws),
    CliUser.login('alice', server, ws),
  ]);

  // Native grants in both enforcement modes, and a request waiting for approval.
  await bob.json(['request', 'ops', '--justification', 'deploy']);
  await bob.json(['request', 'db', '--account', A, '--justification', 'migration']);
  await bob.json(['request', 'review', '--justification', 'audit']);
  // A PIM activation from the terminal, mirrored at the watcher's next poll.
  const activated = await runJitThroughBrowser(
    ['pim', 'activate', 'pim-ops', '--duration', 'PT1H', '--justification', 'INC-0: on call'],
    { JIT_HOME: bob.home, JIT_SERVER: server.url },
    { upn: BOB },
  );
  expect(activated.code, activated.stderr).toBe(0);
  await server.post('/v1/sandbox/poll', {});
  await server.reconcile();

  // Drift: bob put in a managed group by hand, outside JIT Access.
  const { identityStore } = aws();
  try {
    bobId =
      (
        await identityStore.send(
          new GetUserIdCommand({
            IdentityStoreId: info.identityStoreId,
            AlternateIdentifier: {
              UniqueAttribute: { AttributePath: 'userName', AttributeValue: BOB },
            },
          }),
        )
      ).UserId ?? '';
    const groups = await identityStore.send(
      new ListGroupsCommand({ IdentityStoreId: info.identityStoreId }),
    );
    const readonly = groups.Groups?.find((g) => g.DisplayName === 'JIT-readonly')?.GroupId ?? '';
    await identityStore.send(
      new CreateGroupMembershipCommand({
        IdentityStoreId: info.identityStoreId,
        GroupId: readonly,
        MemberId: { UserId: bobId },
      }),
    );
  } finally {
    identityStore.destroy();
  }
  // The controller sees the drift (and, as the role says drift: report, leaves it).
  await server.reconcile();

  for (const [permissionSet, account] of SESSIONS) {
    const issued = await emulatorJson<{ sessionId?: string }>('/_emulator/sessions', {
      userId: bobId,
      accountId: account,
      permissionSet,
    });
    expect(issued.status, `a session of ${permissionSet} in ${account}`).toBe(201);
    sessions.set(`${permissionSet}@${account}`, issued.body.sessionId ?? '');
  }
}, 120_000);

afterAll(async () => {
  await server.stop();
  await emulator.stop();
  await ws.dispose();
});

let dryRun: RevokeUserReport;

describe('jit revoke --user bob --all', () => {
  it('refuses someone who is not an administrator, an unknown person and a missing --all, in one line each', async () => {
    const refused = await jitAs(alice, ['revoke', '--user', 'bob', '--all', '--reason', 'INC-42']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/only administrators .* may revoke everything a person holds/);
    const unknown = await jitAs(carol, ['revoke', '--user', 'bobb', '--all', '--reason', 'INC-42']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no person "bobb" in the directory.*did you mean "bob"\?/);
    const noAll = await jitAs(carol, ['revoke', '--user', 'bob', '--reason', 'INC-42']);
    expect(noAll.code).toBe(2);
    expect(noAll.stderr).toMatch(/add --all to confirm/);
    const both = await jitAs(carol, ['revoke', 'g_1', '--user', 'bob', '--all', '--reason', 'x']);
    expect(both.code).toBe(2);
    for (const result of [refused, unknown, noAll, both]) {
      expect(result.stderr.trim().split('\n')[0]).toMatch(/^error: /);
      expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    }
    for (const id of sessions.values()) expect(await allowed(id)).toBe(true);
  });

  it('--dry-run lists what would be done and changes nothing: clouds, store and audit byte for byte', async () => {
    const before = { cloud: await cloudState(), store: storeState(), writes: await writeCalls() };
    // The snapshots see what there is: bob's access, his grants, the writes made so far.
    expect(before.cloud).toContain(bobId);
    expect(before.store).toContain(BOB);
    const counted = JSON.parse(before.writes) as { idc: unknown[]; entra: [string, number][] };
    expect(counted.idc.length).toBeGreaterThan(0);
    expect(counted.entra.map(([op]) => op).join(' ')).toMatch(/assignmentScheduleRequests/);
    dryRun = await carol.json<RevokeUserReport>([
      'revoke',
      '--user',
      'bob',
      '--all',
      '--reason',
      'INC-42',
      '--dry-run',
    ]);
    expect(dryRun.dryRun).toBe(true);
    expect(dryRun.incidentId).toBeUndefined();
    expect(dryRun.grants.map((g) => [g.role, g.from, g.to]).sort()).toEqual([
      ['db', 'active', 'revoked'],
      ['ops', 'active', 'revoked'],
      ['pim-ops', 'active', 'revoked'],
      ['review', 'pending_approval', 'cancelled'],
    ]);
    expect(dryRun.accounts.map((a) => a.account)).toEqual([A, B, C]);
    const access = dryRun.accounts.flatMap((a) =>
      a.access.map((x) => `${x.permissionSet}@${a.account}${x.drift ? ' (drift)' : ''}`),
    );
    expect(access.sort()).toEqual(
      SESSIONS.map(([p, a]) => `${p}@${a}${p === 'ReadOnly' ? ' (drift)' : ''}`).sort(),
    );
    expect(dryRun.pim.map((p) => [p.role, p.kind, p.result]).sort()).toEqual([
      ['pim-ops', 'assignment', 'planned'],
      ['pim-ops', 'eligibility', 'planned'],
    ]);
    const after = { cloud: await cloudState(), store: storeState(), writes: await writeCalls() };
    expect(after).toEqual(before);
    for (const id of sessions.values()) expect(await allowed(id)).toBe(true);
  });

  it('ends every grant, removes all access and denies every session in one pass, and the audit holds the incident', async () => {
    const result = await jitAs(carol, [
      '--json',
      'revoke',
      '--user',
      'bob',
      '--all',
      '--reason',
      'INC-42',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as RevokeUserReport;
    expect(report.complete).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.incidentId).toMatch(/^inc_/);

    // The same things as the dry run said, now done.
    const shape = (r: RevokeUserReport) => ({
      grants: r.grants.map((g) => [g.grantId, g.to]),
      accounts: r.accounts.map((a) => [a.account, a.access.map((x) => [x.permissionSet, x.via])]),
      pim: r.pim.map((p) => [p.group, p.kind]),
    });
    expect(shape(report)).toEqual(shape(dryRun));
    expect(report.grants.every((g) => g.result === 'done')).toBe(true);
    for (const { access } of report.accounts)
      for (const x of access) expect([x.removal, x.sessions]).toEqual(['removed', 'denied']);
    expect(report.pim.every((p) => p.result === 'removed')).toBe(true);

    // No waiting: when the command returns, Identity Center holds nothing of bob's...
    const cloud = JSON.parse(await cloudState()) as {
      members: string[];
      assignments: string[];
      scps: string[];
    };
    expect(cloud.members.filter((m) => m.endsWith(`:${bobId}`))).toEqual([]);
    expect(cloud.assignments.filter((a) => a.endsWith(`:${bobId}`))).toEqual([]);
    // ...and the SCP denies every session he had, in every account.
    expect(cloud.scps.join('\n')).toContain(bobId);
    for (const [key, id] of sessions) expect(await allowed(id), key).toBe(false);

    const grants = await carol.json<{ principal: string; status: string; endReason?: string }[]>([
      'grants',
      '--all',
    ]);
    const bobs = grants.filter((g) => g.principal === BOB);
    expect(bobs.map((g) => g.status).sort()).toEqual([
      'cancelled',
      'revoked',
      'revoked',
      'revoked',
    ]);
    for (const g of bobs) expect(g.endReason).toBe(`incident ${report.incidentId ?? ''}: INC-42`);

    const exported = await runJit(['audit', 'export', '--config', ws.configPath], {}, ws.dir);
    const entries = exported.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            action: string;
            actor: string;
            reason?: string;
            data?: Record<string, unknown>;
          },
      );
    const incident = entries.filter((e) => e.action === 'incident.revoke_user');
    expect(incident).toHaveLength(1);
    expect(incident[0]).toMatchObject({
      actor: 'carol@example.com',
      reason: 'INC-42',
      data: expect.objectContaining({ person: BOB, incident: report.incidentId }) as unknown,
    });
    const actions = entries.map((e) => e.action);
    expect(actions.filter((a) => a === 'grant.revoked')).toHaveLength(3);
    expect(actions).toContain('grant.cancelled');
    expect(actions).toContain('drift.removed');
    expect(actions).toContain('pim.eligibility_removed');
    expect(actions).toContain('pim.assignment_removed');
    expect(actions.filter((a) => a === 'sessions.revoked').length).toBeGreaterThanOrEqual(4);
    const verify = await runJit(['audit', 'verify', '--config', ws.configPath], {}, ws.dir);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('audit chain intact');
  });

  it('leaves bob unable to activate in Entra PIM, and a second run has nothing to do', async () => {
    const again = await runJitThroughBrowser(
      ['pim', 'activate', 'pim-ops', '--duration', 'PT1H', '--justification', 'retry'],
      { JIT_HOME: bob.home, JIT_SERVER: server.url },
      { upn: BOB },
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/RoleAssignmentDoesNotExist|eligib/i);

    const before = await cloudState();
    const second = await jitAs(carol, ['revoke', '--user', 'bob', '--all', '--reason', 'INC-42']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/nothing to do: bob@example\.com holds no open grant/);
    expect(await cloudState()).toBe(before);
  });
});
