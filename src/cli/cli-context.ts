// What every command gets from the CLI's composition root (run.ts): the environment, the
// output streams, the clock and the version. Nothing else reads them.

export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Where commander's usage errors go (default stderr; swallowed under --json). */
  readonly usageErrors?: NodeJS.WritableStream;
  readonly now: () => number;
  /** Waits (polling loops); a test may pass one that moves a fake clock instead. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly version: string;
}
