import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appToken,
  graph,
  startTestEmulator,
  userToken,
  type TestEmulator,
} from '../../../test/harness/entra-emulator-harness.js';

let t: TestEmulator;
let token: string;
let ids: { users: Record<string, string>; groups: Record<string, string> };

const people = Array.from({ length: 7 }, (_, i) => ({
  userPrincipalName: `user${i}@contoso.test`,
  displayName: `User ${i}`,
  mail: `user.${i}@mail.contoso.test`,
}));

beforeAll(async () => {
  t = await startTestEmulator({
    seed: {
      users: people,
      groups: [
        { displayName: 'inner', members: ['user0@contoso.test', 'user1@contoso.test'] },
        { displayName: 'outer', members: ['inner', 'user2@contoso.test'] },
        { displayName: 'lonely' },
      ],
    },
  });
  token = await appToken(t.emu);
  // Seeding again is idempotent and answers the object ids.
  ids = t.emu.seed({
    users: people,
    groups: [{ displayName: 'inner' }, { displayName: 'outer' }, { displayName: 'lonely' }],
  });
});

afterAll(async () => {
  await t.emu.close();
});

function values(json: Record<string, unknown>): Record<string, unknown>[] {
  return json.value as Record<string, unknown>[];
}

describe('authentication', () => {
  it('answers a call without a token with 401 InvalidAuthenticationToken and an OData error body', async () => {
    const result = await graph(t.emu, undefined, 'GET', '/users', undefined, {
      'client-request-id': 'my-id',
    });
    expect(result.status).toBe(401);
    const error = result.json.error as Record<string, unknown>;
    expect(error.code).toBe('InvalidAuthenticationToken');
    expect(error.message).toBe('Access token is empty.');
    const inner = error.innerError as Record<string, unknown>;
    expect(inner['client-request-id']).toBe('my-id');
    expect(inner['request-id']).toBe(result.headers.get('request-id'));
    expect(inner.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(result.headers.get('client-request-id')).toBe('my-id');
    expect(result.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('refuses a malformed token, a foreign signature and an expired token', async () => {
    const garbage = await graph(t.emu, 'not-a-jwt', 'GET', '/users');
    expect(garbage.status).toBe(401);
    expect((garbage.json.error as { message: string }).message).toMatch(
      /CompactToken parsing failed/,
    );

    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(t.clock.now() / 1000);
    const forged = await new SignJWT({
      tid: t.emu.tenantId,
      idtyp: 'app',
      roles: ['User.Read.All'],
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setAudience('https://graph.microsoft.com')
      .setIssuer(`https://sts.windows.net/${t.emu.tenantId}/`)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    const foreign = await graph(t.emu, forged, 'GET', '/users');
    expect(foreign.status).toBe(401);
    expect((foreign.json.error as { code: string }).code).toBe('InvalidAuthenticationToken');

    const fresh = await appToken(t.emu);
    t.clock.advance(3600 * 1000);
    const expired = await graph(t.emu, fresh, 'GET', '/users');
    expect(expired.status).toBe(401);
    expect((expired.json.error as { message: string }).message).toBe(
      'Lifetime validation failed, the token is expired.',
    );
    token = await appToken(t.emu);
  });

  it('lets a signed-in user read /me but not list users without a directory scope', async () => {
    const user = await userToken(t.emu, 'user3@contoso.test', {
      scope: 'openid https://graph.microsoft.com/User.Read',
    });
    const me = await graph(t.emu, user, 'GET', '/me');
    expect(me.status).toBe(200);
    expect(me.json.userPrincipalName).toBe('user3@contoso.test');
    const list = await graph(t.emu, user, 'GET', '/users');
    expect(list.status).toBe(403);
    expect((list.json.error as { code: string }).code).toBe('Authorization_RequestDenied');
  });
});

describe('users and groups', () => {
  it('filters users by userPrincipalName, mail, id and displayName', async () => {
    const id = ids.users['user4@contoso.test'] ?? '';
    for (const filter of [
      "userPrincipalName eq 'USER4@contoso.test'",
      "mail eq 'user.4@mail.contoso.test'",
      `id eq '${id}'`,
      "displayName eq 'User 4'",
    ]) {
      const result = await graph(
        t.emu,
        token,
        'GET',
        `/users?$filter=${encodeURIComponent(filter)}`,
      );
      expect(result.status).toBe(200);
      expect(values(result.json).map((u) => u.id)).toEqual([id]);
    }
  });

  it('applies $select and pages with $top and @odata.nextLink', async () => {
    let url: string | undefined = '/users?$top=3&$select=id,userPrincipalName';
    const seen: string[] = [];
    let pages = 0;
    while (url !== undefined) {
      const result = await graph(t.emu, token, 'GET', url);
      expect(result.status).toBe(200);
      for (const user of values(result.json)) {
        expect(Object.keys(user).sort()).toEqual(['id', 'userPrincipalName']);
        seen.push(String(user.userPrincipalName));
      }
      url = result.json['@odata.nextLink'] as string | undefined;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(people.map((p) => p.userPrincipalName).sort());
  });

  it('gets a user by id or UPN and answers an unknown one with Request_ResourceNotFound', async () => {
    const byUpn = await graph(t.emu, token, 'GET', '/users/user5@contoso.test');
    const byId = await graph(t.emu, token, 'GET', `/users/${String(byUpn.json.id)}`);
    expect(byId.json.userPrincipalName).toBe('user5@contoso.test');
    const missing = await graph(t.emu, token, 'GET', '/users/nobody@contoso.test');
    expect(missing.status).toBe(404);
    expect((missing.json.error as { code: string }).code).toBe('Request_ResourceNotFound');
  });

  it('refuses filters and options it does not support with a 400 that says so', async () => {
    const op = await graph(
      t.emu,
      token,
      'GET',
      `/users?$filter=${encodeURIComponent("displayName gt 'A'")}`,
    );
    expect(op.status).toBe(400);
    expect((op.json.error as { message: string }).message).toMatch(
      /operator 'gt' is not supported/,
    );
    const prop = await graph(
      t.emu,
      token,
      'GET',
      `/users?$filter=${encodeURIComponent("shoeSize eq '9'")}`,
    );
    expect((prop.json.error as { message: string }).message).toMatch(
      /Could not find a property named 'shoeSize'/,
    );
    const orderby = await graph(t.emu, token, 'GET', '/users?$orderby=displayName');
    expect((orderby.json.error as { code: string }).code).toBe('Request_UnsupportedQuery');
    const segment = await graph(t.emu, token, 'GET', '/applications');
    expect(segment.status).toBe(400);
    expect((segment.json.error as { message: string }).message).toBe(
      "Resource not found for the segment 'applications'.",
    );
  });

  it('creates users and groups, and refuses a duplicate UPN', async () => {
    const created = await graph(t.emu, token, 'POST', '/users', {
      accountEnabled: true,
      displayName: 'Dave New',
      mailNickname: 'dave',
      userPrincipalName: 'dave@contoso.test',
      passwordProfile: { password: 'x-Long-passw0rd', forceChangePasswordNextSignIn: true },
    });
    expect(created.status).toBe(201);
    expect(created.json.id).toMatch(/^[0-9a-f-]{36}$/);
    const duplicate = await graph(t.emu, token, 'POST', '/users', {
      accountEnabled: true,
      displayName: 'Dave Again',
      mailNickname: 'dave2',
      userPrincipalName: 'dave@contoso.test',
      passwordProfile: { password: 'x-Long-passw0rd' },
    });
    expect(duplicate.status).toBe(400);
    const incomplete = await graph(t.emu, token, 'POST', '/users', { displayName: 'No UPN' });
    expect(incomplete.status).toBe(400);
    const group = await graph(t.emu, token, 'POST', '/groups', {
      displayName: 'new-group',
      mailEnabled: false,
      mailNickname: 'newgroup',
      securityEnabled: true,
      'members@odata.bind': [
        `https://graph.microsoft.com/v1.0/directoryObjects/${String(created.json.id)}`,
      ],
    });
    expect(group.status).toBe(201);
    const members = await graph(t.emu, token, 'GET', `/groups/${String(group.json.id)}/members`);
    expect(values(members.json).map((m) => m.id)).toEqual([created.json.id]);
  });

  it('adds and removes members with $ref, and refuses an existing member', async () => {
    const lonely = ids.groups.lonely ?? '';
    const user6 = ids.users['user6@contoso.test'] ?? '';
    const ref = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user6}` };
    expect((await graph(t.emu, token, 'POST', `/groups/${lonely}/members/$ref`, ref)).status).toBe(
      204,
    );
    const again = await graph(t.emu, token, 'POST', `/groups/${lonely}/members/$ref`, ref);
    expect(again.status).toBe(400);
    expect((again.json.error as { message: string }).message).toMatch(/already exist/);
    expect(
      (await graph(t.emu, token, 'DELETE', `/groups/${lonely}/members/${user6}/$ref`)).status,
    ).toBe(204);
    expect(
      (await graph(t.emu, token, 'DELETE', `/groups/${lonely}/members/${user6}/$ref`)).status,
    ).toBe(404);
  });

  it('lists transitive members (and only users with the cast) and a user’s transitive groups', async () => {
    const outer = ids.groups.outer ?? '';
    const all = await graph(t.emu, token, 'GET', `/groups/${outer}/transitiveMembers`);
    expect(
      values(all.json)
        .map((m) => m['@odata.type'])
        .sort(),
    ).toEqual([
      '#microsoft.graph.group',
      '#microsoft.graph.user',
      '#microsoft.graph.user',
      '#microsoft.graph.user',
    ]);
    const users = await graph(
      t.emu,
      token,
      'GET',
      `/groups/${outer}/transitiveMembers/microsoft.graph.user?$select=userPrincipalName`,
    );
    expect(
      values(users.json)
        .map((u) => u.userPrincipalName)
        .sort(),
    ).toEqual(['user0@contoso.test', 'user1@contoso.test', 'user2@contoso.test']);
    const direct = await graph(t.emu, token, 'GET', `/groups/${outer}/members`);
    expect(values(direct.json)).toHaveLength(2);
    const memberOf = await graph(
      t.emu,
      token,
      'GET',
      `/users/${ids.users['user0@contoso.test'] ?? ''}/transitiveMemberOf`,
    );
    expect(
      values(memberOf.json)
        .map((g) => g.displayName)
        .sort(),
    ).toEqual(['inner', 'outer']);
  });
});

describe('groups/delta', () => {
  it('lists the filtered groups with members, then reports added and removed members from the delta link', async () => {
    const inner = ids.groups.inner ?? '';
    const lonely = ids.groups.lonely ?? '';
    const filter = encodeURIComponent(`id eq '${inner}' or id eq '${lonely}'`);
    let url: string | undefined = `/groups/delta?$select=displayName,members&$filter=${filter}`;
    const first: Record<string, unknown>[] = [];
    let deltaLink: string | undefined;
    while (url !== undefined) {
      const page = await graph(t.emu, token, 'GET', url, undefined, {
        prefer: 'odata.maxpagesize=1',
      });
      expect(page.status).toBe(200);
      first.push(...values(page.json));
      url = page.json['@odata.nextLink'] as string | undefined;
      deltaLink = page.json['@odata.deltaLink'] as string | undefined;
    }
    expect(first.map((g) => g.displayName).sort()).toEqual(['inner', 'lonely']);
    const innerItem = first.find((g) => g.id === inner) ?? {};
    expect((innerItem['members@delta'] as { id: string }[]).map((m) => m.id).sort()).toEqual(
      [ids.users['user0@contoso.test'], ids.users['user1@contoso.test']].sort(),
    );
    expect(deltaLink).toContain('$deltatoken=');

    const user0 = ids.users['user0@contoso.test'] ?? '';
    const user5 = ids.users['user5@contoso.test'] ?? '';
    await graph(t.emu, token, 'DELETE', `/groups/${inner}/members/${user0}/$ref`);
    await graph(t.emu, token, 'POST', `/groups/${lonely}/members/$ref`, {
      '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user5}`,
    });
    await graph(t.emu, token, 'POST', `/groups/${ids.groups.outer ?? ''}/members/$ref`, {
      '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user5}`,
    });
    const changes = await graph(t.emu, token, 'GET', deltaLink ?? '');
    expect(changes.status).toBe(200);
    const changed = values(changes.json);
    expect(changed.map((g) => g.id).sort()).toEqual([inner, lonely].sort());
    expect(changed.find((g) => g.id === inner)?.['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: user0, '@removed': { reason: 'deleted' } },
    ]);
    expect(changed.find((g) => g.id === lonely)?.['members@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: user5 },
    ]);
    const quiet = await graph(t.emu, token, 'GET', String(changes.json['@odata.deltaLink']));
    expect(values(quiet.json)).toEqual([]);
  });

  it('refuses a delta filter on anything but ids', async () => {
    const result = await graph(
      t.emu,
      token,
      'GET',
      `/groups/delta?$filter=${encodeURIComponent("displayName eq 'x'")}`,
    );
    expect(result.status).toBe(400);
  });
});
