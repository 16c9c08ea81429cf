// EntraPimActivationSource and EntraDirectory against the Entra emulator over HTTP, with the
// real token source and Graph client. PIM assignments are made through the emulator's
// Graph API (adminAssign / adminRemove with the app's own token), as an administrator
// would; time moves on a SettableClock shared with the emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { startEntraEmulator, type RunningEntraEmulator } from '../../emulators/entra/index.js';
import type { SourceGroupSnapshot } from '../../ports/activation-source.js';
import { SettableClock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { createEntraAdapters, type EntraAdapters } from './create-entra-adapters.js';
import { PIM_GROUP_PATH } from './entra-directory.js';

const NOW = Date.parse('2025-03-01T10:00:00Z');
const HOUR = 3_600_000;

interface Setup {
  emulator: RunningEntraEmulator;
  entra: EntraAdapters;
  clock: SettableClock;
  sleeps: number[];
  ids: { users: Readonly<Record<string, string>>; groups: Readonly<Record<string, string>> };
}

const running: RunningEntraEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

async function setup(
  options: {
    rateLimit?: number;
    random?: () => number;
    userGroups?: string[];
    logger?: Logger;
  } = {},
): Promise<Setup> {
  const clock = new SettableClock({ fixed: NOW });
  const emulator = await startEntraEmulator({
    clock,
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  running.push(emulator);
  const ids = emulator.seed({
    users: [
      { userPrincipalName: 'Alice@example.com', displayName: 'Alice Example' },
      { userPrincipalName: 'bob@example.com', displayName: 'Bob Example' },
      {
        userPrincipalName: 'carol@example.com',
        displayName: 'Carol Example',
        mail: 'carol.mail@example.org',
      },
      { userPrincipalName: 'dave@example.com', displayName: 'Dave Example' },
    ],
    groups: [
      { displayName: 'oncall-nested', members: ['carol@example.com'] },
      { displayName: 'oncall', members: ['bob@example.com', 'oncall-nested'] },
      { displayName: 'JIT-prod-admin', pim: true, eligible: ['Alice@example.com', 'oncall'] },
      { displayName: 'JIT-dev-admin', pim: true },
    ],
  });
  const sleeps: number[] = [];
  const entra = createEntraAdapters({
    tenantId: emulator.tenantId,
    clientId: emulator.app.clientId,
    credential: { kind: 'secret', secret: emulator.app.clientSecret },
    authority: emulator.url,
    graphBaseUrl: emulator.graphUrl,
    allowInsecureRequests: true,
    clock,
    // Waiting moves the shared clock, so the emulator's throttling bucket refills.
    sleep: (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
      return Promise.resolve();
    },
    ...(options.userGroups === undefined ? {} : { userGroups: options.userGroups }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  return { emulator, entra, clock, sleeps, ids };
}

async function adminAssign(
  setup: Setup,
  group: string,
  principalId: string,
  /** An ISO 8601 duration, or `permanent`. */
  duration: string,
): Promise<void> {
  await setup.entra.graph.post(`${PIM_GROUP_PATH}/assignmentScheduleRequests`, {
    accessId: 'member',
    action: 'adminAssign',
    groupId: setup.ids.groups[group],
    principalId,
    justification: 'test',
    scheduleInfo: {
      startDateTime: new Date(setup.clock.now()).toISOString(),
      expiration:
        duration === 'permanent' ? { type: 'noExpiration' } : { type: 'afterDuration', duration },
    },
  });
}

async function adminRemove(setup: Setup, group: string, principalId: string): Promise<void> {
  await setup.entra.graph.post(`${PIM_GROUP_PATH}/assignmentScheduleRequests`, {
    accessId: 'member',
    action: 'adminRemove',
    groupId: setup.ids.groups[group],
    principalId,
    justification: 'test',
  });
}

function user(setup: Setup, upn: string): string {
  const id = setup.ids.users[upn.toLowerCase()];
  if (id === undefined) throw new Error(`no seeded user ${upn}`);
  return id;
}

function group(setup: Setup, name: string): string {
  const id = setup.ids.groups[name];
  if (id === undefined) throw new Error(`no seeded group ${name}`);
  return id;
}

function ok(snapshot: SourceGroupSnapshot | undefined): Extract<SourceGroupSnapshot, { ok: true }> {
  if (snapshot?.ok !== true) {
    throw new Error(`expected an ok snapshot, got ${JSON.stringify(snapshot)}`);
  }
  return snapshot;
}

describe('EntraPimActivationSource against the Entra emulator', () => {
  it('reports an assignment with its end, and drops it once the end passes', async () => {
    const s = await setup();
    await adminAssign(s, 'JIT-prod-admin', user(s, 'alice@example.com'), 'PT2H');

    const [before] = await s.entra.activationSource.poll(['JIT-prod-admin']);
    const [activation, ...others] = ok(before).activations;
    expect(others).toEqual([]);
    expect(activation).toMatchObject({
      userId: user(s, 'alice@example.com'),
      principal: 'alice@example.com',
      startsAt: NOW,
      endsAt: NOW + 2 * HOUR,
      assignmentType: 'assigned',
    });
    expect(activation?.key).toBe(`${activation?.instanceId ?? ''}/${user(s, 'alice@example.com')}`);
    expect(ok(before).groupId).toBe(group(s, 'JIT-prod-admin'));

    s.clock.advance(2 * HOUR);
    const [after] = await s.entra.activationSource.poll(['JIT-prod-admin']);
    expect(ok(after).activations).toEqual([]);
  });

  it('reports a permanent assignment without an end', async () => {
    const s = await setup();
    await adminAssign(s, 'JIT-prod-admin', user(s, 'dave@example.com'), 'permanent');

    const [snapshot] = await s.entra.activationSource.poll([group(s, 'JIT-prod-admin')]);

    const [activation] = ok(snapshot).activations;
    expect(activation?.principal).toBe('dave@example.com');
    expect(activation).not.toHaveProperty('endsAt');
  });

  it('expands a group principal to its transitive members, each marked viaGroup', async () => {
    const s = await setup();
    await adminAssign(s, 'JIT-prod-admin', group(s, 'oncall'), 'PT1H');

    const [snapshot] = await s.entra.activationSource.poll(['JIT-prod-admin']);

    const activations = ok(snapshot).activations;
    expect(activations.map((a) => a.principal).sort()).toEqual([
      'bob@example.com',
      'carol@example.com',
    ]);
    for (const activation of activations) {
      expect(activation.viaGroup).toEqual({ id: group(s, 'oncall'), displayName: 'oncall' });
      expect(activation.endsAt).toBe(NOW + HOUR);
    }
    expect(ok(snapshot).unresolved).toEqual([]);
  });

  it('sees an early removal at the next poll, and keeps keys stable until then', async () => {
    const s = await setup();
    await adminAssign(s, 'JIT-prod-admin', user(s, 'alice@example.com'), 'PT2H');
    await adminAssign(s, 'JIT-prod-admin', user(s, 'bob@example.com'), 'PT2H');

    const first = ok((await s.entra.activationSource.poll(['JIT-prod-admin']))[0]);
    s.clock.advance(10 * 60_000);
    const second = ok((await s.entra.activationSource.poll(['JIT-prod-admin']))[0]);
    expect(second.activations.map((a) => a.key)).toEqual(first.activations.map((a) => a.key));

    await adminRemove(s, 'JIT-prod-admin', user(s, 'alice@example.com'));
    const third = ok((await s.entra.activationSource.poll(['JIT-prod-admin']))[0]);
    expect(third.activations.map((a) => a.principal)).toEqual(['bob@example.com']);
  });

  it('maps by mail when configured', async () => {
    const s = await setup();
    const byMail = createEntraAdapters({
      tenantId: s.emulator.tenantId,
      clientId: s.emulator.app.clientId,
      credential: { kind: 'secret', secret: s.emulator.app.clientSecret },
      authority: s.emulator.url,
      graphBaseUrl: s.emulator.graphUrl,
      allowInsecureRequests: true,
      clock: s.clock,
      userAttribute: 'mail',
    });
    await adminAssign(s, 'JIT-prod-admin', user(s, 'carol@example.com'), 'PT1H');

    const [snapshot] = await byMail.activationSource.poll(['JIT-prod-admin']);

    expect(ok(snapshot).activations[0]?.principal).toBe('carol.mail@example.org');
  });

  it('reports an unknown group on its own, the others in full', async () => {
    const s = await setup();
    await adminAssign(s, 'JIT-dev-admin', user(s, 'dave@example.com'), 'PT1H');

    const snapshots = await s.entra.activationSource.poll(['JIT-missing', 'JIT-dev-admin']);

    expect(snapshots[0]).toEqual({
      ok: false,
      group: 'JIT-missing',
      error: expect.stringContaining('No Entra group is named "JIT-missing"') as unknown,
    });
    expect(ok(snapshots[1]).activations.map((a) => a.principal)).toEqual(['dave@example.com']);
  });

  it('fails only the group whose group principal cannot be expanded', async () => {
    const s = await setup();
    await adminAssign(s, 'JIT-prod-admin', group(s, 'oncall'), 'PT1H');
    await adminAssign(s, 'JIT-dev-admin', user(s, 'dave@example.com'), 'PT1H');
    // Find the operation name of the transitive-members cast from the emulator's own counts.
    await s.entra.directory.transitiveUserMembers(group(s, 'oncall-nested'));
    const cast = Object.keys(s.emulator.calls()).find((op) => op.includes('transitiveMembers'));
    if (cast === undefined)
      throw new Error('the emulator did not count the transitive members call');
    s.emulator.setFaults({ [cast]: { errorRate: 1, errorKind: 'InternalServerError' } });

    const [prod, dev] = await s.entra.activationSource.poll(['JIT-prod-admin', 'JIT-dev-admin']);

    expect(prod).toEqual({
      ok: false,
      group: 'JIT-prod-admin',
      error: expect.stringContaining('HTTP 500') as unknown,
    });
    expect(ok(dev).activations.map((a) => a.principal)).toEqual(['dave@example.com']);
  });

  it('misses no holder when half the instance reads fail with 503 and Retry-After', async () => {
    let roll = 0;
    const lines: string[] = [];
    const record = (fields: Readonly<Record<string, unknown>>, message: string): void => {
      lines.push(`${message} ${JSON.stringify(fields)}`);
    };
    // The emulator's dice: every other call is below the 50% error rate.
    const s = await setup({
      random: () => (roll++ % 2 === 0 ? 0.1 : 0.9),
      logger: { debug: record, info: record, warn: record, error: record },
    });
    await adminAssign(s, 'JIT-prod-admin', user(s, 'alice@example.com'), 'PT2H');
    await adminAssign(s, 'JIT-dev-admin', user(s, 'bob@example.com'), 'PT2H');
    s.emulator.setFaults({
      [`GET ${PIM_GROUP_PATH}/assignmentScheduleInstances`]: {
        errorRate: 0.5,
        errorKind: 'ServiceUnavailable',
        retryAfterSeconds: 2,
      },
    });

    const snapshots = await s.entra.activationSource.poll(['JIT-prod-admin', 'JIT-dev-admin']);

    expect(snapshots.map((snapshot) => ok(snapshot).activations.map((a) => a.principal))).toEqual([
      ['alice@example.com'],
      ['bob@example.com'],
    ]);
    expect(s.sleeps.length).toBeGreaterThan(0);
    expect(s.sleeps.every((ms) => ms === 2000)).toBe(true);
    const logged = lines.join('\n');
    expect(logged).toContain('"status":503');
    expect(logged).not.toContain(await s.entra.tokens.getToken());
    expect(logged).not.toContain(s.emulator.app.clientSecret);
  });

  it('rides out the emulator throttling (429 with Retry-After) across many groups', async () => {
    const s = await setup({ rateLimit: 3 });
    const names = ['JIT-prod-admin', 'JIT-dev-admin'];
    await adminAssign(s, 'JIT-prod-admin', group(s, 'oncall'), 'PT2H');
    await adminAssign(s, 'JIT-dev-admin', user(s, 'dave@example.com'), 'PT2H');

    const snapshots = await s.entra.activationSource.poll([...names, ...names, ...names]);

    for (const snapshot of snapshots) expect(snapshot.ok).toBe(true);
    expect(ok(snapshots[0]).activations).toHaveLength(2);
    expect(ok(snapshots[1]).activations).toHaveLength(1);
    expect(s.sleeps.length).toBeGreaterThan(0);
  });
});

describe('EntraDirectory against the Entra emulator', () => {
  it('finds users by UPN, mail, handle and object id, with their transitive groups', async () => {
    const s = await setup();
    const { directory } = s.entra;

    expect(await directory.findUser('carol@example.com')).toEqual({
      id: 'carol@example.com',
      name: 'carol',
      displayName: 'Carol Example',
      email: 'carol.mail@example.org',
      mfa: false,
      groups: ['oncall', 'oncall-nested'],
    });
    expect((await directory.findUser('carol.mail@example.org'))?.id).toBe('carol@example.com');
    expect((await directory.findUser('bob'))?.id).toBe('bob@example.com');
    expect((await directory.findUser(user(s, 'alice@example.com')))?.id).toBe('alice@example.com');
    expect(await directory.findUser('nobody@example.com')).toBeUndefined();
  });

  it('lists the members of the configured user groups', async () => {
    const s = await setup({ userGroups: ['oncall'] });

    const users = await s.entra.directory.listUsers();

    expect(users.map((u) => u.id)).toEqual(['bob@example.com', 'carol@example.com']);
  });

  it('lists eligible members, expanding an eligible group', async () => {
    const s = await setup();

    const eligible = await s.entra.directory.eligibleMembers(group(s, 'JIT-prod-admin'));

    expect(eligible.map((e) => [e.principal, e.viaGroup?.displayName]).sort()).toEqual([
      ['alice@example.com', undefined],
      ['bob@example.com', 'oncall'],
      ['carol@example.com', 'oncall'],
    ]);
  });

  it('resolves groups by name and id, and refuses a missing one', async () => {
    const s = await setup();
    const { directory } = s.entra;

    expect(await directory.resolveGroup('jit-prod-admin')).toEqual({
      id: group(s, 'JIT-prod-admin'),
      displayName: 'JIT-prod-admin',
    });
    expect((await directory.resolveGroup(group(s, 'oncall'))).displayName).toBe('oncall');
    await expect(directory.resolveGroup('nope')).rejects.toThrow(/No Entra group is named "nope"/);
  });
});
