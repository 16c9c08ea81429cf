// `jit import tfvars <file>`: writes the config the seed's Terraform variables describe, after
// checking it loads, and prints the import's report (what was mapped, what was not, what it
// fixed, what is left to fill in).
import { readFile, writeFile } from 'node:fs/promises';
import { parseConfig } from '../config/index.js';
import { importTfvars, TfvarsImportError } from '../plan/tfvars/import-tfvars.js';
import { TfvarsSyntaxError } from '../plan/tfvars/parse-tfvars.js';
import { CliError, invalidInput } from './cli-error.js';
import type { CliKit } from './cli-kit.js';
import { colour } from './output.js';

export async function runImportTfvars(
  kit: CliKit,
  file: string,
  opts: { readonly out: string; readonly force?: boolean },
): Promise<void> {
  const out = kit.output();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw invalidInput(`cannot read ${file}; check the path`);
  }
  let result: ReturnType<typeof importTfvars>;
  try {
    result = importTfvars(text, file);
  } catch (error) {
    if (error instanceof TfvarsSyntaxError) throw invalidInput(error.message);
    if (error instanceof TfvarsImportError) throw invalidInput(error.message, error.details);
    throw error;
  }
  const parsed = parseConfig(result.yaml, opts.out);
  if (!parsed.ok)
    throw new CliError(
      `the imported config does not load; please report this with your tfvars file`,
      1,
      parsed.errors,
    );
  if (opts.out === '-') {
    kit.ctx.stdout.write(result.yaml);
  } else {
    try {
      await writeFile(opts.out, result.yaml, { flag: opts.force === true ? 'w' : 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST')
        throw invalidInput(`${opts.out} exists; pass --force to overwrite it, or -o another file`);
      throw new CliError(`cannot write ${opts.out}: ${(error as Error).message}`);
    }
  }
  const { report } = result;
  if (out.json) {
    const body = { config: opts.out, ...report };
    if (opts.out === '-') out.error(JSON.stringify(body));
    else out.data(body);
    return;
  }
  // With the config on standard output, the report goes to standard error.
  const say = (text: string): void => {
    if (opts.out === '-') out.error(text);
    else out.line(text);
  };
  if (opts.out !== '-')
    say(
      colour.green(
        `wrote ${opts.out}: ${String(parsed.config.permissionSets.size)} permission sets, ${String(parsed.config.roles.size)} roles`,
      ),
    );
  const section = (title: string, lines: readonly string[]) => {
    if (lines.length === 0) return;
    say(colour.bold(title));
    for (const line of lines) say(`  - ${line}`);
  };
  section('Mapped', report.mapped);
  section('Not mapped', report.notMapped);
  section("Fixed from the seed's setup", report.fixed);
  section('To do before jit doctor and jit plan', report.toDo);
}
