import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Grant } from './grant.js';
import type { Actor } from './principal.js';
import { evaluateRequest } from './request-policy.js';
import { HOUR, MINUTE, person, T0, testRole } from '../../test/harness/core-fixtures.js';
import { transition, type GrantEvent } from './transition.js';
import type { Role } from './role.js';

const alice = person('alice@example.com', { authTime: T0 });
const bob: Actor = { id: 'bob@example.com', groups: [], isAdmin: false };
const carol: Actor = { id: 'carol@example.com', groups: [], isAdmin: false };
const erin: Actor = { id: 'erin@example.com', groups: ['approvers'], isAdmin: false };
const dave: Actor = { id: 'dave@example.com', groups: [], isAdmin: false };
const admin: Actor = { id: 'root@example.com', groups: [], isAdmin: true };

function requested(
  role: Role = testRole(),
  extra: { start?: number; duration?: number } = {},
): Grant {
  const result = evaluateRequest(
    role,
    { id: 'g1', principal: alice, justification: 'deploy fix', ...extra },
    T0,
    { mfaMaxAge: HOUR },
  );
  if (!result.ok) throw new Error(result.refusal.message);
  return result.value;
}

function step(grant: Grant, event: GrantEvent, now: number): Grant {
  const result = transition(grant, event, now);
  if (!result.ok) throw new Error(result.refusal.message);
  return result.value.grant;
}

