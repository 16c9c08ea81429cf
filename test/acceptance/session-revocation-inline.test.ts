// Acceptance (Identity Center issue): the inline fallback of session revocation, against the
// Identity Center emulator over HTTP with the real `ScpSessionRevoker`, the real
// `IdentityCenterAccessTarget` and SDK v3 clients. SCPs do not apply to the management
// account, and an SCP can be full: then the Deny goes into the permission set's own inline
// policy, next to its own statements, and takes effect only once `ProvisionPermissionSet`
// has pushed it to the account's role. Sessions are issued and judged by the emulator; the
// clock is a settable one that the revoker's and the test's waits move.
import {
  DescribePolicyCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateUserCommand } from '@aws-sdk/client-identitystore';
import {
  CreatePermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListInstancesCommand,
  PutInlinePolicyToPermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdentityCenterClients } from '../../src/adapters/aws/create-identity-center-clients.js';
import { IdentityCenterAccessTarget } from '../../src/adapters/aws/identity-center-access-target.js';
import { IdentityCenterIds } from '../../src/adapters/aws/identity-center-ids.js';
import { ScpSessionRevoker } from '../../src/adapters/aws/revocation/scp-session-revoker.js';
import type { Entitlement } from '../../src/core/grant.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from '../../src/emulators/identity-center/start-identity-center-emulator.js';
import type { TargetOperation } from '../../src/ports/access-target.js';
import type { RevocationOutcome } from '../../src/ports/session-revoker.js';
import { SettableClock } from '../../src/ports/clock.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2025, 4, 1, 9, 0, 0);
const MANAGEMENT = '999999999999';
const MEMBERS = Array.from({ length: 16 }, (_, i) => String(100000000001 + i));
const A = MEMBERS[0] ?? '';
/** How long the emulator keeps assignments and provisioning IN_PROGRESS, on its clock. */
const STATUS_DELAY = 3 * SECOND;
const credentials = { accessKeyId: 'AKIAJITINLINETEST000', secretAccessKey: 'not-a-secret' };

/** The permission set's own inline policy, which revocation must leave as it is. */
const OWN_STATEMENTS = [
  { Sid: 'AllowEverything', Effect: 'Allow', Action: '*', Resource: '*' },
  {
    Sid: 'NoLeavingTheOrganization',
    Effect: 'Deny',
    Action: 'organizations:LeaveOrganization',
    Resource: '*',
  },
];

interface Decision {
  readonly allowed: boolean;
  readonly decision: string;
  readonly source?: 'SCP' | 'INLINE_POLICY';
  readonly sid?: string;
}

