// Identity Center: grant and revoke latency through the real SDK adapter against the
// emulator with 50 ms injected on every AWS call, in both enforcement modes; AWS calls per
// grant as the emulator counted them; and the ratio to the floor (minimum round trips × 50 ms).
import { createIdentityCenterClients } from '../src/adapters/aws/create-identity-center-clients.js';
import { IdentityCenterAccessTarget } from '../src/adapters/aws/identity-center-access-target.js';
import { IdentityCenterIds } from '../src/adapters/aws/identity-center-ids.js';
import { parseConfig } from '../src/config/index.js';
import type { Entitlement } from '../src/core/grant.js';
import { startIdentityCenterEmulator } from '../src/emulators/identity-center/start-identity-center-emulator.js';
import { applyIdentityCenter } from '../src/plan/apply-identity-center.js';
import type { AccessTarget, TargetOperation } from '../src/ports/access-target.js';

const LATENCY_MS = 50;
const ACCOUNT = '222222222222';

function config(users: number): string {
  const list = Array.from(
    { length: users },
    (_, i) => `    u${i}: { email: u${i}@example.com, displayName: User ${i}, mfa: true }`,
  ).join('\n');
  return `mode: sandbox
permissionSets:
  Admin: { sessionDuration: PT1H, managedPolicies: [arn:aws:iam::aws:policy/AdministratorAccess] }
roles:
  ops:
    group: JIT-ops
    permissionSet: Admin
    accounts: ['${ACCOUNT}']
    activation: { approval: { required: false } }
    eligibility: { members: [u0] }
directory:
  users:
${list}
`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function settle(
  target: AccessTarget,
  operation: TargetOperation,
  pollMs: number,
): Promise<TargetOperation> {
  let current = operation;
  while (current.state === 'pending') {
    await sleep(pollMs);
    current = await target.poll(current.operationId);
  }
  return current;
}

function percentile(sorted: readonly number[], q: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
}

export async function identityCenterBench(grants = 200): Promise<Record<string, unknown>> {
  const parsed = parseConfig(config(grants), 'bench.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const modes: Record<string, unknown>[] = [];
  for (const mode of ['group-membership', 'account-assignment'] as const) {
    const emulator = await startIdentityCenterEmulator({
      assignmentDelayMs: 200,
      seed: {
        managementAccount: { id: '999999999999', name: 'management' },
        accounts: [{ id: ACCOUNT, name: 'workload' }],
      },
    });
    try {
      const { ssoAdmin, identityStore } = createIdentityCenterClients({
        region: 'us-east-1',
        endpoint: emulator.url,
        credentials: { accessKeyId: 'AKIABENCH', secretAccessKey: 'bench' },
      });
      const applied = await applyIdentityCenter({
        config: parsed.config,
        ssoAdmin,
        identityStore,
        createUsers: true,
        sleep,
      });
      const clock = { now: () => Date.now() };
      const ids = new IdentityCenterIds({
        ssoAdmin,
        identityStore,
        instanceArn: applied.instanceArn,
        identityStoreId: applied.identityStoreId,
        clock,
        permissionSetArns: Object.fromEntries(applied.permissionSetArns),
      });
      const target = new IdentityCenterAccessTarget({ ssoAdmin, identityStore, ids, clock });
      emulator.emulator.faults.set('*', { latencyMs: LATENCY_MS });
      emulator.emulator.resetCalls();
      const entitlement = (i: number): Entitlement =>
        mode === 'group-membership'
          ? { kind: 'group-membership', group: 'JIT-ops', user: `u${i}@example.com` }
          : {
              kind: 'account-assignment',
              permissionSet: 'Admin',
              account: ACCOUNT,
              user: `u${i}@example.com`,
            };
      const grantMs: number[] = [];
      const revokeMs: number[] = [];
      for (let i = 0; i < grants; i += 1) {
        let t0 = performance.now();
        const granted = await settle(target, await target.grant(entitlement(i)), 50);
        grantMs.push(performance.now() - t0);
        t0 = performance.now();
        const revoked = await settle(target, await target.revoke(entitlement(i)), 50);
        revokeMs.push(performance.now() - t0);
        if (granted.state !== 'done' || revoked.state !== 'done')
          throw new Error(`grant ${i} did not complete`);
      }
      const calls = (await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as {
        operations: Record<string, { calls: number }>;
      };
      const total = Object.values(calls.operations).reduce((n, op) => n + op.calls, 0);
      grantMs.sort((a, b) => a - b);
      revokeMs.sort((a, b) => a - b);
      // Floors = the fewest round trips × 50 ms (every user is new, so its id is looked up once):
      // membership: GetUserId + CreateGroupMembership; GetGroupMembershipId + DeleteGroupMembership.
      // Assignment: GetUserId + CreateAccountAssignment + one status call; delete + one status
      // call. The emulator's 200 ms of asynchronous work (AWS's own) is not in the floor.
      const grantFloor = mode === 'group-membership' ? 2 * LATENCY_MS : 3 * LATENCY_MS;
      const revokeFloor = 2 * LATENCY_MS;
      modes.push({
        mode,
        grants,
        grantMs: { p50: percentile(grantMs, 0.5), p99: percentile(grantMs, 0.99) },
        revokeMs: { p50: percentile(revokeMs, 0.5), p99: percentile(revokeMs, 0.99) },
        awsCallsPerGrantAndRevoke: Number((total / grants).toFixed(2)),
        callsByOperation: Object.fromEntries(
          Object.entries(calls.operations).map(([op, c]) => [op, c.calls]),
        ),
        floorMs: { grant: grantFloor, revoke: revokeFloor },
        p50RatioToFloor: {
          grant: Number((percentile(grantMs, 0.5) / grantFloor).toFixed(2)),
          revoke: Number((percentile(revokeMs, 0.5) / revokeFloor).toFixed(2)),
        },
      });
      ssoAdmin.destroy();
      identityStore.destroy();
    } finally {
      await emulator.close();
    }
  }
  return {
    benchmark: 'identity-center-latency',
    injectedLatencyMsPerCall: LATENCY_MS,
    assignmentStatusDelayMs: 200,
    pollIntervalMs: 50,
    modes,
  };
}
