// Acceptance (Identity Center issue): "500 removals of PT1H permission sets spread over 12
// hours keep the SCP under 5,120 bytes; a session of another permission set, and one of the
// same permission set in an account still held, stay allowed; a permission set named `Admin`
// is not hit by a deny meant for `Admin_ReadOnly`, or the reverse."
//
// Shown end to end, not with the pure policy functions: the real `ScpSessionRevoker` and
// `IdentityCenterAccessTarget` with the real SDK v3 clients talk over HTTP to the Identity
// Center emulator, where the permission sets `Admin`, `Admin_ReadOnly`, `PowerUser` and
// `ReadOnly` exist; sessions are issued and judged by the emulator's session authority; the
// SCP is read back with Organizations `DescribePolicy` and measured in UTF-8 bytes. A
// settable clock moves through the 12 hours; the emulator runs without throttling and with
// zero-delay statuses so the run stays short.
import {
  DescribePolicyCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateUserCommand } from '@aws-sdk/client-identitystore';
import { CreatePermissionSetCommand, ListInstancesCommand } from '@aws-sdk/client-sso-admin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityCenterClients } from '../../src/adapters/aws/create-identity-center-clients.js';
import { IdentityCenterAccessTarget } from '../../src/adapters/aws/identity-center-access-target.js';
import { IdentityCenterIds } from '../../src/adapters/aws/identity-center-ids.js';
import { ScpSessionRevoker } from '../../src/adapters/aws/revocation/scp-session-revoker.js';
import type { Entitlement } from '../../src/core/grant.js';
import {
  startIdentityCenterEmulator,
  type RunningIdentityCenterEmulator,
} from '../../src/emulators/identity-center/start-identity-center-emulator.js';
import type { AccessTarget, TargetOperation } from '../../src/ports/access-target.js';
import { SettableClock } from '../../src/ports/clock.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2025, 4, 1, 0, 0, 0);
const MANAGEMENT = '999999999999';
/** Where the 500 removals happen. */
const A = '111111111111';
/** Where some people hold access throughout. */
const HELD = '444444444444';
const CHURNED_SETS = ['Admin', 'Admin_ReadOnly', 'PowerUser'] as const;
const POLICY_NAME = 'JitSessionRevocation';
const SCP_LIMIT = 5_120;
const credentials = { accessKeyId: 'AKIAJITLOADTEST00000', secretAccessKey: 'not-a-secret' };

interface Key {
  readonly user: number;
  readonly permissionSet: string;
  readonly account: string;
}

type LoadEvent =
  | { readonly kind: 'grant' | 'remove'; readonly at: number; readonly interval: number }
  | { readonly kind: 'session'; readonly at: number; readonly interval: number };

interface Session {
  readonly id: string;
  readonly issuedAt: number;
}

interface Interval {
  readonly key: Key;
  readonly sessions: Session[];
  removed: boolean;
}

/** Access held from before the first removal to after the last, never removed. */
const heldThroughout: readonly Key[] = [
  // The same permission set in an account still held (users 1 and 2 lose it in A).
  { user: 1, permissionSet: 'Admin', account: HELD },
  { user: 2, permissionSet: 'Admin_ReadOnly', account: HELD },
  // Another permission set in the same account (user 3 loses Admin in A).
  { user: 3, permissionSet: 'ReadOnly', account: A },
  // Admin_ReadOnly held while Admin is removed in the same account, and the reverse.
  { user: 4, permissionSet: 'Admin_ReadOnly', account: A },
  { user: 5, permissionSet: 'Admin', account: A },
];

/** Removals aimed at the people above, at these removal numbers (1-based). */
const aimed: ReadonlyMap<number, Key> = new Map([
  [50, { user: 1, permissionSet: 'Admin', account: A }],
  [100, { user: 2, permissionSet: 'Admin_ReadOnly', account: A }],
  [150, { user: 4, permissionSet: 'Admin', account: A }],
  [200, { user: 5, permissionSet: 'Admin_ReadOnly', account: A }],
  [250, { user: 3, permissionSet: 'Admin', account: A }],
  [300, { user: 1, permissionSet: 'Admin', account: A }],
  [350, { user: 2, permissionSet: 'Admin_ReadOnly', account: A }],
  [400, { user: 4, permissionSet: 'Admin', account: A }],
  [450, { user: 5, permissionSet: 'Admin_ReadOnly', account: A }],
  [500, { user: 3, permissionSet: 'Admin_ReadOnly', account: A }],
]);

