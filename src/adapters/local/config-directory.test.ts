import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/parse-config.js';
import { ConfigDirectory } from './config-directory.js';

const CONFIG = `
mode: sandbox
permissionSets: {}
roles: {}
directory:
  users:
    alice: { email: Alice@Example.com, displayName: Alice Example, mfa: true }
    bob: { email: bob@example.com }
  groups:
    developers: { members: [alice] }
    approvers: { members: [alice, bob@example.com] }
`;

function directory(): ConfigDirectory {
  const result = parseConfig(CONFIG, 'jit.config.yaml');
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return new ConfigDirectory(result.config.directory);
}

describe('ConfigDirectory', () => {
  it('finds a user by principal id, e-mail or handle, ignoring case', async () => {
    const dir = directory();
    for (const name of ['alice@example.com', 'ALICE@example.COM', 'alice', 'Alice']) {
      expect((await dir.findUser(name))?.id).toBe('alice@example.com');
    }
  });

  it('returns the user with their groups, display name and MFA flag', async () => {
    const alice = await directory().findUser('alice');
    expect(alice).toEqual({
      id: 'alice@example.com',
      name: 'alice',
      displayName: 'Alice Example',
      email: 'Alice@Example.com',
      mfa: true,
      groups: ['developers', 'approvers'],
    });
  });

  it('defaults the display name to the handle and MFA to off', async () => {
    const bob = await directory().findUser('bob');
    expect(bob).toMatchObject({ displayName: 'bob', mfa: false, groups: ['approvers'] });
  });

  it('returns undefined for someone it does not know', async () => {
    expect(await directory().findUser('mallory')).toBeUndefined();
  });

  it('lists every user in file order', async () => {
    const users = await directory().listUsers();
    expect(users.map((u) => u.name)).toEqual(['alice', 'bob']);
  });

  it('knows nobody when the config has no directory', async () => {
    const empty = new ConfigDirectory(undefined);
    expect(await empty.listUsers()).toEqual([]);
    expect(await empty.findUser('alice')).toBeUndefined();
  });
});
