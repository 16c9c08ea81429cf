// One problem found in the config, before it becomes a line of text: where (a path of keys
// and indexes) and what (the "problem; fix" message).
import { formatPath } from './config-path.js';

export interface ConfigProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** The line shown to people: `path: problem; fix`. */
export function problemLine(problem: ConfigProblem): string {
  const where = formatPath(problem.path);
  return where === '' ? problem.message : `${where}: ${problem.message}`;
}
