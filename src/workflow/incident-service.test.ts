import { afterEach, describe, expect, it } from 'vitest';
import {
  ALICE,
  assignment,
  harnessRoles,
  membership,
  openHarness,
  type Harness,
} from '../../test/harness/controller-harness.js';
import { person, testRole } from '../../test/harness/core-fixtures.js';
import { InMemoryActivationRevoker } from '../adapters/memory/in-memory-activation-revoker.js';
import { InMemorySessionRevoker } from '../adapters/memory/in-memory-session-revoker.js';
import { SequentialIds } from '../ports/ids.js';
import type { Directory, DirectoryUser } from '../ports/directory.js';
import { silentLogger } from '../ports/logger.js';
import { IncidentService } from './incident-service.js';

const BOB = 'bob@example.com';
const CAROL = person('carol@example.com', { isAdmin: true });

function directory(): Directory {
  const users: DirectoryUser[] = ['alice', 'bob', 'carol'].map((name) => ({
    id: `${name}@example.com`,
    name,
    displayName: name,
    email: `${name}@example.com`,
    mfa: true,
    groups: [],
  }));
  return {
    findUser: (text) =>
      Promise.resolve(
        users.find((u) => u.name === text.toLowerCase() || u.id === text.toLowerCase()),
      ),
    listUsers: () => Promise.resolve(users),
  };
}

interface World {
  h: Harness;
  pim: InMemoryActivationRevoker;
  revoker: InMemorySessionRevoker;
  service: IncidentService;
  sleeps: number[];
}

let world: World | undefined;
afterEach(async () => {
  await world?.h.close();
  world = undefined;
});

async function createWorld(options: { leader?: boolean } = {}): Promise<World> {
  const roles = harnessRoles();
  roles.set(
    'pim-ops',
    testRole({
      name: 'pim-ops',
      group: 'JIT-pim-ops',
      source: 'entra-pim',
      accounts: ['333333333333'],
    }),
  );
  const revokerHolder: { revoker?: InMemorySessionRevoker } = {};
  const h = await openHarness({
    roles,
    revoker: {
      name: 'in-memory',
      revokeSessions: (r) => (revokerHolder.revoker as InMemorySessionRevoker).revokeSessions(r),
    },
  });
  const revoker = new InMemorySessionRevoker({ clock: h.clock });
  revokerHolder.revoker = revoker;
  const pim = new InMemoryActivationRevoker();
  const sleeps: number[] = [];
  const service = new IncidentService({
    store: h.store,
    roles,
    directory: directory(),
    target: h.target,
    activationRevoker: pim,
    clock: h.clock,
    ids: new SequentialIds(),
    logger: silentLogger,
    runPass: async () => {
      if (options.leader === false) return false;
      await h.reconciler.pass();
      return true;
    },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    options: { rounds: 3, waitMs: 100 },
  });
  world = { h, pim, revoker, service, sleeps };
  return world;
}

/** Bob holds a group-membership grant, an account-assignment grant in one account, access
 *  nobody granted (an assignment in another account of a role that only reports drift, and
 *  a membership of a role that enforces it) and a PIM eligibility. */
async function bobHoldsEverything(w: World): Promise<string[]> {
  const g1 = await w.h.activeGrant('prod-admin', BOB);
  const ops = await w.h.workflow.request(person(BOB, { groups: ['developers'] }), {
    role: 'ops',
    accounts: ['111111111111'],
    justification: 'INC-1',
  });
  if (!ops.ok) throw new Error(ops.refusal.message);
  const g2 = ops.value.grant.id;
  await w.h.reconciler.pass();
  await w.h.inner.grant(membership(BOB, 'JIT-enforced'));
  await w.h.inner.grant(assignment(BOB, '222222222222'));
  w.pim.give('JIT-pim-ops', BOB, 'eligibility');
  w.pim.give('JIT-pim-ops', ALICE, 'eligibility');
  return [g1, g2];
}

