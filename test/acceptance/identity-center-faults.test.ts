// Acceptance (Identity Center issue): account-assignment mode with 200 grants while 30% of
// the emulator's answers are injected faults (conflicts, 5xx, throttling, slow statuses).
// The controller talks to the emulator through the real SDK adapter over HTTP, in real
// time: everything converges, no removal is lost, the emulator saw no more than its quotas,
// and the audit shows the retries.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityCenterClients } from '../../src/adapters/aws/create-identity-center-clients.js';
import { IdentityCenterAccessTarget } from '../../src/adapters/aws/identity-center-access-target.js';
import { IdentityCenterIds } from '../../src/adapters/aws/identity-center-ids.js';
import { verifyAudit } from '../../src/audit/verify-audit.js';
import { parseConfig, type JitConfig } from '../../src/config/index.js';
import { Reconciler } from '../../src/controller/reconciler.js';
import { HOUR } from '../../src/core/duration.js';
import type { ActiveGrant } from '../../src/core/grant.js';
import { policySnapshot } from '../../src/core/request-policy.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from '../../src/emulators/identity-center/start-identity-center-emulator.js';
import { applyIdentityCenter } from '../../src/plan/apply-identity-center.js';
import { SettableClock } from '../../src/ports/clock.js';
import { silentLogger } from '../../src/ports/logger.js';
import { NoopSessionRevoker } from '../../src/ports/session-revoker.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';

// Identity Center changes one permission set in one account at a time (ConflictException
// otherwise), so 200 grants of one permission set in one account would queue for minutes, in
// AWS as here. Ten people each granted in twenty accounts keep twenty such lanes busy.
const USERS = 10;
const ACCOUNTS = Array.from({ length: 20 }, (_, i) => String(200_000_000_000 + i * 1_111));
const GRANTS = USERS * ACCOUNTS.length; // one entitlement per user and account: 200

function configYaml(dir: string): string {
  const users = Array.from(
    { length: USERS },
    (_, i) => `    u${i}: { email: u${i}@example.com, displayName: User ${i}, mfa: true }`,
  ).join('\n');
  return `mode: sandbox
permissionSets:
  DbAdmin:
    sessionDuration: PT1H
    managedPolicies: [arn:aws:iam::aws:policy/AmazonRDSFullAccess]
roles:
  db-admin:
    group: JIT-db-admin
    permissionSet: DbAdmin
    accounts: [${ACCOUNTS.map((a) => `'${a}'`).join(', ')}]
    enforcement: account-assignment
    activation: { maxDuration: PT2H, approval: { required: true, approvers: [u0], quorum: 1 } }
    eligibility: { members: [everyone] }
directory:
  users:
${users}
  groups:
    everyone: { members: [${Array.from({ length: USERS }, (_, i) => `u${i}`).join(', ')}] }
store:
  sqlite: ${JSON.stringify(join(dir, 'jit.db'))}
`;
}

