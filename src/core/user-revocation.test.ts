import { describe, expect, it } from 'vitest';
import { person, T0, testRole } from '../../test/harness/core-fixtures.js';
import type { Entitlement, Grant } from './grant.js';
import { policySnapshot } from './request-policy.js';
import type { Role } from './role.js';
import {
  incidentEndEvent,
  planUserRevocation,
  userRevocationReport,
  type PimHolding,
  type UserRevocationFacts,
} from './user-revocation.js';

const BOB = 'bob@example.com';
const A = '111111111111';
const B = '222222222222';

const ops = testRole({ name: 'ops', group: 'JIT-ops', accounts: [A, B] });
const db = testRole({
  name: 'db',
  group: 'unused',
  permissionSet: 'DbAdmin',
  enforcement: 'account-assignment',
  accounts: [A, B],
});
const roles = new Map<string, Role>([
  ['ops', ops],
  ['db', db],
]);

function grant(id: string, role: Role, status: Grant['status'], accounts = role.accounts): Grant {
  const base = {
    id,
    role: role.name,
    principal: BOB,
    accounts: [...accounts],
    duration: 3_600_000,
    requestedAt: T0,
    policy: policySnapshot(role),
    approvals: [],
  };
  switch (status) {
    case 'active':
      return {
        ...base,
        status,
        startsAt: T0,
        endsAt: T0 + 3_600_000,
        authorizedAt: T0,
        activatedAt: T0,
        extensions: 0,
      };
    case 'scheduled':
      return { ...base, status, startsAt: T0 + 60_000, endsAt: T0 + 3_660_000, authorizedAt: T0 };
    case 'requested':
    case 'pending_approval':
      return { ...base, status };
    case 'expired':
    case 'revoked':
    case 'cancelled':
    case 'denied':
    case 'failed':
      return {
        ...base,
        status,
        endedAt: T0,
        endedBy: 'x',
        endReason: 'x',
        hadAccess: true,
      };
  }
}

const membership = (group: string, user = BOB): Entitlement => ({
  kind: 'group-membership',
  group,
  user,
});
const assignment = (account: string, user = BOB): Entitlement => ({
  kind: 'account-assignment',
  permissionSet: 'DbAdmin',
  account,
  user,
});

function facts(overrides: Partial<UserRevocationFacts> = {}): UserRevocationFacts {
  return {
    principal: BOB,
    openGrants: [],
    held: [],
    openRevocations: [],
    pim: [],
    signInSessions: 0,
    roles,
    ...overrides,
  };
}

const eligibility: PimHolding = {
  role: 'pim',
  group: 'JIT-pim',
  groupId: 'g-1',
  kind: 'eligibility',
  principalId: 'u-bob',
  instanceId: 'e-1',
};

describe('incidentEndEvent', () => {
  const carol = person('carol@example.com', { isAdmin: true });

  it('revokes active and scheduled grants, cancels requests not yet decided, and leaves ended ones', () => {
    expect(incidentEndEvent(grant('g1', ops, 'active'), carol, 'INC-42')?.type).toBe('revoke');
    expect(incidentEndEvent(grant('g2', ops, 'scheduled'), carol, 'INC-42')?.type).toBe('revoke');
    expect(incidentEndEvent(grant('g3', ops, 'pending_approval'), carol, 'INC-42')?.type).toBe(
      'cancel',
    );
    expect(incidentEndEvent(grant('g4', ops, 'requested'), carol, 'INC-42')?.type).toBe('cancel');
    expect(incidentEndEvent(grant('g5', ops, 'expired'), carol, 'INC-42')).toBeUndefined();
  });
});

