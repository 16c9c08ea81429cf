// Acceptance (Identity Center issue): when a grant ends, the person's live AWS sessions stop
// working. The controller runs through the real SDK adapter and the SCP revoker against the
// Identity Center emulator over HTTP; sessions are issued and evaluated by the emulator, which
// (like AWS) lets a session live until its own expiry unless a Deny matches it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetGroupIdCommand,
  GetUserIdCommand,
  IsMemberInGroupsCommand,
} from '@aws-sdk/client-identitystore';
import {
  DescribePermissionSetCommand,
  ListPermissionSetsCommand,
  UpdatePermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdentityCenterClients } from '../../src/adapters/aws/create-identity-center-clients.js';
import { parseConfig, type JitConfig } from '../../src/config/index.js';
import { Reconciler } from '../../src/controller/reconciler.js';
import { HOUR, MINUTE } from '../../src/core/duration.js';
import type { Principal } from '../../src/core/principal.js';
import { SettableClock } from '../../src/ports/clock.js';
import { SequentialIds } from '../../src/ports/ids.js';
import { silentLogger } from '../../src/ports/logger.js';
import { NoopSessionRevoker } from '../../src/ports/session-revoker.js';
import {
  SANDBOX_CREDENTIALS,
  startIdentityCenterSandbox,
  type IdentityCenterSandbox,
} from '../../src/sandbox/identity-center-sandbox.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { WorkflowService } from '../../src/workflow/workflow-service.js';

const A = '222222222222';
const B = '333333333333';

function configYaml(dir: string): string {
  return `mode: sandbox
permissionSets:
  Admin: { sessionDuration: PT1H, managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess] }
  Admin_ReadOnly: { sessionDuration: PT1H, managedPolicies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }
  DbAdmin: { sessionDuration: PT2H, managedPolicies: [arn:aws:iam::aws:policy/AmazonRDSFullAccess] }
roles:
  admin:
    group: JIT-admin
    permissionSet: Admin
    accounts: ['${A}', '${B}']
    activation: { maxDuration: PT4H, approval: { required: false } }
    eligibility: { members: [alice] }
  readonly:
    group: JIT-readonly
    permissionSet: Admin_ReadOnly
    accounts: ['${A}', '${B}']
    activation: { maxDuration: PT8H, approval: { required: false } }
    eligibility: { members: [alice] }
  db:
    group: JIT-db
    permissionSet: DbAdmin
    accounts: ['${A}', '${B}']
    enforcement: account-assignment
    activation: { maxDuration: PT4H, approval: { required: false } }
    eligibility: { members: [alice] }
directory:
  users:
    alice: { email: alice@example.com, displayName: Alice Example, mfa: true }
store:
  sqlite: ${JSON.stringify(join(dir, 'jit.db'))}
`;
}

interface World {
  dir: string;
  config: JitConfig;
  clock: SettableClock;
  sandbox: IdentityCenterSandbox;
  store: Store;
  workflow: WorkflowService;
  reconciler: Reconciler;
  alice: () => Principal;
  userId: string;
}

let world: World | undefined;

afterEach(async () => {
  if (!world) return;
  await world.store.close();
  await world.sandbox.close();
  await rm(world.dir, { recursive: true, force: true });
  world = undefined;
});

async function createWorld(options: { revoke: boolean }): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'jit-sessions-'));
  const parsed = parseConfig(configYaml(dir), 'sessions.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const config = parsed.config;
  const clock = new SettableClock({ base: () => Date.now() });
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const sandbox = await startIdentityCenterSandbox({ config, clock, sleep });
  const store = await openStore({ sqlitePath: join(dir, 'jit.db') });
  const workflow = new WorkflowService({
    store,
    roles: config.roles,
    admins: config.admins,
    clock,
    ids: new SequentialIds(),
    logger: silentLogger,
    mfaMaxAge: HOUR,
  });
  const reconciler = new Reconciler({
    store,
    target: sandbox.target,
    revoker: options.revoke ? sandbox.revoker : new NoopSessionRevoker(),
    roles: config.roles,
    clock,
    random: () => 0.5,
    sleep,
    logger: silentLogger,
    options: { pollIntervalMs: 50 },
  });
  const { identityStore } = clients(sandbox.endpoint);
  const found = await identityStore.send(
    new GetUserIdCommand({
      IdentityStoreId: sandbox.identityStoreId,
      AlternateIdentifier: {
        UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'alice@example.com' },
      },
    }),
  );
  const alice = (): Principal => ({
    id: 'alice@example.com',
    groups: [],
    isAdmin: false,
    amr: ['pwd', 'mfa'],
    authTime: clock.now(),
  });
  world = {
    dir,
    config,
    clock,
    sandbox,
    store,
    workflow,
    reconciler,
    alice,
    userId: found.UserId ?? '',
  };
  return world;
}

