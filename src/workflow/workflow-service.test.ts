import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyAudit } from '../audit/verify-audit.js';
import { JitError, type JitErrorCode, type Result } from '../core/errors.js';
import type { Grant } from '../core/grant.js';
import type { Principal } from '../core/principal.js';
import { evaluateRequest } from '../core/request-policy.js';
import type { Role } from '../core/role.js';
import { HOUR, MINUTE, person, T0, testRole } from '../../test/harness/core-fixtures.js';
import { SettableClock } from '../ports/clock.js';
import { SequentialIds } from '../ports/ids.js';
import { silentLogger } from '../ports/logger.js';
import { openStore } from '../store/open-store.js';
import { VersionConflictError, type Store } from '../store/store.js';
import { applyGrantEvent, insertGrant } from '../store/apply-grant-event.js';
import { WorkflowService, type GrantOutcome } from './workflow-service.js';

const approvers = { users: ['bob@example.com', 'carol@example.com'], groups: ['approvers'] };
const noApproval = { required: false, approvers, quorum: 1, allowSelfApproval: false };

function roles(): Map<string, Role> {
  const list: Role[] = [
    testRole(),
    testRole(
      { name: 'db-admin', group: 'JIT-db-admin' },
      { approval: { required: true, approvers, quorum: 2, allowSelfApproval: false } },
    ),
    testRole(
      { name: 'read-only', group: 'JIT-read-only' },
      { approval: noApproval, requireJustification: false },
    ),
    testRole(
      { name: 'break-glass', group: 'JIT-break-glass', breakGlass: true },
      { maxDuration: 2 * HOUR },
    ),
    testRole({ name: 'pim-admin', group: 'JIT-pim-admin', source: 'entra-pim' }),
    testRole(
      { name: 'sales-admin', group: 'JIT-sales-admin' },
      {
        approval: { ...noApproval, approvers: { users: ['zed@example.com'], groups: [] } },
        requireJustification: false,
      },
    ),
  ];
  return new Map(list.map((r) => [r.name, r]));
}

const alice = person('alice@example.com', { authTime: T0 });
const dave = person('dave@example.com', { groups: ['developers'], authTime: T0 });
const bob = person('bob@example.com', { authTime: T0 });
const carol = person('carol@example.com', { authTime: T0 });
const erin = person('erin@example.com', { groups: ['approvers'], authTime: T0 });
const mallory = person('mallory@example.com', { authTime: T0 });
const root = person('root@example.com', { isAdmin: true, authTime: T0 });

let dir: string;
let store: Store;
let clock: SettableClock;
let onChange: ReturnType<typeof vi.fn<() => void>>;
let service: WorkflowService;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-workflow-'));
  store = await openStore({ sqlitePath: join(dir, 'jit.db') });
  clock = new SettableClock({ fixed: T0 });
  onChange = vi.fn<() => void>();
  service = newService(store);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function newService(on: Store): WorkflowService {
  return new WorkflowService({
    store: on,
    roles: roles(),
    admins: { users: ['root@example.com'], groups: [] },
    clock,
    ids: new SequentialIds(),
    logger: silentLogger,
    mfaMaxAge: HOUR,
    // These tests open many grants for one person; the cap has a test of its own.
    maxOpenGrantsPerPerson: 10_000,
    onChange,
  });
}

function value<T>(result: Result<T>): T {
  if (!result.ok)
    throw new Error(`expected success, got ${result.refusal.code}: ${result.refusal.message}`);
  return result.value;
}

function refusalCode<T>(result: Result<T>): JitErrorCode | undefined {
  return result.ok ? undefined : result.refusal.code;
}

async function requested(
  role = 'prod-admin',
  who: Principal = alice,
  extra: { duration?: number; start?: number } = {},
): Promise<GrantOutcome> {
  return value(await service.request(who, { role, justification: 'INC-9', ...extra }));
}

async function active(role = 'prod-admin', who: Principal = alice): Promise<Grant> {
  const { grant } = await requested(role, who);
  if (grant.status === 'active') return grant;
  return value(await service.approve(bob, grant.id)).grant;
}

async function actionsOf(grantId: string): Promise<string[]> {
  return (await store.queryAudit({ grantId, limit: 1000 })).map((e) => e.action);
}

