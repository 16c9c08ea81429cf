#!/usr/bin/env node
// The CLI entry. It refuses an unsupported Node.js in one line (exit 2) before it loads the
// program, whose dependencies would otherwise fail on an old runtime in their own ways.
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node);
if (problem === undefined) {
  await import('./run.js');
} else {
  process.stderr.write(`error: ${problem}\n`);
  process.exitCode = 2;
}