/**
 * 500 removals of PT1H permission sets in account A, evenly over 12 hours, each ending a
 * grant of 1 to 46 minutes, with a session a second after the grant and one in the last
 * millisecond before the removal. The same access is granted again as soon as a second
 * after its removal. Users 6..205 are drawn at random (seeded); users 1..5 get the aimed
 * removals. Deterministic.
 */
function twelveHours(seed: number): { events: LoadEvent[]; intervals: Interval[] } {
  let state = seed;
  const random = (n: number): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const events: LoadEvent[] = [];
  const intervals: Interval[] = [];
  const busyUntil = new Map<string, number>();
  for (let i = 1; i <= 500; i += 1) {
    const at = T0 + HOUR + Math.round((i * 12 * HOUR) / 500);
    for (;;) {
      const key = aimed.get(i) ?? {
        user: 6 + random(200),
        permissionSet: CHURNED_SETS[random(CHURNED_SETS.length)] ?? 'Admin',
        account: A,
      };
      const length = MINUTE + random(45 * MINUTE);
      const id = `${key.user}/${key.permissionSet}/${key.account}`;
      if ((busyUntil.get(id) ?? 0) + 1_000 > at - length) continue;
      busyUntil.set(id, at);
      const interval = intervals.push({ key, sessions: [], removed: false }) - 1;
      events.push(
        { kind: 'grant', at: at - length, interval },
        { kind: 'session', at: at - length + 1_000, interval },
        { kind: 'session', at: at - 1, interval },
        { kind: 'remove', at, interval },
      );
      break;
    }
  }
  // Stable: at the same instant, events keep their order (a session before its removal).
  return { events: events.sort((a, b) => a.at - b.at), intervals };
}

const clock = new SettableClock({ fixed: T0 });
let emulator: RunningIdentityCenterEmulator;
let clients: ReturnType<typeof createIdentityCenterClients>;
let organizations: OrganizationsClient;

beforeAll(async () => {
  emulator = await startIdentityCenterEmulator({
    clock: () => clock.now(),
    throttle: false,
    assignmentDelayMs: 0,
    seed: {
      managementAccount: { id: MANAGEMENT, name: 'management' },
      accounts: [
        { id: A, name: 'workload' },
        { id: HELD, name: 'held' },
      ],
    },
  });
  clients = createIdentityCenterClients({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials,
    maxAttempts: 1,
    // The emulator runs unthrottled here; the client-side limiter stays in the stack.
    requestsPerSecond: 1_000_000,
    burst: 1_000_000,
  });
  organizations = new OrganizationsClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  clients.ssoAdmin.destroy();
  clients.identityStore.destroy();
  organizations.destroy();
  await emulator.close();
});

const userName = (n: number): string => `user${n}@example.com`;

async function settle(
  target: AccessTarget,
  operation: Promise<TargetOperation>,
): Promise<TargetOperation> {
  let result = await operation;
  for (let polls = 0; result.state === 'pending' && polls < 10; polls += 1) {
    result = await target.poll(result.operationId);
  }
  return result;
}

async function issueSession(userId: string, key: Key): Promise<Session> {
  const response = await fetch(`${emulator.url}/_emulator/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      userId,
      accountId: key.account,
      permissionSet: key.permissionSet,
      at: clock.now(),
    }),
  });
  const body = (await response.json()) as { sessionId?: string; message?: string };
  if (response.status !== 201 || body.sessionId === undefined) {
    throw new Error(`no session for ${JSON.stringify(key)}: ${body.message ?? response.status}`);
  }
  return { id: body.sessionId, issuedAt: clock.now() };
}

interface Decision {
  readonly allowed: boolean;
  readonly decision: string;
  readonly sid?: string;
}

async function evaluate(sessionId: string): Promise<Decision> {
  const response = await fetch(`${emulator.url}/_emulator/sessions/${sessionId}/evaluate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ at: clock.now() }),
  });
  return (await response.json()) as Decision;
}

