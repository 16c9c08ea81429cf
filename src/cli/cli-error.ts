// How a CLI command fails: a message for people and an exit code (1 failure, 2 invalid input).

export class CliError extends Error {
  readonly exitCode: 1 | 2;
  readonly details: readonly string[];

  constructor(message: string, exitCode: 1 | 2 = 1, details: readonly string[] = []) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** Bad flags or arguments: exit code 2. */
export function invalidInput(message: string, details: readonly string[] = []): CliError {
  return new CliError(message, 2, details);
}

/** Ends a command with an exit code and no message: `jit plan`'s 3 (changes pending). */
export class QuietExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${String(exitCode)}`);
    this.name = 'QuietExit';
  }
}