describe('IncidentService.revokeUser', () => {
  it('ends every grant, removes all managed access (drift too), denies the sessions and removes PIM, in one call', async () => {
    const w = await createWorld();
    const [g1, g2] = await bobHoldsEverything(w);
    const held = w.h.inner.snapshot().filter((e) => e.user === BOB);
    expect(held).toHaveLength(4);

    const result = await w.service.revokeUser(CAROL, { user: 'bob', reason: 'INC-42' });
    if (!result.ok) throw new Error(result.refusal.message);
    const report = result.value;
    expect(report.complete).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.grants.map((g) => [g.grantId, g.to, g.result])).toEqual([
      [g1, 'revoked', 'done'],
      [g2, 'revoked', 'done'],
    ]);
    expect(w.h.inner.snapshot().filter((e) => e.user === BOB)).toEqual([]);
    for (const e of held) expect(w.revoker.isDenied(e, w.h.clock.now() - 1)).toBe(true);
    expect(w.pim.snapshot()).toEqual([`JIT-pim-ops/eligibility/${ALICE}`]);
    const access = report.accounts.flatMap((a) => a.access);
    expect(access.every((a) => a.removal === 'removed' && a.sessions === 'denied')).toBe(true);
    expect(access.filter((a) => a.drift).map((a) => a.permissionSet)).toContain('OpsAccess');

    const [incident] = await w.h.audit('incident.revoke_user');
    expect(incident).toMatchObject({
      actor: CAROL.id,
      reason: 'INC-42',
      severity: 'alert',
      data: expect.objectContaining({ person: BOB, incident: report.incidentId }) as unknown,
    });
    const revoked = await w.h.audit('grant.revoked');
    expect(revoked.map((e) => e.reason)).toEqual([
      `incident ${report.incidentId ?? ''}: INC-42`,
      `incident ${report.incidentId ?? ''}: INC-42`,
    ]);
    expect((await w.h.audit('drift.removed')).length).toBe(2);
    expect((await w.h.audit('pim.eligibility_removed')).length).toBe(1);
    expect((await w.h.verify()).ok).toBe(true);
  });

  it('on a dry run reports the same steps and writes nothing anywhere', async () => {
    const w = await createWorld();
    await bobHoldsEverything(w);
    const headBefore = await w.h.store.auditHead();
    const heldBefore = w.h.inner.snapshot();
    const calls = { ...w.h.inner.calls };

    const dry = await w.service.revokeUser(CAROL, { user: 'bob', reason: 'INC-42', dryRun: true });
    if (!dry.ok) throw new Error(dry.refusal.message);
    expect(dry.value.dryRun).toBe(true);
    expect(await w.h.store.auditHead()).toEqual(headBefore);
    expect(w.h.inner.snapshot()).toEqual(heldBefore);
    expect(w.h.inner.calls.grant).toBe(calls.grant);
    expect(w.h.inner.calls.revoke).toBe(calls.revoke);
    expect(w.pim.calls.remove).toBe(0);
    expect(await w.h.store.listRevocations({ principal: BOB })).toEqual([]);

    const real = await w.service.revokeUser(CAROL, { user: 'bob', reason: 'INC-42' });
    if (!real.ok) throw new Error(real.refusal.message);
    const shape = (r: typeof real.value) => ({
      grants: r.grants.map((g) => [g.grantId, g.to]),
      accounts: r.accounts.map((a) => [a.account, a.access.map((x) => [x.permissionSet, x.drift])]),
      pim: r.pim.map((p) => [p.group, p.kind]),
    });
    expect(shape(real.value)).toEqual(shape(dry.value));
  });

  it('is harmless a second time: nothing to do, nothing removed', async () => {
    const w = await createWorld();
    await bobHoldsEverything(w);
    expect((await w.service.revokeUser(CAROL, { user: BOB, reason: 'INC-42' })).ok).toBe(true);
    const revokes = w.h.inner.calls.revoke;
    const again = await w.service.revokeUser(CAROL, { user: BOB, reason: 'INC-42' });
    if (!again.ok) throw new Error(again.refusal.message);
    expect(again.value.nothingToDo).toBe(true);
    expect(again.value.complete).toBe(true);
    expect(w.h.inner.calls.revoke).toBe(revokes);
  });

  it('refuses someone who is not an administrator, and audits the attempt', async () => {
    const w = await createWorld();
    await bobHoldsEverything(w);
    const result = await w.service.revokeUser(person(ALICE), { user: 'bob', reason: 'INC-42' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refusal.code).toBe('ERR_FORBIDDEN');
    expect(result.refusal.message).toMatch(/only administrators/);
    const [refused] = await w.h.audit('incident.refused');
    expect(refused).toMatchObject({ actor: ALICE, severity: 'warning' });
    expect(w.h.inner.snapshot().filter((e) => e.user === BOB).length).toBeGreaterThan(0);
  });

  it('needs a reason, and names an unknown person with a likely fix', async () => {
    const w = await createWorld();
    const noReason = await w.service.revokeUser(CAROL, { user: 'bob', reason: '  ' });
    expect(!noReason.ok && noReason.refusal.code).toBe('ERR_REASON_REQUIRED');
    const unknown = await w.service.revokeUser(CAROL, { user: 'bobb', reason: 'INC-42' });
    expect(!unknown.ok && unknown.refusal.code).toBe('ERR_NOT_FOUND');
    expect(!unknown.ok && unknown.refusal.message).toMatch(/did you mean "bob"\?/);
    expect(await w.h.audit('incident.revoke_user')).toEqual([]);
  });

  it('accepts someone the directory no longer knows when the store has their grants', async () => {
    const w = await createWorld();
    const gone = 'mallory@example.com';
    await w.h.activeGrant('prod-admin', gone);
    await w.h.reconciler.pass();
    const result = await w.service.revokeUser(CAROL, {
      user: 'Mallory@Example.com',
      reason: 'left',
    });
    if (!result.ok) throw new Error(result.refusal.message);
    expect(result.value.person).toBe(gone);
    expect(w.h.inner.snapshot().filter((e) => e.user === gone)).toEqual([]);
  });

  it('waits a bounded time for another process’s controller and says what is pending', async () => {
    const w = await createWorld({ leader: false });
    await bobHoldsEverything(w);
    const result = await w.service.revokeUser(CAROL, { user: 'bob', reason: 'INC-42' });
    if (!result.ok) throw new Error(result.refusal.message);
    expect(result.value.complete).toBe(false);
    expect(result.value.grants.every((g) => g.result === 'done')).toBe(true);
    expect(
      result.value.accounts.flatMap((a) => a.access).every((a) => a.removal === 'pending'),
    ).toBe(true);
    expect(w.sleeps).toEqual([100, 100]);
    // The leader's next pass finishes the work the transaction left owed.
    await w.h.reconciler.pass();
    expect(w.h.inner.snapshot().filter((e) => e.user === BOB)).toEqual([]);
  });
});
