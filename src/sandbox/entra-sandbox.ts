// The sandbox's Entra: the config's directory as an EntraSeed for the Entra emulator. Users
// sign in by their e-mail as UPN (with the config's MFA flag); directory groups keep their
// members; the group of each `source: entra-pim` role becomes a PIM group whose eligible
// principals are the role's eligibility members, so `jit pim activate` has something to do.
import type { JitConfig } from '../config/index.js';
import type { EntraSeed, EntraSeedGroup } from '../emulators/entra/index.js';

export interface EntraSeedFromConfigOptions {
  /** Make each entra-pim role's eligibility members eligible in PIM (default true). */
  readonly eligibility?: boolean;
}

/** The Entra emulator seed for a config: users, groups, and the PIM groups of entra-pim roles. */
export function entraSeedFromConfig(
  config: JitConfig,
  options: EntraSeedFromConfigOptions = {},
): EntraSeed {
  const directory = config.directory ?? { users: [], groups: [] };
  const users = directory.users.map((user) => ({
    userPrincipalName: user.email,
    displayName: user.displayName,
    mail: user.email,
    mfa: user.mfa,
  }));
  const groups = new Map<
    string,
    {
      displayName: string;
      description?: string;
      members: string[];
      pim: boolean;
      eligible: string[];
    }
  >();
  for (const group of directory.groups) {
    groups.set(group.name.toLowerCase(), {
      displayName: group.name,
      ...(group.description === undefined ? {} : { description: group.description }),
      members: [...group.members],
      pim: false,
      eligible: [],
    });
  }
  for (const role of config.roles.values()) {
    if (role.source !== 'entra-pim') continue;
    const key = role.group.toLowerCase();
    const entry = groups.get(key) ?? {
      displayName: role.group,
      members: [],
      pim: true,
      eligible: [],
    };
    entry.pim = true;
    if (options.eligibility !== false) {
      const known = (name: string): boolean =>
        users.some((u) => u.userPrincipalName.toLowerCase() === name.toLowerCase()) ||
        groups.has(name.toLowerCase());
      for (const principal of [
        ...role.eligibility.members.users,
        ...role.eligibility.members.groups,
      ])
        if (
          known(principal) &&
          !entry.eligible.some((e) => e.toLowerCase() === principal.toLowerCase())
        )
          entry.eligible.push(principal);
    }
    groups.set(key, entry);
  }
  return {
    users,
    groups: [...groups.values()].map((g): EntraSeedGroup => ({
      displayName: g.displayName,
      ...(g.description === undefined ? {} : { description: g.description }),
      members: g.members,
      ...(g.pim ? { pim: true } : {}),
      ...(g.eligible.length > 0 ? { eligible: g.eligible } : {}),
    })),
  };
}
