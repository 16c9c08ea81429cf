// Unit tests of IdentityCenterAccessTarget through the real SDK clients, against a TINY LOCAL
// TEST FAKE (node:http, AWS JSON 1.1) that answers only the operations the adapter calls.
// It is NOT the Identity Center emulator (src/emulators/identity-center/), shares no code
// with it, and is no evidence of AWS behaviour: it exists to drive the adapter's error
// mapping, caching and pagination deterministically. The contract run against the emulator
// lives in identity-center-access-target.emulator.test.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runAccessTargetContract } from '../../../test/contracts/access-target-contract.js';
import type { TargetOperation } from '../../ports/access-target.js';
import { SettableClock } from '../../ports/clock.js';
import { createIdentityCenterClients } from './create-identity-center-clients.js';
import { IdentityCenterAccessTarget } from './identity-center-access-target.js';
import { IdentityCenterIds, type IdentityCenterIdsOptions } from './identity-center-ids.js';
import { IdentityCenterRateLimiter } from './identity-center-rate-limiter.js';

const INSTANCE = 'arn:aws:sso:::instance/ssoins-0000000000000000';
const STORE = 'd-0000000000';

interface Fault {
  readonly operation: string;
  readonly status: number;
  readonly type: string;
  readonly extra?: Record<string, unknown>;
  /** How many calls it answers; default 1. */
  times?: number;
}

interface Request {
  readonly id: string;
  readonly action: 'create' | 'delete';
  readonly account: string;
  readonly permissionSetArn: string;
  readonly userId: string;
  pollsLeft: number;
  failWith?: string;
}

class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(type);
  }
}

