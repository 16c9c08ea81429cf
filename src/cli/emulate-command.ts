// `jit emulate identity-center`: runs the Identity Center emulator alone, for trying the AWS
// CLI or SDK against it, or for pointing `jit serve --identity-center-endpoint` at it. With a
// config, it seeds the organisation's accounts and applies the config through its own API.
// `jit emulate entra`: runs the Entra emulator alone (real time), seeded from a config's
// directory when given.
import {
  sandboxSeed,
  startIdentityCenterSandbox,
  SANDBOX_CREDENTIALS,
  SANDBOX_MANAGEMENT_ACCOUNT,
} from '../sandbox/identity-center-sandbox.js';
import { startIdentityCenterEmulator } from '../emulators/identity-center/start-identity-center-emulator.js';
import { startEntraEmulator, type RunningEntraEmulator } from '../emulators/entra/index.js';
import { entraSeedFromConfig } from '../sandbox/entra-sandbox.js';
import { CliError } from './cli-error.js';
import { colour } from './output.js';
import type { CliContext } from './cli-context.js';
import { loadConfig } from './load-config.js';

export interface EmulateCommandOptions {
  readonly port: number;
  readonly config?: string;
}

export async function runEmulateIdentityCenter(
  ctx: CliContext,
  opts: EmulateCommandOptions,
): Promise<void> {
  const write = (text = ''): void => {
    ctx.stdout.write(`${text}\n`);
  };
  const config = opts.config ? await loadConfig(opts.config) : undefined;
  let url: string;
  let close: () => Promise<void>;
  try {
    const emulator = await startIdentityCenterEmulator({
      port: opts.port,
      host: '127.0.0.1',
      ...(config ? { seed: sandboxSeed(config) } : {}),
    });
    url = emulator.url;
    close = () => emulator.close();
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new CliError(`port ${opts.port} is in use; pass another with --port`);
    }
    throw error;
  }
  write(`${colour.bold('Identity Center emulator')} listening on ${colour.cyan(url)}`);
  if (config && opts.config) {
    const sandbox = await startIdentityCenterSandbox({
      config,
      clock: { now: ctx.now },
      endpoint: url,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    write(
      `applied ${opts.config}: instance ${sandbox.instanceArn}, identity store ${sandbox.identityStoreId}`,
    );
  }
  write(
    `management account ${SANDBOX_MANAGEMENT_ACCOUNT} unless seeded otherwise; any signed request is accepted, e.g.:`,
  );
  write(
    `  AWS_ACCESS_KEY_ID=${SANDBOX_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=x aws --endpoint-url ${url} --region us-east-1 sso-admin list-instances`,
  );
  write(
    `admin: GET ${url}/_emulator/calls (call counts), POST ${url}/_emulator/faults (fault injection)`,
  );
  write(colour.dim('Stop with Ctrl-C.'));
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function runEmulateEntra(ctx: CliContext, opts: EmulateCommandOptions): Promise<void> {
  const write = (text = ''): void => {
    ctx.stdout.write(`${text}\n`);
  };
  const config = opts.config ? await loadConfig(opts.config) : undefined;
  let emulator: RunningEntraEmulator;
  try {
    emulator = await startEntraEmulator({
      port: opts.port,
      host: '127.0.0.1',
      clock: { now: ctx.now },
      ...(config ? { seed: entraSeedFromConfig(config) } : {}),
    });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new CliError(`port ${opts.port} is in use; pass another with --port`);
    }
    throw error;
  }
  write(`${colour.bold('Entra emulator')} listening on ${colour.cyan(emulator.url)}`);
  write(`tenant id      ${emulator.tenantId}`);
  write(`client id      ${emulator.app.clientId}`);
  write(
    `client secret  ${emulator.app.clientSecret}  ${colour.dim('(sandbox only; not a real secret)')}`,
  );
  write(`OIDC discovery ${emulator.issuer}/.well-known/openid-configuration`);
  write(`Graph          ${emulator.graphUrl}`);
  if (config && opts.config) {
    const users = config.directory?.users.length ?? 0;
    write(
      `seeded from ${opts.config}: ${users} user${users === 1 ? '' : 's'}, sign in as any of them at the authorize endpoint`,
    );
  } else {
    write(
      `no users yet: POST ${emulator.url}/_emulator/seed {"users": [...], "groups": [...]}, or pass --config`,
    );
  }
  write(
    `admin: GET ${emulator.url}/_emulator/calls (call counts), POST ${emulator.url}/_emulator/faults (fault injection)`,
  );
  write(colour.dim('Stop with Ctrl-C.'));
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void emulator.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
