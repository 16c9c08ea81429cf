// The `jit` command group for provisioning Identity Center from the config: `jit plan`,
// `jit apply` (src/cli/provision-command.ts does the work, loaded on demand).
import { Option, type Command } from 'commander';
import type { CliKit } from './cli-kit.js';

export function registerProvisionCommands(program: Command, kit: CliKit): void {
  const { ctx } = kit;
  const configDefault = ctx.env['JIT_CONFIG'] ?? 'jit.config.yaml';
  program
    .command('plan')
    .description(
      'show what jit apply would change in Identity Center; exit 0 nothing, 3 changes pending, 1 failure, 2 bad config',
    )
    .option('-c, --config <file>', 'config file', configDefault)
    .option('--endpoint <url>', "sandbox config: the Identity Center emulator's URL")
    .option('--prune', 'also delete managed objects the config no longer names')
    .option('--out <file>', 'save the plan (JSON) for jit apply --plan-file')
    .addOption(cloudOption())
    .action(
      async (opts: {
        config: string;
        endpoint?: string;
        prune?: boolean;
        out?: string;
        cloud: 'all' | 'aws';
      }) => {
        const { runPlan } = await import('./provision-command.js');
        await runPlan(kit, opts);
      },
    );
  program
    .command('apply')
    .description(
      'make Identity Center hold what the config declares (permission sets, group assignments)',
    )
    .option('-c, --config <file>', 'config file', configDefault)
    .option('--endpoint <url>', "sandbox config: the Identity Center emulator's URL")
    .option('--prune', 'also delete managed objects the config no longer names')
    .option('--allow-destructive', 'let it delete without asking')
    .option(
      '--plan-file <file>',
      'apply exactly this saved plan; refused if Identity Center has moved since',
    )
    .addOption(cloudOption())
    .action(
      async (opts: {
        config: string;
        endpoint?: string;
        prune?: boolean;
        allowDestructive?: boolean;
        planFile?: string;
        cloud: 'all' | 'aws';
      }) => {
        const { runApply } = await import('./provision-command.js');
        await runApply(kit, opts);
      },
    );
}

export function registerImportCommands(program: Command, kit: CliKit): void {
  const importCommand = program
    .command('import')
    .description('turn another tool’s setup into a jit.config.yaml');
  importCommand
    .command('tfvars <file>')
    .description("the seed's Terraform variables (terraform.tfvars) as a config, with a report")
    .option(
      '-o, --out <file>',
      'where to write the config ("-" for standard output)',
      'jit.config.yaml',
    )
    .option('--force', 'overwrite the output file')
    .action(async (file: string, opts: { out: string; force?: boolean }) => {
      const { runImportTfvars } = await import('./import-command.js');
      await runImportTfvars(kit, file, opts);
    });
}

/** `--cloud aws` leaves Entra out (say, before the app registration exists). */
function cloudOption(): Option {
  return new Option(
    '--cloud <cloud>',
    'which clouds: all (Identity Center, and Entra PIM for entra-pim roles) or aws',
  )
    .choices(['all', 'aws'])
    .default('all');
}
