// The Node.js floor, checked before anything else loads: an older runtime gets one line and
// exit code 2 instead of a crash deep inside a dependency (better-sqlite3 13 segfaults on
// Node 20; the AWS SDK warns). Keep this module free of imports so it runs on any Node.

/** The lowest Node.js major JIT Access runs on; package.json `engines` says the same. */
export const MINIMUM_NODE_MAJOR = 24;

/**
 * Returns the one-line refusal for a Node.js version below the floor, or undefined when the
 * version is supported. `version` is `process.versions.node` (for example `20.20.2`).
 */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  if (Number.isInteger(major) && major >= MINIMUM_NODE_MAJOR) return undefined;
  return (
    `JIT Access needs Node.js ${String(MINIMUM_NODE_MAJOR)} or newer, but this is Node.js ${version}; ` +
    `install Node.js ${String(MINIMUM_NODE_MAJOR)} LTS (in a clone of the repository, scripts/node24.sh runs any command under it)`
  );
}