function clients(endpoint: string) {
  return createIdentityCenterClients({
    region: 'us-east-1',
    endpoint,
    credentials: SANDBOX_CREDENTIALS,
  });
}

async function request(
  w: World,
  role: string,
  duration: number,
  accounts?: string[],
): Promise<string> {
  const result = await w.workflow.request(w.alice(), {
    role,
    duration,
    justification: 'INC-42',
    ...(accounts ? { accounts } : {}),
  });
  if (!result.ok) throw new Error(result.refusal.message);
  expect(result.value.grant.status).toBe('active');
  return result.value.grant.id;
}

async function issueSession(
  w: World,
  account: string,
  permissionSet: string,
): Promise<{ status: number; sessionId?: string }> {
  const response = await fetch(`${w.sandbox.endpoint}/_emulator/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      userId: w.userId,
      accountId: account,
      permissionSet,
      at: new Date(w.clock.now()).toISOString(),
    }),
  });
  const body = (await response.json()) as { sessionId?: string };
  return { status: response.status, ...(body.sessionId ? { sessionId: body.sessionId } : {}) };
}

async function allowed(w: World, sessionId: string): Promise<boolean> {
  const response = await fetch(`${w.sandbox.endpoint}/_emulator/sessions/${sessionId}/evaluate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ at: new Date(w.clock.now()).toISOString() }),
  });
  return ((await response.json()) as { allowed: boolean }).allowed;
}

async function isMember(w: World, group: string): Promise<boolean> {
  const { identityStore } = clients(w.sandbox.endpoint);
  const groupId = (
    await identityStore.send(
      new GetGroupIdCommand({
        IdentityStoreId: w.sandbox.identityStoreId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'displayName', AttributeValue: group },
        },
      }),
    )
  ).GroupId;
  const result = await identityStore.send(
    new IsMemberInGroupsCommand({
      IdentityStoreId: w.sandbox.identityStoreId,
      MemberId: { UserId: w.userId },
      GroupIds: [groupId ?? ''],
    }),
  );
  return result.Results?.[0]?.MembershipExists === true;
}

async function sessionOf(w: World, account: string, permissionSet: string): Promise<string> {
  const issued = await issueSession(w, account, permissionSet);
  expect(issued.status, `session for ${permissionSet} in ${account}`).toBe(201);
  return issued.sessionId ?? '';
}

