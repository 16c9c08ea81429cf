// EntraPimActivationSource against a fake Graph on 127.0.0.1: real fetch, real tokens,
// pages of two items so that paging is always on the path.
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceGroupSnapshot } from '../../ports/activation-source.js';
import { SettableClock } from '../../ports/clock.js';
import { createEntraAdapters, type EntraAdapters } from './create-entra-adapters.js';
import {
  ids,
  seedTenant,
  startFakeEntra,
  type FakeEntra,
  type FakeInstance,
} from '../../../test/harness/entra-adapter-harness.js';

const running: FakeEntra[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

const START = '2025-03-01T09:00:00Z';
const END = '2025-03-01T11:00:00Z';

async function setup(
  options: { concurrency?: number; userAttribute?: 'userPrincipalName' | 'mail' } = {},
): Promise<{ fake: FakeEntra; entra: EntraAdapters; clock: SettableClock; sleeps: number[] }> {
  const fake = await startFakeEntra();
  running.push(fake);
  seedTenant(fake);
  const clock = new SettableClock({ fixed: Date.parse('2025-03-01T10:00:00Z') });
  const sleeps: number[] = [];
  const entra = createEntraAdapters({
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    credential: { kind: 'secret', secret: fake.secret },
    authority: fake.url,
    graphBaseUrl: fake.graphUrl,
    allowInsecureRequests: true,
    clock,
    maxAttempts: 3,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...options,
  });
  return { fake, entra, clock, sleeps };
}

function instance(
  overrides: Partial<FakeInstance> & Pick<FakeInstance, 'id' | 'principalId'>,
): FakeInstance {
  return {
    groupId: ids.prodAdmin,
    accessId: 'member',
    assignmentType: 'activated',
    memberType: 'direct',
    startDateTime: START,
    endDateTime: END,
    ...overrides,
  };
}

function ok(snapshot: SourceGroupSnapshot | undefined): Extract<SourceGroupSnapshot, { ok: true }> {
  if (snapshot?.ok !== true)
    throw new Error(`expected an ok snapshot, got ${JSON.stringify(snapshot)}`);
  return snapshot;
}

describe('EntraPimActivationSource', () => {
  it('reports an activated member with its end time, keyed by instance and user', async () => {
    const { fake, entra } = await setup();
    fake.assignments.push(instance({ id: 'inst-alice', principalId: ids.alice }));

    const [snapshot] = await entra.activationSource.poll(['JIT-prod-admin']);

    expect(ok(snapshot)).toEqual({
      ok: true,
      group: 'JIT-prod-admin',
      groupId: ids.prodAdmin,
      activations: [
        {
          key: `inst-alice/${ids.alice}`,
          instanceId: 'inst-alice',
          userId: ids.alice,
          principal: 'alice@example.com',
          startsAt: Date.parse(START),
          endsAt: Date.parse(END),
          assignmentType: 'activated',
        },
      ],
      unresolved: [],
    });
    const filters = fake.graphRequests.map((r) => r.query.get('$filter')).filter(Boolean);
    expect(filters).toContain(`groupId eq '${ids.prodAdmin}'`);
  });

  it('reports a permanent assignment without an end (standing access)', async () => {
    const { fake, entra } = await setup();
    fake.assignments.push(
      instance({
        id: 'inst-dave',
        principalId: ids.dave,
        assignmentType: 'assigned',
        endDateTime: null,
      }),
    );

    const [snapshot] = await entra.activationSource.poll([ids.prodAdmin]);

    const [activation] = ok(snapshot).activations;
    expect(activation).toMatchObject({ principal: 'dave@example.com', assignmentType: 'assigned' });
    expect(activation).not.toHaveProperty('endsAt');
  });

  it('expands a group principal to its transitive user members, each marked viaGroup', async () => {
    const { fake, entra } = await setup();
    fake.assignments.push(
      instance({ id: 'inst-oncall', principalId: ids.oncall, memberType: 'direct' }),
    );

    const [snapshot] = await entra.activationSource.poll(['JIT-prod-admin']);

    const activations = ok(snapshot).activations;
    expect(activations.map((a) => [a.principal, a.key, a.viaGroup])).toEqual(
      [
        ['bob@example.com', `inst-oncall/${ids.bob}`, { id: ids.oncall, displayName: 'oncall' }],
        [
          'carol@example.com',
          `inst-oncall/${ids.carol}`,
          { id: ids.oncall, displayName: 'oncall' },
        ],
      ], // sorted by key: b0b... before ca5...
    );
    for (const a of activations) expect(a.endsAt).toBe(Date.parse(END));
  });

  it('ignores owners, and reads every page of instances', async () => {
    const { fake, entra } = await setup();
    fake.assignments.push(
      instance({ id: 'i1', principalId: ids.alice }),
      instance({ id: 'i2', principalId: ids.bob, accessId: 'owner' }),
      instance({ id: 'i3', principalId: ids.carol }),
      instance({ id: 'i4', principalId: ids.dave }),
      instance({ id: 'i5', principalId: ids.bob }),
    );

    const [snapshot] = await entra.activationSource.poll(['JIT-prod-admin']);

    expect(
      ok(snapshot)
        .activations.map((a) => a.instanceId)
        .sort(),
    ).toEqual(['i1', 'i3', 'i4', 'i5']);
    const pages = fake.graphRequests.filter((r) => r.path.endsWith('/assignmentScheduleInstances'));
    expect(pages).toHaveLength(3);
  });

  it('maps principals by mail when configured', async () => {
    const { fake, entra } = await setup({ userAttribute: 'mail' });
    fake.assignments.push(instance({ id: 'i1', principalId: ids.carol }));

    const [snapshot] = await entra.activationSource.poll(['JIT-prod-admin']);

    expect(ok(snapshot).activations[0]?.principal).toBe('carol.mail@example.org');
  });

  it('puts principals it cannot name in unresolved, with the reason', async () => {
    const { fake, entra } = await setup();
    fake.assignments.push(
      instance({ id: 'i1', principalId: ids.alice }),
      instance({ id: 'i2', principalId: 'deadbeef-0000-4000-8000-00000000ffff' }),
      instance({ id: 'i3', principalId: ids.bob, endDateTime: 'next tuesday' }),
    );

    const [snapshot] = await entra.activationSource.poll(['JIT-prod-admin']);

    const result = ok(snapshot);
    expect(result.activations.map((a) => a.principal)).toEqual(['alice@example.com']);
    expect(result.unresolved).toEqual([
      {
        principalId: 'deadbeef-0000-4000-8000-00000000ffff',
        reason: expect.stringContaining('neither a user nor a group') as unknown,
      },
      {
        principalId: ids.bob,
        reason: expect.stringContaining('unreadable endDateTime') as unknown,
      },
    ]);
  });

  it('reports a group that fails after retries on its own, and the others in full', async () => {
    const { fake, entra, sleeps } = await setup();
    fake.assignments.push(
      instance({ id: 'i1', principalId: ids.alice }),
      instance({ id: 'i2', principalId: ids.bob, groupId: ids.devAdmin }),
    );
    const failing = {
      path: `/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=groupId eq '${ids.devAdmin}'`,
    };
    fake.script(failing, { status: 503 }, { status: 503 }, { status: 503 });

    const snapshots = await entra.activationSource.poll(['JIT-prod-admin', 'JIT-dev-admin']);

    expect(ok(snapshots[0]).activations.map((a) => a.principal)).toEqual(['alice@example.com']);
    expect(snapshots[1]).toEqual({
      ok: false,
      group: 'JIT-dev-admin',
      error: expect.stringContaining('HTTP 503') as unknown,
    });
    expect(sleeps).toHaveLength(2); // three attempts
  });

  it('fails the whole group, never a partial list, when a group principal cannot be expanded', async () => {
    const { fake, entra } = await setup();
    fake.assignments.push(
      instance({ id: 'i1', principalId: ids.alice }),
      instance({ id: 'i2', principalId: ids.oncall }),
    );
    fake.script(
      { path: `/v1.0/groups/${ids.oncall}/transitiveMembers` },
      {
        status: 403,
        body: {
          error: {
            code: 'Authorization_RequestDenied',
            message: 'Insufficient privileges to complete the operation.',
          },
        },
      },
    );

    const [snapshot] = await entra.activationSource.poll(['JIT-prod-admin']);

    expect(snapshot).toEqual({
      ok: false,
      group: 'JIT-prod-admin',
      error: expect.stringContaining('Authorization_RequestDenied') as unknown,
    });
  });

  it('says which configured group does not exist', async () => {
    const { entra } = await setup();

    const [snapshot] = await entra.activationSource.poll(['JIT-nope']);

    expect(snapshot).toEqual({
      ok: false,
      group: 'JIT-nope',
      error: expect.stringContaining('No Entra group is named "JIT-nope"') as unknown,
    });
  });

  it('keeps keys stable across polls and resolves group names once', async () => {
    const { fake, entra } = await setup();
    fake.assignments.push(instance({ id: 'i1', principalId: ids.oncall }));

    const first = await entra.activationSource.poll(['JIT-prod-admin']);
    const lookups = fake.graphRequests.filter((r) => r.path === '/v1.0/groups').length;
    const second = await entra.activationSource.poll(['JIT-prod-admin']);

    expect(ok(second[0]).activations.map((a) => a.key)).toEqual(
      ok(first[0]).activations.map((a) => a.key),
    );
    expect(fake.graphRequests.filter((r) => r.path === '/v1.0/groups')).toHaveLength(lookups);
  });

  it('sees an early deactivation at the next poll', async () => {
    const { fake, entra, clock } = await setup();
    fake.assignments.push(instance({ id: 'i1', principalId: ids.alice }));
    expect(ok((await entra.activationSource.poll(['JIT-prod-admin']))[0]).activations).toHaveLength(
      1,
    );

    fake.assignments.splice(0);
    clock.advance(10_000);

    expect(ok((await entra.activationSource.poll(['JIT-prod-admin']))[0]).activations).toEqual([]);
  });

  it('polls at most `concurrency` groups at once, answering in the order asked', async () => {
    const { fake, entra } = await setup({ concurrency: 2 });
    const names: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const id = `9b000000-0000-4000-8000-00000000000${i}`;
      fake.groups.set(id, { id, displayName: `JIT-g${i}`, members: [] });
      names.push(`JIT-g${i}`);
    }
    fake.setLatency(15);

    const snapshots = await entra.activationSource.poll(names);

    expect(snapshots.map((s) => s.group)).toEqual(names);
    expect(snapshots.every((s) => s.ok)).toBe(true);
    expect(fake.maxInFlight).toBe(2);
  });
});
