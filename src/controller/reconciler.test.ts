import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../audit/audit-entry.js';
import { entitlementKey, type Entitlement } from '../core/grant.js';
import { HOUR, MINUTE, T0 } from '../../test/harness/core-fixtures.js';
import type { AccessTarget, TargetOperation, TargetScope } from '../ports/access-target.js';
import type { ExpiryFailSafe } from '../ports/expiry-fail-safe.js';
import type { RevocationOutcome, SessionRevoker } from '../ports/session-revoker.js';
import type { ItemOutcome } from './reconciler.js';
import {
  ALICE,
  assignment,
  DAVE,
  FailingAccessTarget,
  harnessRoles,
  member,
  membership,
  openHarness,
  type Harness,
} from '../../test/harness/controller-harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(options: Parameters<typeof openHarness>[0] = {}): Promise<Harness> {
  h = await openHarness(options);
  return h;
}

const ALICE_ADMIN = entitlementKey(membership(ALICE));

function actions(entries: readonly AuditEntry[]): string[] {
  return entries.map((e) => e.action);
}

function byKey(outcomes: readonly ItemOutcome[], key: string): ItemOutcome | undefined {
  return outcomes.find((o) => o.key === key);
}

describe('Reconciler: granting', () => {
  it('gives an active group-membership grant its membership and audits target.granted', async () => {
    const { reconciler, inner, audit, workflow } = await harness();
    const id = await workflow
      .request(member(ALICE), { role: 'prod-admin', justification: 'INC-1' })
      .then((r) => (r.ok ? r.value.grant.id : ''));

    const result = await reconciler.pass();

    expect(result.outcomes).toEqual([
      { key: ALICE_ADMIN, action: 'grant', result: 'done', attempts: 1 },
    ]);
    expect(result.desired).toBe(1);
    expect(result.again).toBe(false);
    expect(inner.snapshot()).toEqual([membership(ALICE)]);
    const granted = await audit('target.granted');
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({
      actor: 'system:controller',
      grantId: id,
      data: { entitlement: membership(ALICE), grants: [id], target: 'in-memory', attempts: 1 },
    });
  });

  it('does nothing on a second pass when the target already holds what is desired', async () => {
    const { reconciler, inner, audit, activeGrant } = await harness();
    await activeGrant();
    await reconciler.pass();
    const second = await reconciler.pass();
    expect(second.outcomes).toEqual([]);
    expect(second.actual).toBe(1);
    expect(inner.calls.grant).toBe(1);
    expect(await audit('target.granted')).toHaveLength(1);
  });

  it('gives an account-assignment grant one assignment per account it asked for', async () => {
    const { reconciler, inner, audit, workflow } = await harness();
    const requested = await workflow.request(member(ALICE), {
      role: 'ops',
      accounts: ['333333333333', '111111111111'],
      justification: 'INC-2',
    });
    expect(requested.ok).toBe(true);

    const result = await reconciler.pass();

    expect(result.outcomes.map((o) => [o.action, o.result])).toEqual([
      ['grant', 'done'],
      ['grant', 'done'],
    ]);
    expect(inner.snapshot()).toHaveLength(2);
    expect(inner.snapshot()).toEqual(
      expect.arrayContaining([
        assignment(ALICE, '111111111111'),
        assignment(ALICE, '333333333333'),
      ]),
    );
    expect(await audit('target.granted')).toHaveLength(2);
  });

  it('starts a scheduled grant when its start comes, and not before', async () => {
    const { reconciler, inner, clock, workflow, audit } = await harness();
    const requested = await workflow.request(member(ALICE), {
      role: 'prod-admin',
      justification: 'change window',
      start: T0 + 2 * HOUR,
    });
    expect(requested.ok && requested.value.grant.status).toBe('scheduled');

    const early = await reconciler.pass();
    expect(early.transitions).toBe(0);
    expect(inner.snapshot()).toEqual([]);

    clock.advance(2 * HOUR);
    const due = await reconciler.pass();
    expect(due.transitions).toBe(1);
    expect(inner.snapshot()).toEqual([membership(ALICE)]);
    const activated = await audit('grant.activated');
    expect(activated.at(-1)).toMatchObject({ actor: 'system:controller', at: T0 + 2 * HOUR });
  });

  it('cancels a scheduled grant at its start when the person is no longer eligible (review M6)', async () => {
    let eligible = true;
    let unknown = false;
    const { reconciler, inner, clock, workflow, audit } = await harness({
      stillEligible: () =>
        unknown ? Promise.reject(new Error('directory down')) : Promise.resolve(eligible),
    });
    const requested = await workflow.request(member(ALICE), {
      role: 'prod-admin',
      justification: 'change window',
      start: T0 + 2 * HOUR,
    });
    const id = requested.ok ? requested.value.grant.id : '';
    clock.advance(2 * HOUR);
    // The directory cannot say: the grant waits rather than starting.
    unknown = true;
    expect((await reconciler.pass()).transitions).toBe(0);
    expect(inner.snapshot()).toEqual([]);
    unknown = false;
    eligible = false;
    const due = await reconciler.pass();
    expect(due.transitions).toBe(1);
    expect(inner.snapshot()).toEqual([]);
    const [cancelled] = await audit('grant.cancelled');
    expect(cancelled).toMatchObject({ grantId: id, actor: 'system:controller' });
    expect(cancelled?.reason).toMatch(/no longer eligible/);
  });

  it('lets a request that waited a day for approval lapse, and wakes for it (review)', async () => {
    const roles = harnessRoles();
    const base = roles.get('prod-admin');
    if (!base) throw new Error('no prod-admin');
    roles.set('prod-admin', {
      ...base,
      activation: {
        ...base.activation,
        approval: {
          ...base.activation.approval,
          required: true,
          approvers: { users: ['bob@example.com'], groups: [] },
        },
      },
    });
    const { reconciler, clock, workflow, audit, store } = await harness({ roles });
    const requested = await workflow.request(member(ALICE), {
      role: 'prod-admin',
      justification: 'x',
    });
    expect(requested.ok && requested.value.grant.status).toBe('pending_approval');
    expect(await store.nextDueAt({ pendingTtlMs: reconciler.pendingRequestTtlMs })).toBe(
      T0 + 24 * HOUR,
    );
    clock.advance(24 * HOUR - 1);
    expect((await reconciler.pass()).transitions).toBe(0);
    clock.advance(1);
    expect((await reconciler.pass()).transitions).toBe(1);
    const [lapsed] = await audit('grant.cancelled');
    expect(lapsed).toMatchObject({ actor: 'system:controller' });
    expect(lapsed?.reason).toMatch(/not approved within 1d of the request/);
  });

  it('completes operations of an asynchronous target within the pass, polling at the set interval', async () => {
    const { reconciler, inner, sleeps, workflow, clock } = await harness({ pendingPolls: 3 });
    await workflow.request(member(ALICE), {
      role: 'ops',
      accounts: ['111111111111', '222222222222'],
      duration: HOUR,
      justification: 'INC-3',
    });

    const granted = await reconciler.pass();
    expect(granted.outcomes.every((o) => o.result === 'done')).toBe(true);
    expect(inner.snapshot()).toHaveLength(2);
    expect(inner.calls.poll).toBe(6);
    expect(sleeps).toEqual([500, 500, 500, 500, 500, 500]);

    clock.advance(HOUR);
    const revoked = await reconciler.pass();
    expect(revoked.outcomes.map((o) => [o.action, o.result])).toEqual([
      ['revoke', 'done'],
      ['revoke', 'done'],
    ]);
    expect(inner.snapshot()).toEqual([]);
  });
});