/** The local test fake: in-memory users, groups, memberships, permission sets, assignments. */
class LocalJson11Fake {
  readonly users = new Map<string, string>(); // id -> userName
  readonly groups = new Map<string, string>(); // id -> displayName
  readonly memberships = new Map<string, { groupId: string; userId: string }>();
  readonly permissionSets = new Map<string, string>(); // arn -> name
  readonly assignments = new Set<string>(); // account|arn|userId
  readonly requests = new Map<string, Request>();
  readonly calls = new Map<string, number>();
  readonly faults: Fault[] = [];
  /** Items per page of every List call (small, to exercise NextToken). */
  pageSize = 1;
  /** Describe*Status calls an operation stays IN_PROGRESS. */
  pendingPolls = 1;
  /** Reason to fail the next assignment operation with (FAILED status). */
  failNextAssignment: string | undefined;
  #next = 0;
  url = '';
  readonly #server = createServer((req, res) => void this.#handle(req, res));

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
    this.#server.closeAllConnections();
    await closed;
  }

  id(prefix: string): string {
    this.#next += 1;
    return `${prefix}${String(this.#next).padStart(8, '0')}`;
  }

  addUser(userName: string): string {
    const id = this.id('u-');
    this.users.set(id, userName);
    return id;
  }

  addGroup(displayName: string): string {
    const id = this.id('g-');
    this.groups.set(id, displayName);
    return id;
  }

  addPermissionSet(name: string): string {
    const arn = `${INSTANCE.replace('instance', 'permissionSet')}/ps-${this.id('')}`;
    this.permissionSets.set(arn, name);
    return arn;
  }

  count(operation: string): number {
    return this.calls.get(operation) ?? 0;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : '';
    this.calls.set(operation, this.count(operation) + 1);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.headers.authorization === undefined)
        throw new AwsFault(400, 'MissingAuthenticationTokenException');
      const fault = this.faults.find((f) => f.operation === operation);
      if (fault !== undefined) {
        fault.times = (fault.times ?? 1) - 1;
        if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
        throw new AwsFault(fault.status, fault.type, fault.extra);
      }
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<
        string,
        unknown
      >;
      send(200, this.#answer(operation, input));
    } catch (error) {
      if (!(error instanceof AwsFault)) throw error;
      send(error.status, {
        __type: error.type,
        message: `${error.type} from the local fake`,
        ...error.extra,
      });
    }
  }

  #page<T>(items: T[], token: unknown): { items: T[]; NextToken?: string } {
    const start = typeof token === 'string' ? Number(token) : 0;
    const end = start + this.pageSize;
    return end < items.length
      ? { items: items.slice(start, end), NextToken: String(end) }
      : { items: items.slice(start) };
  }

  #answer(operation: string, input: Record<string, unknown>): unknown {
    const s = (key: string): string => String(input[key]);
    const alternate = input.AlternateIdentifier as {
      UniqueAttribute: { AttributePath: string; AttributeValue: string };
    };
    const memberUser = (): string => (input.MemberId as { UserId: string }).UserId;
    const notFound = (type: string): AwsFault =>
      new AwsFault(400, 'ResourceNotFoundException', { ResourceType: type });
    switch (operation) {
      case 'GetUserId': {
        const value = alternate.UniqueAttribute.AttributeValue;
        const found = [...this.users].find(([, name]) => name === value);
        if (found === undefined) throw notFound('USER');
        return { IdentityStoreId: STORE, UserId: found[0] };
      }
      case 'GetGroupId': {
        const value = alternate.UniqueAttribute.AttributeValue;
        const found = [...this.groups].find(([, name]) => name === value);
        if (found === undefined) throw notFound('GROUP');
        return { IdentityStoreId: STORE, GroupId: found[0] };
      }
      case 'DescribeUser': {
        const userName = this.users.get(s('UserId'));
        if (userName === undefined) throw notFound('USER');
        return { IdentityStoreId: STORE, UserId: s('UserId'), UserName: userName };
      }
      case 'CreateGroupMembership': {
        if (!this.groups.has(s('GroupId'))) throw notFound('GROUP');
        if (!this.users.has(memberUser())) throw notFound('USER');
        for (const m of this.memberships.values()) {
          if (m.groupId === s('GroupId') && m.userId === memberUser()) {
            throw new AwsFault(400, 'ConflictException', {
              Reason: 'UNIQUENESS_CONSTRAINT_VIOLATION',
            });
          }
        }
        const id = this.id('m-');
        this.memberships.set(id, { groupId: s('GroupId'), userId: memberUser() });
        return { IdentityStoreId: STORE, MembershipId: id };
      }
      case 'GetGroupMembershipId': {
        if (!this.groups.has(s('GroupId'))) throw notFound('GROUP');
        for (const [id, m] of this.memberships) {
          if (m.groupId === s('GroupId') && m.userId === memberUser()) {
            return { IdentityStoreId: STORE, MembershipId: id };
          }
        }
        throw notFound('GROUP_MEMBERSHIP');
      }
      case 'DeleteGroupMembership':
        if (!this.memberships.delete(s('MembershipId'))) throw notFound('GROUP_MEMBERSHIP');
        return {};
      case 'ListGroupMemberships': {
        const all = [...this.memberships]
          .filter(([, m]) => m.groupId === s('GroupId'))
          .map(([id, m]) => ({
            IdentityStoreId: STORE,
            MembershipId: id,
            GroupId: m.groupId,
            MemberId: { UserId: m.userId },
          }));
        const { items, NextToken } = this.#page(all, input.NextToken);
        return { GroupMemberships: items, ...(NextToken ? { NextToken } : {}) };
      }
      case 'ListPermissionSets': {
        const { items, NextToken } = this.#page([...this.permissionSets.keys()], input.NextToken);
        return { PermissionSets: items, ...(NextToken ? { NextToken } : {}) };
      }
      case 'DescribePermissionSet': {
        const name = this.permissionSets.get(s('PermissionSetArn'));
        if (name === undefined) throw notFound('PERMISSION_SET');
        return {
          PermissionSet: {
            Name: name,
            PermissionSetArn: s('PermissionSetArn'),
            SessionDuration: 'PT1H',
            CreatedDate: 1_700_000_000,
          },
        };
      }
      case 'ListAccountAssignments': {
        const all = [...this.assignments]
          .map((key) => key.split('|') as [string, string, string])
          .filter(([account, arn]) => account === s('AccountId') && arn === s('PermissionSetArn'))
          .map(([account, arn, userId]) => ({
            AccountId: account,
            PermissionSetArn: arn,
            PrincipalType: 'USER',
            PrincipalId: userId,
          }));
        const { items, NextToken } = this.#page(all, input.NextToken);
        return { AccountAssignments: items, ...(NextToken ? { NextToken } : {}) };
      }
      case 'CreateAccountAssignment':
      case 'DeleteAccountAssignment': {
        if (!this.permissionSets.has(s('PermissionSetArn'))) throw notFound('PERMISSION_SET');
        const request: Request = {
          id: this.id('req-'),
          action: operation === 'CreateAccountAssignment' ? 'create' : 'delete',
          account: s('TargetId'),
          permissionSetArn: s('PermissionSetArn'),
          userId: s('PrincipalId'),
          pollsLeft: this.pendingPolls,
          ...(this.failNextAssignment !== undefined ? { failWith: this.failNextAssignment } : {}),
        };
        this.failNextAssignment = undefined;
        this.requests.set(request.id, request);
        const key =
          request.action === 'create'
            ? 'AccountAssignmentCreationStatus'
            : 'AccountAssignmentDeletionStatus';
        return { [key]: this.#status(request) };
      }
      case 'DescribeAccountAssignmentCreationStatus':
      case 'DescribeAccountAssignmentDeletionStatus': {
        const create = operation === 'DescribeAccountAssignmentCreationStatus';
        const request = this.requests.get(
          s(create ? 'AccountAssignmentCreationRequestId' : 'AccountAssignmentDeletionRequestId'),
        );
        if (request === undefined) throw notFound('REQUEST');
        request.pollsLeft -= 1;
        return {
          [create ? 'AccountAssignmentCreationStatus' : 'AccountAssignmentDeletionStatus']:
            this.#status(request),
        };
      }
      default:
        throw new AwsFault(400, 'UnknownOperationException');
    }
  }

  #status(request: Request): Record<string, unknown> {
    const base = {
      RequestId: request.id,
      TargetId: request.account,
      TargetType: 'AWS_ACCOUNT',
      PermissionSetArn: request.permissionSetArn,
      PrincipalType: 'USER',
      PrincipalId: request.userId,
      CreatedDate: 1_700_000_000,
    };
    if (request.pollsLeft > 0) return { ...base, Status: 'IN_PROGRESS' };
    if (request.failWith !== undefined)
      return { ...base, Status: 'FAILED', FailureReason: request.failWith };
    const key = `${request.account}|${request.permissionSetArn}|${request.userId}`;
    if (request.action === 'create') this.assignments.add(key);
    else this.assignments.delete(key);
    return { ...base, Status: 'SUCCEEDED' };
  }
}

