// Unit tests of the SCP session revoker against a small hand-written fake of the few
// Organizations, identity-store and sso-admin operations it calls (dispatched on the
// command's class name). The emulator-based end-to-end test lives in test/.
import { describe, expect, it } from 'vitest';
import { SettableClock } from '../../../ports/clock.js';
import type { Entitlement } from '../../../core/grant.js';
import { IdentityCenterIds } from '../identity-center-ids.js';
import { ScpSessionRevoker, type ScpSessionRevokerOptions } from './scp-session-revoker.js';
import {
  DEFAULT_SKEW_MARGIN_MS,
  SCP_MAX_BYTES,
  measure,
  parsePolicy,
} from './session-deny-policy.js';
import { isDenied, session, userIdOf } from '../../../../test/harness/revocation-harness.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 4, 1, 10, 0, 0);
const INSTANCE = 'arn:aws:sso:::instance/ssoins-1234567890abcdef';
const PROD = '111111111111';
const DEV = '222222222222';
const MGMT = '999999999999';
const ROOT = 'r-abcd';

class AwsFault extends Error {
  constructor(
    override readonly name: string,
    message = name,
    readonly $metadata: { httpStatusCode?: number } = { httpStatusCode: 400 },
  ) {
    super(message);
  }
}

interface Command {
  readonly input: Record<string, unknown>;
}

/** Just enough of AWS for the revoker: state, call counts, and injectable faults. */
class FakeAws {
  readonly calls: string[] = [];
  readonly faults = new Map<string, Error[]>();
  readonly policies = new Map<string, { name: string; content: string; targets: Set<string> }>();
  readonly users = new Map<string, string>(); // userName -> id
  readonly groups = new Map<string, string>(); // displayName -> id
  readonly memberships: { groupId: string; userId: string }[] = [];
  readonly assignments: { principalId: string; type: string; ps: string; account: string }[] = [];
  readonly permissionSets = new Map<string, string>(); // name -> arn
  readonly inline = new Map<string, string>(); // arn -> policy
  readonly provisioned: { arn: string; account: string }[] = [];
  /** Called between DescribePolicy and UpdatePolicy, to interleave writers. */
  updateDelay = 0;
  /** SessionDuration by permission-set name, as DescribePermissionSet answers (default PT1H). */
  readonly sessionDurations = new Map<string, string>();
  /** Called after each UpdatePolicy: a concurrent writer may overwrite what was written. */
  afterUpdate: ((policy: { content: string }) => void) | undefined;

  constructor() {
    for (const name of ['Admin', 'Admin_ReadOnly', 'PowerUser']) {
      this.permissionSets.set(name, `${INSTANCE}/ps-${name.toLowerCase().replace('_', '')}`);
    }
  }

  readonly client = {
    send: (command: Command): Promise<never> => this.#send(command) as Promise<never>,
  };

  count(operation: string): number {
    return this.calls.filter((c) => c === operation).length;
  }

  scp(): string {
    return [...this.policies.values()][0]?.content ?? '';
  }