describe('transition', () => {
  it('walks request, approval, activation and expiry', () => {
    let grant = step(requested(), { type: 'submit' }, T0);
    expect(grant.status).toBe('pending_approval');
    grant = step(grant, { type: 'approve', actor: bob }, T0 + MINUTE);
    expect(grant).toMatchObject({
      status: 'active',
      startsAt: T0 + MINUTE,
      endsAt: T0 + MINUTE + HOUR,
    });
    expect(transition(grant, { type: 'expire' }, T0 + HOUR).ok).toBe(false);
    grant = step(grant, { type: 'expire' }, T0 + MINUTE + HOUR);
    expect(grant).toMatchObject({ status: 'expired', hadAccess: true });
  });

  it('activates at once when no approval is required', () => {
    const role = testRole(
      {},
      {
        approval: {
          required: false,
          approvers: { users: [], groups: [] },
          quorum: 1,
          allowSelfApproval: false,
        },
      },
    );
    const result = transition(requested(role), { type: 'submit' }, T0);
    expect(result.ok && result.value).toMatchObject({
      action: 'grant.activated',
      grant: { status: 'active' },
    });
  });

  it('schedules a future start and activates it only when the start has come', () => {
    let grant = step(requested(testRole(), { start: T0 + HOUR }), { type: 'submit' }, T0);
    grant = step(grant, { type: 'approve', actor: bob }, T0 + MINUTE);
    expect(grant).toMatchObject({
      status: 'scheduled',
      startsAt: T0 + HOUR,
      endsAt: T0 + 2 * HOUR,
    });
    expect(transition(grant, { type: 'start' }, T0 + 30 * MINUTE).ok).toBe(false);
    expect(step(grant, { type: 'start' }, T0 + HOUR).status).toBe('active');
  });

  it('refuses self-approval', () => {
    const grant = step(requested(), { type: 'submit' }, T0);
    const result = transition(
      grant,
      { type: 'approve', actor: { id: alice.id, groups: [], isAdmin: true } },
      T0,
    );
    expect(result).toMatchObject({ ok: false, refusal: { code: 'ERR_SELF_APPROVAL' } });
  });

  it('refuses someone who is not an approver, and accepts one through a group', () => {
    const grant = step(requested(), { type: 'submit' }, T0);
    expect(transition(grant, { type: 'approve', actor: dave }, T0)).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_NOT_APPROVER' },
    });
    expect(transition(grant, { type: 'approve', actor: erin }, T0).ok).toBe(true);
  });

  it('needs two different approvers for a quorum of two', () => {
    const role = testRole(
      {},
      {
        approval: {
          required: true,
          approvers: { users: [bob.id, carol.id], groups: [] },
          quorum: 2,
          allowSelfApproval: false,
        },
      },
    );
    let grant = step(requested(role), { type: 'submit' }, T0);
    grant = step(grant, { type: 'approve', actor: bob }, T0);
    expect(grant.status).toBe('pending_approval');
    expect(transition(grant, { type: 'approve', actor: bob }, T0)).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_ALREADY_APPROVED' },
    });
    grant = step(grant, { type: 'approve', actor: carol }, T0);
    expect(grant.status).toBe('active');
  });

  it('lets a break-glass requester self-approve only with a reason, and raises an alert', () => {
    const role = testRole({ breakGlass: true });
    const grant = step(requested(role), { type: 'submit' }, T0);
    const self: Actor = { id: alice.id, groups: [], isAdmin: false };
    expect(transition(grant, { type: 'approve', actor: self }, T0)).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_REASON_REQUIRED' },
    });
    const result = transition(
      grant,
      { type: 'approve', actor: self, comment: 'prod down, nobody reachable' },
      T0,
    );
    expect(result.ok && result.value).toMatchObject({
      action: 'grant.break_glass_self_approved',
      grant: { status: 'active' },
    });
    expect(result.ok && result.value.alert).toContain('break-glass');
  });

  it('extends an active grant after approval, keeping the later end', () => {
    let grant = step(
      step(requested(), { type: 'submit' }, T0),
      { type: 'approve', actor: bob },
      T0,
    );
    grant = step(
      grant,
      {
        type: 'extend',
        actor: alice,
        endsAt: T0 + 3 * HOUR,
        justification: 'more',
        freshMfa: true,
      },
      T0 + 30 * MINUTE,
    );
    expect(grant).toMatchObject({ status: 'active', endsAt: T0 + HOUR });
    grant = step(grant, { type: 'approve', actor: carol }, T0 + 40 * MINUTE);
    expect(grant).toMatchObject({ status: 'active', endsAt: T0 + 3 * HOUR });
  });

  it('refuses an extension reaching past now plus the maximum', () => {
    const grant = step(
      step(requested(), { type: 'submit' }, T0),
      { type: 'approve', actor: bob },
      T0,
    );
    expect(
      transition(
        grant,
        { type: 'extend', actor: alice, endsAt: T0 + 9 * HOUR, justification: 'x', freshMfa: true },
        T0,
      ),
    ).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_DURATION_TOO_LONG' },
    });
  });

  it('holds an extension to the rules of the request: justification, ticket and fresh MFA (review M5)', () => {
    const grant = step(
      step(requested(), { type: 'submit' }, T0),
      { type: 'approve', actor: bob },
      T0,
    );
    const strict = {
      ...grant,
      policy: {
        ...grant.policy,
        requireJustification: true,
        requireTicket: true,
        requireMfa: true,
      },
    } as Grant;
    const ask = (extra: { justification?: string; ticket?: string; freshMfa: boolean }) =>
      transition(strict, { type: 'extend', actor: alice, endsAt: T0 + 2 * HOUR, ...extra }, T0);
    expect(ask({ ticket: 'T-1', freshMfa: true })).toMatchObject({
      refusal: { code: 'ERR_JUSTIFICATION_REQUIRED' },
    });
    expect(ask({ justification: ' ', ticket: 'T-1', freshMfa: true })).toMatchObject({
      refusal: { code: 'ERR_JUSTIFICATION_REQUIRED' },
    });
    expect(ask({ justification: 'more', freshMfa: true })).toMatchObject({
      refusal: { code: 'ERR_TICKET_REQUIRED' },
    });
    expect(ask({ justification: 'more', ticket: 'T-1', freshMfa: false })).toMatchObject({
      refusal: { code: 'ERR_MFA_REQUIRED' },
    });
    expect(ask({ justification: 'more', ticket: 'T-1', freshMfa: true }).ok).toBe(true);
    // A grant snapshotted before the rules were recorded: justification and MFA required.
    const { requireJustification: _j, requireTicket: _t, requireMfa: _m, ...older } = strict.policy;
    const legacy = { ...strict, policy: older } as Grant;
    expect(
      transition(
        legacy,
        { type: 'extend', actor: alice, endsAt: T0 + 2 * HOUR, freshMfa: false },
        T0,
      ),
    ).toMatchObject({ refusal: { code: 'ERR_JUSTIFICATION_REQUIRED' } });
    expect(
      transition(
        legacy,
        {
          type: 'extend',
          actor: alice,
          endsAt: T0 + 2 * HOUR,
          justification: 'x',
          freshMfa: false,
        },
        T0,
      ),
    ).toMatchObject({ refusal: { code: 'ERR_MFA_REQUIRED' } });
  });

  it('lets the requester revoke early ("I am done") and refuses outsiders', () => {
    const grant = step(
      step(requested(), { type: 'submit' }, T0),
      { type: 'approve', actor: bob },
      T0,
    );
    expect(transition(grant, { type: 'revoke', actor: dave, reason: 'x' }, T0)).toMatchObject({
      ok: false,
      refusal: { code: 'ERR_FORBIDDEN' },
    });
    const done = step(grant, { type: 'revoke', actor: alice, reason: 'done' }, T0 + MINUTE);
    expect(done).toMatchObject({ status: 'revoked', endsAt: T0 + MINUTE, hadAccess: true });
    expect(step(grant, { type: 'revoke', actor: admin, reason: 'policy' }, T0).status).toBe(
      'revoked',
    );
  });

  it('cancels pending requests but not active grants', () => {
    const pending = step(requested(), { type: 'submit' }, T0);
    expect(step(pending, { type: 'cancel', actor: alice }, T0)).toMatchObject({
      status: 'cancelled',
      hadAccess: false,
    });
    const active = step(pending, { type: 'approve', actor: bob }, T0);
    expect(transition(active, { type: 'cancel', actor: alice }, T0).ok).toBe(false);
  });

  it('fails any open grant and refuses every event on an ended one', () => {
    const active = step(
      step(requested(), { type: 'submit' }, T0),
      { type: 'approve', actor: bob },
      T0,
    );
    const failed = step(active, { type: 'fail', reason: 'user missing in Identity Center' }, T0);
    expect(failed).toMatchObject({ status: 'failed', hadAccess: true });
    for (const event of [
      { type: 'expire' },
      { type: 'start' },
      { type: 'approve', actor: bob },
    ] as const) {
      expect(transition(failed, event, T0 + 2 * HOUR).ok).toBe(false);
    }
  });
});