describe('planUserRevocation', () => {
  it('ends every open grant and removes what active ones stand for, in both enforcement modes', () => {
    const plan = planUserRevocation(
      facts({
        openGrants: [
          grant('g1', ops, 'active'),
          grant('g2', db, 'active', [B]),
          grant('g3', db, 'pending_approval', [A]),
        ],
        held: [membership('JIT-ops'), assignment(B)],
      }),
    );
    expect(plan.grants.map((g) => [g.grantId, g.from, g.to])).toEqual([
      ['g1', 'active', 'revoked'],
      ['g2', 'active', 'revoked'],
      ['g3', 'pending_approval', 'cancelled'],
    ]);
    expect(plan.removals.map((r) => [r.key, r.accounts, r.grantIds, r.drift])).toEqual([
      [`assignment:DbAdmin:${B}:${BOB}`, [B], ['g2'], false],
      [`group:JIT-ops:${BOB}`, [A, B], ['g1'], false],
    ]);
    expect(plan.nothingToDo).toBe(false);
  });

  it('marks as drift what Identity Center holds for the person with no grant, and ignores other people', () => {
    const plan = planUserRevocation(
      facts({
        held: [assignment(A), membership('JIT-ops', 'alice@example.com')],
        openGrants: [grant('g1', db, 'scheduled', [A])],
      }),
    );
    expect(plan.removals).toEqual([
      expect.objectContaining({ key: `assignment:DbAdmin:${A}:${BOB}`, drift: true, held: true }),
    ]);
  });

  it('keeps an active grant’s access that never landed, for its sessions, without ordering a removal', () => {
    const plan = planUserRevocation(facts({ openGrants: [grant('g1', ops, 'active')] }));
    expect(plan.removals).toEqual([
      expect.objectContaining({ held: false, drift: false, grantIds: ['g1'] }),
    ]);
  });

  it('lists PIM holdings, removable unless held through a group', () => {
    const plan = planUserRevocation(
      facts({
        pim: [eligibility, { ...eligibility, instanceId: 'e-2', viaGroup: 'oncall' }],
      }),
    );
    expect(plan.pim.map((p) => [p.instanceId, p.removable])).toEqual([
      ['e-1', true],
      ['e-2', false],
    ]);
    expect(plan.nothingToDo).toBe(false);
  });

  it('has nothing to do when only holdings through a group are left', () => {
    const plan = planUserRevocation(facts({ pim: [{ ...eligibility, viaGroup: 'oncall' }] }));
    expect(plan.nothingToDo).toBe(true);
  });

  it('finds a role-less group’s accounts from the grants that wanted it', () => {
    const orphan = testRole({ name: 'gone', group: 'JIT-gone', accounts: [B] });
    const plan = planUserRevocation(facts({ openGrants: [grant('g1', orphan, 'active')] }));
    expect(plan.removals[0]?.accounts).toEqual([B]);
    expect(plan.removals[0]?.permissionSet).toBe('AdminAccess');
  });
});

describe('userRevocationReport', () => {
  const plan = planUserRevocation(
    facts({
      openGrants: [grant('g1', ops, 'active'), grant('g2', db, 'active', [B])],
      held: [membership('JIT-ops'), assignment(B)],
      pim: [eligibility],
    }),
  );

  it('reports a dry run per account, everything planned and nothing complete', () => {
    const report = userRevocationReport(plan, { reason: 'INC-42' });
    expect(report.dryRun).toBe(true);
    expect(report.incidentId).toBeUndefined();
    expect(report.accounts.map((a) => [a.account, a.access.map((x) => x.permissionSet)])).toEqual([
      [A, ['AdminAccess']],
      [B, ['DbAdmin', 'AdminAccess']],
    ]);
    expect(report.accounts.flatMap((a) => a.access.map((x) => [x.removal, x.sessions]))).toEqual([
      ['planned', 'planned'],
      ['planned', 'planned'],
      ['planned', 'planned'],
    ]);
    expect(report.complete).toBe(false);
  });

  it('is complete once every grant ended, nothing is held, every session is denied and PIM is removed', () => {
    const keys = plan.removals.map((r) => r.key);
    const report = userRevocationReport(
      plan,
      { reason: 'INC-42', incidentId: 'inc_1' },
      {
        grants: new Map([
          ['g1', { result: 'done' }],
          ['g2', { result: 'done' }],
        ]),
        stillHeld: new Set(),
        sessions: new Map(keys.map((k) => [k, { result: 'denied' }])),
        pim: new Map([['g-1/eligibility/e-1', { result: 'removed' }]]),
      },
    );
    expect(report.complete).toBe(true);
    expect(report.incidentId).toBe('inc_1');
    expect(report.accounts.every((a) => a.access.every((x) => x.removal === 'removed'))).toBe(true);
  });

  it('is not complete while access is still held or a deny is pending', () => {
    const key = plan.removals[0]?.key ?? '';
    const report = userRevocationReport(
      plan,
      { reason: 'INC-42', incidentId: 'inc_1' },
      {
        grants: new Map([
          ['g1', { result: 'done' }],
          ['g2', { result: 'done' }],
        ]),
        stillHeld: new Set([key]),
        sessions: new Map(),
        pim: new Map([['g-1/eligibility/e-1', { result: 'removed' }]]),
      },
    );
    expect(report.complete).toBe(false);
    expect(report.accounts.flatMap((a) => a.access).some((x) => x.removal === 'pending')).toBe(
      true,
    );
  });
});