interface Setup {
  readonly fake: LocalJson11Fake;
  readonly clock: SettableClock;
  readonly target: IdentityCenterAccessTarget;
}

const running: LocalJson11Fake[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
});

async function setup(
  options: Partial<Omit<IdentityCenterIdsOptions, 'ssoAdmin' | 'identityStore' | 'clock'>> = {},
  seed = true,
): Promise<Setup> {
  const fake = await new LocalJson11Fake().start();
  running.push(fake);
  if (seed) {
    fake.addUser('alice@example.com');
    fake.addUser('bob@example.com');
    fake.addGroup('JIT-ec2-admin');
    fake.addGroup('JIT-s3-admin');
    fake.addPermissionSet('EC2Admin');
    fake.addPermissionSet('S3Admin');
  }
  const clock = new SettableClock({ fixed: 1_700_000_000_000 });
  const { ssoAdmin, identityStore } = createIdentityCenterClients({
    region: 'us-east-1',
    endpoint: fake.url,
    credentials: { accessKeyId: 'AKIDLOCALFAKE', secretAccessKey: 'local-fake-secret' },
    maxAttempts: 1, // the controller retries; here every answer is seen as it is
    limiter: new IdentityCenterRateLimiter({
      now: () => performance.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      requestsPerSecond: 10_000,
    }),
  });
  const ids = new IdentityCenterIds({
    ssoAdmin,
    identityStore,
    instanceArn: INSTANCE,
    identityStoreId: STORE,
    clock,
    ...options,
  });
  const target = new IdentityCenterAccessTarget({ ssoAdmin, identityStore, ids, clock });
  return { fake, clock, target };
}

async function settle(
  target: IdentityCenterAccessTarget,
  op: TargetOperation,
): Promise<TargetOperation> {
  let current = op;
  for (let i = 0; i < 20 && current.state === 'pending'; i += 1)
    current = await target.poll(current.operationId);
  return current;
}

const membership = {
  kind: 'group-membership',
  group: 'JIT-ec2-admin',
  user: 'alice@example.com',
} as const;
const assignment = {
  kind: 'account-assignment',
  permissionSet: 'EC2Admin',
  account: '111111111111',
  user: 'alice@example.com',
} as const;

runAccessTargetContract('identity-center adapter against the local test fake (not the emulator)', {
  create: async () => {
    const { fake, target } = await setup();
    running.splice(running.indexOf(fake), 1);
    return { target, cleanup: () => fake.stop() };
  },
});