  async #send(command: Command): Promise<unknown> {
    const op = command.constructor.name.replace(/Command$/, '');
    this.calls.push(op);
    const fault = this.faults.get(op)?.shift();
    if (fault !== undefined) throw fault;
    const input = command.input;
    const str = (key: string): string => String(input[key]);
    switch (op) {
      case 'ListPolicies':
        return {
          Policies: [...this.policies].map(([id, p]) => ({ Id: id, Name: p.name })),
        };
      case 'CreatePolicy': {
        const id = `p-${String(this.policies.size + 1).padStart(8, '0')}`;
        this.policies.set(id, { name: str('Name'), content: str('Content'), targets: new Set() });
        return { Policy: { PolicySummary: { Id: id } } };
      }
      case 'ListTargetsForPolicy':
        return {
          Targets: [...(this.policies.get(str('PolicyId'))?.targets ?? [])].map((t) => ({
            TargetId: t,
          })),
        };
      case 'AttachPolicy': {
        const p = this.policies.get(str('PolicyId'));
        if (p?.targets.has(str('TargetId')) === true) {
          throw new AwsFault('DuplicatePolicyAttachmentException');
        }
        p?.targets.add(str('TargetId'));
        return {};
      }
      case 'DescribePolicy':
        return { Policy: { Content: this.policies.get(str('PolicyId'))?.content } };
      case 'UpdatePolicy': {
        const content = str('Content');
        if (measure(content, 'scp') > SCP_MAX_BYTES) {
          throw new AwsFault('ConstraintViolationException', 'policy too large');
        }
        if (this.updateDelay > 0) await new Promise((r) => setTimeout(r, this.updateDelay));
        const p = this.policies.get(str('PolicyId'));
        if (p !== undefined) p.content = content;
        if (p !== undefined) this.afterUpdate?.(p);
        return {};
      }
      case 'GetUserId': {
        const alt = input.AlternateIdentifier as { UniqueAttribute: { AttributeValue: string } };
        const id = this.users.get(alt.UniqueAttribute.AttributeValue);
        if (id === undefined) throw new AwsFault('ResourceNotFoundException');
        return { UserId: id };
      }
      case 'GetGroupId': {
        const alt = input.AlternateIdentifier as { UniqueAttribute: { AttributeValue: string } };
        const id = this.groups.get(alt.UniqueAttribute.AttributeValue);
        if (id === undefined) throw new AwsFault('ResourceNotFoundException');
        return { GroupId: id };
      }
      case 'ListGroupMembershipsForMember': {
        const member = input.MemberId as { UserId: string };
        return {
          GroupMemberships: this.memberships
            .filter((m) => m.userId === member.UserId)
            .map((m) => ({ GroupId: m.groupId })),
        };
      }
      case 'ListAccountAssignmentsForPrincipal':
        return {
          AccountAssignments: this.assignments
            .filter((a) => a.principalId === str('PrincipalId') && a.type === str('PrincipalType'))
            .map((a) => ({
              AccountId: a.account,
              PermissionSetArn: this.permissionSets.get(a.ps),
            })),
        };
      case 'DescribePermissionSet': {
        const name = [...this.permissionSets].find(([, arn]) => arn === str('PermissionSetArn'));
        return {
          PermissionSet: {
            Name: name?.[0],
            SessionDuration: this.sessionDurations.get(name?.[0] ?? '') ?? 'PT1H',
          },
        };
      }
      case 'ListPermissionSets':
        return { PermissionSets: [...this.permissionSets.values()] };
      case 'GetInlinePolicyForPermissionSet':
        return { InlinePolicy: this.inline.get(str('PermissionSetArn')) ?? '' };
      case 'PutInlinePolicyToPermissionSet':
        this.inline.set(str('PermissionSetArn'), str('InlinePolicy'));
        return {};
      case 'ProvisionPermissionSet':
        this.provisioned.push({ arn: str('PermissionSetArn'), account: str('TargetId') });
        return { PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'req-1' } };
      case 'DescribePermissionSetProvisioningStatus':
        return { PermissionSetProvisioningStatus: { Status: 'SUCCEEDED', RequestId: 'req-1' } };
      default:
        throw new Error(`the fake does not implement ${op}`);
    }
  }
}

function setup(overrides: Partial<ScpSessionRevokerOptions> = {}) {
  const aws = new FakeAws();
  const clock = new SettableClock({ fixed: T0 });
  aws.users.set('alice@example.com', userIdOf(1));
  aws.users.set('bob@example.com', userIdOf(2));
  const alerts: string[] = [];
  const revoker = new ScpSessionRevoker({
    organizations: aws.client,
    identityStore: aws.client,
    ssoAdmin: aws.client,
    ids: new IdentityCenterIds({
      ssoAdmin: aws.client,
      identityStore: aws.client,
      instanceArn: INSTANCE,
      identityStoreId: 'd-1234567890',
      clock,
    }),
    clock,
    targetId: ROOT,
    sessionDurationOf: () => HOUR,
    managementAccountId: MGMT,
    sleep: () => Promise.resolve(),
    onAlert: (message) => alerts.push(message),
    ...overrides,
  });
  return { aws, clock, revoker, alerts };
}

const alice = (permissionSet: string, account: string): Entitlement => ({
  kind: 'account-assignment',
  permissionSet,
  account,
  user: 'alice@example.com',
});

