// The sandbox's clouds for `jit serve`: the Identity Center emulator through the real AWS
// adapter (or the sandbox file), the Entra emulator with its PIM groups, sandbox sign-in,
// and the config's directory. main.ts loads this module only in mode: sandbox, so a live
// server never has an emulator in its process.
import { join } from 'node:path';
import { FileAccessTarget } from '../adapters/local/file-access-target.js';
import { ConfigDirectory } from '../adapters/local/config-directory.js';
import type { SandboxOidcProvider } from '../api/auth/build-oidc-login.js';
import type { JitConfig } from '../config/index.js';
import type { Entitlement } from '../core/grant.js';
import type { AccessTarget } from '../ports/access-target.js';
import type { Clock } from '../ports/clock.js';
import type { Clouds } from '../ports/clouds.js';
import type { Logger } from '../ports/logger.js';
import type { ExpiryFailSafe } from '../ports/expiry-fail-safe.js';
import type { Metrics } from '../ports/metrics.js';
import { NoopSessionRevoker, type SessionRevoker } from '../ports/session-revoker.js';
import { startEntraSandbox, type EntraSandbox } from './entra-sandbox.js';
import { startIdentityCenterSandbox } from './identity-center-sandbox.js';

export interface SandboxCloudsOptions {
  readonly config: JitConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stateDir: string;
  readonly sleep: (ms: number) => Promise<void>;
  /** `identity-center` (the emulator through the real adapter; default) or `file`. */
  readonly target?: 'identity-center' | 'file';
  /** An Identity Center emulator already running; else one starts in-process. */
  readonly identityCenterEndpoint?: string;
  /** An OIDC provider offered beside sandbox sign-in when the config has no auth.oidc. */
  readonly oidc?: SandboxOidcProvider;
  readonly onAlert: (message: string) => void;
  readonly stillLeading: () => Promise<boolean>;
  /** Counts every AWS and Graph call (`/metrics`). */
  readonly metrics?: Metrics;
}

export interface SandboxClouds extends Clouds {
  /** What the emulated target holds within what the config manages. */
  held(): Promise<readonly Entitlement[]>;
  readonly entra: EntraSandbox['emulator'];
  /** The provider sign-in uses when the config names none: the Entra emulator's. */
  readonly oidcProvider: SandboxOidcProvider;
}

export async function startSandboxClouds(options: SandboxCloudsOptions): Promise<SandboxClouds> {
  const { config, env } = options;
  let target: AccessTarget;
  let held: () => Promise<readonly Entitlement[]>;
  let closeTarget = (): Promise<void> => Promise.resolve();
  let revoker: SessionRevoker = new NoopSessionRevoker();
  let failSafe: ExpiryFailSafe | undefined;
  let description: string;
  let scim: { url: string; token: string } | undefined;
  if (options.target === 'file') {
    const path = env['JIT_SANDBOX_TARGET'] ?? join(options.stateDir, 'sandbox-target.json');
    const fileTarget = new FileAccessTarget({ path, clock: options.clock });
    target = fileTarget;
    held = () => Promise.resolve(fileTarget.snapshot());
    description = `sandbox file ${path}`;
  } else {
    const sandbox = await startIdentityCenterSandbox({
      config,
      clock: options.clock,
      sleep: options.sleep,
      ...(options.identityCenterEndpoint ? { endpoint: options.identityCenterEndpoint } : {}),
      onAlert: options.onAlert,
      stillLeading: options.stillLeading,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    target = sandbox.target;
    revoker = sandbox.revoker;
    failSafe = sandbox.failSafe;
    scim = sandbox.scim;
    held = () => sandbox.held();
    closeTarget = () => sandbox.close();
    description = `Identity Center emulator at ${sandbox.endpoint} (real AWS SDK adapter)`;
  }
  let entra: EntraSandbox;
  try {
    entra = await startEntraSandbox({
      config,
      clock: options.clock,
      logger: options.logger,
      ...(scim ? { scim } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
  } catch (error) {
    await closeTarget();
    throw error;
  }
  return {
    target,
    revoker,
    directory: new ConfigDirectory(config.directory),
    activationSource: entra.adapters.activationSource,
    activationRevoker: entra.adapters.activationRevoker,
    ...(failSafe ? { failSafe } : {}),
    description,
    held,
    entra: entra.emulator,
    oidcProvider: options.oidc ?? {
      issuer: entra.emulator.issuer,
      clientId: entra.emulator.app.clientId,
      clientSecret: entra.emulator.app.clientSecret,
    },
    pim: {
      issuer: entra.emulator.issuer,
      clientId: entra.emulator.app.clientId,
      graphUrl: entra.emulator.graphUrl,
      allowInsecureRequests: true,
      roles: () =>
        Promise.resolve(
          [...config.roles.values()].flatMap((role) => {
            const groupId = entra.groups.get(role.name);
            return groupId === undefined
              ? []
              : [{ role: role.name, group: role.entraGroup ?? role.group, groupId }];
          }),
        ),
    },
    async close() {
      await entra.close();
      await closeTarget();
    },
  };
}
