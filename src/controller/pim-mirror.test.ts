import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAudit } from '../audit/verify-audit.js';
import type { Grant } from '../core/grant.js';
import type { Role } from '../core/role.js';
import { STANDING_LEASE } from '../core/source-grant.js';
import { HOUR, MINUTE, person, T0, testRole } from '../../test/harness/core-fixtures.js';
import { transition } from '../core/transition.js';
import type { SourceActivation, SourceGroupSnapshot } from '../ports/activation-source.js';
import { SettableClock } from '../ports/clock.js';
import { SequentialIds } from '../ports/ids.js';
import { silentLogger } from '../ports/logger.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { applyGrantEvent } from '../store/apply-grant-event.js';
import { PimMirror } from './pim-mirror.js';

const GROUP_ID = '3f0c0d1e-0000-4000-8000-000000000001';

function roles(): Map<string, Role> {
  const list: Role[] = [
    testRole({ name: 'pim-admin', group: 'JIT-pim-admin', source: 'entra-pim' }),
    testRole({ name: 'native', group: 'JIT-native' }),
  ];
  return new Map(list.map((r) => [r.name, r]));
}

let dir: string;
let store: Store;
let clock: SettableClock;
let changes: number;
let mirror: PimMirror;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-pim-mirror-'));
  store = await openStore({ sqlitePath: join(dir, 'jit.db') });
  clock = new SettableClock({ fixed: T0 });
  changes = 0;
  mirror = new PimMirror({
    store,
    roles: roles(),
    clock,
    ids: new SequentialIds(),
    logger: silentLogger,
    onChange: () => {
      changes += 1;
    },
  });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function holder(user: string, overrides: Partial<SourceActivation> = {}): SourceActivation {
  return {
    key: `inst-${user}:${user}`,
    instanceId: `inst-${user}`,
    userId: `oid-${user}`,
    principal: `${user}@example.com`,
    startsAt: T0 - MINUTE,
    endsAt: T0 + 2 * HOUR,
    assignmentType: 'activated',
    ...overrides,
  };
}

function snapshot(...activations: SourceActivation[]): SourceGroupSnapshot {
  return { ok: true, group: 'JIT-pim-admin', groupId: GROUP_ID, activations, unresolved: [] };
}

async function grantsOf(status?: Grant['status']): Promise<Grant[]> {
  const all = await store.listGrants({ role: 'pim-admin', limit: 100 });
  return all.map((s) => s.grant).filter((g) => status === undefined || g.status === status);
}

async function actions(): Promise<string[]> {
  return (await store.queryAudit({ limit: 1000 })).map((e) => e.action);
}

