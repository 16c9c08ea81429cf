// EntraDirectory against a fake Graph on 127.0.0.1 (which refuses OData casts on member
// lists without the advanced-query parameters, as Graph documents).
import { afterEach, describe, expect, it } from 'vitest';
import { JitError } from '../../core/errors.js';
import { SettableClock } from '../../ports/clock.js';
import { EntraDirectory, type EntraDirectoryOptions } from './entra-directory.js';
import { GraphClient } from './graph-client.js';
import { createGraphTokenSource } from './graph-token-source.js';
import {
  ids,
  seedTenant,
  startFakeEntra,
  type FakeEntra,
} from '../../../test/harness/entra-adapter-harness.js';

const running: FakeEntra[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

async function setup(
  options: Partial<EntraDirectoryOptions> = {},
): Promise<{ fake: FakeEntra; directory: EntraDirectory; clock: SettableClock }> {
  const fake = await startFakeEntra();
  running.push(fake);
  seedTenant(fake);
  const clock = new SettableClock({ fixed: 0 });
  const tokens = createGraphTokenSource({
    authority: fake.url,
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    credential: { kind: 'secret', secret: fake.secret },
    allowInsecureRequests: true,
    clock,
  });
  const graph = new GraphClient({
    tokens,
    baseUrl: fake.graphUrl,
    allowInsecureRequests: true,
    clock,
  });
  return { fake, clock, directory: new EntraDirectory({ graph, clock, ...options }) };
}

async function jitError(promise: Promise<unknown>): Promise<JitError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JitError) return error;
    throw error;
  }
  throw new Error('expected a JitError');
}

