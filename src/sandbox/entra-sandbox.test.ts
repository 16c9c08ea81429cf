import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JitConfig } from '../config/index.js';
import { baseConfig, loaded } from '../../test/harness/config-builders.js';
import { SettableClock } from '../ports/clock.js';
import { startEntraEmulator, type RunningEntraEmulator } from '../emulators/entra/index.js';
import { entraSeedFromConfig } from './entra-sandbox.js';

function config(): JitConfig {
  const raw = baseConfig();
  const roles = raw.roles as Record<string, Record<string, unknown>>;
  roles['read-only'] = { ...roles['read-only'], source: 'entra-pim' };
  return loaded(raw).config;
}

describe('entraSeedFromConfig', () => {
  it('seeds directory users by e-mail as UPN with their MFA flag, groups with members, and entra-pim role groups as PIM groups', () => {
    const cfg = config();
    const seed = entraSeedFromConfig(cfg);
    expect(seed.users).toContainEqual({
      userPrincipalName: 'Carol@Example.com',
      displayName: 'Carol Example',
      mail: 'Carol@Example.com',
      mfa: true,
    });
    expect(seed.users).toContainEqual(
      expect.objectContaining({ userPrincipalName: 'dave@example.com', mfa: false }),
    );
    expect(seed.groups).toContainEqual(
      expect.objectContaining({
        displayName: 'developers',
        members: ['alice@example.com', 'dave@example.com'],
      }),
    );
    const roleGroup = cfg.roles.get('read-only')?.group ?? '';
    expect(seed.groups).toContainEqual(
      expect.objectContaining({ displayName: roleGroup, pim: true, eligible: ['developers'] }),
    );
    expect(
      entraSeedFromConfig(cfg, { eligibility: false }).groups?.find(
        (g) => g.displayName === roleGroup,
      )?.eligible,
    ).toBeUndefined();
  });

  describe('against the emulator', () => {
    let emu: RunningEntraEmulator;
    beforeAll(async () => {
      emu = await startEntraEmulator({
        clock: new SettableClock({ base: Date.now }),
        seed: entraSeedFromConfig(config()),
      });
    });
    afterAll(async () => {
      await emu.close();
    });

    it('is accepted, and a member of an eligible group is eligible for the role group', () => {
      const cfg = config();
      const roleGroup = cfg.roles.get('read-only')?.group ?? '';
      const ids = emu.seed({
        groups: [{ displayName: roleGroup }],
        users: [{ userPrincipalName: 'alice@example.com', displayName: 'alice' }],
      });
      const groupId = ids.groups[roleGroup] ?? '';
      const developers = emu.emulator.directory.groupByName('developers')?.id;
      const eligible = emu.emulator.pim
        .activeSchedules('eligibility', groupId)
        .map((s) => s.principalId);
      expect(eligible).toEqual([developers]);
      expect(emu.emulator.directory.user('alice@example.com')?.mfa).toBe(true);
    });
  });
});