interface Statement {
  readonly Sid?: string;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

interface World {
  readonly emulator: RunningIdentityCenterEmulator;
  readonly clock: SettableClock;
  readonly target: IdentityCenterAccessTarget;
  readonly revoker: ScpSessionRevoker;
  readonly alerts: string[];
  readonly organizations: OrganizationsClient;
  readonly userIds: ReadonlyMap<string, string>;
  /** Called by the revoker's waits (between provisioning polls), after the clock moved. */
  onWait: (() => Promise<void>) | undefined;
  inlinePolicy(): Promise<{ own: unknown[]; ours: Statement[] }>;
  close(): Promise<void>;
}

let world: World | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function createWorld(users: readonly string[]): Promise<World> {
  const clock = new SettableClock({ fixed: T0 });
  const emulator = await startIdentityCenterEmulator({
    clock: () => clock.now(),
    throttle: false,
    assignmentDelayMs: STATUS_DELAY,
    seed: {
      managementAccount: { id: MANAGEMENT, name: 'management' },
      accounts: MEMBERS.map((id) => ({ id, name: `member-${id}` })),
    },
  });
  const { ssoAdmin, identityStore } = createIdentityCenterClients({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials,
    maxAttempts: 1,
    requestsPerSecond: 1_000_000,
    burst: 1_000_000,
  });
  const organizations = new OrganizationsClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials,
    maxAttempts: 1,
  });
  const instance = (await ssoAdmin.send(new ListInstancesCommand({}))).Instances?.[0];
  const InstanceArn = instance?.InstanceArn ?? '';
  const IdentityStoreId = instance?.IdentityStoreId ?? '';
  const created = await ssoAdmin.send(
    new CreatePermissionSetCommand({ InstanceArn, Name: 'Admin', SessionDuration: 'PT1H' }),
  );
  const PermissionSetArn = created.PermissionSet?.PermissionSetArn ?? '';
  await ssoAdmin.send(
    new PutInlinePolicyToPermissionSetCommand({
      InstanceArn,
      PermissionSetArn,
      InlinePolicy: JSON.stringify({ Version: '2012-10-17', Statement: OWN_STATEMENTS }),
    }),
  );
  const userIds = new Map<string, string>();
  for (const name of users) {
    const user = await identityStore.send(
      new CreateUserCommand({
        IdentityStoreId,
        UserName: name,
        DisplayName: name,
        Name: { GivenName: name, FamilyName: 'Example' },
      }),
    );
    userIds.set(name, user.UserId ?? '');
  }
  const ids = new IdentityCenterIds({
    ssoAdmin,
    identityStore,
    instanceArn: InstanceArn,
    identityStoreId: IdentityStoreId,
    clock,
  });
  const target = new IdentityCenterAccessTarget({ ssoAdmin, identityStore, ids, clock });
  const alerts: string[] = [];
  const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  const w: World = {
    emulator,
    clock,
    target,
    alerts,
    organizations,
    userIds,
    onWait: undefined,
    revoker: new ScpSessionRevoker({
      organizations,
      identityStore,
      ssoAdmin,
      ids,
      clock,
      targetId: rootId,
      managementAccountId: MANAGEMENT,
      sessionDurationOf: () => HOUR,
      // Waiting moves the emulator's clock, so provisioning completes as it would.
      sleep: async (ms) => {
        clock.advance(ms);
        await w.onWait?.();
      },
      onAlert: (message) => alerts.push(message),
    }),
    async inlinePolicy() {
      const got = await ssoAdmin.send(
        new GetInlinePolicyForPermissionSetCommand({ InstanceArn, PermissionSetArn }),
      );
      const statements = (JSON.parse(got.InlinePolicy ?? '{}') as { Statement?: unknown[] })
        .Statement;
      const all = statements ?? [];
      const isOurs = (s: unknown): boolean =>
        typeof (s as Statement).Sid === 'string' &&
        ((s as Statement).Sid ?? '').startsWith('JitRevoke');
      return { own: all.filter((s) => !isOurs(s)), ours: all.filter(isOurs) as Statement[] };
    },
    async close() {
      ssoAdmin.destroy();
      identityStore.destroy();
      organizations.destroy();
      await emulator.close();
    },
  };
  world = w;
  return w;
}

const adminIn = (user: string, account: string): Entitlement => ({
  kind: 'account-assignment',
  permissionSet: 'Admin',
  account,
  user,
});

/** Runs a grant or removal to its end, moving the clock while the emulator works. */
async function settle(w: World, operation: Promise<TargetOperation>): Promise<TargetOperation> {
  let result = await operation;
  for (let polls = 0; result.state === 'pending' && polls < 10; polls += 1) {
    w.clock.advance(SECOND);
    result = await w.target.poll(result.operationId);
  }
  if (result.state !== 'done') throw new Error(JSON.stringify(result));
  return result;
}

/** Grants as the controller does: the revoker releases earlier statements first. */
async function grant(w: World, user: string, account: string): Promise<void> {
  const released = await w.revoker.release(adminIn(user, account));
  if (released.state === 'failed') throw new Error(released.message);
  await settle(w, w.target.grant(adminIn(user, account)));
}

/** Removes the access and revokes its sessions with the confirmed removal as the cut-off. */
async function remove(w: World, user: string, account: string): Promise<RevocationOutcome> {
  const removed = await settle(w, w.target.revoke(adminIn(user, account)));
  if (removed.state !== 'done') throw new Error('not removed');
  return w.revoker.revokeSessions({
    entitlement: adminIn(user, account),
    cutoff: removed.confirmedAt,
  });
}

async function issueSession(w: World, user: string, account: string): Promise<string> {
  const response = await fetch(`${w.emulator.url}/_emulator/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      userId: w.userIds.get(user),
      accountId: account,
      permissionSet: 'Admin',
      at: w.clock.now(),
    }),
  });
  const body = (await response.json()) as { sessionId?: string };
  expect(response.status, `session of ${user} in ${account}`).toBe(201);
  return body.sessionId ?? '';
}

async function evaluate(w: World, sessionId: string, action?: string): Promise<Decision> {
  const response = await fetch(`${w.emulator.url}/_emulator/sessions/${sessionId}/evaluate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ at: w.clock.now(), ...(action === undefined ? {} : { action }) }),
  });
  return (await response.json()) as Decision;
}