describe('EntraDirectory', () => {
  it('finds a user by UPN, with the names of every group they are in, nested ones included', async () => {
    const { directory } = await setup();

    expect(await directory.findUser('CAROL@example.com')).toEqual({
      id: 'carol@example.com',
      name: 'carol',
      displayName: 'Carol Example',
      email: 'carol.mail@example.org',
      mfa: false,
      groups: ['oncall', 'oncall-nested', 'staff'],
    });
  });

  it('finds a user by e-mail, by handle and by object id, and nobody for an unknown name', async () => {
    const { directory } = await setup();

    expect((await directory.findUser('carol.mail@example.org'))?.id).toBe('carol@example.com');
    expect((await directory.findUser('bob'))?.id).toBe('bob@example.com');
    expect((await directory.findUser(ids.alice))?.id).toBe('alice@example.com');
    expect(await directory.findUser('nobody@example.com')).toBeUndefined();
    expect(await directory.findUser(ids.staff)).toBeUndefined(); // a group, not a user
    expect(await directory.findUser(' ')).toBeUndefined();
  });

  it('quotes a name with an apostrophe in the filter', async () => {
    const { fake, directory } = await setup();
    fake.users.set('0b100000-0000-4000-8000-000000000099', {
      id: '0b100000-0000-4000-8000-000000000099',
      userPrincipalName: "o'brien@example.com",
      displayName: "Pat O'Brien",
    });

    expect((await directory.findUser("O'Brien@example.com"))?.displayName).toBe("Pat O'Brien");
  });

  it('caches users on the clock and asks Graph again once the entry expires', async () => {
    const { fake, directory, clock } = await setup({ cacheTtlMs: 60_000, membershipTtlMs: 60_000 });
    await directory.findUser('bob@example.com');
    const asked = fake.graphRequests.length;

    await directory.findUser('bob@example.com');
    expect(fake.graphRequests).toHaveLength(asked);

    clock.advance(60_000);
    await directory.findUser('bob@example.com');
    expect(fake.graphRequests.length).toBeGreaterThan(asked);
  });

  it('lists the transitive user members of the configured user groups', async () => {
    const { directory } = await setup({ userGroups: ['oncall', ids.prodAdmin] });

    const users = await directory.listUsers();

    expect(users.map((u) => u.id)).toEqual(['bob@example.com', 'carol@example.com']);
  });

  it('lists nobody without configured user groups', async () => {
    const { directory, fake } = await setup();
    expect(await directory.listUsers()).toEqual([]);
    expect(fake.graphRequests).toHaveLength(0);
  });

  it('resolves a group by display name or object id', async () => {
    const { directory } = await setup();

    expect(await directory.resolveGroup('jit-prod-admin')).toEqual({
      id: ids.prodAdmin,
      displayName: 'JIT-prod-admin',
    });
    expect(await directory.resolveGroup(ids.devAdmin)).toEqual({
      id: ids.devAdmin,
      displayName: 'JIT-dev-admin',
    });
  });

  it('refuses a missing group and an ambiguous name with a way out', async () => {
    const { fake, directory } = await setup();
    fake.groups.set('9c000000-0000-4000-8000-000000000001', {
      id: '9c000000-0000-4000-8000-000000000001',
      displayName: 'JIT-prod-admin',
      members: [],
    });

    const missing = await jitError(directory.resolveGroup('JIT-missing'));
    expect(missing.code).toBe('ERR_NOT_FOUND');
    expect(missing.message).toContain('object id');

    const missingId = await jitError(
      directory.resolveGroup('9d000000-0000-4000-8000-000000000001'),
    );
    expect(missingId.code).toBe('ERR_NOT_FOUND');

    const ambiguous = await jitError(directory.resolveGroup('JIT-prod-admin'));
    expect(ambiguous.code).toBe('ERR_INVALID_CONFIG');
    expect(ambiguous.message).toContain('2 Entra groups are named "JIT-prod-admin"');
  });

  it('lists transitive user members through a cast, switching once to advanced-query parameters when Graph asks', async () => {
    const { fake, directory } = await setup();

    const members = await directory.transitiveUserMembers(ids.staff);
    await directory.transitiveUserMembers(ids.oncall);

    expect(members.map((m) => m.userPrincipalName).sort()).toEqual([
      'Alice@Example.com',
      'bob@example.com',
      'carol@example.com',
      'dave@example.com',
    ]);
    const casts = fake.graphRequests.filter((r) => r.path.endsWith('/microsoft.graph.user'));
    expect(
      casts.map((r) => [r.path.split('/')[3], r.headers.consistencylevel, r.query.get('$count')]),
    ).toEqual([
      [ids.staff, undefined, null], // refused: Request_UnsupportedQuery
      [ids.staff, 'eventual', 'true'],
      [ids.staff, 'eventual', 'true'], // second page
      [ids.oncall, 'eventual', 'true'],
    ]);
  });

  it('sends casts without advanced-query parameters where Graph takes them plain', async () => {
    const fake = await startFakeEntra({ castsNeedAdvancedQuery: false });
    running.push(fake);
    seedTenant(fake);
    const clock = new SettableClock({ fixed: 0 });
    const tokens = createGraphTokenSource({
      authority: fake.url,
      tenantId: fake.tenantId,
      clientId: fake.clientId,
      credential: { kind: 'secret', secret: fake.secret },
      allowInsecureRequests: true,
      clock,
    });
    const graph = new GraphClient({
      tokens,
      baseUrl: fake.graphUrl,
      allowInsecureRequests: true,
      clock,
    });
    const directory = new EntraDirectory({ graph, clock });

    expect(await directory.groupNamesOf(ids.carol)).toEqual(['oncall', 'oncall-nested', 'staff']);
    for (const request of fake.graphRequests) {
      expect(request.headers.consistencylevel).toBeUndefined();
      expect(request.query.has('$count')).toBe(false);
    }
  });

  it('lists eligible members, expanding eligible groups', async () => {
    const { fake, directory } = await setup();
    fake.eligibilities.push(
      {
        id: 'e1',
        groupId: ids.prodAdmin,
        principalId: ids.alice,
        accessId: 'member',
        startDateTime: '2025-01-01T00:00:00Z',
        endDateTime: '2026-01-01T00:00:00Z',
      },
      {
        id: 'e2',
        groupId: ids.prodAdmin,
        principalId: ids.oncallNested,
        accessId: 'member',
        startDateTime: '2025-01-01T00:00:00Z',
        endDateTime: null,
      },
      {
        id: 'e3',
        groupId: ids.prodAdmin,
        principalId: ids.dave,
        accessId: 'owner',
        startDateTime: '2025-01-01T00:00:00Z',
      },
    );

    const eligible = await directory.eligibleMembers(ids.prodAdmin);

    expect(
      eligible.map((e) => [e.instanceId, e.principal, e.viaGroup?.displayName, e.endsAt]),
    ).toEqual([
      ['e1', 'alice@example.com', undefined, Date.parse('2026-01-01T00:00:00Z')],
      ['e2', 'carol@example.com', 'oncall-nested', undefined],
    ]);
  });
});
