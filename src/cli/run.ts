// The CLI's composition root, loaded by main.ts once the Node.js version is known to be
// supported: reads the environment and the real clock, runs the program, and turns every
// failure into a message and an exit code. Never a stack trace.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { errorMessage } from '../core/error-message.js';
import { CliError, QuietExit } from './cli-error.js';
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

/** Whether `--json` was asked for (a global option: it comes before the command). */
function wantsJson(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

async function run(argv: readonly string[]): Promise<number> {
  const json = wantsJson(argv);
  const program = buildProgram({
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    // Under --json, commander's own usage messages are replaced by the JSON error below.
    ...(json
      ? {
          usageErrors: new Writable({
            write: (_chunk, _encoding, done) => {
              done();
            },
          }),
        }
      : {}),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    version: packageVersion(),
  });
  const fail = (message: string, exitCode: number, details: readonly string[] = []): number => {
    if (json) {
      process.stderr.write(`${JSON.stringify({ error: { message, exitCode, details } })}\n`);
    } else {
      process.stderr.write(`${colour.red('error:')} ${message}\n`);
      for (const line of details) process.stderr.write(`  ${line}\n`);
    }
    return exitCode;
  };
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors (unknown option, missing argument) exit 2.
      if (error.exitCode === 0) return 0;
      return json ? fail(error.message.replace(/^error: /, ''), 2) : 2;
    }
    if (error instanceof QuietExit) return error.exitCode;
    if (error instanceof CliError) return fail(error.message, error.exitCode, error.details);
    return fail(errorMessage(error), 1);
  }
}

// `jit grants | head -1`: the reader went away; that is not an error to report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
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