describe('PimMirror', () => {
  it('polls the Entra group of each PIM role (its own group unless entraGroup says)', () => {
    expect(mirror.groups).toEqual(['JIT-pim-admin']);
  });

  it('mirrors a new activation as an active grant ending at the PIM end, audited', async () => {
    const [outcome] = await mirror.sync([snapshot(holder('alice'))]);
    expect(outcome).toMatchObject({ ok: true, created: 1, revoked: 0 });
    const [grant] = await grantsOf('active');
    expect(grant).toMatchObject({
      principal: 'alice@example.com',
      status: 'active',
      startsAt: T0 - MINUTE,
      endsAt: T0 + 2 * HOUR,
      source: { kind: 'entra-pim', instanceId: 'inst-alice', groupId: GROUP_ID, standing: false },
    });
    expect(changes).toBe(1);
    const [entry] = await store.queryAudit({ action: 'grant.activated' });
    expect(entry).toMatchObject({ actor: 'source:entra-pim', severity: 'info' });
    expect(entry?.reason).toMatch(/alice@example.com activated pim-admin in Entra PIM/);
    const head = await store.auditHead();
    expect((await verifyAudit(store.auditEntries(1000, head.seq), head)).ok).toBe(true);
  });

  it('is idempotent: the same snapshot again changes nothing', async () => {
    await mirror.sync([snapshot(holder('alice'))]);
    const again = await mirror.sync([snapshot(holder('alice'))]);
    expect(again[0]).toMatchObject({ created: 0, updated: 0, revoked: 0 });
    expect(await grantsOf()).toHaveLength(1);
    expect(changes).toBe(1);
  });

  it('revokes the grant of a holder who deactivated early', async () => {
    await mirror.sync([snapshot(holder('alice'), holder('bob'))]);
    clock.advance(10 * MINUTE);
    const [outcome] = await mirror.sync([snapshot(holder('bob'))]);
    expect(outcome).toMatchObject({ revoked: 1 });
    const [revoked] = await grantsOf('revoked');
    expect(revoked).toMatchObject({
      principal: 'alice@example.com',
      endedBy: 'source:entra-pim',
      hadAccess: true,
    });
    expect(revoked && 'endReason' in revoked ? revoked.endReason : '').toMatch(
      /ended before its end time/,
    );
  });

  it('leaves a grant at its end to expire rather than revoking it', async () => {
    await mirror.sync([snapshot(holder('alice'))]);
    clock.set(T0 + 2 * HOUR);
    const [outcome] = await mirror.sync([snapshot()]);
    expect(outcome).toMatchObject({ revoked: 0 });
    expect(await grantsOf('active')).toHaveLength(1);
  });

  it('ignores an instance already past its end, and does not re-create an expired grant', async () => {
    await mirror.sync([snapshot(holder('alice'))]);
    clock.set(T0 + 2 * HOUR + MINUTE);
    const [active] = await grantsOf('active');
    const ended = transition(active as Grant, { type: 'expire' }, clock.now());
    expect(ended.ok).toBe(true);
    await applyGrantEvent(store, active?.id ?? '', { type: 'expire' }, clock.now());
    const [outcome] = await mirror.sync([snapshot(holder('alice'))]);
    expect(outcome).toMatchObject({ created: 0 });
    expect(await grantsOf('active')).toHaveLength(0);
  });

  it('moves the end when PIM extends the activation', async () => {
    await mirror.sync([snapshot(holder('alice'))]);
    const [outcome] = await mirror.sync([snapshot(holder('alice', { endsAt: T0 + 4 * HOUR }))]);
    expect(outcome).toMatchObject({ updated: 1 });
    expect((await grantsOf('active'))[0]).toMatchObject({ endsAt: T0 + 4 * HOUR });
    expect(await actions()).toContain('grant.source_updated');
  });

  it('mirrors a permanent assignment as standing access, with an alert', async () => {
    const permanent = holder('carol', { assignmentType: 'assigned' });
    delete (permanent as { endsAt?: number }).endsAt;
    await mirror.sync([snapshot(permanent)]);
    const [grant] = await grantsOf('active');
    expect(grant).toMatchObject({
      source: { standing: true, assignmentType: 'assigned' },
      endsAt: T0 + STANDING_LEASE,
    });
    const [entry] = await store.queryAudit({ action: 'grant.activated' });
    expect(entry).toMatchObject({ severity: 'alert' });
    expect(entry?.reason).toMatch(/standing access/);
  });

  it('gives each member of a group principal a grant of their own', async () => {
    const viaGroup = { id: 'grp-1', displayName: 'oncall' };
    await mirror.sync([
      snapshot(
        holder('alice', { key: 'inst-g:alice', instanceId: 'inst-g', viaGroup }),
        holder('bob', { key: 'inst-g:bob', instanceId: 'inst-g', viaGroup }),
      ),
    ]);
    const active = await grantsOf('active');
    expect(active.map((g) => g.principal).sort()).toEqual(['alice@example.com', 'bob@example.com']);
    expect(active[0]?.source?.viaGroup).toEqual(viaGroup);
  });

  it('changes nothing for a group whose read failed, and audits the outage once', async () => {
    await mirror.sync([snapshot(holder('alice'))]);
    const failed: SourceGroupSnapshot = { ok: false, group: 'JIT-pim-admin', error: '503' };
    await mirror.sync([failed]);
    await mirror.sync([failed]);
    expect(await grantsOf('active')).toHaveLength(1);
    const all = await actions();
    expect(all.filter((a) => a === 'source.read_failed')).toHaveLength(1);
    await mirror.sync([snapshot(holder('alice'))]);
    expect(await actions()).toContain('source.read_recovered');
  });

  it('audits an unmappable principal once, as an alert', async () => {
    const withProblem: SourceGroupSnapshot = {
      ...(snapshot() as Extract<SourceGroupSnapshot, { ok: true }>),
      unresolved: [{ principalId: 'sp-1', reason: 'a service principal, not a user' }],
    };
    await mirror.sync([withProblem]);
    await mirror.sync([withProblem]);
    const entries = await store.queryAudit({ action: 'source.principal_unresolved' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ severity: 'alert' });
  });

  it('keeps off a holder whose grant an administrator revoked here', async () => {
    await mirror.sync([snapshot(holder('alice'))]);
    const [grant] = await grantsOf('active');
    const root = person('root@example.com', { isAdmin: true });
    await applyGrantEvent(
      store,
      grant?.id ?? '',
      { type: 'revoke', actor: root, reason: 'incident' },
      clock.now(),
    );
    const [outcome] = await mirror.sync([snapshot(holder('alice'))]);
    expect(outcome).toMatchObject({ created: 0 });
    expect(await actions()).toContain('source.activation_overridden');
  });

  it('tries a failed mirror again after a backoff (e.g. no Identity Center user yet)', async () => {
    await mirror.sync([snapshot(holder('alice'))]);
    const [grant] = await grantsOf('active');
    await applyGrantEvent(
      store,
      grant?.id ?? '',
      { type: 'fail', reason: 'no Identity Center user' },
      clock.now(),
    );
    expect((await mirror.sync([snapshot(holder('alice'))]))[0]).toMatchObject({ created: 0 });
    clock.advance(31_000);
    expect((await mirror.sync([snapshot(holder('alice'))]))[0]).toMatchObject({ created: 1 });
    const activated = await store.queryAudit({ action: 'grant.activated' });
    expect(activated).toHaveLength(2);
    expect(activated[1]?.reason).toMatch(/tried again after an earlier failure/);
  });

  it('refuses a person extending a mirrored grant here', async () => {
    await mirror.sync([snapshot(holder('alice'))]);
    const [grant] = await grantsOf('active');
    const result = transition(
      grant as Grant,
      {
        type: 'extend',
        actor: person('alice@example.com'),
        endsAt: T0 + 3 * HOUR,
        justification: 'more',
        freshMfa: true,
      },
      clock.now(),
    );
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.refusal.message).toMatch(/extend it in Entra PIM/);
  });

  it('mirrors an activation repeated in one snapshot once', async () => {
    const [outcome] = await mirror.sync([snapshot(holder('alice'), holder('alice'))]);
    expect(outcome).toMatchObject({ created: 1 });
    expect(await grantsOf('active')).toHaveLength(1);
  });

  it('keeps at most one open grant per activation, even with two mirrors racing', async () => {
    let n = 0;
    const other = new PimMirror({
      store,
      roles: roles(),
      clock,
      ids: { next: (prefix) => `${prefix}_other_${++n}` },
      logger: silentLogger,
    });
    await mirror.sync([snapshot(holder('alice'))]);
    const [second] = await other.sync([snapshot(holder('alice'))]);
    expect(second).toMatchObject({ ok: true, created: 0 });
    expect(await grantsOf('active')).toHaveLength(1);
  });

  it("keeps an administrator's revocation however many other grants of the role end", async () => {
    await mirror.sync([snapshot(holder('bob'))]);
    const [bobs] = await grantsOf('active');
    await applyGrantEvent(
      store,
      bobs?.id ?? '',
      { type: 'revoke', actor: person('root@example.com', { isAdmin: true }), reason: 'incident' },
      clock.now(),
    );
    // Many other holders come and go (each revoked by PIM deactivation).
    const others = Array.from({ length: 30 }, (_, i) => holder(`user${i}`));
    await mirror.sync([snapshot(holder('bob'), ...others)]);
    clock.advance(MINUTE);
    await mirror.sync([snapshot(holder('bob'))]);
    const bobGrants = (await grantsOf()).filter((g) => g.principal === 'bob@example.com');
    expect(bobGrants.map((g) => g.status)).toEqual(['revoked']);
  });

  it('ends a grant at once when PIM moves its end into the past', async () => {
    await mirror.sync([snapshot(holder('alice'))]);
    clock.advance(10 * MINUTE);
    const [outcome] = await mirror.sync([snapshot(holder('alice', { endsAt: T0 + 5 * MINUTE }))]);
    expect(outcome).toMatchObject({ revoked: 1 });
    expect((await grantsOf())[0]).toMatchObject({ status: 'revoked' });
  });

  it('does not grant an instance that has not started yet', async () => {
    const [outcome] = await mirror.sync([
      snapshot(holder('alice', { startsAt: T0 + HOUR, endsAt: T0 + 2 * HOUR })),
    ]);
    expect(outcome).toMatchObject({ created: 0 });
  });

  it('renews standing access while PIM shows it, and lets it lapse when PIM cannot be read', async () => {
    const permanent = holder('carol', { assignmentType: 'assigned' });
    delete (permanent as { endsAt?: number }).endsAt;
    await mirror.sync([snapshot(permanent)]);
    clock.advance(13 * HOUR);
    expect((await mirror.sync([snapshot(permanent)]))[0]).toMatchObject({ updated: 1 });
    expect((await grantsOf('active'))[0]).toMatchObject({
      endsAt: T0 + 13 * HOUR + STANDING_LEASE,
    });
    // Reads fail from here on: the lease is not renewed, so the grant reaches its end.
    const failed: SourceGroupSnapshot = { ok: false, group: 'JIT-pim-admin', error: '503' };
    clock.advance(STANDING_LEASE);
    await mirror.sync([failed]);
    const [grant] = await grantsOf('active');
    expect(grant && grant.status === 'active' ? grant.endsAt : 0).toBeLessThanOrEqual(clock.now());
  });

  it('ends mirrored grants of a role that is no longer activated in PIM', async () => {
    await mirror.sync([snapshot(holder('alice'))]);
    const nativeNow = new Map(
      [...roles()].map(([name, role]) => [
        name,
        name === 'pim-admin' ? { ...role, source: 'native' as const } : role,
      ]),
    );
    const after = new PimMirror({
      store,
      roles: nativeNow,
      clock,
      ids: new SequentialIds(),
      logger: silentLogger,
    });
    expect(after.groups).toEqual([]);
    expect(await after.endOrphans()).toBe(1);
    expect((await grantsOf())[0]).toMatchObject({ status: 'revoked', endedBy: 'source:entra-pim' });
  });
});
