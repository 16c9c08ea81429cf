// The sandbox's Entra: the config's directory as an EntraSeed for the Entra emulator. Users
// sign in by their e-mail as UPN (with the config's MFA flag); directory groups keep their
// members; the group of each `source: entra-pim` role becomes a PIM group whose eligible
// principals are the role's eligibility members, so `jit pim activate` has something to do.
import {
  createEntraAdapters,
  type EntraAdapters,
  type EntraAdaptersOptions,
} from '../adapters/entra/index.js';
import type { JitConfig } from '../config/index.js';
import {
  startEntraEmulator,
  type EntraSeed,
  type EntraEmulatorOptions,
  type EntraSeedGroup,
  type RunningEntraEmulator,
} from '../emulators/entra/index.js';
import { applyEntraPim } from '../plan/apply-entra-pim.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Metrics } from '../ports/metrics.js';

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
      provisioned: boolean;
      eligible: string[];
    }
  >();
  for (const group of directory.groups) {
    groups.set(group.name.toLowerCase(), {
      displayName: group.name,
      ...(group.description === undefined ? {} : { description: group.description }),
      members: [...group.members],
      pim: false,
      provisioned: false,
      eligible: [],
    });
  }
  for (const role of config.roles.values()) {
    if (role.source !== 'entra-pim') continue;
    const name = role.entraGroup ?? role.group;
    const key = name.toLowerCase();
    const entry = groups.get(key) ?? {
      displayName: name,
      members: [],
      pim: true,
      provisioned: true,
      eligible: [],
    };
    entry.pim = true;
    // As in the seed's architecture: Entra provisions the PIM group to Identity Center.
    entry.provisioned = true;
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
      ...(g.provisioned ? { provisioned: true } : {}),
      ...(g.eligible.length > 0 ? { eligible: g.eligible } : {}),
    })),
  };
}

export interface EntraSandboxOptions {
  readonly config: JitConfig;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** The Identity Center emulator's SCIM endpoint: the provisioning job pushes there. */
  readonly scim?: { readonly url: string; readonly token: string };
  /** Divides the provisioning cycle (40 minutes) to make the slow path visible sooner. */
  readonly provisioningTimeFactor?: number;
  /** Counts every Graph request (`/metrics`). */
  readonly metrics?: Metrics;
  /** Tests and benchmarks: emulator options (faults, rate limit, latency). */
  readonly emulatorOptions?: Partial<Omit<EntraEmulatorOptions, 'clock' | 'seed'>>;
  /** Tests and benchmarks: adapter options (retries, sleep, concurrency). */
  readonly adapterOptions?: Partial<
    Pick<EntraAdaptersOptions, 'maxAttempts' | 'sleep' | 'concurrency'>
  >;
}

export interface EntraSandbox {
  readonly emulator: RunningEntraEmulator;
  readonly adapters: EntraAdapters;
  /** PIM group object ids by role name. */
  readonly groups: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

/** Starts the Entra emulator seeded from the config, writes each PIM role's activation
 *  policy into it through Graph (as `jit apply` will for a real tenant), and builds the
 *  real Entra adapters against it. */
export async function startEntraSandbox(options: EntraSandboxOptions): Promise<EntraSandbox> {
  const { config, clock } = options;
  const emulator = await startEntraEmulator({
    ...options.emulatorOptions,
    clock,
    seed: entraSeedFromConfig(config),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.scim
      ? {
          provisioning: {
            scimUrl: options.scim.url,
            scimToken: options.scim.token,
            ...(options.provisioningTimeFactor === undefined
              ? {}
              : { timeFactor: options.provisioningTimeFactor }),
          },
        }
      : {}),
  });
  try {
    const adapters = createEntraAdapters({
      tenantId: emulator.tenantId,
      clientId: emulator.app.clientId,
      credential: { kind: 'secret', secret: emulator.app.clientSecret },
      authority: emulator.url,
      graphBaseUrl: emulator.graphUrl,
      allowInsecureRequests: true,
      clock,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(config.entra ? { userAttribute: config.entra.userAttribute } : {}),
      ...options.adapterOptions,
    });
    const applied = await applyEntraPim({ config, graph: adapters.graph, now: () => clock.now() });
    return {
      emulator,
      adapters,
      groups: applied.groups,
      close: () => emulator.close(),
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
