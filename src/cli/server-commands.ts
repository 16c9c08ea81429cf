// The `jit` command group for the server and the emulators: `jit serve`, `jit doctor`,
// `jit check`, `jit emulate`.
import { Command, Option } from 'commander';

import { parsePort, type CliKit } from './cli-kit.js';

export function registerServerCommands(program: Command, kit: CliKit): void {
  const { ctx } = kit;
  program
    .command('serve')
    .description('run the API and the controller')
    .option('-c, --config <file>', 'config file', ctx.env['JIT_CONFIG'] ?? 'jit.config.yaml')
    .option('--host <host>', 'listen address (default: server.host)')
    .option('--port <port>', 'listen port (default: server.port)', parsePort)
    .option('--test-hooks', 'sandbox only: let tests set the clock and arm crash points')
    .option('--walkthrough', 'print the sandbox users and a short walk-through')
    .addOption(
      new Option(
        '--sandbox-target <kind>',
        'sandbox: where access lands (default: identity-center)',
      ).choices(['identity-center', 'file']),
    )
    .option(
      '--identity-center-endpoint <url>',
      'sandbox: an Identity Center emulator already running (default: start one in-process)',
    )
    .action(
      async (opts: {
        config: string;
        host?: string;
        port?: number;
        testHooks?: boolean;
        walkthrough?: boolean;
        sandboxTarget?: 'identity-center' | 'file';
        identityCenterEndpoint?: string;
      }) => {
        // Loaded on demand: the server's dependencies would slow every other command.
        const { runServe } = await import('./serve-command.js');
        await runServe(ctx, opts);
      },
    );

  program
    .command('doctor')
    .description(
      'check, read-only, that a live config can reach everything the controller needs; exit 1 on a failure',
    )
    .option('-c, --config <file>', 'config file', ctx.env['JIT_CONFIG'] ?? 'jit.config.yaml')
    .action(async (opts: { config: string }) => {
      const { runDoctorCommand } = await import('./doctor-command.js');
      await runDoctorCommand(kit, opts);
    });

  program
    .command('check')
    .description(
      'check the config against the posture rules (docs/check.md); exit 1 on a finding at or above --fail-on',
    )
    .option('-c, --config <file>', 'config file', ctx.env['JIT_CONFIG'] ?? 'jit.config.yaml')
    .option('--sarif <file>', 'also write SARIF 2.1.0 to FILE (- for stdout, instead of the table)')
    .addOption(
      new Option('--fail-on <severity>', 'the lowest severity that fails the command')
        .choices(['low', 'medium', 'high', 'critical', 'none'])
        .default('high'),
    )
    .option('--live', 'also read Identity Center, Entra PIM, the revocation SCP and the store')
    .option('--endpoint <url>', "with --live, sandbox config: the Identity Center emulator's URL")
    .option('--entra-endpoint <url>', "with --live, sandbox config: the Entra emulator's URL")
    .action(
      async (opts: {
        config: string;
        sarif?: string;
        failOn: 'low' | 'medium' | 'high' | 'critical' | 'none';
        live?: boolean;
        endpoint?: string;
        entraEndpoint?: string;
      }) => {
        const { runCheckCommand } = await import('./check-command.js');
        await runCheckCommand(kit, opts);
      },
    );

  const emulate = program.command('emulate').description('run a local cloud emulator on its own');
  emulate
    .command('identity-center')
    .description(
      'the IAM Identity Center emulator (sso-admin, identitystore, Organizations over AWS JSON 1.1)',
    )
    .option('--port <port>', 'listen port', parsePort, 4566)
    .option('-c, --config <file>', 'seed accounts and apply this config through the emulator API')
    .action(async (opts: { port: number; config?: string }) => {
      const { runEmulateIdentityCenter } = await import('./emulate-command.js');
      await runEmulateIdentityCenter(ctx, opts);
    });
  emulate
    .command('entra')
    .description('the Microsoft Entra emulator (OAuth2/OIDC sign-in, Graph v1.0, PIM for Groups)')
    .option('--port <port>', 'listen port', parsePort, 4567)
    .option('-c, --config <file>', "seed the config's directory users and groups")
    .action(async (opts: { port: number; config?: string }) => {
      const { runEmulateEntra } = await import('./emulate-command.js');
      await runEmulateEntra(ctx, opts);
    });
}