/** A repeatable stream of numbers in [0, 1) (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir: string;
let config: JitConfig;
let emulator: RunningIdentityCenterEmulator;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jit-idc-faults-'));
  const parsed = parseConfig(configYaml(dir), 'faults.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  config = parsed.config;
  emulator = await startIdentityCenterEmulator({
    random: seeded(7),
    seed: {
      managementAccount: { id: '999999999999', name: 'management' },
      accounts: ACCOUNTS.map((id) => ({ id, name: id })),
    },
  });
  store = await openStore({ sqlitePath: join(dir, 'jit.db') });
});

afterAll(async () => {
  await store.close();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe('account-assignment mode under injected faults', () => {
  it(`converges for ${GRANTS} grants and their removal with 30% faults, within the quotas, with retries audited`, async () => {
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const { ssoAdmin, identityStore } = createIdentityCenterClients({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: { accessKeyId: 'AKIAJITTEST', secretAccessKey: 'test' },
    });
    const applied = await applyIdentityCenter({
      config,
      ssoAdmin,
      identityStore,
      createUsers: true,
      sleep,
    });
    const clock = new SettableClock({ base: () => Date.now() });
    const ids = new IdentityCenterIds({
      ssoAdmin,
      identityStore,
      instanceArn: applied.instanceArn,
      identityStoreId: applied.identityStoreId,
      clock,
      permissionSetArns: Object.fromEntries(applied.permissionSetArns),
    });
    const target = new IdentityCenterAccessTarget({ ssoAdmin, identityStore, ids, clock });

    const role = config.roles.get('db-admin');
    if (!role) throw new Error('role missing');
    const now = clock.now();
    await store.transaction(async (tx) => {
      for (let i = 0; i < USERS; i += 1) {
        const grant: ActiveGrant = {
          status: 'active',
          id: `g_${i}`,
          role: role.name,
          principal: `u${i}@example.com`,
          accounts: ACCOUNTS,
          duration: HOUR,
          requestedAt: now,
          policy: policySnapshot(role),
          approvals: [],
          startsAt: now,
          endsAt: now + HOUR,
          authorizedAt: now,
          activatedAt: now,
          extensions: 0,
        };
        await tx.insertGrant(grant);
      }
    });

    // 30% of the answers of each operation the controller uses are faults.
    const faults = emulator.emulator.faults;
    faults.set('CreateAccountAssignment', {
      errorRate: 0.3,
      errorKind: 'ConflictException',
      statusDelayMs: 1_500,
    });
    faults.set('DeleteAccountAssignment', {
      errorRate: 0.3,
      errorKind: 'InternalServerException',
      statusDelayMs: 1_500,
    });
    faults.set('DescribeAccountAssignmentCreationStatus', {
      errorRate: 0.3,
      errorKind: 'ThrottlingException',
    });
    faults.set('DescribeAccountAssignmentDeletionStatus', {
      errorRate: 0.3,
      errorKind: 'ServiceUnavailable',
    });
    faults.set('ListAccountAssignments', { errorRate: 0.3, errorKind: 'ThrottlingException' });
    emulator.emulator.resetCalls();

    const reconciler = new Reconciler({
      store,
      target,
      revoker: new NoopSessionRevoker(),
      roles: config.roles,
      clock,
      random: seeded(11),
      sleep,
      logger: silentLogger,
      options: { maxConcurrency: 8, pollIntervalMs: 250, backoff: { baseMs: 100, maxMs: 2_000 } },
    });
    const scope = { groups: [], assignments: [{ permissionSet: 'DbAdmin', accounts: ACCOUNTS }] };
    const heldNow = async () => (await target.list(scope)).length;

    async function converge(want: number): Promise<number> {
      for (let pass = 1; pass <= 30; pass += 1) {
        await reconciler.pass();
        const held = await heldNow().catch(() => -1);
        if (held === want) return pass;
        const retryAt = reconciler.nextRetryAt();
        if (retryAt !== undefined && retryAt > clock.now())
          await sleep(Math.min(2_000, retryAt - clock.now()));
      }
      throw new Error(`did not converge to ${want} held`);
    }

    const grantPasses = await converge(GRANTS);
    clock.advance(HOUR + 60_000);
    const removalPasses = await converge(0);

    // Only the injected faults failed calls: the adapter's limiter kept within the quotas.
    const calls = (await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as {
      operations: Record<string, { calls: number; throttled: number; faulted: number }>;
      peakRequestsPerSecond: number;
      peakOutstandingCreates: number;
    };
    const throttledByQuota = Object.values(calls.operations).reduce((n, op) => n + op.throttled, 0);
    const faulted = Object.values(calls.operations).reduce((n, op) => n + op.faulted, 0);
    expect(throttledByQuota).toBe(0);
    expect(calls.peakOutstandingCreates).toBeLessThanOrEqual(10);
    // 20 a second sustained plus the limiter's burst of 10 after a quiet moment.
    expect(calls.peakRequestsPerSecond).toBeLessThanOrEqual(30);
    expect(faulted).toBeGreaterThan(0);

    const audit = await store.queryAudit({ limit: 10_000 });
    expect(audit.filter((e) => e.action === 'target.granted')).toHaveLength(GRANTS);
    expect(audit.filter((e) => e.action === 'target.revoked')).toHaveLength(GRANTS);
    const retries = audit.filter(
      (e) => e.action === 'target.retry' || e.action.endsWith('_failed'),
    );
    expect(retries.length).toBeGreaterThan(0);
    const head = await store.auditHead();
    expect((await verifyAudit(store.auditEntries(1000, head.seq), head)).ok).toBe(true);
    console.info(
      JSON.stringify({
        grantPasses,
        removalPasses,
        faulted,
        retriesAudited: retries.length,
        peakRequestsPerSecond: calls.peakRequestsPerSecond,
        peakOutstandingCreates: calls.peakOutstandingCreates,
      }),
    );
  }, 900_000);
});