async function verified(): Promise<boolean> {
  const head = await store.auditHead();
  const result = await verifyAudit(store.auditEntries(1000, head.seq), head);
  return result.ok && result.entries === head.seq;
}

describe('WorkflowService.request', () => {
  it('leaves a request waiting for approval when the role requires it', async () => {
    const outcome = await requested();

    expect(outcome.action).toBe('grant.pending_approval');
    expect(outcome.grant).toMatchObject({
      status: 'pending_approval',
      role: 'prod-admin',
      principal: 'alice@example.com',
      duration: HOUR,
      justification: 'INC-9',
    });
    expect(outcome.version).toBe(2);
    expect(outcome.overlaps).toBeUndefined();
    expect(await actionsOf(outcome.grant.id)).toEqual([
      'grant.requested',
      'grant.pending_approval',
    ]);
    expect((await store.getGrant(outcome.grant.id))?.grant.status).toBe('pending_approval');
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('activates at once when the role needs no approval, for the asked duration', async () => {
    const outcome = await requested('read-only', dave, { duration: 2 * HOUR });

    expect(outcome.action).toBe('grant.activated');
    expect(outcome.grant).toMatchObject({
      status: 'active',
      startsAt: T0,
      endsAt: T0 + 2 * HOUR,
      activatedAt: T0,
    });
    expect(await actionsOf(outcome.grant.id)).toEqual(['grant.requested', 'grant.activated']);
  });

  it('schedules a request that asks to start later', async () => {
    const outcome = await requested('read-only', dave, { start: T0 + HOUR });

    expect(outcome.action).toBe('grant.scheduled');
    expect(outcome.grant).toMatchObject({
      status: 'scheduled',
      startsAt: T0 + HOUR,
      endsAt: T0 + 2 * HOUR,
    });
  });

  it('reports the open grants of the same person and role as overlaps, and only those', async () => {
    const first = await requested();
    const second = await requested('read-only', alice);
    const third = await requested();

    expect(second.overlaps).toBeUndefined();
    expect(third.overlaps).toEqual([first.grant.id]);

    value(await service.cancel(alice, first.grant.id));
    value(await service.cancel(alice, third.grant.id));
    expect((await requested()).overlaps).toBeUndefined();
  });

  it.each([
    ['an unknown role', 'no-such-role', alice, 'ERR_UNKNOWN_ROLE'],
    ['a role activated in Entra PIM', 'pim-admin', alice, 'ERR_ROLE_NOT_NATIVE'],
    ['someone not eligible', 'prod-admin', mallory, 'ERR_NOT_ELIGIBLE'],
    [
      'a sign-in without fresh MFA',
      'prod-admin',
      person('alice@example.com', { authTime: T0 - 2 * HOUR }),
      'ERR_MFA_REQUIRED',
    ],
  ] as const)(
    "refuses %s without writing anything but the refusal's audit entry",
    async (_what, role, who, code) => {
      const result = await service.request(who, { role, justification: 'INC-9' });

      expect(refusalCode(result)).toBe(code);
      expect(await store.listGrants({})).toEqual([]);
      const audit = await store.queryAudit({ limit: 10 });
      expect(audit.map((e) => [e.action, e.actor, e.data])).toEqual([
        ['grant.refused', who.id, { attempted: 'request', code, role }],
      ]);
      expect(onChange).not.toHaveBeenCalled();
    },
  );

  it('refuses a duration longer than the role allows, saying the maximum', async () => {
    const result = await service.request(alice, {
      role: 'prod-admin',
      justification: 'x',
      duration: 9 * HOUR,
    });
    expect(refusalCode(result)).toBe('ERR_DURATION_TOO_LONG');
    expect(result.ok ? '' : result.refusal.message).toContain('PT8H');
  });
});

describe('WorkflowService.approve and deny', () => {
  it('activates a request when an approver approves it', async () => {
    const { grant } = await requested();
    onChange.mockClear();

    const outcome = value(await service.approve(bob, grant.id, 'ok'));

    expect(outcome.action).toBe('grant.activated');
    expect(outcome.grant).toMatchObject({ status: 'active', startsAt: T0, endsAt: T0 + HOUR });
    expect(outcome.grant.approvals).toEqual([
      { approver: 'bob@example.com', at: T0, comment: 'ok' },
    ]);
    const [activated] = await store.queryAudit({ grantId: grant.id, action: 'grant.activated' });
    expect(activated).toMatchObject({ actor: 'bob@example.com', severity: 'info' });
    expect(onChange).toHaveBeenCalledTimes(1);
  });

  it('lets a member of an approvers group approve', async () => {
    const { grant } = await requested();
    expect(value(await service.approve(erin, grant.id)).action).toBe('grant.activated');
  });

  it('waits for the quorum of distinct approvers', async () => {
    const { grant } = await requested('db-admin');

    const first = value(await service.approve(bob, grant.id));
    expect(first.action).toBe('grant.approval_recorded');
    expect(first.grant.status).toBe('pending_approval');
    expect(refusalCode(await service.approve(bob, grant.id))).toBe('ERR_ALREADY_APPROVED');

    const second = value(await service.approve(carol, grant.id));
    expect(second.action).toBe('grant.activated');
    expect(second.grant.approvals.map((a) => a.approver)).toEqual([
      'bob@example.com',
      'carol@example.com',
    ]);
  });

  it('refuses approvals that break the rules, as values with their codes', async () => {
    const { grant } = await requested();
    onChange.mockClear();

    expect(refusalCode(await service.approve(alice, grant.id))).toBe('ERR_SELF_APPROVAL');
    expect(refusalCode(await service.approve(mallory, grant.id))).toBe('ERR_NOT_FOUND');
    expect(refusalCode(await service.approve(root, grant.id))).toBe('ERR_NOT_APPROVER');
    expect(refusalCode(await service.approve(bob, 'g_404'))).toBe('ERR_NOT_FOUND');
    value(await service.approve(bob, grant.id));
    expect(refusalCode(await service.approve(carol, grant.id))).toBe('ERR_ILLEGAL_TRANSITION');

    expect(onChange).toHaveBeenCalledTimes(1);
    // Each refusal is on the grant's record, with its code: self-approval, an outsider, a
    // non-approver, and an approval after the grant was already active.
    const audit = await store.queryAudit({ grantId: grant.id, limit: 100 });
    expect(audit.map((e) => [e.action, e.actor, e.data?.['code'] ?? null])).toEqual([
      ['grant.requested', 'alice@example.com', null],
      ['grant.pending_approval', 'alice@example.com', null],
      ['grant.refused', 'alice@example.com', 'ERR_SELF_APPROVAL'],
      ['grant.refused', 'mallory@example.com', 'ERR_NOT_FOUND'],
      ['grant.refused', 'root@example.com', 'ERR_NOT_APPROVER'],
      ['grant.activated', 'bob@example.com', null],
      ['grant.refused', 'carol@example.com', 'ERR_ILLEGAL_TRANSITION'],
    ]);
  });

  it('lets an approver or an administrator deny, but not the requester or anyone else', async () => {
    const first = (await requested()).grant;
    const second = (await requested()).grant;

    expect(refusalCode(await service.deny(alice, first.id))).toBe('ERR_SELF_APPROVAL');
    expect(refusalCode(await service.deny(mallory, first.id))).toBe('ERR_NOT_FOUND');

    const denied = value(await service.deny(bob, first.id, 'not during the freeze'));
    expect(denied.action).toBe('grant.denied');
    expect(denied.grant).toMatchObject({
      status: 'denied',
      endedBy: 'bob@example.com',
      endReason: 'not during the freeze',
      hadAccess: false,
    });
    expect(value(await service.deny(root, second.id)).grant.status).toBe('denied');
    expect(refusalCode(await service.approve(bob, first.id))).toBe('ERR_ILLEGAL_TRANSITION');
  });

  it('lets a break-glass requester approve their own request with a reason, as an alert', async () => {
    const warnings: string[] = [];
    const loud = new WorkflowService({
      store,
      roles: roles(),
      admins: { users: [], groups: [] },
      clock,
      ids: new SequentialIds(),
      logger: { ...silentLogger, warn: (_fields, message) => warnings.push(message) },
      mfaMaxAge: HOUR,
    });
    const { grant } = value(
      await loud.request(alice, { role: 'break-glass', justification: 'outage' }),
    );

    expect(refusalCode(await loud.approve(alice, grant.id))).toBe('ERR_REASON_REQUIRED');
    const outcome = value(await loud.approve(alice, grant.id, 'primary region down'));

    expect(outcome.action).toBe('grant.break_glass_self_approved');
    expect(outcome.grant.status).toBe('active');
    expect(outcome.grant.approvals[0]).toMatchObject({ selfApproval: true });
    const [entry] = await store.queryAudit({
      grantId: grant.id,
      action: 'grant.break_glass_self_approved',
    });
    expect(entry).toMatchObject({ severity: 'alert', actor: 'alice@example.com' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('break-glass');
  });

  it('activates exactly once when 30 approvers approve at the same moment', async () => {
    const { grant } = await requested();
    const crowd = Array.from({ length: 30 }, (_, i) =>
      person(`approver${i}@example.com`, { groups: ['approvers'] }),
    );

    const results = await Promise.all(crowd.map((who) => service.approve(who, grant.id)));

    const succeeded = results.filter((r) => r.ok);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]?.ok && succeeded[0].value.action).toBe('grant.activated');
    expect(new Set(results.filter((r) => !r.ok).map(refusalCode))).toEqual(
      new Set(['ERR_ILLEGAL_TRANSITION']),
    );
    expect(await store.queryAudit({ action: 'grant.activated' })).toHaveLength(1);
    expect((await store.getGrant(grant.id))?.grant.approvals).toHaveLength(1);
    expect(await verified()).toBe(true);
  });

  it('activates exactly once when 30 approvals race through two stores on one database file', async () => {
    const other = await openStore({ sqlitePath: join(dir, 'jit.db') });
    try {
      const second = newService(other);
      const { grant } = await requested('db-admin');
      const crowd = Array.from({ length: 30 }, (_, i) =>
        person(`approver${i}@example.com`, { groups: ['approvers'] }),
      );

      const results = await Promise.all(
        crowd.map((who, i) => (i % 2 === 0 ? service : second).approve(who, grant.id)),
      );

      const actions = results.flatMap((r) => (r.ok ? [r.value.action] : []));
      expect(actions.sort()).toEqual(['grant.activated', 'grant.approval_recorded']);
      expect(await store.queryAudit({ action: 'grant.activated' })).toHaveLength(1);
      expect(await verified()).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('WorkflowService.cancel, revoke and extend', () => {
  it('lets the requester or an administrator cancel a request, and nobody else', async () => {
    const first = (await requested()).grant;
    const second = (await requested()).grant;

    expect(refusalCode(await service.cancel(bob, first.id))).toBe('ERR_FORBIDDEN');
    const cancelled = value(await service.cancel(alice, first.id));
    expect(cancelled.action).toBe('grant.cancelled');
    expect(cancelled.grant).toMatchObject({
      status: 'cancelled',
      endReason: 'cancelled by requester',
    });
    expect(value(await service.cancel(root, second.id, 'duplicate')).grant).toMatchObject({
      endReason: 'duplicate',
      endedBy: 'root@example.com',
    });
    expect(refusalCode(await service.cancel(alice, first.id))).toBe('ERR_ILLEGAL_TRANSITION');
  });

  it('refuses to cancel an active grant and says to revoke it', async () => {
    const grant = await active();
    const result = await service.cancel(alice, grant.id);
    expect(refusalCode(result)).toBe('ERR_ILLEGAL_TRANSITION');
    expect(result.ok ? '' : result.refusal.message).toContain('revoke');
  });

  it('cancels a scheduled grant before it starts', async () => {
    const { grant } = await requested('read-only', dave, { start: T0 + HOUR });
    expect(value(await service.cancel(dave, grant.id)).grant.status).toBe('cancelled');
  });

  it('revokes an active grant early, for the requester, an approver or an administrator', async () => {
    const mine = await active();
    const approved = await active();
    const admin = await active();

    const revoked = value(await service.revoke(alice, mine.id));
    expect(revoked.action).toBe('grant.revoked');
    expect(revoked.grant).toMatchObject({
      status: 'revoked',
      endReason: 'revoked early by alice@example.com',
      hadAccess: true,
      endsAt: T0,
    });
    expect(value(await service.revoke(carol, approved.id, '  leaving  ')).grant).toMatchObject({
      endReason: 'leaving',
    });
    expect(refusalCode(await service.revoke(mallory, admin.id))).toBe('ERR_NOT_FOUND');
    expect(value(await service.revoke(root, admin.id, 'audit finding')).grant.status).toBe(
      'revoked',
    );
    expect(refusalCode(await service.revoke(alice, mine.id))).toBe('ERR_ILLEGAL_TRANSITION');
  });

  it('refuses to revoke a request that is still waiting for approval', async () => {
    const { grant } = await requested();
    expect(refusalCode(await service.revoke(alice, grant.id))).toBe('ERR_ILLEGAL_TRANSITION');
    expect(refusalCode(await service.revoke(alice, 'g_404'))).toBe('ERR_NOT_FOUND');
  });

  it('extends a grant of a role without approval at once, by an amount or to a time', async () => {
    const { grant } = await requested('read-only', dave);
    clock.advance(30 * MINUTE);

    const by = value(await service.extend(dave, grant.id, { by: HOUR }));
    expect(by.action).toBe('grant.extended');
    expect(by.grant).toMatchObject({ status: 'active', endsAt: T0 + 2 * HOUR, extensions: 1 });

    const until = value(await service.extend(dave, grant.id, { until: T0 + 3 * HOUR }));
    expect(until.grant).toMatchObject({ endsAt: T0 + 3 * HOUR, extensions: 2 });
    expect(await actionsOf(grant.id)).toEqual([
      'grant.requested',
      'grant.activated',
      'grant.extended',
      'grant.extended',
    ]);
  });

  it('asks the approvers before extending a grant of a role that requires approval', async () => {
    const grant = await active();

    const asked = value(
      await service.extend(alice, grant.id, { by: HOUR, justification: 'still on it' }),
    );
    expect(asked.action).toBe('grant.extension_requested');
    expect(asked.grant).toMatchObject({ endsAt: T0 + HOUR });
    expect((await service.pendingApprovals(carol)).map((g) => g.grant.id)).toEqual([grant.id]);
    expect(refusalCode(await service.extend(alice, grant.id, { by: HOUR }))).toBe(
      'ERR_EXTENSION_PENDING',
    );
    expect(refusalCode(await service.approve(alice, grant.id))).toBe('ERR_SELF_APPROVAL');

    const extended = value(await service.approve(carol, grant.id));
    expect(extended.action).toBe('grant.extended');
    expect(extended.grant).toMatchObject({ endsAt: T0 + 2 * HOUR });
    expect(await service.pendingApprovals(carol)).toEqual([]);
  });

  it('refuses extensions that break the rules, as values with their codes', async () => {
    const grant = await active();
    const pending = (await requested()).grant;

    expect(refusalCode(await service.extend(alice, 'g_404', { by: HOUR }))).toBe('ERR_NOT_FOUND');
    expect(refusalCode(await service.extend(alice, pending.id, { by: HOUR }))).toBe(
      'ERR_ILLEGAL_TRANSITION',
    );
    expect(refusalCode(await service.extend(alice, grant.id, {}))).toBe('ERR_INVALID_INPUT');
    expect(refusalCode(await service.extend(bob, grant.id, { by: HOUR }))).toBe('ERR_FORBIDDEN');
    expect(refusalCode(await service.extend(alice, grant.id, { until: T0 }))).toBe(
      'ERR_INVALID_INPUT',
    );
    expect(refusalCode(await service.extend(alice, grant.id, { by: 8 * HOUR }))).toBe(
      'ERR_DURATION_TOO_LONG',
    );
  });
});

describe('WorkflowService.extend: the rules of a request, again (review M5)', () => {
  it('refuses an extension without fresh MFA, though the grant was requested with it', async () => {
    const grant = await active();
    clock.advance(50 * MINUTE);
    // Signed in with MFA 70 minutes ago: older than mfaMaxAge (an hour).
    const stale = person('alice@example.com', { authTime: T0 - 20 * MINUTE });
    expect(
      refusalCode(await service.extend(stale, grant.id, { by: HOUR, justification: 'more' })),
    ).toBe('ERR_MFA_REQUIRED');
    const fresh = person('alice@example.com', { authTime: clock.now() });
    expect(
      value(await service.extend(fresh, grant.id, { by: HOUR, justification: 'more' })).action,
    ).toBe('grant.extension_requested');
  });

  it('refuses an extension without the justification its role requires', async () => {
    const grant = await active();
    expect(refusalCode(await service.extend(alice, grant.id, { by: HOUR }))).toBe(
      'ERR_JUSTIFICATION_REQUIRED',
    );
  });

  it('tells someone who may not see a grant that there is none, whatever its state (not 409)', async () => {
    const grant = await active();
    const pending = (await requested()).grant;
    for (const id of [grant.id, pending.id, 'g_404']) {
      expect(refusalCode(await service.extend(mallory, id, { by: HOUR, justification: 'x' }))).toBe(
        'ERR_NOT_FOUND',
      );
    }
  });
});

describe('WorkflowService: refusals and limits (review, low list)', () => {
  it('audits a refusal with who tried what, so a self-approval or an MFA refusal leaves a trace', async () => {
    const { grant } = await requested();
    expect(refusalCode(await service.approve(alice, grant.id))).toBe('ERR_SELF_APPROVAL');
    const noMfa = person('dave@example.com', {
      groups: ['developers'],
      amr: ['pwd'],
      authTime: T0,
    });
    expect(
      refusalCode(await service.request(noMfa, { role: 'prod-admin', justification: 'x' })),
    ).toBe('ERR_MFA_REQUIRED');
    expect(refusalCode(await service.approve(mallory, grant.id))).toBe('ERR_NOT_FOUND');
    const refused = await store.queryAudit({ action: 'grant.refused', limit: 10 });
    expect(refused.map((e) => [e.actor, e.grantId ?? null, e.severity, e.data])).toEqual([
      [
        'alice@example.com',
        grant.id,
        'warning',
        { attempted: 'approve', code: 'ERR_SELF_APPROVAL' },
      ],
      [
        'dave@example.com',
        null,
        'warning',
        { attempted: 'request', code: 'ERR_MFA_REQUIRED', role: 'prod-admin' },
      ],
      ['mallory@example.com', grant.id, 'warning', { attempted: 'approve', code: 'ERR_NOT_FOUND' }],
    ]);
    expect(await verified()).toBe(true);
  });

  it('caps the open requests and grants of one person', async () => {
    const capped = new WorkflowService({
      store,
      roles: roles(),
      admins: { users: [], groups: [] },
      clock,
      ids: new SequentialIds(),
      logger: silentLogger,
      mfaMaxAge: HOUR,
      maxOpenGrantsPerPerson: 3,
    });
    for (let i = 0; i < 3; i += 1) {
      value(await capped.request(alice, { role: 'prod-admin', justification: `INC-${String(i)}` }));
    }
    const fourth = await capped.request(alice, { role: 'prod-admin', justification: 'INC-4' });
    expect(refusalCode(fourth)).toBe('ERR_TOO_MANY_OPEN');
    expect(fourth.ok ? '' : fourth.refusal.message).toMatch(/server\.maxOpenGrantsPerPerson/);
    // Someone else is not held back by alice's requests.
    value(await capped.request(dave, { role: 'read-only' }));
  });
});

describe('WorkflowService: who sees what', () => {
  it('shows a request to its approvers, but not to the requester or anyone else', async () => {
    const { grant } = await requested();
    const ids = async (who: Principal): Promise<string[]> =>
      (await service.pendingApprovals(who)).map((g) => g.grant.id);

    expect(await ids(bob)).toEqual([grant.id]);
    expect(await ids(carol)).toEqual([grant.id]);
    expect(await ids(erin)).toEqual([grant.id]);
    expect(await ids(alice)).toEqual([]);
    expect(await ids(mallory)).toEqual([]);
    expect(await ids(root)).toEqual([]);
  });

  it('stops showing a request to an approver once they approved, while the quorum is open', async () => {
    const { grant } = await requested('db-admin');
    value(await service.approve(bob, grant.id));

    expect(await service.pendingApprovals(bob)).toEqual([]);
    expect((await service.pendingApprovals(carol)).map((g) => g.grant.id)).toEqual([grant.id]);

    value(await service.approve(carol, grant.id));
    expect(await service.pendingApprovals(carol)).toEqual([]);
    expect(await service.pendingApprovals(erin)).toEqual([]);
  });

  it('shows a break-glass request to its own requester, who may approve it', async () => {
    const { grant } = await requested('break-glass');
    expect((await service.pendingApprovals(alice)).map((g) => g.grant.id)).toEqual([grant.id]);
    expect((await service.pendingApprovals(bob)).map((g) => g.grant.id)).toEqual([grant.id]);
  });

  it('lets the requester, an approver of the role and an administrator see a grant', async () => {
    const { grant } = await requested();

    for (const who of [alice, bob, erin, root]) {
      expect(value(await service.getGrant(who, grant.id)).grant.id).toBe(grant.id);
    }
    const hidden = await service.getGrant(mallory, grant.id);
    const missing = await service.getGrant(mallory, 'g_404');
    expect(refusalCode(hidden)).toBe('ERR_NOT_FOUND');
    expect(refusalCode(missing)).toBe('ERR_NOT_FOUND');
  });

  it('lists a person their own grants by default, and others only what they may see', async () => {
    const aliceGrant = (await requested()).grant;
    const daveGrant = (await requested('read-only', dave)).grant;
    const ids = (rows: readonly { grant: Grant }[]): string[] => rows.map((r) => r.grant.id).sort();

    expect(ids(await service.listGrants(alice, {}))).toEqual([aliceGrant.id]);
    expect(ids(await service.listGrants(dave, {}))).toEqual([daveGrant.id]);
    expect(ids(await service.listGrants(mallory, { all: true }))).toEqual([]);
    expect(ids(await service.listGrants(mallory, { principal: 'alice@example.com' }))).toEqual([]);
    expect(ids(await service.listGrants(bob, { all: true }))).toEqual(
      [aliceGrant.id, daveGrant.id].sort(),
    );
    expect(ids(await service.listGrants(root, { all: true }))).toEqual(
      [aliceGrant.id, daveGrant.id].sort(),
    );
    expect(
      ids(await service.listGrants(root, { all: true, statuses: ['pending_approval'] })),
    ).toEqual([aliceGrant.id]);
    expect(ids(await service.listGrants(root, { principal: 'dave@example.com' }))).toEqual([
      daveGrant.id,
    ]);
  });

  it('shows a pending request to its approvers however many newer active grants there are', async () => {
    const { grant } = await requested();
    clock.advance(1);
    for (let i = 0; i < 1_001; i += 1) await requested('sales-admin', dave);

    expect((await service.pendingApprovals(bob)).map((g) => g.grant.id)).toEqual([grant.id]);
  });

  it('lists an approver the grants of the roles they approve however many other grants are newer', async () => {
    const { grant } = await requested();
    clock.advance(1);
    for (let i = 0; i < 120; i += 1) await requested('sales-admin', dave);

    const rows = await service.listGrants(bob, { all: true });
    expect(rows.map((r) => r.grant.id)).toEqual([grant.id]);
    const zed = person('zed@example.com');
    expect(await service.listGrants(zed, { all: true, limit: 10 })).toHaveLength(10);
    expect(await service.listGrants(root, { all: true, limit: 500 })).toHaveLength(121);
  });

  it('lists the roles a person may request, eligible ones only unless asked for all', () => {
    expect(service.roles(mallory).map((v) => v.role.name)).toEqual([]);
    expect(service.roles(dave).map((v) => v.role.name)).toEqual([
      'break-glass',
      'db-admin',
      'pim-admin',
      'prod-admin',
      'read-only',
      'sales-admin',
    ]);
    expect(service.roles(mallory, true).every((v) => !v.eligible)).toBe(true);
    expect(service.isAdmin(root)).toBe(true);
    expect(service.isAdmin(mallory)).toBe(false);
  });
});

describe('WorkflowService: audit and change notifications', () => {
  it('calls onChange after every change and never after a refusal', async () => {
    const { grant } = await requested();
    value(await service.approve(bob, grant.id));
    value(await service.extend(alice, grant.id, { by: HOUR, justification: 'more' }));
    value(await service.deny(bob, grant.id));
    value(await service.revoke(alice, grant.id));
    expect(onChange).toHaveBeenCalledTimes(5);

    await service.revoke(alice, grant.id);
    await service.approve(mallory, 'g_404');
    await service.request(mallory, { role: 'prod-admin' });
    expect(onChange).toHaveBeenCalledTimes(5);
  });

  it('leaves an audit chain that verifies after a working day of changes', async () => {
    const a = (await requested()).grant;
    value(await service.approve(bob, a.id));
    clock.advance(10 * MINUTE);
    value(await service.extend(alice, a.id, { by: HOUR, justification: 'more' }));
    value(await service.approve(carol, a.id));
    const b = (await requested('db-admin')).grant;
    value(await service.approve(bob, b.id));
    value(await service.deny(carol, b.id, 'no'));
    const c = (await requested('read-only', dave, { start: T0 + HOUR })).grant;
    value(await service.cancel(dave, c.id));
    value(await service.revoke(root, a.id, 'done'));

    expect(await verified()).toBe(true);
    const entries = await store.queryAudit({ limit: 1000 });
    expect(entries.every((e) => e.actor !== '' && e.action.startsWith('grant.'))).toBe(true);
    expect(entries.map((e) => e.action)).toContain('grant.extended');
  });
});

describe('applyGrantEvent and insertGrant', () => {
  function newGrant(id: string): Grant {
    const role = roles().get('prod-admin');
    if (!role) throw new Error('no role');
    return value(
      evaluateRequest(role, { id, principal: alice, justification: 'x' }, T0, {
        mfaMaxAge: HOUR,
      }),
    );
  }

  it('refuses a grant id that already exists and writes nothing', async () => {
    value(await insertGrant(store, newGrant('g_dup'), T0));
    const head = await store.auditHead();

    const again = insertGrant(store, newGrant('g_dup'), T0);

    await expect(again).rejects.toBeInstanceOf(JitError);
    await expect(again).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    expect(await store.auditHead()).toEqual(head);
  });

  it('rolls the new grant back when the extra write fails', async () => {
    const failing = insertGrant(store, newGrant('g_1'), T0, () =>
      Promise.reject(new Error('notify failed')),
    );
    await expect(failing).rejects.toThrow('notify failed');
    expect(await store.getGrant('g_1')).toBeUndefined();
    expect((await store.auditHead()).seq).toBe(0);
  });

  it('retries from a fresh read when another writer changed the grant in between', async () => {
    value(await insertGrant(store, newGrant('g_1'), T0));
    let conflicts = 0;
    const racy: Store = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'transaction') {
          const member: unknown = Reflect.get(target, property, receiver);
          return typeof member === 'function'
            ? (member as (...args: unknown[]) => unknown).bind(target)
            : member;
        }
        return <T>(work: Parameters<Store['transaction']>[0]) =>
          target.transaction(
            (tx) =>
              work({
                getGrant: (id) => tx.getGrant(id),
                insertGrant: (g) => tx.insertGrant(g),
                appendAudit: (e) => tx.appendAudit(e),
                insertSession: (session) => tx.insertSession(session),
                revokeSessions: (match, at) => tx.revokeSessions(match, at),
                insertRevocation: (r) => tx.insertRevocation(r),
                updateRevocation: (r) => tx.updateRevocation(r),
                subjectOf: (principal) => tx.subjectOf(principal),
                recordSubject: (principal, id, at) => tx.recordSubject(principal, id, at),
                updateGrant: (g, version) => {
                  if (conflicts < 2) {
                    conflicts += 1;
                    return Promise.reject(new VersionConflictError(g.id, version));
                  }
                  return tx.updateGrant(g, version);
                },
              }) as Promise<T>,
          );
      },
    });

    const result = await applyGrantEvent(racy, 'g_1', { type: 'approve', actor: bob }, T0);

    expect(value(result).transition.action).toBe('grant.activated');
    expect(conflicts).toBe(2);
    expect(await store.queryAudit({ action: 'grant.activated' })).toHaveLength(1);
  });

  it('returns ERR_NOT_FOUND for a grant that does not exist', async () => {
    const result = await applyGrantEvent(store, 'g_404', { type: 'expire' }, T0);
    expect(refusalCode(result)).toBe('ERR_NOT_FOUND');
  });
});
