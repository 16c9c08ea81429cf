// The `jit` command group for configuration tools: `jit config validate` and `jit config
// schema` (the JSON Schema editors use to complete and check jit.config.yaml).
import { Command } from 'commander';
import { invalidInput } from './cli-error.js';
import { colour } from './output.js';

import { type CliKit } from './cli-kit.js';

export function registerConfigCommands(program: Command, kit: CliKit): void {
  const { output } = kit;
  const config = program.command('config').description('configuration tools');
  config
    .command('validate <file>')
    .description('check a config file; exit 2 with one line per problem')
    .action(async (file: string) => {
      const out = output();
      const { loadConfigFile } = await import('../config/index.js');
      const result = await loadConfigFile(file);
      if (!result.ok) {
        if (out.json) out.data({ ok: false, errors: result.errors });
        throw invalidInput(
          `${file} is not valid (${result.errors.length} problem${result.errors.length > 1 ? 's' : ''})`,
          result.errors,
        );
      }
      if (out.json) {
        out.data({
          ok: true,
          warnings: result.warnings,
          roles: [...result.config.roles.keys()],
        });
        return;
      }
      for (const warning of result.warnings) out.error(`${colour.yellow('warning')} ${warning}`);
      out.line(
        `${colour.green('ok')}: ${file}: ${result.config.roles.size} roles, ${result.config.permissionSets.size} permission sets, mode ${result.config.mode}`,
      );
    });
  config
    .command('schema')
    .description(
      'print the JSON Schema of jit.config.yaml (for editors: see the modeline in examples/jit.config.yaml)',
    )
    .action(async () => {
      const { configJsonSchema } = await import('../config/config-json-schema.js');
      kit.ctx.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