describe('ending live AWS sessions at the end of a grant', () => {
  it('denies the sessions of an ended grant within one pass, and leaves later, other and still-held sessions alone', async () => {
    const w = await createWorld({ revoke: true });
    await request(w, 'admin', HOUR);
    await request(w, 'readonly', 4 * HOUR);
    await w.reconciler.pass();
    expect(await isMember(w, 'JIT-admin')).toBe(true);

    // Sessions taken late in the grant: their own hour would outlive it by 50 minutes.
    w.clock.advance(50 * MINUTE);
    const old = await sessionOf(w, A, 'Admin');
    const otherPermissionSet = await sessionOf(w, A, 'Admin_ReadOnly');
    expect(await allowed(w, old)).toBe(true);

    w.clock.advance(11 * MINUTE);
    await w.reconciler.pass();
    expect(await isMember(w, 'JIT-admin')).toBe(false);
    expect(await allowed(w, old)).toBe(false);
    expect(await allowed(w, otherPermissionSet)).toBe(true);
    expect((await issueSession(w, A, 'Admin')).status).toBe(403); // no access: no new session

    // A later grant works with a new session; the old one stays denied.
    w.clock.advance(MINUTE);
    await request(w, 'admin', HOUR);
    await w.reconciler.pass();
    const fresh = await sessionOf(w, A, 'Admin');
    expect(await allowed(w, fresh)).toBe(true);
    expect(await allowed(w, old)).toBe(false);
  }, 120_000);

  it('denies a removed account but not the same permission set in an account still held', async () => {
    const w = await createWorld({ revoke: true });
    await request(w, 'db', HOUR, [A]);
    await request(w, 'db', 3 * HOUR, [B]);
    await w.reconciler.pass();
    w.clock.advance(50 * MINUTE);
    const inA = await sessionOf(w, A, 'DbAdmin');
    const inB = await sessionOf(w, B, 'DbAdmin');
    w.clock.advance(11 * MINUTE);
    await w.reconciler.pass();
    expect(await allowed(w, inA)).toBe(false);
    expect(await allowed(w, inB)).toBe(true);
  }, 120_000);

  it('without a revoker, the old session outlives the grant: the seed architecture’s weakness', async () => {
    const w = await createWorld({ revoke: false });
    await request(w, 'admin', HOUR);
    await w.reconciler.pass();
    w.clock.advance(50 * MINUTE);
    const old = await sessionOf(w, A, 'Admin');
    w.clock.advance(11 * MINUTE); // past the grant's end, within the session's own hour
    await w.reconciler.pass();
    expect(await isMember(w, 'JIT-admin')).toBe(false);
    expect(await allowed(w, old)).toBe(true);
  }, 120_000);
});