describe('IdentityCenterAccessTarget, group membership', () => {
  it('adds the member and reports the confirmation time from the clock', async () => {
    const { fake, target, clock } = await setup();
    expect(await target.grant(membership)).toEqual({ state: 'done', confirmedAt: clock.now() });
    expect(fake.memberships.size).toBe(1);
  });

  it('treats an existing membership (ConflictException) as done without trying again', async () => {
    const { fake, target } = await setup();
    await target.grant(membership);
    expect((await target.grant(membership)).state).toBe('done');
    expect(fake.count('CreateGroupMembership')).toBe(2);
    expect(fake.memberships.size).toBe(1);
  });

  it('retries a concurrent-modification conflict rather than calling it done', async () => {
    const { fake, target } = await setup();
    fake.faults.push({
      operation: 'CreateGroupMembership',
      status: 400,
      type: 'ConflictException',
      extra: { Reason: 'CONCURRENT_MODIFICATION' },
    });
    expect(await target.grant(membership)).toMatchObject({
      state: 'failed',
      retryable: true,
      code: 'ConflictException',
    });
  });

  it('says which user is missing and how to fix it', async () => {
    const { target } = await setup();
    const result = await target.grant({ ...membership, user: 'carol@example.com' });
    expect(result).toMatchObject({
      state: 'failed',
      retryable: false,
      code: 'ResourceNotFoundException',
    });
    expect(result.state === 'failed' && result.message).toBe(
      `no Identity Center user with userName carol@example.com in identity store ${STORE}; provision the user (SCIM) or set userNameOf`,
    );
  });

  it('says which group is missing', async () => {
    const { target } = await setup();
    const result = await target.grant({ ...membership, group: 'JIT-nope' });
    expect(result).toMatchObject({ state: 'failed', retryable: false });
    expect(result.state === 'failed' && result.message).toContain(
      'no Identity Center group with displayName JIT-nope',
    );
  });

  it('maps throttling to a retryable failure carrying RetryAfterSeconds', async () => {
    const { fake, target } = await setup();
    fake.faults.push({
      operation: 'CreateGroupMembership',
      status: 400,
      type: 'ThrottlingException',
      extra: { RetryAfterSeconds: 2 },
    });
    expect(await target.grant(membership)).toMatchObject({
      state: 'failed',
      retryable: true,
      code: 'ThrottlingException',
      retryAfterMs: 2000,
    });
  });

  it('maps an internal error to a retryable failure and access denied to a permanent one', async () => {
    const { fake, target } = await setup();
    fake.faults.push({ operation: 'GetUserId', status: 500, type: 'InternalServerException' });
    expect(await target.grant(membership)).toMatchObject({
      retryable: true,
      code: 'InternalServerException',
    });
    fake.faults.push({
      operation: 'CreateGroupMembership',
      status: 403,
      type: 'AccessDeniedException',
    });
    const denied = await target.grant(membership);
    expect(denied).toMatchObject({ retryable: false, code: 'AccessDeniedException' });
    expect(denied.state === 'failed' && denied.message).not.toContain('local-fake-secret');
  });

  it('revokes, and revoking a membership that is not there is done', async () => {
    const { fake, target } = await setup();
    await target.grant(membership);
    expect((await target.revoke(membership)).state).toBe('done');
    expect(fake.memberships.size).toBe(0);
    expect((await target.revoke(membership)).state).toBe('done');
    expect(fake.count('DeleteGroupMembership')).toBe(1);
  });

  it('caches user and group ids until the time to live has passed', async () => {
    const { fake, target, clock } = await setup({ cacheTtlMs: 60_000 });
    await target.grant(membership);
    await target.revoke(membership);
    await target.grant(membership);
    expect(fake.count('GetUserId')).toBe(1);
    expect(fake.count('GetGroupId')).toBe(1);
    clock.advance(60_000);
    await target.revoke(membership);
    expect(fake.count('GetUserId')).toBe(2);
    expect(fake.count('GetGroupId')).toBe(2);
  });

  it('re-resolves a cached user id that AWS no longer knows (user re-provisioned)', async () => {
    const { fake, target } = await setup();
    await target.grant(membership);
    await target.revoke(membership);
    const [oldId] = [...fake.users].find(([, name]) => name === 'alice@example.com')!;
    fake.users.delete(oldId);
    const newId = fake.addUser('alice@example.com');
    expect((await target.grant(membership)).state).toBe('done');
    expect([...fake.memberships.values()][0]?.userId).toBe(newId);
  });

  it('lists members across pages and maps user ids back to principals', async () => {
    const { fake, target } = await setup({
      userNameOf: (principal) => `${principal}@example.com`,
      principalIdOf: (userName) => userName.replace(/@example\.com$/, ''),
    });
    fake.addUser('carol@example.com');
    for (const user of ['alice', 'bob', 'carol']) {
      await target.grant({ kind: 'group-membership', group: 'JIT-ec2-admin', user });
    }
    const listed = await target.list({ groups: ['JIT-ec2-admin', 'JIT-missing'], assignments: [] });
    expect(listed.map((e) => e.user).sort()).toEqual(['alice', 'bob', 'carol']);
    expect(fake.count('ListGroupMemberships')).toBe(3);
  });
});

