// The `jit` command line: builds the commander program. Commands talk to the server over
// HTTP, except `serve`, `config validate` and `audit`, which work on the config and the
// store directly. Exit codes: 0 ok, 1 failure, 2 invalid input. Each command group lives
// in a file of its own (`*-commands.ts`); this file assembles them.
import { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { createCliKit, DEFAULT_SERVER } from './cli-kit.js';
import { registerServerCommands } from './server-commands.js';
import { registerAuthCommands } from './auth-commands.js';
import { registerGrantCommands } from './grant-commands.js';
import { registerPimCommands } from './pim-commands.js';
import { registerAuditCommands } from './audit-commands.js';
import { registerConfigCommands } from './config-commands.js';
import { registerImportCommands, registerProvisionCommands } from './provision-commands.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('jit')
    .description('JIT Access: just-in-time privileged access to AWS')
    .version(ctx.version)
    .option('--json', 'print JSON for scripts')
    .option(
      '--server <url>',
      `the JIT Access server (default: JIT_SERVER, the signed-in server, or ${DEFAULT_SERVER})`,
    )
    .showHelpAfterError('(run `jit --help` for usage)')
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => (ctx.usageErrors ?? ctx.stderr).write(text),
    })
    .exitOverride();

  const kit = createCliKit(program, ctx);
  registerServerCommands(program, kit);
  registerAuthCommands(program, kit);
  registerGrantCommands(program, kit);
  registerPimCommands(program, kit);
  registerAuditCommands(program, kit);
  registerConfigCommands(program, kit);
  registerProvisionCommands(program, kit);
  registerImportCommands(program, kit);

  return program;
}