describe('revocation in the management account, through the permission set’s inline policy', () => {
  it('merges the Deny next to the permission set’s own statements, provisions it, and denies the session', async () => {
    const w = await createWorld(['alice@example.com', 'bob@example.com']);
    await grant(w, 'alice@example.com', MANAGEMENT);
    await grant(w, 'bob@example.com', MANAGEMENT);
    await grant(w, 'alice@example.com', A); // the same permission set, still held elsewhere
    w.clock.advance(10 * MINUTE);
    const alice = await issueSession(w, 'alice@example.com', MANAGEMENT);
    const bob = await issueSession(w, 'bob@example.com', MANAGEMENT);
    const aliceInA = await issueSession(w, 'alice@example.com', A);
    w.clock.advance(10 * MINUTE);

    // While ProvisionPermissionSet runs, the role still has the old inline policy.
    const duringProvisioning: string[] = [];
    w.onWait = async () => {
      duringProvisioning.push((await evaluate(w, alice)).decision);
    };
    w.emulator.emulator.resetCalls();
    const outcome = await remove(w, 'alice@example.com', MANAGEMENT);
    w.onWait = undefined;
    expect(outcome).toMatchObject({ state: 'done' });
    expect(outcome.state === 'done' ? outcome.detail : '').toMatch(
      /^inline policy of Admin: 1 statement\(s\), \d+ of 10240 characters, provisioned to 999999999999$/,
    );
    // Polled each second; provisioning takes three: the Deny lands with it, not before.
    expect(duringProvisioning).toEqual(['ALLOWED', 'ALLOWED', 'DENIED']);

    const calls = w.emulator.emulator.calls().operations;
    expect(calls.PutInlinePolicyToPermissionSet?.calls).toBe(1);
    expect(calls.ProvisionPermissionSet?.calls).toBe(1);
    expect(calls.DescribePermissionSetProvisioningStatus?.calls).toBe(3);
    // SCPs do not apply to the management account: none is made or written.
    expect(calls.CreatePolicy).toBeUndefined();
    expect(calls.UpdatePolicy).toBeUndefined();

    // The permission set's own statements are untouched and in place; ours has no ARN scope.
    const inline = await w.inlinePolicy();
    expect(inline.own).toEqual(OWN_STATEMENTS);
    expect(inline.ours).toHaveLength(1);
    expect(inline.ours[0]?.Condition).toEqual({
      StringEquals: {
        'identitystore:userId': w.userIds.get('alice@example.com'),
        'aws:PrincipalAccount': MANAGEMENT,
      },
      DateLessThan: { 'aws:TokenIssueTime': expect.stringMatching(/Z$/) as unknown },
    });

    expect(await evaluate(w, alice)).toMatchObject({
      allowed: false,
      decision: 'DENIED',
      source: 'INLINE_POLICY',
      sid: inline.ours[0]?.Sid,
    });
    expect((await evaluate(w, bob)).allowed).toBe(true);
    expect((await evaluate(w, aliceInA)).allowed).toBe(true);
    // The permission set's own Deny still works after re-provisioning.
    expect(await evaluate(w, bob, 'organizations:LeaveOrganization')).toMatchObject({
      decision: 'DENIED',
      sid: 'NoLeavingTheOrganization',
    });

    // A later grant works with a new session; the old one stays denied.
    w.clock.advance(MINUTE);
    await grant(w, 'alice@example.com', MANAGEMENT);
    const fresh = await issueSession(w, 'alice@example.com', MANAGEMENT);
    expect((await evaluate(w, fresh)).allowed).toBe(true);
    expect((await evaluate(w, alice)).allowed).toBe(false);
  });

  it('drops a statement once its session duration has passed, at the next write, keeping the own statements', async () => {
    const w = await createWorld(['alice@example.com', 'bob@example.com']);
    await grant(w, 'alice@example.com', MANAGEMENT);
    await grant(w, 'bob@example.com', MANAGEMENT);
    expect((await remove(w, 'alice@example.com', MANAGEMENT)).state).toBe('done');
    const first = await w.inlinePolicy();
    expect(first.ours.map((s) => s.Condition?.StringEquals?.['identitystore:userId'])).toEqual([
      w.userIds.get('alice@example.com'),
    ]);

    // Within the hour, a second removal adds to the first.
    w.clock.advance(30 * MINUTE);
    const bob = await issueSession(w, 'bob@example.com', MANAGEMENT);
    expect((await remove(w, 'bob@example.com', MANAGEMENT)).state).toBe('done');
    expect((await w.inlinePolicy()).ours).toHaveLength(2);
    expect((await evaluate(w, bob)).allowed).toBe(false);

    // Past alice's cut-off plus the hour plus the margin, the next write drops her statement.
    w.clock.advance(31 * MINUTE);
    await grant(w, 'alice@example.com', MANAGEMENT);
    w.clock.advance(MINUTE);
    expect((await remove(w, 'alice@example.com', MANAGEMENT)).state).toBe('done');
    const later = await w.inlinePolicy();
    expect(later.own).toEqual(OWN_STATEMENTS);
    const users = later.ours.map((s) => s.Condition?.StringEquals?.['identitystore:userId']);
    expect(users).toHaveLength(2); // bob's (still live) and alice's new one; her first is gone
    const cutoffs = later.ours.map((s) => s.Condition?.DateLessThan?.['aws:TokenIssueTime']);
    expect(cutoffs).not.toContain(first.ours[0]?.Condition?.DateLessThan?.['aws:TokenIssueTime']);
    expect((await evaluate(w, bob)).allowed).toBe(false);
  });
});