describe('Reconciler: slow operations', () => {
  it('retries an operation still pending after the last poll, joining the one in flight', async () => {
    const { reconciler, inner, audit, activeGrant } = await harness({
      pendingPolls: 5,
      reconciler: { maxPolls: 2, pollIntervalMs: 250 },
    });
    await activeGrant();

    const result = await reconciler.pass();

    expect(result.outcomes).toEqual([
      { key: ALICE_ADMIN, action: 'grant', result: 'done', attempts: 3 },
    ]);
    expect(inner.calls).toMatchObject({ grant: 3, poll: 5 });
    expect(inner.snapshot()).toEqual([membership(ALICE)]);
    const retries = await audit('target.retry');
    expect(retries.map((e) => (e.data as { code: string }).code)).toEqual([
      'StillPending',
      'StillPending',
    ]);
  });
});

describe('Reconciler: ending access', () => {
  it('expires a grant at its end, removes its access, then says sessions were not revoked', async () => {
    const { reconciler, inner, clock, audit, activeGrant } = await harness();
    const id = await activeGrant('prod-admin', ALICE, HOUR);
    await reconciler.pass();

    clock.advance(HOUR);
    const result = await reconciler.pass();

    expect(result.transitions).toBe(1);
    expect(result.outcomes).toEqual([
      { key: ALICE_ADMIN, action: 'revoke', result: 'done', attempts: 1 },
    ]);
    expect(inner.snapshot()).toEqual([]);
    const entries = await audit();
    const tail = entries.slice(entries.findIndex((e) => e.action === 'grant.expired'));
    expect(actions(tail)).toEqual(['grant.expired', 'target.revoked', 'sessions.not_revoked']);
    expect(tail[0]).toMatchObject({ grantId: id, actor: 'system:controller', at: T0 + HOUR });
    expect(tail[1]).toMatchObject({
      grantId: id,
      severity: 'info',
      data: {
        entitlement: membership(ALICE),
        grants: [id],
        confirmedAt: new Date(T0 + HOUR).toISOString(),
      },
    });
    expect(tail[1]?.reason).toMatch(new RegExp(`^grant ${id} expired: reached its end`));
    expect(tail[2]).toMatchObject({
      grantId: id,
      data: { cutoff: new Date(T0 + HOUR).toISOString(), revoker: 'none' },
    });
  });

  it('removes the access of a grant revoked early, naming the grant and the reason', async () => {
    const { reconciler, inner, audit, activeGrant, workflow } = await harness();
    const id = await activeGrant();
    await reconciler.pass();
    const revoked = await workflow.revoke(member(ALICE), id, 'done with the incident');
    expect(revoked.ok).toBe(true);

    await reconciler.pass();

    expect(inner.snapshot()).toEqual([]);
    const [entry] = await audit('target.revoked');
    expect(entry?.reason).toBe(`grant ${id} revoked: done with the incident`);
  });

  it('keeps one entitlement for two overlapping grants until the later one ends', async () => {
    const { reconciler, inner, clock, audit, activeGrant } = await harness();
    const first = await activeGrant('prod-admin', ALICE, HOUR);
    clock.advance(30 * MINUTE);
    const second = await activeGrant('prod-admin', ALICE, HOUR);

    const both = await reconciler.pass();
    expect(both.desired).toBe(1);
    expect(inner.calls.grant).toBe(1);
    const [granted] = await audit('target.granted');
    expect(granted?.data).toMatchObject({ grants: [first, second] });

    clock.advance(30 * MINUTE);
    const firstEnds = await reconciler.pass();
    expect(firstEnds.transitions).toBe(1);
    expect(firstEnds.outcomes).toEqual([]);
    expect(inner.snapshot()).toEqual([membership(ALICE)]);

    clock.advance(30 * MINUTE);
    const secondEnds = await reconciler.pass();
    expect(secondEnds.outcomes).toEqual([
      { key: ALICE_ADMIN, action: 'revoke', result: 'done', attempts: 1 },
    ]);
    expect(inner.snapshot()).toEqual([]);
    const [revoked] = await audit('target.revoked');
    expect(revoked?.grantId).toBe(second);
  });

  it('removes access on the first pass of a new reconciler after the grant ended while none ran', async () => {
    const { reconciler, inner, clock, activeGrant, newReconciler } = await harness();
    await activeGrant('prod-admin', ALICE, HOUR);
    await reconciler.pass();

    clock.advance(3 * HOUR);
    const restarted = newReconciler();
    const result = await restarted.pass();

    expect(result.transitions).toBe(1);
    expect(inner.snapshot()).toEqual([]);
  });

  it('removes the access of an ended grant even when its role has left the config', async () => {
    const { reconciler, inner, clock, activeGrant, newReconciler, roles } = await harness();
    await activeGrant('prod-admin', ALICE, HOUR);
    await reconciler.pass();

    const withoutRole = new Map(roles);
    withoutRole.delete('prod-admin');
    const restarted = newReconciler({ roles: withoutRole });
    clock.advance(HOUR);
    await restarted.pass();

    expect(inner.snapshot()).toEqual([]);
  });

  it('lists a group that left the config only while a grant wants it or access of ours is left there', async () => {
    const scopes: TargetScope[] = [];
    const { inner, clock, activeGrant, newReconciler, roles } = await harness({
      wrap: (t) => ({
        name: 'spy',
        grant: (e) => t.grant(e),
        revoke: (e) => t.revoke(e),
        poll: (id) => t.poll(id),
        list: (scope) => {
          scopes.push(scope);
          return t.list(scope);
        },
      }),
    });
    const withoutRole = new Map(roles);
    withoutRole.delete('prod-admin');
    const reconciler = newReconciler({ roles: withoutRole });
    await activeGrant('prod-admin', ALICE, HOUR);

    await reconciler.pass();
    expect(inner.snapshot()).toEqual([membership(ALICE)]);
    clock.advance(HOUR);
    await reconciler.pass();
    expect(inner.snapshot()).toEqual([]);
    await reconciler.pass();
    await reconciler.pass();

    // Listed once more after the removal, to see it done, then left alone.
    expect(scopes.map((s) => s.groups.includes('JIT-prod-admin'))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('records a failed session revocation as an alert, after the access is removed', async () => {
    const revoker: SessionRevoker = {
      name: 'scp',
      revokeSessions: (): Promise<RevocationOutcome> => Promise.reject(new Error('SCP too large')),
    };
    const { reconciler, inner, clock, audit, activeGrant } = await harness({ revoker });
    await activeGrant('prod-admin', ALICE, HOUR);
    await reconciler.pass();
    clock.advance(HOUR);

    const result = await reconciler.pass();

    expect(result.outcomes[0]).toMatchObject({ action: 'revoke', result: 'done' });
    expect(inner.snapshot()).toEqual([]);
    const [failed] = await audit('sessions.revoke_failed');
    expect(failed).toMatchObject({ severity: 'alert' });
    expect(failed?.reason).toMatch(/^SCP too large; will retry at \S+Z \(attempt 1 failed\)$/);
  });

  it('retries a failed session revocation until it is written, as its audit entry says', async () => {
    let failures = 2;
    const calls: number[] = [];
    const revoker: SessionRevoker = {
      name: 'scp',
      revokeSessions: (revocation): Promise<RevocationOutcome> => {
        calls.push(revocation.cutoff);
        if (failures > 0) {
          failures -= 1;
          return Promise.resolve({
            state: 'failed',
            retryable: true,
            message: 'DescribePolicy: 503',
          });
        }
        return Promise.resolve({ state: 'done', detail: 'denied' });
      },
    };
    const { reconciler, clock, audit, activeGrant, store } = await harness({ revoker });
    await activeGrant('prod-admin', ALICE, HOUR);
    await reconciler.pass();
    clock.advance(HOUR);
    await reconciler.pass();
    expect(calls).toHaveLength(1);
    // Not due yet: nothing is tried before the time the audit entry named.
    await reconciler.pass();
    expect(calls).toHaveLength(1);
    const due = await store.nextDueAt();
    expect(due).toBeGreaterThan(clock.now());
    clock.set(due ?? 0);
    await reconciler.pass();
    clock.set((await store.nextDueAt()) ?? 0);
    const last = await reconciler.pass();
    expect(last.revocations).toMatchObject([{ result: 'done' }]);
    expect(calls).toHaveLength(3);
    expect(new Set(calls).size).toBe(1); // the same cut-off each time: the removal's
    expect(await audit('sessions.revoke_failed')).toHaveLength(2);
    expect(await audit('sessions.revoked')).toHaveLength(1);
    expect(await store.openRevocations()).toEqual([]);
    expect(await store.nextDueAt()).toBeUndefined();
  });
});

describe('Reconciler: drift', () => {
  it('reports an unbacked membership once and leaves it in place when the role says drift: report', async () => {
    const { reconciler, inner, audit } = await harness();
    inner.plant(membership(DAVE));
    const key = entitlementKey(membership(DAVE));

    const first = await reconciler.pass();
    expect(first.outcomes).toEqual([{ key, action: 'drift', result: 'reported' }]);
    const second = await reconciler.pass();
    expect(second.outcomes).toEqual([{ key, action: 'drift', result: 'known' }]);

    expect(inner.snapshot()).toEqual([membership(DAVE)]);
    expect(inner.calls.revoke).toBe(0);
    const detected = await audit('drift.detected');
    expect(detected).toHaveLength(1);
    expect(detected[0]).toMatchObject({
      severity: 'warning',
      actor: 'system:controller',
      data: { entitlement: membership(DAVE), role: 'prod-admin' },
    });
  });

  it('reports drift again when it comes back after it was gone', async () => {
    const { reconciler, inner, audit } = await harness();
    inner.plant(membership(DAVE));
    await reconciler.pass();
    await inner.revoke(membership(DAVE));
    await reconciler.pass();
    inner.plant(membership(DAVE));

    const again = await reconciler.pass();

    expect(again.outcomes).toEqual([
      { key: entitlementKey(membership(DAVE)), action: 'drift', result: 'reported' },
    ]);
    expect(await audit('drift.detected')).toHaveLength(2);
  });

  it('removes an unbacked membership when the role says drift: enforce', async () => {
    const { reconciler, inner, audit } = await harness();
    inner.plant(membership(DAVE, 'JIT-enforced'));

    const result = await reconciler.pass();

    expect(result.outcomes).toEqual([
      {
        key: entitlementKey(membership(DAVE, 'JIT-enforced')),
        action: 'revoke',
        result: 'done',
        attempts: 1,
      },
    ]);
    expect(inner.snapshot()).toEqual([]);
    const entries = await audit();
    expect(actions(entries)).toEqual(['drift.removed', 'sessions.not_revoked']);
    expect(entries[0]).toMatchObject({
      severity: 'warning',
      reason: 'not backed by any grant, and role enforced says drift: enforce',
      data: { entitlement: membership(DAVE, 'JIT-enforced'), grants: [] },
    });
    expect(entries[0]?.grantId).toBeUndefined();
  });

  it('never touches what lies outside the config: other groups, permission sets and accounts', async () => {
    const { reconciler, inner, audit } = await harness();
    const outside: Entitlement[] = [
      membership(DAVE, 'Everyone'),
      assignment(DAVE, '999999999999'),
      assignment(DAVE, '111111111111', 'ReadOnlyAccess'),
      membership(ALICE, 'JIT-unmanaged'),
    ];
    for (const e of outside) inner.plant(e);

    const result = await reconciler.pass();
    await reconciler.pass();

    expect(result.outcomes).toEqual([]);
    expect(result.actual).toBe(0);
    expect(inner.calls.revoke).toBe(0);
    expect(inner.snapshot()).toHaveLength(outside.length);
    expect(await audit()).toEqual([]);
  });

  it('treats a planted assignment in a managed account as drift of the account-assignment role', async () => {
    const { reconciler, inner, audit } = await harness();
    inner.plant(assignment(DAVE, '222222222222'));

    const result = await reconciler.pass();

    expect(result.outcomes).toEqual([
      {
        key: entitlementKey(assignment(DAVE, '222222222222')),
        action: 'drift',
        result: 'reported',
      },
    ]);
    const [detected] = await audit('drift.detected');
    expect(detected?.data).toMatchObject({ role: 'ops' });
  });
});

describe('Reconciler: failures and retries', () => {
  it('retries a throttled grant with growing, randomised backoff and audits each retry', async () => {
    let failing: FailingAccessTarget | undefined;
    const { reconciler, inner, sleeps, audit, activeGrant, random } = await harness({
      wrap: (t) => (failing = FailingAccessTarget.firstCalls(t, 3)),
      reconciler: { maxAttempts: 5, backoff: { baseMs: 100, maxMs: 10_000 } },
    });
    random.value = 0.5;
    await activeGrant();

    const result = await reconciler.pass();

    expect(result.outcomes).toEqual([
      { key: ALICE_ADMIN, action: 'grant', result: 'done', attempts: 4 },
    ]);
    expect(failing?.failed).toBe(3);
    expect(sleeps).toEqual([50, 100, 200]);
    expect(random.calls).toBe(3);
    expect(inner.snapshot()).toEqual([membership(ALICE)]);
    const retries = await audit('target.retry');
    expect(retries.map((e) => e.data)).toEqual([
      expect.objectContaining({ attempt: 1, code: 'ThrottlingException' }),
      expect.objectContaining({ attempt: 2, code: 'ThrottlingException' }),
      expect.objectContaining({ attempt: 3, code: 'ThrottlingException' }),
    ]);
    expect(retries[0]?.reason).toBe(`grant ${ALICE_ADMIN}: ThrottlingException: Rate exceeded`);
    expect((await audit('target.granted'))[0]?.data).toMatchObject({ attempts: 4 });
  });

  it('scales the backoff by the injected randomness and caps it at the maximum', async () => {
    const { reconciler, sleeps, activeGrant, random } = await harness({
      wrap: (t) => FailingAccessTarget.firstCalls(t, 4),
      reconciler: { maxAttempts: 5, backoff: { baseMs: 100, maxMs: 300 } },
    });
    random.value = 1;
    await activeGrant();

    await reconciler.pass();

    expect(sleeps).toEqual([100, 200, 300, 300]);
  });

  it('waits at least as long as the target asks with retryAfterMs', async () => {
    const { reconciler, sleeps, activeGrant } = await harness({
      wrap: (t) => FailingAccessTarget.firstCalls(t, 1, 'throttle', 5_000),
      reconciler: { backoff: { baseMs: 100, maxMs: 1_000 } },
    });
    await activeGrant();
    const result = await reconciler.pass();
    expect(result.outcomes[0]).toMatchObject({ result: 'done', attempts: 2 });
    expect(sleeps).toEqual([5_000]);
  });

  it('treats a target that throws as a retryable failure', async () => {
    const { reconciler, inner, audit, activeGrant } = await harness({
      wrap: (t) => FailingAccessTarget.firstCalls(t, 2, 'throw'),
    });
    await activeGrant();

    const result = await reconciler.pass();

    expect(result.outcomes[0]).toMatchObject({ result: 'done', attempts: 3 });
    expect(inner.snapshot()).toEqual([membership(ALICE)]);
    const retries = await audit('target.retry');
    expect(retries.map((e) => (e.data as { code: string }).code)).toEqual([
      'Exception',
      'Exception',
    ]);
    expect(retries[0]?.reason).toContain('ECONNRESET');
  });

  it('leaves a key that keeps failing in cooldown and converges on a pass after the cooldown', async () => {
    const { reconciler, inner, clock, audit, activeGrant, random } = await harness({
      wrap: (t) => FailingAccessTarget.firstCalls(t, 3),
      reconciler: { maxAttempts: 3, backoff: { baseMs: 100, maxMs: 10_000 } },
    });
    random.value = 0.5;
    await activeGrant();

    const failed = await reconciler.pass();
    expect(failed.outcomes).toEqual([
      {
        key: ALICE_ADMIN,
        action: 'grant',
        result: 'failed',
        attempts: 3,
        retryable: true,
        code: 'ThrottlingException',
        message: 'Rate exceeded',
      },
    ]);
    expect(failed.again).toBe(true);
    // The first cooldown is the second step of the backoff: 0.5 · 200 ms.
    expect(reconciler.nextRetryAt()).toBe(T0 + 100);
    const [warning] = await audit('target.grant_failed');
    expect(warning).toMatchObject({ severity: 'warning', data: { attempts: 3, retryable: true } });

    const tooSoon = await reconciler.pass();
    expect(tooSoon.outcomes).toEqual([]);
    expect(inner.calls.grant).toBe(0);

    clock.advance(100);
    const later = await reconciler.pass();
    expect(later.outcomes).toEqual([
      { key: ALICE_ADMIN, action: 'grant', result: 'done', attempts: 1 },
    ]);
    expect(inner.snapshot()).toEqual([membership(ALICE)]);
    expect(reconciler.nextRetryAt()).toBeUndefined();
  });

  it('lengthens the cooldown each time a key fails a whole pass again', async () => {
    const { reconciler, clock, activeGrant, random } = await harness({
      wrap: (t) => FailingAccessTarget.firstCalls(t, 100),
      reconciler: { maxAttempts: 1, backoff: { baseMs: 100, maxMs: 10_000 } },
    });
    random.value = 1;
    await activeGrant();

    const waits: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      await reconciler.pass();
      const next = reconciler.nextRetryAt() ?? 0;
      waits.push(next - clock.now());
      clock.set(next);
    }

    expect(waits).toEqual([200, 400, 800, 1_600]);
  });

  it('forgets the cooldown of a key that no longer needs any action', async () => {
    const { reconciler, clock, activeGrant, workflow, inner } = await harness({
      wrap: (t) => FailingAccessTarget.firstCalls(t, 1),
      reconciler: { maxAttempts: 1, backoff: { baseMs: 100, maxMs: 10_000 } },
    });
    const id = await activeGrant();
    await reconciler.pass();
    expect(reconciler.nextRetryAt()).toBeDefined();

    await workflow.revoke(member(ALICE), id, 'not needed after all');
    clock.advance(MINUTE);
    const result = await reconciler.pass();

    expect(result.outcomes).toEqual([]);
    expect(inner.snapshot()).toEqual([]);
    // A cooldown left behind would make the controller run passes back to back forever.
    expect(reconciler.nextRetryAt()).toBeUndefined();
  });

  it('alerts when removing access keeps failing, and removes it on a later pass', async () => {
    let failRevokes = true;
    const { reconciler, inner, clock, audit, activeGrant } = await harness({
      wrap: (t) =>
        new FailingAccessTarget(t, (call) =>
          call === 'revoke' && failRevokes ? throttledFailure() : undefined,
        ),
      reconciler: { maxAttempts: 2 },
    });
    await activeGrant('prod-admin', ALICE, HOUR);
    await reconciler.pass();
    clock.advance(HOUR);

    const failed = await reconciler.pass();
    expect(failed.outcomes[0]).toMatchObject({ action: 'revoke', result: 'failed', attempts: 2 });
    expect(inner.snapshot()).toEqual([membership(ALICE)]);
    const [alert] = await audit('target.revoke_failed');
    expect(alert?.severity).toBe('alert');

    failRevokes = false;
    clock.set(reconciler.nextRetryAt() ?? clock.now());
    await reconciler.pass();
    expect(inner.snapshot()).toEqual([]);
    expect(await audit('target.revoked')).toHaveLength(1);
  });

  it('fails a grant the target refuses for good, with an alert, and then removes the access it had', async () => {
    const refused: TargetOperation = {
      state: 'failed',
      retryable: false,
      code: 'ValidationException',
      message: 'permission set is not provisioned in 222222222222',
    };
    const { reconciler, inner, audit, workflow, store } = await harness({
      wrap: (t) =>
        new FailingAccessTarget(t, (call, e) =>
          call === 'grant' && e.kind === 'account-assignment' && e.account === '222222222222'
            ? refused
            : undefined,
        ),
    });
    const requested = await workflow.request(member(ALICE), {
      role: 'ops',
      accounts: ['111111111111', '222222222222'],
      justification: 'INC-4',
    });
    const id = requested.ok ? requested.value.grant.id : '';

    const first = await reconciler.pass();

    expect(first.again).toBe(true);
    expect(byKey(first.outcomes, entitlementKey(assignment(ALICE, '222222222222')))).toMatchObject({
      action: 'grant',
      result: 'failed',
      retryable: false,
      code: 'ValidationException',
    });
    expect((await store.getGrant(id))?.grant.status).toBe('failed');
    const [failed] = await audit('grant.failed');
    expect(failed).toMatchObject({ grantId: id, severity: 'alert' });
    expect(failed?.reason).toContain('ValidationException');
    expect(inner.snapshot()).toEqual([assignment(ALICE, '111111111111')]);

    const second = await reconciler.pass();

    expect(second.outcomes).toEqual([
      {
        key: entitlementKey(assignment(ALICE, '111111111111')),
        action: 'revoke',
        result: 'done',
        attempts: 1,
      },
    ]);
    expect(inner.snapshot()).toEqual([]);
    const [revoked] = await audit('target.revoked');
    expect(revoked?.reason).toMatch(new RegExp(`^grant ${id} failed: `));
  });

  it('returns a failed list outcome without throwing and changes nothing when the target cannot list', async () => {
    const { reconciler, activeGrant, audit, inner } = await harness({
      wrap: (t) => {
        const broken: AccessTarget = {
          name: 'broken',
          grant: (e) => t.grant(e),
          revoke: (e) => t.revoke(e),
          poll: (id) => t.poll(id),
          list: (_scope: TargetScope) => Promise.reject(new Error('AccessDeniedException: no')),
        };
        return broken;
      },
    });
    inner.plant(membership(DAVE, 'JIT-enforced'));
    await activeGrant();
    const before = await audit();

    const result = await reconciler.pass();

    expect(result.outcomes).toEqual([
      { key: '*', action: 'list', result: 'failed', message: 'AccessDeniedException: no' },
    ]);
    expect(result.again).toBe(true);
    expect(inner.calls).toMatchObject({ grant: 0, revoke: 0 });
    expect(inner.snapshot()).toEqual([membership(DAVE, 'JIT-enforced')]);
    expect(await audit()).toEqual(before);
  });
});

describe('Reconciler: concurrency', () => {
  it('never runs two actions on one key at once, even across concurrent passes', async () => {
    const probe = new ConcurrencyProbe();
    const { reconciler, inner, activeGrant, clock } = await harness({
      pendingPolls: 2,
      wrap: (t) => probe.wrap(t),
    });
    const users = ['a', 'b', 'c', 'd'].map((u) => `${u}@example.com`);
    for (const u of users) await activeGrant('prod-admin', u, HOUR);

    await Promise.all([reconciler.pass(), reconciler.pass(), reconciler.pass()]);
    expect(inner.snapshot()).toHaveLength(users.length);

    clock.advance(HOUR);
    await Promise.all([reconciler.pass(), reconciler.pass()]);
    expect(inner.snapshot()).toEqual([]);

    expect(probe.maxPerKey).toBe(1);
    expect(probe.maxOverall).toBeGreaterThan(1);
  });

  it('keeps the audit chain intact through everything a pass writes', async () => {
    const { reconciler, clock, activeGrant, inner, verify } = await harness({
      wrap: (t) => FailingAccessTarget.firstCalls(t, 2),
    });
    inner.plant(membership(DAVE));
    inner.plant(membership(DAVE, 'JIT-enforced'));
    for (const u of ['a', 'b', 'c']) await activeGrant('ops', `${u}@example.com`, HOUR);
    await Promise.all([reconciler.pass(), reconciler.pass()]);
    clock.advance(HOUR);
    await reconciler.pass();

    const verified = await verify();
    expect(verified.ok).toBe(true);
  });

  it('keeps the scope to what the config and the active grants name', async () => {
    let scopes: TargetScope[] = [];
    const { reconciler, activeGrant } = await harness({
      wrap: (t) => ({
        name: 'spy',
        grant: (e) => t.grant(e),
        revoke: (e) => t.revoke(e),
        poll: (id) => t.poll(id),
        list: (scope) => {
          scopes = [...scopes, scope];
          return t.list(scope);
        },
      }),
      roles: harnessRoles(),
    });
    await activeGrant();
    await reconciler.pass();
    expect(scopes[0]).toEqual({
      groups: ['JIT-enforced', 'JIT-prod-admin'],
      assignments: [
        { permissionSet: 'OpsAccess', accounts: ['111111111111', '222222222222', '333333333333'] },
      ],
    });
  });
});

function throttledFailure(): TargetOperation {
  return { state: 'failed', retryable: true, code: 'ThrottlingException', message: 'slow down' };
}

/** Wraps a target and measures how many actions run at once, per key and overall. An
 *  action runs from its grant or revoke call until it is done or failed (polls included). */
class ConcurrencyProbe {
  maxPerKey = 0;
  maxOverall = 0;
  readonly #running = new Map<string, number>();
  readonly #operations = new Map<string, string>();

  wrap(inner: AccessTarget): AccessTarget {
    return {
      name: inner.name,
      grant: (e) => this.#act(entitlementKey(e), () => inner.grant(e)),
      revoke: (e) => this.#act(entitlementKey(e), () => inner.revoke(e)),
      poll: async (id) => {
        await tick();
        const op = await inner.poll(id);
        const key = this.#operations.get(id);
        if (key !== undefined && op.state !== 'pending') this.#leave(key);
        return op;
      },
      list: async (scope) => {
        await tick();
        return inner.list(scope);
      },
    };
  }

  async #act(key: string, call: () => Promise<TargetOperation>): Promise<TargetOperation> {
    const now = (this.#running.get(key) ?? 0) + 1;
    this.#running.set(key, now);
    this.maxPerKey = Math.max(this.maxPerKey, now);
    this.maxOverall = Math.max(
      this.maxOverall,
      [...this.#running.values()].reduce((a, b) => a + b, 0),
    );
    await tick();
    const op = await call();
    if (op.state === 'pending') this.#operations.set(op.operationId, key);
    else this.#leave(key);
    return op;
  }

  #leave(key: string): void {
    this.#running.set(key, (this.#running.get(key) ?? 1) - 1);
  }
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('Reconciler: the fail-safe expiry', () => {
  /** Records what was armed and disarmed; `fail` makes the next call throw. */
  function recordingFailSafe() {
    const calls: string[] = [];
    let fail = false;
    const failSafe: ExpiryFailSafe = {
      arm: (entitlement, endsAt) => {
        if (fail) return Promise.reject(new Error('Scheduler unavailable'));
        calls.push(`arm ${entitlementKey(entitlement)} ${String(endsAt - T0)}`);
        return Promise.resolve();
      },
      disarm: (entitlement) => {
        calls.push(`disarm ${entitlementKey(entitlement)}`);
        return Promise.resolve();
      },
    };
    return {
      calls,
      failSafe,
      failNext: (value: boolean) => {
        fail = value;
      },
    };
  }

  it('arms a removal at the grant end once, moves it when the end moves, and disarms it when the controller removes the access', async () => {
    const recorder = recordingFailSafe();
    const { reconciler, workflow, activeGrant, clock } = await harness({
      failSafe: recorder.failSafe,
    });
    const id = await activeGrant('prod-admin', ALICE, HOUR);
    await reconciler.pass();
    await reconciler.pass(); // nothing moved: no call
    expect(recorder.calls).toEqual([`arm ${ALICE_ADMIN} ${String(HOUR)}`]);

    const extended = await workflow.extend(member(ALICE), id, {
      by: 30 * MINUTE,
      justification: 'INC-1: longer',
    });
    expect(extended.ok ? 'ok' : extended.refusal.message).toBe('ok');
    await reconciler.pass();
    expect(recorder.calls.at(-1)).toBe(`arm ${ALICE_ADMIN} ${String(HOUR + 30 * MINUTE)}`);

    clock.set(T0 + 2 * HOUR);
    await reconciler.pass();
    expect(recorder.calls.at(-1)).toBe(`disarm ${ALICE_ADMIN}`);
  });

  it('keeps granting when the scheduler fails, and arms at the next pass', async () => {
    const recorder = recordingFailSafe();
    const { reconciler, inner, activeGrant } = await harness({ failSafe: recorder.failSafe });
    await activeGrant('prod-admin', ALICE, HOUR);
    recorder.failNext(true);
    const first = await reconciler.pass();
    expect(first.outcomes).toEqual([
      { key: ALICE_ADMIN, action: 'grant', result: 'done', attempts: 1 },
    ]);
    expect(inner.snapshot()).toEqual([membership(ALICE)]);
    expect(recorder.calls).toEqual([]);
    recorder.failNext(false);
    await reconciler.pass();
    expect(recorder.calls).toEqual([`arm ${ALICE_ADMIN} ${String(HOUR)}`]);
  });
});