describe('IdentityCenterAccessTarget, account assignment', () => {
  it('returns pending with an operation id naming the creation request', async () => {
    const { target } = await setup();
    const started = await target.grant(assignment);
    expect(started).toMatchObject({ state: 'pending' });
    expect(started.state === 'pending' && started.operationId).toMatch(/^create:req-/);
    expect(await settle(target, started)).toMatchObject({ state: 'done' });
  });

  it('resolves permission sets by listing and describing them once', async () => {
    const { fake, target } = await setup();
    await settle(target, await target.grant(assignment));
    await settle(target, await target.grant({ ...assignment, permissionSet: 'S3Admin' }));
    expect(fake.count('ListPermissionSets')).toBe(2); // two pages of one
    expect(fake.count('DescribePermissionSet')).toBe(2);
  });

  it('uses configured permission-set ARNs without listing', async () => {
    const arn = 'arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-configured';
    const { fake, target } = await setup({ permissionSetArns: { EC2Admin: arn } });
    fake.permissionSets.set(arn, 'EC2Admin');
    await settle(target, await target.grant(assignment));
    expect(fake.count('ListPermissionSets')).toBe(0);
    expect([...fake.assignments][0]).toContain(arn);
  });

  it('says which permission set is missing', async () => {
    const { target } = await setup();
    const result = await target.grant({ ...assignment, permissionSet: 'Nope' });
    expect(result).toMatchObject({ state: 'failed', retryable: false });
    expect(result.state === 'failed' && result.message).toContain('no permission set named Nope');
  });

  it('retries a conflict with a change in flight', async () => {
    const { fake, target } = await setup();
    fake.faults.push({
      operation: 'CreateAccountAssignment',
      status: 400,
      type: 'ConflictException',
    });
    expect(await target.grant(assignment)).toMatchObject({
      state: 'failed',
      retryable: true,
      code: 'ConflictException',
    });
  });

  it('treats a conflict over an assignment that already exists as done', async () => {
    const { fake, target } = await setup();
    await settle(target, await target.grant(assignment));
    fake.faults.push({
      operation: 'CreateAccountAssignment',
      status: 400,
      type: 'ConflictException',
    });
    expect((await target.grant(assignment)).state).toBe('done');
  });

  it('reports a FAILED status as retryable unless the reason is permanent', async () => {
    const { fake, target } = await setup();
    fake.failNextAssignment = 'Request failed because of an internal error';
    expect(await settle(target, await target.grant(assignment))).toMatchObject({
      state: 'failed',
      retryable: true,
      code: 'AccountAssignmentCreationFailed',
    });
    fake.failNextAssignment = 'Received a 404 status error: No such account exists';
    const permanent = await settle(target, await target.grant(assignment));
    expect(permanent).toMatchObject({ state: 'failed', retryable: false });
    expect(permanent.state === 'failed' && permanent.message).toContain('No such account exists');
  });

  it('treats a FAILED deletion of an assignment that is gone as done', async () => {
    const { fake, target } = await setup();
    fake.failNextAssignment = 'Assignment does not exist';
    expect((await settle(target, await target.revoke(assignment))).state).toBe('done');
  });

  it('re-resolves a cached user id that AWS no longer knows before creating an assignment', async () => {
    const { fake, target } = await setup();
    fake.faults.push({
      operation: 'CreateAccountAssignment',
      status: 400,
      type: 'ResourceNotFoundException',
    });
    expect((await settle(target, await target.grant(assignment))).state).toBe('done');
    expect(fake.count('CreateAccountAssignment')).toBe(2);
    expect(fake.count('GetUserId')).toBe(2);
  });

  it('refuses to follow an unknown request id, permanently', async () => {
    const { target } = await setup();
    expect(await target.poll('create:req-unknown')).toMatchObject({
      state: 'failed',
      retryable: false,
      code: 'UnknownOperation',
    });
  });

  it('lists only USER assignments across pages', async () => {
    const { fake, target } = await setup();
    await settle(target, await target.grant(assignment));
    await settle(target, await target.grant({ ...assignment, user: 'bob@example.com' }));
    const listed = await target.list({
      groups: [],
      assignments: [{ permissionSet: 'EC2Admin', accounts: ['111111111111', '222222222222'] }],
    });
    expect(listed.map((e) => e.user).sort()).toEqual(['alice@example.com', 'bob@example.com']);
    expect(fake.count('DescribeUser')).toBe(2);
    await target.list({
      groups: [],
      assignments: [{ permissionSet: 'EC2Admin', accounts: ['111111111111'] }],
    });
    expect(fake.count('DescribeUser')).toBe(2); // user names are cached
  });
});