describe('500 removals of PT1H permission sets over 12 hours, through the emulator', () => {
  it('keep the SCP under 5,120 bytes and deny exactly the sessions of removed access', async () => {
    const started = performance.now();
    const { ssoAdmin, identityStore } = clients;
    const instance = (await ssoAdmin.send(new ListInstancesCommand({}))).Instances?.[0];
    const instanceArn = instance?.InstanceArn ?? '';
    const identityStoreId = instance?.IdentityStoreId ?? '';
    for (const name of [...CHURNED_SETS, 'ReadOnly']) {
      await ssoAdmin.send(
        new CreatePermissionSetCommand({
          InstanceArn: instanceArn,
          Name: name,
          SessionDuration: 'PT1H',
        }),
      );
    }
    const userIds = new Map<number, string>();
    for (let n = 1; n <= 205; n += 1) {
      const created = await identityStore.send(
        new CreateUserCommand({
          IdentityStoreId: identityStoreId,
          UserName: userName(n),
          DisplayName: `User ${n}`,
          Name: { GivenName: 'User', FamilyName: String(n) },
        }),
      );
      userIds.set(n, created.UserId ?? '');
    }
    const idOf = (n: number): string => userIds.get(n) ?? '';
    const ids = new IdentityCenterIds({
      ssoAdmin,
      identityStore,
      instanceArn,
      identityStoreId,
      clock,
    });
    const target = new IdentityCenterAccessTarget({ ssoAdmin, identityStore, ids, clock });
    const alerts: string[] = [];
    const revoker = new ScpSessionRevoker({
      organizations,
      identityStore,
      ssoAdmin,
      ids,
      clock,
      targetId: (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '',
      managementAccountId: MANAGEMENT,
      sessionDurationOf: () => HOUR,
      sleep: () => Promise.resolve(),
      onAlert: (message) => alerts.push(message),
    });
    const entitlement = (key: Key): Entitlement => ({
      kind: 'account-assignment',
      permissionSet: key.permissionSet,
      account: key.account,
      user: userName(key.user),
    });

    // The SCP as Organizations stores it, measured in bytes, after every write.
    let policyId: string | undefined;
    let maxBytes = 0;
    let maxStatements = 0;
    const measureScp = async (): Promise<void> => {
      if (policyId === undefined) {
        const listed = await organizations.send(
          new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }),
        );
        policyId = listed.Policies?.find((p) => p.Name === POLICY_NAME)?.Id;
        if (policyId === undefined) return;
      }
      const described = await organizations.send(new DescribePolicyCommand({ PolicyId: policyId }));
      const content = described.Policy?.Content ?? '';
      const bytes = Buffer.byteLength(content, 'utf8');
      expect(bytes, 'SCP size').toBeLessThanOrEqual(SCP_LIMIT);
      maxBytes = Math.max(maxBytes, bytes);
      const statements = (JSON.parse(content) as { Statement: unknown[] }).Statement;
      maxStatements = Math.max(maxStatements, statements.length);
    };

    // Held throughout: granted before the first grant of the run, never removed.
    clock.set(T0);
    for (const key of heldThroughout) {
      expect((await settle(target, target.grant(entitlement(key)))).state).toBe('done');
    }
    const heldSessions: { readonly key: Key; readonly session: Session }[] = [];
    const { events, intervals } = twelveHours(12);
    expect(events.filter((e) => e.kind === 'remove')).toHaveLength(500);

    const failures: string[] = [];
    const alive = (session: Session): boolean => session.issuedAt + HOUR > clock.now();
    const expectDecision = async (
      session: Session,
      allowed: boolean,
      what: string,
    ): Promise<void> => {
      if (!alive(session)) return;
      const decision = await evaluate(session.id);
      if (decision.decision === 'EXPIRED') return;
      if (decision.allowed !== allowed) {
        failures.push(
          `${new Date(clock.now()).toISOString()}: ${what} is ${decision.decision}${decision.sid ? ` by ${decision.sid}` : ''}`,
        );
      }
    };
    const describeKey = (key: Key): string =>
      `user${key.user} ${key.permissionSet} in ${key.account}`;
    const checkHeld = async (): Promise<void> => {
      for (const key of heldThroughout) {
        heldSessions.push({ key, session: await issueSession(idOf(key.user), key) });
      }
      for (const held of heldSessions) {
        await expectDecision(held.session, true, `held ${describeKey(held.key)}`);
      }
    };
    const sweep = async (): Promise<void> => {
      await checkHeld();
      for (const interval of intervals) {
        for (const session of interval.sessions) {
          await expectDecision(
            session,
            !interval.removed,
            `${interval.removed ? 'removed' : 'granted'} ${describeKey(interval.key)}`,
          );
        }
      }
    };

    await checkHeld();
    let removals = 0;
    for (const event of events) {
      clock.set(event.at);
      const interval = intervals[event.interval];
      if (interval === undefined) throw new Error('no interval');
      const key = interval.key;
      switch (event.kind) {
        case 'grant': {
          // The controller's order: release what a stretched statement may still cover, then grant.
          const released = await revoker.release(entitlement(key));
          expect(released.state, JSON.stringify(released)).toBe('done');
          await measureScp();
          expect((await settle(target, target.grant(entitlement(key)))).state).toBe('done');
          break;
        }
        case 'session': {
          const session = await issueSession(idOf(key.user), key);
          interval.sessions.push(session);
          await expectDecision(session, true, `new session of ${describeKey(key)}`);
          break;
        }
        case 'remove': {
          const removed = await settle(target, target.revoke(entitlement(key)));
          if (removed.state !== 'done') throw new Error(JSON.stringify(removed));
          const outcome = await revoker.revokeSessions({
            entitlement: entitlement(key),
            cutoff: removed.confirmedAt,
          });
          expect(outcome.state, JSON.stringify(outcome)).toBe('done');
          interval.removed = true;
          await measureScp();
          for (const session of interval.sessions) {
            await expectDecision(session, false, `removed ${describeKey(key)}`);
          }
          removals += 1;
          if (key.user <= 5) await checkHeld();
          if (removals % 10 === 0) await sweep();
          break;
        }
      }
      if (failures.length > 0) break;
    }
    expect(failures).toEqual([]);
    expect(removals).toBe(500);
    expect(alerts).toEqual([]);

    // Once every session of removed access has expired, the next write drops their
    // statements; the held sessions are untouched all along.
    clock.set(events.at(-1)!.at + HOUR + MINUTE);
    await checkHeld();
    const lastKey = { user: 6, permissionSet: 'PowerUser', account: A };
    expect((await revoker.release(entitlement(lastKey))).state).toBe('done');
    const finalContent =
      (await organizations.send(new DescribePolicyCommand({ PolicyId: policyId ?? '' }))).Policy
        ?.Content ?? '';
    const finalSids = (JSON.parse(finalContent) as { Statement: { Sid: string }[] }).Statement.map(
      (s) => s.Sid,
    );
    expect(finalSids).toEqual(['JitRevokeNothing']);
    expect(failures).toEqual([]);

    const calls = emulator.emulator.calls();
    // Everything stayed in the SCP: no inline fallback was needed.
    expect(calls.operations.PutInlinePolicyToPermissionSet).toBeUndefined();
    expect(calls.total.errors).toBe(0);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.info(
      `500 removals over 12 h through the emulator: largest SCP ${maxBytes} of ${SCP_LIMIT} bytes, ` +
        `${maxStatements} statements at most, ${calls.operations.UpdatePolicy?.calls ?? 0} UpdatePolicy, ` +
        `${calls.total.calls} AWS calls in all, ${seconds} s`,
    );
  }, 120_000);
});