// ---- Properties ---------------------------------------------------------------------

const actors: readonly Actor[] = [
  { id: alice.id, groups: [], isAdmin: false },
  bob,
  carol,
  erin,
  dave,
  admin,
];

const eventArb: fc.Arbitrary<(now: number) => GrantEvent> = fc.oneof(
  fc.constant(() => ({ type: 'submit' }) as const),
  fc
    .tuple(fc.constantFrom(...actors), fc.option(fc.string({ maxLength: 3 }), { nil: undefined }))
    .map(
      ([actor, comment]) =>
        () =>
          ({ type: 'approve', actor, ...(comment === undefined ? {} : { comment }) }) as const,
    ),
  fc.constantFrom(...actors).map((actor) => () => ({ type: 'deny', actor }) as const),
  fc.constantFrom(...actors).map((actor) => () => ({ type: 'cancel', actor }) as const),
  fc
    .constantFrom(...actors)
    .map((actor) => () => ({ type: 'revoke', actor, reason: 'r' }) as const),
  fc.constant(() => ({ type: 'start' }) as const),
  fc.constant(() => ({ type: 'expire' }) as const),
  fc.constant(() => ({ type: 'fail', reason: 'boom' }) as const),
  fc.tuple(fc.constantFrom(...actors), fc.integer({ min: -2 * HOUR, max: 12 * HOUR })).map(
    ([actor, ahead]) =>
      (now: number) =>
        ({
          type: 'extend',
          actor,
          endsAt: now + ahead,
          justification: 'more',
          freshMfa: true,
        }) as const,
  ),
);

const roleArb: fc.Arbitrary<Role> = fc
  .record({
    breakGlass: fc.boolean(),
    required: fc.boolean(),
    quorum: fc.integer({ min: 1, max: 3 }),
    maxHours: fc.integer({ min: 1, max: 24 }),
  })
  .map(({ breakGlass, required, quorum, maxHours }) =>
    testRole(
      { breakGlass },
      {
        maxDuration: maxHours * HOUR,
        defaultDuration: HOUR,
        approval: {
          required,
          approvers: { users: [bob.id, carol.id, alice.id], groups: ['approvers'] },
          quorum,
          allowSelfApproval: false,
        },
      },
    ),
  );

describe('transition properties', () => {
  it('never yields an unbounded, over-long, self-approved or single-person-quorum grant', () => {
    fc.assert(
      fc.property(
        roleArb,
        fc.option(fc.integer({ min: 0, max: 4 * HOUR }), { nil: undefined }),
        fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 3 * HOUR })), { maxLength: 25 }),
        (role, startIn, steps) => {
          let grant = requested(role, startIn === undefined ? {} : { start: T0 + startIn });
          let now = T0;
          let lastAuthorisation = Number.NEGATIVE_INFINITY;
          for (const [makeEvent, advance] of steps) {
            now += advance;
            const before = grant;
            const result = transition(grant, makeEvent(now), now);
            if (!result.ok) continue;
            grant = result.value.grant;
            expect(['expired', 'revoked', 'cancelled', 'denied', 'failed']).not.toContain(
              before.status,
            );
            if (
              [
                'grant.activated',
                'grant.scheduled',
                'grant.extended',
                'grant.break_glass_self_approved',
              ].includes(result.value.action)
            ) {
              lastAuthorisation = now;
            }
            if (grant.status === 'active' || grant.status === 'scheduled') {
              expect(Number.isFinite(grant.endsAt)).toBe(true);
              expect(grant.endsAt).toBeGreaterThan(grant.startsAt);
              // The end never lies further than the maximum past the latest approval or activation.
              const latestApproval = Math.max(
                lastAuthorisation,
                grant.startsAt,
                ...grant.approvals.map((a) => a.at),
              );
              expect(grant.endsAt).toBeLessThanOrEqual(
                latestApproval + role.activation.maxDuration,
              );
              const approvers = grant.approvals.map((a) => a.approver);
              expect(new Set(approvers).size).toBe(approvers.length);
              if (!role.breakGlass) expect(approvers).not.toContain(alice.id);
              if (role.activation.approval.required) {
                const selfApproved = grant.approvals.some((a) => a.selfApproval === true);
                if (!selfApproved)
                  expect(new Set(approvers).size).toBeGreaterThanOrEqual(
                    role.activation.approval.quorum,
                  );
                else {
                  expect(role.breakGlass).toBe(true);
                }
              }
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