async function fault(
  w: World,
  operation: string,
  spec: Record<string, unknown> | null,
): Promise<void> {
  const response = await fetch(`${w.sandbox.endpoint}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation, fault: spec }),
  });
  expect(response.status).toBe(200);
}

async function auditOf(w: World, action: string): Promise<{ reason?: string }[]> {
  return (await w.store.queryAudit({ action, limit: 1000 })).map((e) => ({
    ...(e.reason === undefined ? {} : { reason: e.reason }),
  }));
}

/** Renames (or, with `null`, deletes) alice in Identity Center, as Entra's SCIM job would. */
async function scimUser(w: World, userName: string | null): Promise<void> {
  const scim = w.sandbox.scim;
  if (!scim) throw new Error('no SCIM endpoint');
  const response = await fetch(`${scim.url}Users/${w.userId}`, {
    method: userName === null ? 'DELETE' : 'PUT',
    headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json' },
    ...(userName === null
      ? {}
      : {
          body: JSON.stringify({
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName,
            displayName: 'Alice Example',
            name: { givenName: 'Alice', familyName: 'Example' },
            emails: [{ value: userName, type: 'work', primary: true }],
            active: true,
          }),
        }),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
}

describe('revocations that fail, or whose person changed (security review H2, M1, M2)', () => {
  it('retries a revocation that failed on DescribePolicy until the old session is denied (H2)', async () => {
    const w = await createWorld({ revoke: true });
    await request(w, 'admin', HOUR);
    await w.reconciler.pass();
    w.clock.advance(50 * MINUTE);
    const old = await sessionOf(w, A, 'Admin');
    await fault(w, 'DescribePolicy', { errorRate: 1, errorKind: 'ServiceUnavailable' });
    w.clock.advance(11 * MINUTE);
    await w.reconciler.pass();
    expect(await isMember(w, 'JIT-admin')).toBe(false);
    expect(await allowed(w, old)).toBe(true); // not denied yet: Organizations is failing
    const [failed] = await auditOf(w, 'sessions.revoke_failed');
    expect(failed?.reason).toMatch(/will retry at \S+Z \(attempt 1 failed\)$/);

    await fault(w, 'DescribePolicy', null);
    w.clock.advance(MINUTE); // past the retry time the audit entry named
    await w.reconciler.pass();
    expect(await allowed(w, old)).toBe(false);
    expect(await auditOf(w, 'sessions.revoked')).toHaveLength(1);
    expect(await w.store.openRevocations()).toEqual([]);
  }, 120_000);

  it('raises an overdue alert once while a revocation keeps failing, and lapses it when moot', async () => {
    const w = await createWorld({ revoke: true });
    await request(w, 'admin', HOUR);
    await w.reconciler.pass();
    await fault(w, 'DescribePolicy', { errorRate: 1, errorKind: 'AccessDeniedException' });
    w.clock.advance(61 * MINUTE);
    await w.reconciler.pass();
    for (let i = 0; i < 4; i += 1) {
      w.clock.advance(5 * MINUTE);
      await w.reconciler.pass();
    }
    expect(await auditOf(w, 'sessions.revocation_overdue')).toHaveLength(1);
    expect((await auditOf(w, 'sessions.revoke_failed')).length).toBeGreaterThanOrEqual(3);
    w.clock.advance(12 * HOUR);
    await w.reconciler.pass();
    expect(await auditOf(w, 'sessions.revocation_lapsed')).toHaveLength(1);
    expect(await w.store.openRevocations()).toEqual([]);
  }, 120_000);

  it('denies the old session of a person renamed by SCIM during the grant, by the id captured at grant time (M2)', async () => {
    const w = await createWorld({ revoke: true });
    await request(w, 'admin', HOUR);
    await w.reconciler.pass();
    w.clock.advance(50 * MINUTE);
    const old = await sessionOf(w, A, 'Admin');
    await scimUser(w, 'alice.renamed@example.com');
    w.clock.advance(11 * MINUTE);
    await w.reconciler.pass();
    expect(await allowed(w, old)).toBe(false);
    expect(await auditOf(w, 'sessions.revoked')).toHaveLength(1);
  }, 120_000);

  it('denies the old session of a person deleted by SCIM during the grant (M2)', async () => {
    const w = await createWorld({ revoke: true });
    await request(w, 'admin', HOUR);
    await w.reconciler.pass();
    w.clock.advance(50 * MINUTE);
    const old = await sessionOf(w, A, 'Admin');
    await scimUser(w, null);
    w.clock.advance(11 * MINUTE);
    await w.reconciler.pass();
    expect(await allowed(w, old)).toBe(false);
    expect(await auditOf(w, 'sessions.revoked')).toHaveLength(1);
  }, 120_000);

  it('keeps the Deny while a session of the permission set’s real, longer duration lives (M1)', async () => {
    const w = await createWorld({ revoke: true });
    // Identity Center says PT4H, the config still says PT1H: sessions last four hours.
    const { ssoAdmin } = clients(w.sandbox.endpoint);
    const arns = await ssoAdmin.send(
      new ListPermissionSetsCommand({ InstanceArn: w.sandbox.instanceArn }),
    );
    for (const arn of arns.PermissionSets ?? []) {
      const described = await ssoAdmin.send(
        new DescribePermissionSetCommand({
          InstanceArn: w.sandbox.instanceArn,
          PermissionSetArn: arn,
        }),
      );
      if (described.PermissionSet?.Name !== 'Admin') continue;
      await ssoAdmin.send(
        new UpdatePermissionSetCommand({
          InstanceArn: w.sandbox.instanceArn,
          PermissionSetArn: arn,
          SessionDuration: 'PT4H',
        }),
      );
    }
    await request(w, 'admin', HOUR);
    await w.reconciler.pass();
    w.clock.advance(50 * MINUTE);
    const old = await sessionOf(w, A, 'Admin');
    w.clock.advance(11 * MINUTE);
    await w.reconciler.pass();
    expect(await allowed(w, old)).toBe(false);
    // Two hours later the config's hour is long over, the session's four are not; another
    // removal makes the revoker rewrite (and compact) the SCP.
    w.clock.advance(2 * HOUR);
    await request(w, 'db', HOUR, [A]);
    await w.reconciler.pass();
    w.clock.advance(61 * MINUTE);
    await w.reconciler.pass();
    expect(await auditOf(w, 'sessions.revoked')).toHaveLength(2);
    expect(await allowed(w, old)).toBe(false);
  }, 120_000);
});