describe('a full SCP', () => {
  it('alerts and sends what does not fit to the inline policy, provisioned where it applies', async () => {
    const users = MEMBERS.map((_, i) => `user${i}@example.com`);
    const w = await createWorld([...users, 'keeper@example.com']);
    for (const [i, account] of MEMBERS.entries()) await grant(w, users[i] ?? '', account);
    await grant(w, 'keeper@example.com', A);
    w.clock.advance(10 * MINUTE);
    const sessions = [];
    for (const [i, account] of MEMBERS.entries()) {
      sessions.push(await issueSession(w, users[i] ?? '', account));
    }
    const keeper = await issueSession(w, 'keeper@example.com', A);

    // One removal per account, seconds apart: no two statements can share an account set
    // or a time, so the SCP fills up.
    w.emulator.emulator.resetCalls();
    const outcomes: RevocationOutcome[] = [];
    for (const [i, account] of MEMBERS.entries()) {
      w.clock.advance(10 * SECOND);
      outcomes.push(await remove(w, users[i] ?? '', account));
    }
    expect(outcomes.map((o) => o.state)).toEqual(MEMBERS.map(() => 'done'));
    expect(w.alerts.length).toBeGreaterThan(0);
    expect(w.alerts[0]).toMatch(/^SCP JitSessionRevocation is full \(.*\); 1 revocation record/);
    const spilled = outcomes.filter(
      (o) => o.state === 'done' && o.detail.includes('inline policy of Admin'),
    );
    expect(spilled).toHaveLength(w.alerts.length);

    // The SCP as Organizations stores it stays within 5,120 bytes.
    const listed = await w.organizations.send(
      new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    const policyId = listed.Policies?.find((p) => p.Name === 'JitSessionRevocation')?.Id ?? '';
    const scp = await w.organizations.send(new DescribePolicyCommand({ PolicyId: policyId }));
    const bytes = Buffer.byteLength(scp.Policy?.Content ?? '', 'utf8');
    expect(bytes).toBeLessThanOrEqual(5_120);

    // Every removed session is denied, by the SCP or by the inline policy; the keeper's not.
    const sources = new Map<string, number>();
    for (const session of sessions) {
      const decision = await evaluate(w, session);
      expect(decision.decision).toBe('DENIED');
      sources.set(decision.source ?? '', (sources.get(decision.source ?? '') ?? 0) + 1);
    }
    expect(sources.get('INLINE_POLICY')).toBe(w.alerts.length);
    expect(sources.get('SCP')).toBe(MEMBERS.length - w.alerts.length);
    expect((await evaluate(w, keeper)).allowed).toBe(true);

    // The overflow was provisioned to exactly the accounts it concerns; own statements kept.
    const calls = w.emulator.emulator.calls().operations;
    expect(calls.ProvisionPermissionSet?.calls).toBe(w.alerts.length);
    const inline = await w.inlinePolicy();
    expect(inline.own).toEqual(OWN_STATEMENTS);
    expect(inline.ours.length).toBe(w.alerts.length);
    console.info(
      `full SCP: ${bytes} bytes with ${MEMBERS.length - w.alerts.length} removals; ${w.alerts.length} went inline`,
    );
  });
});