describe('ScpSessionRevoker', () => {
  it('creates the SCP, attaches it once and denies the removed sessions', async () => {
    const { aws, revoker } = setup();
    const outcome = await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    expect(outcome.state).toBe('done');
    expect(outcome.state === 'done' ? outcome.detail : '').toMatch(
      /^SCP JitSessionRevocation: 1 statement\(s\), \d+ of 5120 bytes$/,
    );
    expect([...aws.policies.values()][0]?.name).toBe('JitSessionRevocation');
    expect([...aws.policies.values()][0]?.targets).toEqual(new Set([ROOT]));
    const doc = aws.scp();
    expect(isDenied(doc, session(userIdOf(1), 'Admin', PROD, T0 - 1_000))).toBe(true);
    expect(isDenied(doc, session(userIdOf(1), 'Admin', DEV, T0 - 1_000))).toBe(false);
    expect(isDenied(doc, session(userIdOf(1), 'Admin_ReadOnly', PROD, T0 - 1_000))).toBe(false);

    await revoker.revokeSessions({ entitlement: alice('Admin', DEV), cutoff: T0 + 1_000 });
    expect(aws.count('CreatePolicy')).toBe(1);
    expect(aws.count('AttachPolicy')).toBe(1);
    expect(aws.count('ListTargetsForPolicy')).toBe(1);
    expect(isDenied(aws.scp(), session(userIdOf(1), 'Admin', DEV, T0))).toBe(true);
  });

  it('finds an existing SCP by name, keeps its other statements and tolerates an existing attachment', async () => {
    const { aws, revoker } = setup();
    const theirs = {
      Sid: 'DenyLeave',
      Effect: 'Deny',
      Action: 'organizations:Leave*',
      Resource: '*',
    };
    aws.policies.set('p-existing1', {
      name: 'JitSessionRevocation',
      content: JSON.stringify({ Version: '2012-10-17', Statement: [theirs] }),
      targets: new Set(),
    });
    aws.faults.set('AttachPolicy', [new AwsFault('DuplicatePolicyAttachmentException')]);
    const outcome = await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    expect(outcome.state).toBe('done');
    expect(aws.count('CreatePolicy')).toBe(0);
    const parsed = parsePolicy(aws.scp());
    expect(parsed.foreign).toEqual([theirs]);
    expect(parsed.records).toHaveLength(1);
  });

  it('revokes every permission set and account of a removed group, except where the user still holds it', async () => {
    const { aws, revoker } = setup();
    aws.groups.set('aws-admins', 'g-admins');
    aws.groups.set('aws-other', 'g-other');
    aws.assignments.push(
      { principalId: 'g-admins', type: 'GROUP', ps: 'Admin', account: PROD },
      { principalId: 'g-admins', type: 'GROUP', ps: 'Admin', account: DEV },
      { principalId: 'g-admins', type: 'GROUP', ps: 'PowerUser', account: PROD },
      // Still held: Admin in DEV directly, PowerUser in PROD through another group.
      { principalId: userIdOf(1), type: 'USER', ps: 'Admin', account: DEV },
      { principalId: 'g-other', type: 'GROUP', ps: 'PowerUser', account: PROD },
    );
    aws.memberships.push({ groupId: 'g-other', userId: userIdOf(1) });
    const outcome = await revoker.revokeSessions({
      entitlement: { kind: 'group-membership', group: 'aws-admins', user: 'alice@example.com' },
      cutoff: T0,
    });
    expect(outcome.state).toBe('done');
    const doc = aws.scp();
    const u = userIdOf(1);
    expect(isDenied(doc, session(u, 'Admin', PROD, T0 - 1_000))).toBe(true);
    expect(isDenied(doc, session(u, 'Admin', DEV, T0 - 1_000))).toBe(false);
    expect(isDenied(doc, session(u, 'PowerUser', PROD, T0 - 1_000))).toBe(false);
  });

  it('uses groupAssignmentsOf when given, and skips when nothing is left to revoke', async () => {
    const { aws, revoker } = setup({
      groupAssignmentsOf: (group) =>
        Promise.resolve(
          group === 'aws-admins' ? [{ permissionSet: 'Admin', accounts: [PROD] }] : [],
        ),
    });
    aws.groups.set('aws-admins', 'g-admins');
    aws.groups.set('aws-empty', 'g-empty');
    const done = await revoker.revokeSessions({
      entitlement: { kind: 'group-membership', group: 'aws-admins', user: 'alice@example.com' },
      cutoff: T0,
    });
    expect(done.state).toBe('done');
    expect(isDenied(aws.scp(), session(userIdOf(1), 'Admin', PROD, T0 - 1))).toBe(true);
    const skipped = await revoker.revokeSessions({
      entitlement: { kind: 'group-membership', group: 'aws-empty', user: 'alice@example.com' },
      cutoff: T0,
    });
    expect(skipped.state).toBe('skipped');
  });

  it('retries a concurrent modification of the SCP', async () => {
    const { aws, revoker } = setup();
    aws.faults.set('UpdatePolicy', [
      new AwsFault('ConcurrentModificationException'),
      new AwsFault('ConcurrentModificationException'),
    ]);
    const outcome = await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    expect(outcome.state).toBe('done');
    expect(aws.count('UpdatePolicy')).toBe(3);
    expect(isDenied(aws.scp(), session(userIdOf(1), 'Admin', PROD, T0 - 1))).toBe(true);
  });

  it('serialises concurrent revocations so neither overwrites the other', async () => {
    const { aws, revoker } = setup();
    aws.updateDelay = 5;
    const bob: Entitlement = { ...alice('PowerUser', DEV), user: 'bob@example.com' };
    const outcomes = await Promise.all([
      revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 }),
      revoker.revokeSessions({ entitlement: bob, cutoff: T0 }),
      revoker.revokeSessions({ entitlement: alice('Admin_ReadOnly', DEV), cutoff: T0 }),
    ]);
    expect(outcomes.map((o) => o.state)).toEqual(['done', 'done', 'done']);
    const doc = aws.scp();
    expect(isDenied(doc, session(userIdOf(1), 'Admin', PROD, T0 - 1))).toBe(true);
    expect(isDenied(doc, session(userIdOf(2), 'PowerUser', DEV, T0 - 1))).toBe(true);
    expect(isDenied(doc, session(userIdOf(1), 'Admin_ReadOnly', DEV, T0 - 1))).toBe(true);
    expect(aws.count('CreatePolicy')).toBe(1);
  });

  it('puts the management account in the inline policy, keeping its own statements, and provisions it', async () => {
    const { aws, revoker } = setup();
    const arn = aws.permissionSets.get('Admin') ?? '';
    const own = { Sid: 'AllowAll', Effect: 'Allow', Action: '*', Resource: '*' };
    aws.inline.set(arn, JSON.stringify({ Version: '2012-10-17', Statement: [own] }));
    const outcome = await revoker.revokeSessions({ entitlement: alice('Admin', MGMT), cutoff: T0 });
    expect(outcome).toMatchObject({ state: 'done' });
    expect(aws.count('UpdatePolicy')).toBe(0);
    const inline = aws.inline.get(arn) ?? '';
    expect(inline).not.toContain('ArnLike');
    expect(parsePolicy(inline, { permissionSet: 'Admin' }).foreign).toEqual([own]);
    expect(isDenied(inline, session(userIdOf(1), 'Admin', MGMT, T0 - 1))).toBe(true);
    expect(
      isDenied(inline, session(userIdOf(1), 'Admin', MGMT, T0 + DEFAULT_SKEW_MARGIN_MS + 10_000)),
    ).toBe(false);
    expect(aws.provisioned).toEqual([{ arn, account: MGMT }]);
    expect(aws.count('DescribePermissionSetProvisioningStatus')).toBe(1);
  });

  it('falls back to the inline policy and alerts when the SCP is full', async () => {
    const { aws, revoker, alerts, clock } = setup();
    for (let i = 0; i < 40; i += 1) aws.users.set(`user${i}@example.com`, userIdOf(100 + i));
    let last;
    for (let i = 0; i < 40; i += 1) {
      clock.set(T0 + i * 1_000);
      last = await revoker.revokeSessions({
        entitlement: {
          kind: 'account-assignment',
          permissionSet: ['Admin', 'Admin_ReadOnly', 'PowerUser'][i % 3] ?? 'Admin',
          account: String(100000000000 + i),
          user: `user${i}@example.com`,
        },
        cutoff: T0 + i * 1_000,
      });
    }
    expect(last?.state).toBe('done');
    expect(alerts.length).toBeGreaterThan(0);
    expect(measure(aws.scp(), 'scp')).toBeLessThanOrEqual(SCP_MAX_BYTES);
    // Every removed session is denied by the SCP or by its permission set's inline policy.
    for (let i = 0; i < 40; i += 1) {
      const ps = ['Admin', 'Admin_ReadOnly', 'PowerUser'][i % 3] ?? 'Admin';
      const s = session(userIdOf(100 + i), ps, String(100000000000 + i), T0 - 1);
      const inline = aws.inline.get(aws.permissionSets.get(ps) ?? '');
      expect(isDenied(aws.scp(), s) || (inline !== undefined && isDenied(inline, s))).toBe(true);
    }
  });

  it('narrows a stretched statement on release, so the new grant works', async () => {
    const { aws, revoker, clock } = setup();
    for (let i = 0; i < 40; i += 1) aws.users.set(`user${i}@example.com`, userIdOf(100 + i));
    const entitlement = (i: number): Entitlement => ({
      kind: 'account-assignment',
      permissionSet: 'Admin',
      account: PROD,
      user: `user${i}@example.com`,
    });
    await revoker.revokeSessions({ entitlement: entitlement(0), cutoff: T0 });
    clock.set(T0 + 30_000);
    expect((await revoker.release(entitlement(0))).state).toBe('done');
    for (let i = 1; i < 40; i += 1) {
      clock.set(T0 + i * 60_000);
      await revoker.revokeSessions({ entitlement: entitlement(i), cutoff: T0 + i * 60_000 });
    }
    const doc = aws.scp();
    expect(isDenied(doc, session(userIdOf(100), 'Admin', PROD, T0 - 1))).toBe(true);
    expect(isDenied(doc, session(userIdOf(100), 'Admin', PROD, T0 + 30_000))).toBe(false);
    expect(isDenied(doc, session(userIdOf(101), 'Admin', PROD, T0 + 60_000 - 1))).toBe(true);
  });

  it('finds or creates the SCP again after it was deleted behind its back', async () => {
    const { aws, revoker } = setup();
    expect(
      (await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 })).state,
    ).toBe('done');
    aws.policies.clear();
    aws.faults.set('DescribePolicy', [new AwsFault('PolicyNotFoundException')]);
    const lost = await revoker.revokeSessions({ entitlement: alice('Admin', DEV), cutoff: T0 });
    expect(lost).toMatchObject({ state: 'failed', retryable: true });
    const again = await revoker.revokeSessions({ entitlement: alice('Admin', DEV), cutoff: T0 });
    expect(again.state).toBe('done');
    expect(aws.count('CreatePolicy')).toBe(2);
    expect(isDenied(aws.scp(), session(userIdOf(1), 'Admin', DEV, T0 - 1))).toBe(true);
  });

  it('answers AWS errors with failed outcomes, never throwing and never echoing credentials', async () => {
    const { aws, revoker } = setup();
    aws.faults.set('ListPolicies', [
      new AwsFault('TooManyRequestsException', 'slow down', { httpStatusCode: 429 }),
    ]);
    const throttled = await revoker.revokeSessions({
      entitlement: alice('Admin', PROD),
      cutoff: T0,
    });
    expect(throttled).toMatchObject({ state: 'failed', retryable: true });
    // Organizations errors are worded as Organizations', not Identity Center's.
    const throttledMessage = throttled.state === 'failed' ? throttled.message : '';
    expect(throttledMessage).toMatch(/^ListPolicies: AWS Organizations throttled/);
    expect(throttledMessage).not.toContain('Identity Center');

    aws.faults.set('DescribePolicy', [
      new AwsFault('AccessDeniedException', 'User AKIAABCDEFGHIJKLMNOP is not authorized'),
    ]);
    const denied = await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    expect(denied).toMatchObject({ state: 'failed', retryable: false });
    expect(JSON.stringify(denied)).not.toContain('AKIAABCDEFGHIJKLMNOP');

    const unknown = await revoker.revokeSessions({
      entitlement: { ...alice('Admin', PROD), user: 'nobody@example.com' },
      cutoff: T0,
    });
    expect(unknown).toMatchObject({ state: 'failed', retryable: false });

    // An Identity Center error keeps Identity Center's wording and names its own call.
    aws.faults.set('ListAccountAssignmentsForPrincipal', [
      new AwsFault('InternalServerException', 'oops', { httpStatusCode: 500 }),
    ]);
    const idc = await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    expect(idc).toMatchObject({ state: 'failed', retryable: true });
    expect(idc.state === 'failed' ? idc.message : '').toMatch(
      /^ListAccountAssignmentsForPrincipal: Identity Center had an internal error/,
    );

    aws.faults.set(
      'UpdatePolicy',
      Array.from({ length: 5 }, () => new AwsFault('ConcurrentModificationException')),
    );
    const busy = await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    expect(busy).toMatchObject({ state: 'failed', retryable: true });
    expect(busy.state === 'failed' ? busy.message : '').toMatch(/^UpdatePolicy: .*concurrent/);
    // And it recovers.
    const ok = await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    expect(ok.state).toBe('done');
  });

  it('refuses to write the SCP once this process no longer leads, leaving the revocation owed (M4)', async () => {
    const { aws, revoker } = setup({ stillLeading: () => Promise.resolve(false) });
    const outcome = await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    expect(outcome).toMatchObject({ state: 'failed', retryable: true });
    expect(outcome.state === 'failed' ? outcome.message : '').toMatch(
      /no longer holds the controller lease/,
    );
    expect(aws.count('UpdatePolicy')).toBe(0);
  });

  it('reads the SCP back after writing and writes again when a concurrent writer lost its change (M4)', async () => {
    const { aws, revoker } = setup();
    await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    const before = aws.scp();
    // Another writer, who read before our write, puts its own older version back once.
    let overwrites = 1;
    aws.afterUpdate = (policy) => {
      if (overwrites-- > 0) policy.content = before;
    };
    const bob: Entitlement = { ...alice('Admin', DEV), user: 'bob@example.com' };
    const outcome = await revoker.revokeSessions({ entitlement: bob, cutoff: T0 + 1_000 });
    expect(outcome.state).toBe('done');
    expect(aws.count('UpdatePolicy')).toBe(3); // the first write, ours lost, ours again
    expect(isDenied(aws.scp(), session(userIdOf(2), 'Admin', DEV, T0))).toBe(true);
    expect(isDenied(aws.scp(), session(userIdOf(1), 'Admin', PROD, T0 - 1_000))).toBe(true);
  });

  it('adds the measured lead of AWS’s clock to the cut-off margin (M3)', async () => {
    const { aws, revoker } = setup({ clockSkew: { aheadMs: () => 90_000 } });
    await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    const margin = DEFAULT_SKEW_MARGIN_MS + 90_000;
    expect(isDenied(aws.scp(), session(userIdOf(1), 'Admin', PROD, T0 + margin - 1_000))).toBe(
      true,
    );
    expect(isDenied(aws.scp(), session(userIdOf(1), 'Admin', PROD, T0 + margin))).toBe(false);
  });

  it('keeps the Deny for the permission set’s described session duration when it is longer than the config’s (M1)', async () => {
    const { aws, revoker } = setup({ sessionDurationOf: () => HOUR });
    aws.sessionDurations.set('Admin', 'PT4H');
    await revoker.revokeSessions({ entitlement: alice('Admin', PROD), cutoff: T0 });
    expect(parsePolicy(aws.scp()).records).toMatchObject([
      { cutoff: T0, expiresAt: T0 + 4 * HOUR },
    ]);
  });

  it('denies by the id captured at grant time, without looking the person up (M2)', async () => {
    const { aws, revoker } = setup();
    aws.users.delete('alice@example.com'); // renamed or deleted since
    const outcome = await revoker.revokeSessions({
      entitlement: alice('Admin', PROD),
      cutoff: T0,
      subjectId: userIdOf(1),
    });
    expect(outcome.state).toBe('done');
    expect(aws.count('GetUserId')).toBe(0);
    expect(isDenied(aws.scp(), session(userIdOf(1), 'Admin', PROD, T0 - 1_000))).toBe(true);
  });
});
