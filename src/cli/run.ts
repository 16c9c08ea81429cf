// The CLI's composition root, loaded by main.ts once the Node.js version is known to be
// supported: reads the environment and the real clock, runs the program, and turns every
// failure into a message and an exit code. Never a stack trace.
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { errorMessage } from '../core/error-message.js';
import { CliError } from './cli-error.js';
import { colour } from './output.js';
import { buildProgram } from './program.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram({
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    now: () => Date.now(),
    version: packageVersion(),
  });
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors (unknown option, missing argument) exit 2.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      process.stderr.write(`${colour.red('error:')} ${error.message}\n`);
      for (const line of error.details) process.stderr.write(`  ${line}\n`);
      return error.exitCode;
    }
    process.stderr.write(`${colour.red('error:')} ${errorMessage(error)}\n`);
    return 1;
  }
}

run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
